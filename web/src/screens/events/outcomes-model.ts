// The pure rules of an event's outcomes: attendance figures arranged for tables and charts,
// the follow-up status changes the service allows, the owner of a follow-up action, update
// masks from what a form changed, times typed in the event's own time zone, and conference
// session codes as the service accepts them.
import dayjs from "dayjs";
import utc from "dayjs/plugin/utc";
import timezone from "dayjs/plugin/timezone";
import type { DescEnum } from "@bufbuild/protobuf";
import type { GenEnum } from "@bufbuild/protobuf/codegenv2";
import { FollowUpStatus } from "../../gen/engage/briefings/v1/resources_pb";

dayjs.extend(utc);
dayjs.extend(timezone);

// ---------------------------------------------------------------------------------------
// Attendance figures

/** Registration counts as the figures give them (RegistrationCounts), zero when absent. */
export interface Counts {
  registered: number;
  waitlisted: number;
  cancelled: number;
  attended: number;
  noShow: number;
}

export const noCounts: Counts = { registered: 0, waitlisted: 0, cancelled: 0, attended: 0, noShow: 0 };

/** The statuses in the order the tables and charts show them. */
export const statusColumns = ["attended", "registered", "noShow", "waitlisted", "cancelled"] as const;
export type StatusColumn = (typeof statusColumns)[number];

/** Just the counts (not the rest of a message), zero where absent. */
export function countsOf(c: Partial<Counts> | undefined): Counts {
  return {
    registered: c?.registered ?? 0,
    waitlisted: c?.waitlisted ?? 0,
    cancelled: c?.cancelled ?? 0,
    attended: c?.attended ?? 0,
    noShow: c?.noShow ?? 0,
  };
}

/** Seats held: registered (not yet checked in), attended and no-shows. */
export function seatsHeld(c: Counts): number {
  return c.registered + c.attended + c.noShow;
}

/** Everyone who registered and did not cancel: seats held plus the waitlist. */
export function liveRegistrations(c: Counts): number {
  return seatsHeld(c) + c.waitlisted;
}

/** Share of the seats held that were checked in; null when no seat is held. */
export function turnout(c: Counts): number | null {
  const seats = seatsHeld(c);
  return seats === 0 ? null : c.attended / seats;
}

/** One line of a breakdown: the catalogue key of its group and its counts. */
export interface FigureRow {
  key: string;
  counts: Counts;
}

/**
 * The catalogue key of an enum value under `group`: `SECTOR_NGO` → `sector.ngo`,
 * `REGIONAL_GROUP_UNSPECIFIED` → `regional_group.unspecified`.
 */
export function enumKey(schema: DescEnum, group: string, prefix: string, value: number): string {
  const name = schema.values.find((v) => v.number === value)?.name ?? `${prefix}UNSPECIFIED`;
  return `${group}.${name.slice(prefix.length).toLowerCase()}`;
}

/** The full proto names of some enum values (`THEMATIC_AREA_FIREARMS`), unknown ones left out. */
export function enumNames(schema: DescEnum, values: readonly number[]): string[] {
  return values.flatMap((n) => schema.values.filter((v) => v.number === n).map((v) => v.name));
}

/** The numbers of some enum values given by full proto name, unknown ones left out. */
export function enumNumbers<T extends number>(schema: GenEnum<T>, names: readonly string[]): T[] {
  return names.flatMap((name) => schema.values.filter((v) => v.name === name).map((v) => v.number as T));
}

/** A breakdown's rows with their catalogue keys, in the order the service gives (enum order). */
export function figureRows<T>(rows: readonly T[], key: (row: T) => string, counts: (row: T) => Partial<Counts> | undefined): FigureRow[] {
  return rows.map((row) => ({ key: key(row), counts: countsOf(counts(row)) }));
}

/** The chart's series: one per status, each with a value per row. */
export function seriesOf(rows: readonly FigureRow[]): { column: StatusColumn; values: number[] }[] {
  return statusColumns.map((column) => ({ column, values: rows.map((r) => r.counts[column]) }));
}

/** The rows' counts added up (they add up to the totals the service reports). */
export function sumCounts(rows: readonly { counts: Counts }[]): Counts {
  return rows.reduce<Counts>(
    (acc, r) => ({
      registered: acc.registered + r.counts.registered,
      waitlisted: acc.waitlisted + r.counts.waitlisted,
      cancelled: acc.cancelled + r.counts.cancelled,
      attended: acc.attended + r.counts.attended,
      noShow: acc.noShow + r.counts.noShow,
    }),
    noCounts,
  );
}

// ---------------------------------------------------------------------------------------
// Conference sessions

/** What a person typed as a conference session, as the service compares it: trimmed, upper case. */
export function sessionCode(text: string): string {
  return text.trim().toUpperCase();
}

/** 2 to 32 upper-case letters, digits and hyphens, as Event.conference_session. */
export function isSessionCode(code: string): boolean {
  return /^[A-Z0-9-]{2,32}$/.test(code);
}

/** The distinct conference sessions of some events, most recent first as the events come. */
export function sessionCodes(events: readonly { conferenceSession: string }[]): string[] {
  const seen: string[] = [];
  for (const e of events) {
    if (e.conferenceSession !== "" && !seen.includes(e.conferenceSession)) seen.push(e.conferenceSession);
  }
  return seen;
}

