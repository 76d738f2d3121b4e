// The pure rules of the events desk: badge codes as people type or scan them, the events
// list's filters (AIP-160 subset of ListEventsRequest) kept in the address bar, which life-cycle
// steps an event's status allows, seats and waitlist figures, and the answers of Register,
// CancelRegistration and CheckIn put into the words a desk needs.
import type { Problem } from "../../api/problem";
import { EventStatus } from "../../gen/engage/briefings/v1/resources_pb";
import { quote } from "../partners/model";

// ---------------------------------------------------------------------------------------
// Badge codes

/** Crockford base32 without I, L, O and U: the letters a badge code is made of. */
const badgeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * A badge code as typed or read (any case, spaces, hyphens or dashes, I and L for 1, O for 0)
 * in the form the briefings service stores it, or null when it cannot be one. The service
 * reads codes the same way (normalize_badge_code); reading them here too lets the desk answer
 * "not a badge code" at once and show the code as it was understood.
 */
export function normalizeBadgeCode(typed: string): string | null {
  let code = "";
  for (const c of typed.toUpperCase()) {
    if (/[\s\-\u2010-\u2015\u2212_.]/u.test(c)) continue;
    code += c === "I" || c === "L" ? "1" : c === "O" ? "0" : c;
  }
  return code.length === 8 && Array.from(code).every((c) => badgeAlphabet.includes(c)) ? code : null;
}

/**
 * The badge code in what a camera read: the code itself, or a link or text that ends with it
 * (`https://…/check-in?code=ABCD-EFGH`, `BADGE:ABCDEFGH`).
 */
export function badgeFromScan(text: string): string | null {
  const whole = normalizeBadgeCode(text);
  if (whole !== null) return whole;
  try {
    const url = new URL(text.trim());
    for (const key of ["code", "badge", "badge_code"]) {
      const value = url.searchParams.get(key);
      if (value !== null) return normalizeBadgeCode(value);
    }
    const last = url.pathname.split("/").filter(Boolean).pop();
    return last === undefined ? null : normalizeBadgeCode(decodeURIComponent(last));
  } catch {
    const last = text.trim().split(/[/:=#?&\s]+/).filter(Boolean).pop();
    return last === undefined ? null : normalizeBadgeCode(last);
  }
}

/** A stored badge code as printed: two groups of four (`ABCD-EFGH`), easier to read aloud. */
export function formatBadgeCode(code: string): string {
  return code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
}

// ---------------------------------------------------------------------------------------
// The events list

/** What an officer filters the events list by; enum values are full proto names. */
export interface EventFilters {
  kind: string;
  status: string;
  session: string;
  area: string;
  country: string;
  mode: string;
  /** Starting on or after this day (YYYY-MM-DD, the reader's time). */
  from: string;
  /** Starting before the end of this day. */
  to: string;
  deleted: boolean;
  /** Only the events whose registration desk the reader works (as a registration manager). */
  mine: boolean;
  order: EventOrder;
  size: number;
}

export const eventOrders = ["start_time", "start_time desc", "title", "update_time desc"] as const;
export type EventOrder = (typeof eventOrders)[number];

export const pageSizes = [25, 50, 100] as const;

export function eventFiltersFromSearch(params: URLSearchParams): EventFilters {
  const order = params.get("order");
  return {
    kind: params.get("kind") ?? "",
    status: params.get("status") ?? "",
    session: params.get("session") ?? "",
    area: params.get("area") ?? "",
    country: params.get("country") ?? "",
    mode: params.get("mode") ?? "",
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
    deleted: params.get("deleted") === "1",
    mine: params.get("mine") === "1",
    order: eventOrders.find((o) => o === order) ?? "start_time",
    size: pageSizes.find((n) => String(n) === params.get("size")) ?? pageSizes[0],
  };
}

/** The filters as an address-bar query, leaving out what is not set. */
export function searchFromEventFilters(f: EventFilters): URLSearchParams {
  const p = new URLSearchParams();
  for (const key of ["kind", "status", "session", "area", "country", "mode", "from", "to"] as const) {
    if (f[key] !== "") p.set(key, f[key]);
  }
  if (f.deleted) p.set("deleted", "1");
  if (f.mine) p.set("mine", "1");
  if (f.order !== "start_time") p.set("order", f.order);
  if (f.size !== pageSizes[0]) p.set("size", String(f.size));
  return p;
}

const enumValue = /^[A-Z][A-Z0-9_]*$/;
const day = /^\d{4}-\d{2}-\d{2}$/;

/** The start of a calendar day in the reader's own time zone, as RFC 3339 (UTC). */
export function startOfDay(date: string, offsetDays = 0): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + offsetDays).toISOString();
}

/**
 * The `filter` of ListEvents for these filters; values that cannot be valid are left out.
 * `subject` is the reader's, for the events they are a registration manager of.
 */
