// The pure rules of the initiatives screens: calendar dates as the contracts carry them, the
// lifecycle moves an initiative's status allows, the list's filters (kept in the address bar,
// sent as the AIP-160 filter ListInitiatives reads), who may write on which initiative, the
// words for a service's refusal, and the progress log threaded so a correction sits beside
// the entry it corrects.
import { InitiativeStatus } from "../../gen/engage/initiatives/v1/initiative_pb";
import { MilestoneStatus } from "../../gen/engage/initiatives/v1/milestone_pb";

// ---------------------------------------------------------------------------------------
// Dates

/** A calendar date as `engage.type.v1.Date` carries it. */
export interface Ymd {
  year: number;
  month: number;
  day: number;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** `YYYY-MM-DD`, or "" for an unset date (year 0). */
export function dateText(d: Ymd | undefined): string {
  if (d === undefined || d.year === 0) return "";
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;
}

/** A `YYYY-MM-DD` text as a date, or null when it is not a real calendar date. */
export function parseDate(text: string): Ymd | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (m === null) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return { year, month, day };
}

/** Days since 1970-01-01 (UTC), to place and compare dates. */
export function dayNumber(d: Ymd): number {
  return Math.floor(Date.UTC(d.year, d.month - 1, d.day) / 86_400_000);
}

