// An event's times are kept as instants (UTC) with the IANA time zone it is held in: the form
// takes and shows wall-clock times in that zone (an officer in New York preparing a briefing in
// Vienna types Vienna's times), and pages show times in it with the zone named.
import dayjs from "dayjs";
import utc from "dayjs/plugin/utc";
import timezone from "dayjs/plugin/timezone";

dayjs.extend(utc);
dayjs.extend(timezone);

/** A `datetime-local` value (`YYYY-MM-DDTHH:mm`) read as wall-clock time in `zone`; null if empty or malformed. */
export function zonedInputToDate(value: string, zone: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return null;
  try {
    return dayjs.tz(value, zone).toDate();
  } catch {
    return null;
  }
}

/** An instant as a `datetime-local` value in `zone`. */
export function dateToZonedInput(date: Date | null | undefined, zone: string): string {
  if (date === null || date === undefined) return "";
  try {
    return dayjs(date).tz(zone).format("YYYY-MM-DDTHH:mm");
  } catch {
    return dayjs(date).format("YYYY-MM-DDTHH:mm");
  }
}

/** Whether `zone` is a time zone this browser knows. */
export function knownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return zone !== "";
  } catch {
    return false;
  }
}

/** The IANA time zones this browser knows, for the form's choice. */
export function timeZones(): string[] {
  return Intl.supportedValuesOf("timeZone");
}

/** The reader's own time zone, the form's default. */
export function ownZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Date and time in `zone` in the reader's language, with the zone's short name. */
export function formatInZone(date: Date | null | undefined, zone: string, language: string, style: "dateTime" | "time" = "dateTime"): string {
  if (date === null || date === undefined) return "";
  const timeZone = knownZone(zone) ? zone : undefined;
  const key = `${language}|${timeZone ?? ""}|${style}`;
  let f = formatters.get(key);
  if (f === undefined) {
    f =
      style === "time"
        ? new Intl.DateTimeFormat(language, { timeStyle: "short", timeZone })
        : new Intl.DateTimeFormat(language, { year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short", timeZone });
    formatters.set(key, f);
  }
  return f.format(date);
}

/** An event's span: the start date and time, and the end's time (or date and time when another day). */
export function formatSpan(start: Date | undefined, end: Date | undefined, zone: string, language: string): string {
  if (start === undefined) return "";
  if (end === undefined) return formatInZone(start, zone, language);
  const sameDay = dateToZonedInput(start, zone).slice(0, 10) === dateToZonedInput(end, zone).slice(0, 10);
  return `${formatInZone(start, zone, language)} – ${sameDay ? formatInZone(end, zone, language, "time") : formatInZone(end, zone, language)}`;
}