export function eventFilter(f: EventFilters, subject = ""): string {
  const terms: string[] = [];
  const add = (term: string | null) => {
    if (term !== null) terms.push(term);
  };
  const enumTerm = (field: string, value: string, op = " = ") => (value !== "" && enumValue.test(value) ? `${field}${op}${value}` : null);
  add(enumTerm("kind", f.kind));
  add(enumTerm("status", f.status));
  add(f.session.trim() !== "" ? `conference_session = ${quote(f.session.trim().toUpperCase())}` : null);
  add(enumTerm("thematic_areas", f.area, ":"));
  add(/^[A-Za-z]{2}$/.test(f.country.trim()) ? `venue.country_code = ${quote(f.country.trim().toUpperCase())}` : null);
  add(enumTerm("attendance_mode", f.mode));
  add(day.test(f.from) ? `start_time >= ${quote(startOfDay(f.from))}` : null);
  add(day.test(f.to) ? `start_time < ${quote(startOfDay(f.to, 1))}` : null);
  add(f.mine && subject !== "" ? `registration_managers:${quote(subject)}` : null);
  return terms.join(" AND ");
}

// ---------------------------------------------------------------------------------------
// Life cycle and figures

export type Step = "publish" | "close" | "reopen" | "cancel";

/** The life-cycle steps the status allows (see EventStatus in the contract). */
export function stepsAllowed(status: EventStatus): Step[] {
  switch (status) {
    case EventStatus.DRAFT:
      return ["publish", "cancel"];
    case EventStatus.PUBLISHED:
      return ["close", "cancel"];
    case EventStatus.CLOSED:
      return ["reopen", "cancel"];
    default:
      return [];
  }
}

/** Only draft and cancelled events can be deleted. */
export function deletable(status: EventStatus): boolean {
  return status === EventStatus.DRAFT || status === EventStatus.CANCELLED;
}

export interface Counts {
  registered: number;
  waitlisted: number;
  cancelled: number;
  attended: number;
  noShow: number;
}

/** Seats held: registered, attended and no-show registrations. */
export function seatsTaken(counts: Counts | undefined): number {
  return counts === undefined ? 0 : counts.registered + counts.attended + counts.noShow;
}

/** Seats left, or null when the capacity is unlimited (0). */
export function seatsLeft(capacity: number, counts: Counts | undefined): number | null {
  return capacity === 0 ? null : Math.max(0, capacity - seatsTaken(counts));
}

/** Whether the desk may register people now: published, and inside the registration window. */
export function registrationOpen(
  event: { status: EventStatus; registrationStartTime?: Date | null; registrationEndTime?: Date | null; endTime?: Date | null },
  now = new Date(),
): "open" | "notPublished" | "notStarted" | "ended" {
  if (event.status !== EventStatus.PUBLISHED) return "notPublished";
  if (event.registrationStartTime && now < event.registrationStartTime) return "notStarted";
  const closes = event.registrationEndTime ?? event.endTime;
  if (closes && now > closes) return "ended";
  return "open";
}

// ---------------------------------------------------------------------------------------
// Answers of the desk's calls

/** The catalogue key (under `events:refusal.`) of a service refusal, or null for a generic one. */
export function refusalKey(problem: Problem): string | null {
  const known = [
    "EVENT_NOT_OPEN",
    "REGISTRATION_NOT_STARTED",
    "REGISTRATION_ENDED",
    "EVENT_FULL",
    "WAITLIST_FULL",
    "ORGANIZATION_LIMIT_REACHED",
    "REGISTRATION_FINAL",
    "REGISTRATION_CANCELLED",
    "REGISTRATION_WAITLISTED",
    "EVENT_NOT_ENDED",
    "INVALID_TRANSITION",
    "LOCATION_MISSING",
    "CAPACITY_BELOW_REGISTERED",
    "WAITLIST_NOT_EMPTY",
    "SESSIONS_OUTSIDE_EVENT",
    "EVENT_CANCELLED",
    "EVENT_NOT_DELETABLE",
    "NOT_DELETED",
  ];
  return problem.kind === "conflict" && known.includes(problem.reason) ? problem.reason : null;
}

export type CheckInOutcome =
  | "checkedIn"
  | "alreadyCheckedIn"
  | "waitlisted"
  | "cancelled"
  | "unknownCode"
  | "notACode"
  | "eventNotOpen"
  | "denied"
  | "failed";

/** What a check-in's refusal means at the door. */
export function checkInRefusal(problem: Problem): CheckInOutcome {
  if (problem.kind === "notFound") return "unknownCode";
  if (problem.kind === "invalid") return "notACode";
  if (problem.kind === "denied") return "denied";
  if (problem.kind === "conflict") {
    switch (problem.reason) {
      case "REGISTRATION_WAITLISTED":
        return "waitlisted";
      case "REGISTRATION_CANCELLED":
        return "cancelled";
      case "EVENT_NOT_OPEN":
        return "eventNotOpen";
    }
  }
  return "failed";
}

/** Whether the outcome lets the person in. */
export function admitted(outcome: CheckInOutcome): boolean {
  return outcome === "checkedIn" || outcome === "alreadyCheckedIn";
}

/** A file name for an event's registrations: `registrations-<title>-<date>.csv`. */
export function exportFileName(title: string, date: string): string {
  const slug = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  return `registrations-${slug === "" ? "event" : slug}-${date}.csv`;
}