// ---------------------------------------------------------------------------------------
// Follow-up actions

/**
 * The statuses an action may be set to from `from`, itself first: anything, except that a
 * DONE or CANCELLED action may only be reopened (FollowUpStatus).
 */
export function statusChoices(from: FollowUpStatus): FollowUpStatus[] {
  const current = from === FollowUpStatus.UNSPECIFIED ? FollowUpStatus.OPEN : from;
  const all = [FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS, FollowUpStatus.DONE, FollowUpStatus.CANCELLED];
  if (current === FollowUpStatus.DONE || current === FollowUpStatus.CANCELLED) return [current, FollowUpStatus.OPEN];
  return [current, ...all.filter((s) => s !== current)];
}

/** A status chosen in a list of choices, by its number as text. */
export function statusOf(text: string): FollowUpStatus {
  const all = [FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS, FollowUpStatus.DONE, FollowUpStatus.CANCELLED];
  return all.find((s) => String(s) === text) ?? FollowUpStatus.OPEN;
}

export type OwnerKind = "person" | "organization" | "subject";

export interface Owner {
  kind: OwnerKind;
  /** `people/…`, `organizations/…` or a subject; "" when none is chosen. */
  value: string;
}

/** The owner a follow-up action carries (its `owner` oneof). */
export function ownerOf(owner: { case: "ownerPerson" | "ownerOrganization" | "ownerSubject"; value: string } | { case: undefined; value?: undefined }): Owner {
  switch (owner.case) {
    case "ownerPerson":
      return { kind: "person", value: owner.value };
    case "ownerOrganization":
      return { kind: "organization", value: owner.value };
    case "ownerSubject":
      return { kind: "subject", value: owner.value };
    default:
      return { kind: "person", value: "" };
  }
}

/** The `owner` oneof to send for an owner. */
export function ownerField(owner: Owner): { case: "ownerPerson" | "ownerOrganization" | "ownerSubject"; value: string } {
  const value = owner.kind === "subject" ? owner.value.trim() : owner.value;
  switch (owner.kind) {
    case "person":
      return { case: "ownerPerson", value };
    case "organization":
      return { case: "ownerOrganization", value };
    case "subject":
      return { case: "ownerSubject", value };
  }
}

/** The update mask path of an owner: the field set (setting one clears the others). */
export function ownerPath(kind: OwnerKind): string {
  return kind === "person" ? "owner_person" : kind === "organization" ? "owner_organization" : "owner_subject";
}

/** What the follow-up form edits. */
export interface FollowUpValues {
  title: string;
  description: string;
  owner: Owner;
  /** `YYYY-MM-DD` or "". */
  dueDate: string;
  /** `events/…/statements/…` or "". */
  statement: string;
}

/** The update mask for what changed between the action as opened and the form. */
export function followUpMask(base: FollowUpValues, current: FollowUpValues): string[] {
  const paths: string[] = [];
  if (current.title !== base.title) paths.push("title");
  if (current.description !== base.description) paths.push("description");
  if (current.owner.kind !== base.owner.kind || current.owner.value !== base.owner.value) paths.push(ownerPath(current.owner.kind));
  if (current.dueDate !== base.dueDate) paths.push("due_date");
  if (current.statement !== base.statement) paths.push("statement");
  return paths;
}

// ---------------------------------------------------------------------------------------
// Statements

/** What the statement form edits. */
export interface StatementValues {
  speaker: string;
  organization: string;
  title: string;
  link: string;
  session: string;
  /** `YYYY-MM-DDTHH:mm` in the event's time zone, or "". */
  deliverTime: string;
  language: string;
  summary: string;
  thematicAreas: string[];
}

const statementPaths: [keyof StatementValues, string][] = [
  ["speaker", "speaker"],
  ["organization", "organization"],
  ["title", "title"],
  ["link", "link"],
  ["session", "session"],
  ["deliverTime", "deliver_time"],
  ["language", "language"],
  ["summary", "summary"],
  ["thematicAreas", "thematic_areas"],
];

/** The update mask for what changed between the statement as opened and the form. */
export function statementMask(base: StatementValues, current: StatementValues): string[] {
  return statementPaths
    .filter(([field]) => {
      const a = base[field];
      const b = current[field];
      return Array.isArray(a) && Array.isArray(b) ? a.length !== b.length || a.some((x, i) => x !== b[i]) : a !== b;
    })
    .map(([, path]) => path);
}

// ---------------------------------------------------------------------------------------
// Times in the event's time zone

const wallFormat = "YYYY-MM-DDTHH:mm";

/**
 * The wall-clock time (`YYYY-MM-DDTHH:mm`, a datetime-local value) of an instant in `zone`,
 * so that a statement's time reads as it did in the room.
 */
export function wallTimeOf(instant: Date, zone: string): string {
  return dayjs(instant).tz(zone).format(wallFormat);
}

/** The instant a wall-clock time in `zone` stands for; null when the text is not one. */
export function instantOf(wall: string, zone: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(wall)) return null;
  const parsed = dayjs.tz(wall, zone);
  return parsed.isValid() ? parsed.toDate() : null;
}

/** A time zone the browser knows, else UTC (an event's zone is checked by the service). */
export function knownZone(zone: string): string {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return zone;
  } catch {
    return "UTC";
  }
}
