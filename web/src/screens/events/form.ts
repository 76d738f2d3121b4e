// The event form's values and the Event they make: wall-clock times in the event's own zone,
// numbers typed as text, the venue as one group (the service replaces it whole), and the
// update mask naming exactly the fields an officer changed.
import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { EventKindSchema, EventSchema, VenueSchema, type Event } from "../../gen/engage/briefings/v1/resources_pb";
import { ThematicAreaSchema } from "../../gen/engage/type/v1/types_pb";
import { enumName, enumNumber } from "../partners/model";
import { dateToZonedInput, ownZone, zonedInputToDate } from "./times";

export interface EventValues {
  kind: string;
  title: string;
  description: string;
  conferenceSession: string;
  thematicAreas: string[];
  languages: string[];
  venueName: string;
  venueRoom: string;
  venueAddress: string;
  venueCity: string;
  venueCountry: string;
  onlineUrl: string;
  /** Wall-clock times in `timeZone`, as `datetime-local` values. */
  start: string;
  end: string;
  timeZone: string;
  contactEmail: string;
  /** Numbers as typed; empty means 0 (or the default limit). */
  capacity: string;
  waitlistEnabled: boolean;
  waitlistCapacity: string;
  perOrganizationLimit: string;
  registrationStart: string;
  registrationEnd: string;
  registrationManagers: string[];
  organizers: string[];
  coOrganizers: string[];
}

const date = (t: Parameters<typeof timestampDate>[0] | undefined) => (t === undefined ? undefined : timestampDate(t));

/** The form's values for `event`, or for a new event (in the reader's time zone). */
export function eventValues(event?: Event): EventValues {
  const zone = event?.timeZone || ownZone();
  return {
    kind: event ? enumName(EventKindSchema, event.kind) : "",
    title: event?.title ?? "",
    description: event?.description ?? "",
    conferenceSession: event?.conferenceSession ?? "",
    thematicAreas: event ? event.thematicAreas.map((a) => enumName(ThematicAreaSchema, a)) : [],
    languages: event ? [...event.languages] : [],
    venueName: event?.venue?.displayName ?? "",
    venueRoom: event?.venue?.room ?? "",
    venueAddress: event?.venue?.address ?? "",
    venueCity: event?.venue?.city ?? "",
    venueCountry: event?.venue?.countryCode ?? "",
    onlineUrl: event?.onlineUrl ?? "",
    start: dateToZonedInput(date(event?.startTime), zone),
    end: dateToZonedInput(date(event?.endTime), zone),
    timeZone: zone,
    contactEmail: event?.contactEmail ?? "",
    capacity: event ? String(event.capacity) : "",
    waitlistEnabled: event?.waitlistEnabled ?? true,
    waitlistCapacity: event && event.waitlistCapacity > 0 ? String(event.waitlistCapacity) : "",
    perOrganizationLimit: event?.perOrganizationLimit === undefined ? "" : String(event.perOrganizationLimit),
    registrationStart: dateToZonedInput(date(event?.registrationStartTime), zone),
    registrationEnd: dateToZonedInput(date(event?.registrationEndTime), zone),
    registrationManagers: event ? [...event.registrationManagers] : [],
    organizers: event ? [...event.organizers] : [],
    coOrganizers: event ? [...event.coOrganizers] : [],
  };
}

/**
 * A whole number as typed, or NaN when it is not one (the form says so on the field instead of
 * sending it); empty is `empty`.
 */
