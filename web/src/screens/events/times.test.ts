import { describe, expect, it } from "vitest";
import { dateToZonedInput, formatInZone, formatSpan, knownZone, zonedInputToDate } from "./times";

describe("an event's times in its own time zone", () => {
  it("reads the form's wall-clock time in the event's zone, whatever the reader's zone", () => {
    expect(zonedInputToDate("2026-10-12T10:00", "Europe/Vienna")?.toISOString()).toBe("2026-10-12T08:00:00.000Z");
    expect(zonedInputToDate("2026-12-12T10:00", "Europe/Vienna")?.toISOString()).toBe("2026-12-12T09:00:00.000Z");
    expect(zonedInputToDate("2026-10-12T10:00", "America/New_York")?.toISOString()).toBe("2026-10-12T14:00:00.000Z");
  });

  it("shows a stored instant as the event's wall-clock time", () => {
    expect(dateToZonedInput(new Date("2026-10-12T08:00:00Z"), "Europe/Vienna")).toBe("2026-10-12T10:00");
    expect(dateToZonedInput(new Date("2026-10-12T08:00:00Z"), "Asia/Tokyo")).toBe("2026-10-12T17:00");
    expect(dateToZonedInput(undefined, "Europe/Vienna")).toBe("");
  });

  it("round-trips across a change to winter time", () => {
    for (const v of ["2026-10-24T23:30", "2026-10-25T01:30", "2026-10-25T04:00"]) {
      const d = zonedInputToDate(v, "Europe/Vienna");
      expect(d).not.toBeNull();
      expect(dateToZonedInput(d, "Europe/Vienna")).toBe(v);
    }
  });

  it("leaves an empty or malformed input unset", () => {
    expect(zonedInputToDate("", "Europe/Vienna")).toBeNull();
    expect(zonedInputToDate("12/10/2026 10:00", "Europe/Vienna")).toBeNull();
  });

  it("knows real time zones only", () => {
    expect(knownZone("Europe/Vienna")).toBe(true);
    expect(knownZone("Mars/Olympus")).toBe(false);
    expect(knownZone("")).toBe(false);
  });

  it("shows times in the event's zone with the zone named", () => {
    const text = formatInZone(new Date("2026-10-12T08:00:00Z"), "Europe/Vienna", "en");
    expect(text).toContain("10:00");
    expect(text).toMatch(/GMT\+2|CEST/);
    const span = formatSpan(new Date("2026-10-12T08:00:00Z"), new Date("2026-10-12T10:30:00Z"), "Europe/Vienna", "en");
    expect(span).toMatch(/10:00.*– 12:30/);
    expect(span.match(/2026/g)).toHaveLength(1);
  });
});
