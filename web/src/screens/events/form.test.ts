import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { EventKind, EventSchema, VenueSchema } from "../../gen/engage/briefings/v1/resources_pb";
import { ThematicArea } from "../../gen/engage/type/v1/types_pb";
import { eventFromValues, eventValues, formFieldOf, numberProblems, updateMask, wholeNumber } from "./form";

const stored = create(EventSchema, {
  name: "events/0190",
  etag: "e1",
  kind: EventKind.SIDE_EVENT,
  title: "Youth and cybercrime",
  conferenceSession: "COP12",
  thematicAreas: [ThematicArea.CYBERCRIME],
  venue: create(VenueSchema, { displayName: "Vienna International Centre", room: "M3", city: "Vienna", countryCode: "AT" }),
  startTime: timestampFromDate(new Date("2026-10-12T08:00:00Z")),
  endTime: timestampFromDate(new Date("2026-10-12T10:00:00Z")),
  timeZone: "Europe/Vienna",
  capacity: 50,
  waitlistEnabled: true,
  perOrganizationLimit: 5,
  registrationManagers: ["staff@ngo.example.org"],
});

describe("the event form", () => {
  it("shows a stored event's times as wall-clock times in its own zone", () => {
    const v = eventValues(stored);
    expect(v.kind).toBe("EVENT_KIND_SIDE_EVENT");
    expect(v.start).toBe("2026-10-12T10:00");
    expect(v.end).toBe("2026-10-12T12:00");
    expect(v.venueName).toBe("Vienna International Centre");
    expect(v.thematicAreas).toEqual(["THEMATIC_AREA_CYBERCRIME"]);
    expect(v.capacity).toBe("50");
    expect(v.perOrganizationLimit).toBe("5");
  });

  it("gives back the same event when nothing changed", () => {
    const back = eventFromValues(eventValues(stored), stored);
    expect(back.name).toBe("events/0190");
    expect(back.etag).toBe("e1");
    expect(back.kind).toBe(EventKind.SIDE_EVENT);
    expect(back.startTime && timestampDate(back.startTime).toISOString()).toBe("2026-10-12T08:00:00.000Z");
    expect(back.venue?.countryCode).toBe("AT");
    expect(back.capacity).toBe(50);
    expect(back.perOrganizationLimit).toBe(5);
    expect(updateMask(eventValues(stored), eventValues(stored))).toEqual([]);
  });

  it("sends only the changed fields, the venue as a whole", () => {
    const base = eventValues(stored);
    expect(updateMask(base, { ...base, capacity: "2", venueRoom: "M7" })).toEqual(["venue", "capacity"]);
    expect(updateMask(base, { ...base, registrationManagers: [] })).toEqual(["registration_managers"]);
  });

  it("moves the times with a new time zone", () => {
    const base = eventValues(stored);
    const moved = { ...base, timeZone: "America/New_York" };
    expect(updateMask(base, moved).sort()).toEqual(["end_time", "start_time", "time_zone"]);
    const event = eventFromValues(moved, stored);
    expect(event.startTime && timestampDate(event.startTime).toISOString()).toBe("2026-10-12T14:00:00.000Z");
  });

  it("leaves the venue out when none of its fields is filled, and an empty limit to the service", () => {
    const v = { ...eventValues(), kind: "EVENT_KIND_BRIEFING", title: " Briefing ", onlineUrl: "https://meet.example.org/b", timeZone: "Europe/Vienna", start: "2026-10-12T10:00", end: "2026-10-12T12:00" };
    const event = eventFromValues(v);
    expect(event.venue).toBeUndefined();
    expect(event.title).toBe("Briefing");
    expect(event.perOrganizationLimit).toBeUndefined();
    expect(event.capacity).toBe(0);
    expect(event.waitlistEnabled).toBe(true);
  });

  it("reads numbers as whole numbers and names the fields that are not", () => {
    expect(wholeNumber("", 0)).toBe(0);
    expect(wholeNumber(" 12 ", 0)).toBe(12);
    expect(wholeNumber("1.5", 0)).toBeNaN();
    expect(wholeNumber("-3", 0)).toBeNaN();
    expect(numberProblems({ ...eventValues(), capacity: "two", waitlistCapacity: "3" })).toEqual(["capacity"]);
  });

  it("puts the service's field messages on the form's fields", () => {
    expect(formFieldOf("event.title")).toBe("title");
    expect(formFieldOf("event.venue.country_code")).toBe("venueCountry");
    expect(formFieldOf("event.venue")).toBe("venueName");
    expect(formFieldOf("event.registration_end_time")).toBe("registrationEnd");
    expect(formFieldOf("event.languages[2]")).toBe("languages");
    expect(formFieldOf("request_id")).toBeNull();
  });
});