/** The date of a day number. */
export function dateOfDay(day: number): Ymd {
  const d = new Date(day * 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Today in UTC, the day the service counts overdue milestones against. */
export function todayUtc(now: Date = new Date()): Ymd {
  return { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() };
}

/** A date shown in the reader's language (a calendar date, so no time zone shift). */
export function localDate(d: Ymd | undefined, format: (date: Date) => string): string {
  if (d === undefined || d.year === 0) return "";
  return format(new Date(d.year, d.month - 1, d.day));
}

// ---------------------------------------------------------------------------------------
// Lifecycle

export type Transition = "launch" | "activate" | "suspend" | "resume" | "complete";

/** The moves the contract allows from a status (initiative.proto), in the order offered. */
export function transitionsFrom(status: InitiativeStatus): Transition[] {
  switch (status) {
    case InitiativeStatus.PROPOSED:
      return ["launch"];
    case InitiativeStatus.LAUNCHED:
      return ["activate"];
    case InitiativeStatus.ACTIVE:
      return ["suspend", "complete"];
    case InitiativeStatus.SUSPENDED:
      return ["resume"];
    default:
      return [];
  }
}

export const initiativeStatuses: readonly InitiativeStatus[] = [
  InitiativeStatus.PROPOSED,
  InitiativeStatus.LAUNCHED,
  InitiativeStatus.ACTIVE,
  InitiativeStatus.SUSPENDED,
  InitiativeStatus.COMPLETED,
];

/** A suspension needs its reason; the other moves take an optional note. */
export const noteRequired = (move: Transition) => move === "suspend";

const initiativeStatusKeys: Record<number, string> = {
  [InitiativeStatus.PROPOSED]: "proposed",
  [InitiativeStatus.LAUNCHED]: "launched",
  [InitiativeStatus.ACTIVE]: "active",
  [InitiativeStatus.COMPLETED]: "completed",
  [InitiativeStatus.SUSPENDED]: "suspended",
};

/** The catalogue key of an initiative status (`status.active`), "" when unset. */
export function initiativeStatusKey(status: InitiativeStatus): string {
  const key = initiativeStatusKeys[status];
  return key === undefined ? "" : `status.${key}`;
}

const milestoneStatusKeys: Record<number, string> = {
  [MilestoneStatus.PLANNED]: "planned",
  [MilestoneStatus.IN_PROGRESS]: "in_progress",
  [MilestoneStatus.DONE]: "done",
  [MilestoneStatus.BLOCKED]: "blocked",
  [MilestoneStatus.DROPPED]: "dropped",
};

/** The catalogue key of a milestone status (`milestoneStatus.done`), "" when unset. */
export function milestoneStatusKey(status: MilestoneStatus): string {
  const key = milestoneStatusKeys[status];
  return key === undefined ? "" : `milestoneStatus.${key}`;
}

export const milestoneStatuses: readonly MilestoneStatus[] = [
  MilestoneStatus.PLANNED,
  MilestoneStatus.IN_PROGRESS,
  MilestoneStatus.DONE,
  MilestoneStatus.BLOCKED,
  MilestoneStatus.DROPPED,
];

/** The milestone status a select's value (its number as text) stands for. */
export function milestoneStatusOf(value: string | null): MilestoneStatus {
  return milestoneStatuses.find((s) => String(s) === value) ?? MilestoneStatus.UNSPECIFIED;
}

/** Open milestones still count towards the roadmap and can be overdue. */
export function isOpen(status: MilestoneStatus): boolean {
  return status === MilestoneStatus.PLANNED || status === MilestoneStatus.IN_PROGRESS || status === MilestoneStatus.BLOCKED;
}

/** Finished milestones (DONE or DROPPED) let their dependants be done. */
export const isFinished = (status: MilestoneStatus) => status === MilestoneStatus.DONE || status === MilestoneStatus.DROPPED;

interface MilestoneLike {
  name: string;
  title: string;
  status: MilestoneStatus;
  dependsOn: readonly string[];
}

/** The milestones `milestone` depends on that are not finished yet: why it cannot be done. */
export function openDependencies<M extends MilestoneLike>(milestone: MilestoneLike, all: readonly M[]): M[] {
  const byName = new Map(all.map((m) => [m.name, m]));
  return milestone.dependsOn.flatMap((name) => {
    const dependency = byName.get(name);
    return dependency !== undefined && !isFinished(dependency.status) ? [dependency] : [];
  });
}

/** Resource names in a service message replaced by the milestones' titles, for reading. */
export function withTitles(message: string, titles: ReadonlyMap<string, string>): string {
  return message.replace(/initiatives\/[0-9a-zA-Z-]+\/milestones\/[0-9a-zA-Z-]+/g, (name) => {
    const title = titles.get(name);
    return title === undefined ? name : `“${title}”`;
  });
}

/**
 * The milestones of a dependency cycle the service refused ("would form a dependency cycle:
 * a -> b -> a"), in order, or null when the message is about something else.
 */
export function cycleOf(message: string): string[] | null {
  const m = /cycle:\s*(.+)$/.exec(message);
  if (m === null || m[1] === undefined) return null;
  return m[1].split("->").map((x) => x.trim()).filter((x) => x !== "");
}

// ---------------------------------------------------------------------------------------
// Who may write where

export interface CallerLike {
  /** The caller may write every initiative (csu_officer or admin). */
  officer: boolean;
  /** The caller holds the coordinator role. */
  coordinator: boolean;
  /** `initiatives/{id}` names the token assigns (GetCaller). */
  initiatives: readonly string[];
}

/** Whether the caller may log progress and write milestones on `initiative`. */
export function mayCoordinate(caller: CallerLike, initiative: string): boolean {
  return caller.officer || (caller.coordinator && caller.initiatives.includes(initiative));
}

/** Coordinators who are not officers see only the initiatives their token assigns them. */
export function seesOnlyAssigned(caller: CallerLike): boolean {
  return caller.coordinator && !caller.officer;
}

/** The bare id of `initiatives/{id}` (or of any `kind/{id}/…` name), as routes use it. */
export const idOf = (name: string) => name.split("/")[1] ?? "";

// ---------------------------------------------------------------------------------------
// The list's filters

export const pageSizes = [25, 50, 100] as const;

export const orders = ["create_time desc", "title", "country_code", "status", "target_date", "update_time desc"] as const;

export interface InitiativeFilters {
  q: string;
  /** Full enum name, `INITIATIVE_STATUS_ACTIVE`. */
  status: string;
  country: string;
  /** Full enum name, `REGIONAL_GROUP_AFRICAN`. */
  group: string;
  /** Full enum name, `THEMATIC_AREA_CORRUPTION`. */
  area: string;
  overdue: boolean;
  deleted: boolean;
  order: string;
  size: number;
}

export function filtersFromSearch(params: URLSearchParams): InitiativeFilters {
  const order = params.get("order") ?? "";
  return {
    q: params.get("q") ?? "",
    status: params.get("status") ?? "",
    country: params.get("country") ?? "",
    group: params.get("group") ?? "",
    area: params.get("area") ?? "",
    overdue: params.get("overdue") === "1",
    deleted: params.get("deleted") === "1",
    order: (orders as readonly string[]).includes(order) ? order : orders[0],
    size: pageSizes.find((n) => String(n) === params.get("size")) ?? pageSizes[0],
  };
}

/** The filters as an address-bar query, leaving out what is not set. */
export function searchFromFilters(f: InitiativeFilters): URLSearchParams {
  const p = new URLSearchParams();
  const one = (key: string, value: string) => {
    if (value !== "") p.set(key, value);
  };
  one("q", f.q);
  one("status", f.status);
  one("country", f.country);
  one("group", f.group);
  one("area", f.area);
  if (f.overdue) p.set("overdue", "1");
  if (f.deleted) p.set("deleted", "1");
  if (f.order !== orders[0]) p.set("order", f.order);
  if (f.size !== pageSizes[0]) p.set("size", String(f.size));
  return p;
}

const enumName = /^[A-Z][A-Z0-9_]*$/;

/** A string quoted for a filter: double quotes, with `\` and `"` escaped. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The `filter` of ListInitiatives for these filters (see ListInitiativesRequest.filter). */
export function initiativeFilter(f: InitiativeFilters): string {
  const terms: string[] = [];
  if (f.q.trim() !== "") terms.push(`title:${quote(f.q.trim())}`);
  if (enumName.test(f.status)) terms.push(`status = ${f.status}`);
  if (/^[A-Za-z]{2}$/.test(f.country)) terms.push(`country_code = ${quote(f.country.toUpperCase())}`);
  if (enumName.test(f.group)) terms.push(`regional_group = ${f.group}`);
  if (enumName.test(f.area)) terms.push(`thematic_area = ${f.area}`);
  if (f.overdue) terms.push("roadmap.overdue_count > 0");
  return terms.join(" AND ");
}

// ---------------------------------------------------------------------------------------
// Refusals

const reasonKeys: Record<string, string> = {
  DEPENDENCIES_NOT_FINISHED: "refusal.dependenciesNotFinished",
  INITIATIVE_COMPLETED: "refusal.initiativeCompleted",
  INITIATIVE_DELETED: "refusal.initiativeDeleted",
  INVALID_STATUS_TRANSITION: "refusal.invalidTransition",
  OPEN_MILESTONES: "refusal.openMilestones",
  MILESTONE_HAS_DEPENDENTS: "refusal.milestoneHasDependents",
  DEPENDENCY_DELETED: "refusal.dependencyDeleted",
  MILESTONE_DELETED: "refusal.milestoneDeleted",
  PRIORITY_IN_USE: "refusal.priorityInUse",
  OWNER_IN_USE: "refusal.ownerInUse",
  NOT_COORDINATOR_OF_INITIATIVE: "refusal.notCoordinator",
};

/**
 * The catalogue key explaining a refusal in this area's words: by the service's stable
 * reason (ErrorInfo) first, then by kind for a stale etag or a permission refusal; null when
 * the common words for the kind say it well enough.
 */
export function refusalKey(problem: { kind: string; reason: string }): string | null {
  const byReason = reasonKeys[problem.reason];
  if (byReason !== undefined) return byReason;
  if (problem.kind === "stale") return "refusal.stale";
  if (problem.kind === "denied") return "refusal.notCoordinator";
  return null;
}

// ---------------------------------------------------------------------------------------
// The progress log

interface EntryLike {
  name: string;
  corrects: string;
}

/** One entry of the log as shown: the entry, and the entries correcting it beside it. */
export interface Thread<E extends EntryLike> {
  entry: E;
  corrections: E[];
  /** Set when the entry is a correction whose corrected entry is not in `entries`. */
  correctsElsewhere: string;
}

/**
 * The entries (in the order listed) grouped so that each correction sits beside the
 * entry it corrects, oldest correction first; a correction of an entry not in the list
 * stands on its own and names what it corrects. A correction of a correction joins the
 * thread of the first entry.
 */
export function threads<E extends EntryLike>(entries: readonly E[]): Thread<E>[] {
  const byName = new Map(entries.map((e) => [e.name, e]));
  const root = (e: E): E => {
    let current = e;
    const seen = new Set<string>();
    while (current.corrects !== "" && !seen.has(current.name)) {
      seen.add(current.name);
      const up = byName.get(current.corrects);
      if (up === undefined) break;
      current = up;
    }
    return current;
  };
  const out = new Map<string, Thread<E>>();
  // Roots are placed where they are listed; their corrections follow them.
  for (const e of entries) {
    const r = root(e);
    if (r === e) out.set(e.name, { entry: e, corrections: [], correctsElsewhere: e.corrects !== "" && !byName.has(e.corrects) ? e.corrects : "" });
  }
  // Entry names are UUIDv7, so they sort in append order: oldest correction first.
  for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const r = root(e);
    if (r !== e) out.get(r.name)?.corrections.push(e);
  }
  return [...out.values()];
}

// ---------------------------------------------------------------------------------------
// Logging progress

export interface ProgressValues {
  /** The milestone's name, "" for the initiative as a whole. */
  milestone: string;
  text: string;
  /** The percent typed, "" for none. */
  percent: number | "";
  /** The status chosen; the milestone's own status (or UNSPECIFIED) leaves it as it is. */
  status: MilestoneStatus;
  /** Evidence links, one per line. */
  evidence: string;
  /** The entry this one corrects, "" for none. */
  corrects: string;
}

/**
 * The entry AppendProgress receives: only what changes is sent, so that an entry says what
 * it changed; DONE carries no percent (the service makes it 100, and refuses another value).
 */
export function progressEntryOf(v: ProgressValues, current: { status: MilestoneStatus; percentComplete: number } | undefined) {
  const onMilestone = v.milestone !== "" && current !== undefined;
  const newStatus = onMilestone && v.status !== MilestoneStatus.UNSPECIFIED && v.status !== current.status ? v.status : MilestoneStatus.UNSPECIFIED;
  const done = newStatus === MilestoneStatus.DONE || (onMilestone && v.status === MilestoneStatus.DONE);
  const newPercentComplete = onMilestone && !done && v.percent !== "" && v.percent !== current.percentComplete ? v.percent : undefined;
  return {
    milestone: v.milestone,
    text: v.text.trim(),
    newStatus,
    newPercentComplete,
    evidence: v.evidence
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .map((uri) => ({ uri })),
    corrects: v.corrects,
  };
}