export function wholeNumber(text: string, empty: number): number {
  const trimmed = text.trim();
  if (trimmed === "") return empty;
  return /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/** The fields whose typed number is not a whole number, by form field. */
export function numberProblems(v: EventValues): (keyof EventValues)[] {
  return (["capacity", "waitlistCapacity", "perOrganizationLimit"] as const).filter((f) => Number.isNaN(wholeNumber(v[f], 0)));
}

function stamp(local: string, zone: string) {
  const d = zonedInputToDate(local, zone);
  return d === null ? undefined : timestampFromDate(d);
}

/** The Event the values describe, over `previous` (its name and etag) when editing. */
export function eventFromValues(v: EventValues, previous?: Event): Event {
  const venue = [v.venueName, v.venueRoom, v.venueAddress, v.venueCity, v.venueCountry].some((x) => x.trim() !== "")
    ? create(VenueSchema, {
        displayName: v.venueName.trim(),
        room: v.venueRoom.trim(),
        address: v.venueAddress.trim(),
        city: v.venueCity.trim(),
        countryCode: v.venueCountry.trim().toUpperCase(),
      })
    : undefined;
  const limit = wholeNumber(v.perOrganizationLimit, -1);
  return create(EventSchema, {
    name: previous?.name ?? "",
    etag: previous?.etag ?? "",
    kind: enumNumber(EventKindSchema, v.kind),
    title: v.title.trim(),
    description: v.description,
    conferenceSession: v.conferenceSession.trim().toUpperCase(),
    thematicAreas: v.thematicAreas.map((a) => enumNumber(ThematicAreaSchema, a)),
    languages: v.languages.map((l) => l.trim()).filter(Boolean),
    venue,
    onlineUrl: v.onlineUrl.trim(),
    startTime: stamp(v.start, v.timeZone),
    endTime: stamp(v.end, v.timeZone),
    timeZone: v.timeZone,
    contactEmail: v.contactEmail.trim(),
    capacity: wholeNumber(v.capacity, 0),
    waitlistEnabled: v.waitlistEnabled,
    waitlistCapacity: wholeNumber(v.waitlistCapacity, 0),
    // Empty keeps the service's default limit (5) on create and the current one on edit.
    perOrganizationLimit: limit === -1 ? previous?.perOrganizationLimit : limit,
    registrationStartTime: stamp(v.registrationStart, v.timeZone),
    registrationEndTime: stamp(v.registrationEnd, v.timeZone),
    registrationManagers: v.registrationManagers.map((s) => s.trim()).filter(Boolean),
    organizers: v.organizers,
    coOrganizers: v.coOrganizers,
  });
}

/** The update-mask path of each form field. */
const paths: Record<keyof EventValues, string> = {
  kind: "kind",
  title: "title",
  description: "description",
  conferenceSession: "conference_session",
  thematicAreas: "thematic_areas",
  languages: "languages",
  venueName: "venue",
  venueRoom: "venue",
  venueAddress: "venue",
  venueCity: "venue",
  venueCountry: "venue",
  onlineUrl: "online_url",
  start: "start_time",
  end: "end_time",
  timeZone: "time_zone",
  contactEmail: "contact_email",
  capacity: "capacity",
  waitlistEnabled: "waitlist_enabled",
  waitlistCapacity: "waitlist_capacity",
  perOrganizationLimit: "per_organization_limit",
  registrationStart: "registration_start_time",
  registrationEnd: "registration_end_time",
  registrationManagers: "registration_managers",
  organizers: "organizers",
  coOrganizers: "co_organizers",
};

/** The form field a service field path (`event.venue.city`) belongs to. */
export function formFieldOf(path: string): keyof EventValues | null {
  const inner = path.replace(/^event\./, "");
  if (inner.startsWith("venue.")) {
    const sub = inner.slice("venue.".length);
    return ({ display_name: "venueName", room: "venueRoom", address: "venueAddress", city: "venueCity", country_code: "venueCountry" } as const)[sub] ?? "venueName";
  }
  const top = /^[a-z_]+/.exec(inner)?.[0] ?? inner;
  const found = (Object.entries(paths) as [keyof EventValues, string][]).find(([, p]) => p === top);
  return found ? found[0] : null;
}

const same = (a: EventValues[keyof EventValues], b: EventValues[keyof EventValues]) =>
  Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((x, i) => x === b[i]) : a === b;

/** The form fields changed from `base`. */
export function changedFields(base: EventValues, current: EventValues): (keyof EventValues)[] {
  return (Object.keys(paths) as (keyof EventValues)[]).filter((f) => !same(base[f], current[f]));
}

/**
 * The update mask for the fields changed from `base`. A new time zone moves every time of the
 * event (the wall-clock times are read in it), so those are sent too.
 */
export function updateMask(base: EventValues, current: EventValues): string[] {
  const changed = changedFields(base, current);
  if (changed.includes("timeZone")) {
    for (const f of ["start", "end", "registrationStart", "registrationEnd"] as const) {
      if (current[f] !== "" || base[f] !== "") changed.push(f);
    }
  }
  return [...new Set(changed.map((f) => paths[f]))];
}
