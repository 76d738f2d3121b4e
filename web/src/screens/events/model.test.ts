import { describe, expect, it } from "vitest";
import type { Problem } from "../../api/problem";
import { EventStatus } from "../../gen/engage/briefings/v1/resources_pb";
import {
  admitted,
  badgeFromScan,
  checkInRefusal,
  deletable,
  eventFilter,
  eventFiltersFromSearch,
  exportFileName,
  formatBadgeCode,
  normalizeBadgeCode,
  refusalKey,
  registrationOpen,
  searchFromEventFilters,
  seatsLeft,
  seatsTaken,
  startOfDay,
  stepsAllowed,
} from "./model";

describe("badge codes typed at the door", () => {
  it("reads a code typed carelessly as the code printed on the badge", () => {
    expect(normalizeBadgeCode("ABCD-EFGH")).toBe("ABCDEFGH");
    expect(normalizeBadgeCode("abcdefgh")).toBe("ABCDEFGH");
    expect(normalizeBadgeCode("abcd efgh")).toBe("ABCDEFGH");
    expect(normalizeBadgeCode("  aBcD – eFgH ")).toBe("ABCDEFGH");
    expect(normalizeBadgeCode("abcd-efgh\n")).toBe("ABCDEFGH");
  });

  it("reads I and L as one and O as zero, as the badge alphabet has none of them", () => {
    expect(normalizeBadgeCode("0OIL-2345")).toBe("00112345");
    expect(normalizeBadgeCode("o0il2345")).toBe("00112345");
  });

  it("refuses what cannot be a badge code", () => {
    expect(normalizeBadgeCode("")).toBeNull();
    expect(normalizeBadgeCode("ABC")).toBeNull();
    expect(normalizeBadgeCode("ABCDEFGHJ")).toBeNull();
    // U is not in the alphabet (no reading of it is safe).
    expect(normalizeBadgeCode("ABCDEFGU")).toBeNull();
    expect(normalizeBadgeCode("ABCD/EFGH")).toBeNull();
  });

  it("finds the code in what a camera reads", () => {
    expect(badgeFromScan("ABCD-EFGH")).toBe("ABCDEFGH");
    expect(badgeFromScan("https://engage.example.org/events/1/check-in?code=abcd-efgh")).toBe("ABCDEFGH");
    expect(badgeFromScan("https://engage.example.org/badge/ABCDEFGH")).toBe("ABCDEFGH");
    expect(badgeFromScan("BADGE:abcdefgh")).toBe("ABCDEFGH");
    expect(badgeFromScan("hello world")).toBeNull();
  });

  it("prints a code in two groups of four", () => {
    expect(formatBadgeCode("ABCDEFGH")).toBe("ABCD-EFGH");
    expect(formatBadgeCode("ABC")).toBe("ABC");
  });
});

describe("the events list's filters", () => {
  const none = eventFiltersFromSearch(new URLSearchParams());

  it("keeps the filters in the address bar and reads them back", () => {
    const f = { ...none, kind: "EVENT_KIND_SIDE_EVENT", session: "COP12", deleted: true, mine: true, order: "start_time desc" as const, size: 50 };
    const search = searchFromEventFilters(f);
    expect(search.toString()).toBe("kind=EVENT_KIND_SIDE_EVENT&session=COP12&deleted=1&mine=1&order=start_time+desc&size=50");
    expect(eventFiltersFromSearch(search)).toEqual(f);
    expect(searchFromEventFilters(none).toString()).toBe("");
  });

  it("asks the service for exactly the chosen filters", () => {
    expect(eventFilter(none)).toBe("");
    expect(
      eventFilter({
        ...none,
        kind: "EVENT_KIND_BRIEFING",
        status: "EVENT_STATUS_PUBLISHED",
        session: " cop12 ",
        area: "THEMATIC_AREA_CYBERCRIME",
        country: "at",
        mode: "ATTENDANCE_MODE_HYBRID",
      }),
    ).toBe(
      'kind = EVENT_KIND_BRIEFING AND status = EVENT_STATUS_PUBLISHED AND conference_session = "COP12" AND thematic_areas:THEMATIC_AREA_CYBERCRIME AND venue.country_code = "AT" AND attendance_mode = ATTENDANCE_MODE_HYBRID',
    );
  });

  it("takes days from the reader's calendar, the end day included", () => {
    const filter = eventFilter({ ...none, from: "2026-10-01", to: "2026-10-31" });
    expect(filter).toBe(`start_time >= "${startOfDay("2026-10-01")}" AND start_time < "${startOfDay("2026-11-01")}"`);
    expect(new Date(startOfDay("2026-10-31", 1)).getDate()).toBe(1);
  });

  it("finds the events whose desk the reader works", () => {
    expect(eventFilter({ ...none, mine: true }, "staff@ngo.example.org")).toBe('registration_managers:"staff@ngo.example.org"');
    expect(eventFilter({ ...none, mine: true }, "")).toBe("");
  });

  it("leaves out what the service would refuse", () => {
    expect(eventFilter({ ...none, kind: "kind; DROP", country: "Austria", from: "1 Oct" })).toBe("");
  });

  it("quotes a conference session safely", () => {
    expect(eventFilter({ ...none, session: 'A"B' })).toBe('conference_session = "A\\"B"');
  });
});

describe("life cycle", () => {
  it("offers only the steps the status allows", () => {
    expect(stepsAllowed(EventStatus.DRAFT)).toEqual(["publish", "cancel"]);
    expect(stepsAllowed(EventStatus.PUBLISHED)).toEqual(["close", "cancel"]);
    expect(stepsAllowed(EventStatus.CLOSED)).toEqual(["reopen", "cancel"]);
    expect(stepsAllowed(EventStatus.CANCELLED)).toEqual([]);
  });

  it("deletes only draft and cancelled events", () => {
    expect([EventStatus.DRAFT, EventStatus.PUBLISHED, EventStatus.CLOSED, EventStatus.CANCELLED].map(deletable)).toEqual([true, false, false, true]);
  });
});

describe("seats", () => {
  const counts = { registered: 2, waitlisted: 3, cancelled: 4, attended: 1, noShow: 1 };
  it("counts registered, attended and no-show registrations as seats taken", () => {
    expect(seatsTaken(counts)).toBe(4);
    expect(seatsTaken(undefined)).toBe(0);
  });
  it("has no seats left to count when the capacity is unlimited", () => {
    expect(seatsLeft(0, counts)).toBeNull();
    expect(seatsLeft(10, counts)).toBe(6);
    expect(seatsLeft(3, counts)).toBe(0);
  });
});

describe("registration window", () => {
  const now = new Date("2026-10-10T10:00:00Z");
  const end = new Date("2026-10-12T10:00:00Z");
  it("is open while published and inside the window", () => {
    expect(registrationOpen({ status: EventStatus.PUBLISHED, endTime: end }, now)).toBe("open");
    expect(registrationOpen({ status: EventStatus.DRAFT, endTime: end }, now)).toBe("notPublished");
    expect(registrationOpen({ status: EventStatus.PUBLISHED, registrationStartTime: new Date("2026-10-11T00:00:00Z"), endTime: end }, now)).toBe("notStarted");
    expect(registrationOpen({ status: EventStatus.PUBLISHED, registrationEndTime: new Date("2026-10-09T00:00:00Z"), endTime: end }, now)).toBe("ended");
    expect(registrationOpen({ status: EventStatus.PUBLISHED, endTime: new Date("2026-10-09T00:00:00Z") }, now)).toBe("ended");
  });
});

function problem(kind: Problem["kind"], reason = ""): Problem {
  return { kind, messageKey: `problem.${kind}`, detail: "", fields: {}, reason, retryAfterSeconds: null };
}

describe("answers at the door", () => {
  it("names the reason a badge is refused", () => {
    expect(checkInRefusal(problem("conflict", "REGISTRATION_WAITLISTED"))).toBe("waitlisted");
    expect(checkInRefusal(problem("conflict", "REGISTRATION_CANCELLED"))).toBe("cancelled");
    expect(checkInRefusal(problem("conflict", "EVENT_NOT_OPEN"))).toBe("eventNotOpen");
    expect(checkInRefusal(problem("notFound"))).toBe("unknownCode");
    expect(checkInRefusal(problem("invalid"))).toBe("notACode");
    expect(checkInRefusal(problem("unavailable"))).toBe("failed");
  });
  it("lets in the checked-in and the already checked-in only", () => {
    expect(admitted("checkedIn")).toBe(true);
    expect(admitted("alreadyCheckedIn")).toBe(true);
    expect(admitted("waitlisted")).toBe(false);
  });
  it("explains known refusals and leaves others to the generic message", () => {
    expect(refusalKey(problem("conflict", "EVENT_FULL"))).toBe("EVENT_FULL");
    expect(refusalKey(problem("conflict", "SOMETHING_NEW"))).toBeNull();
    expect(refusalKey(problem("invalid", "EVENT_FULL"))).toBeNull();
  });
});

describe("export file name", () => {
  it("names the file after the event, without accents or punctuation", () => {
    expect(exportFileName("Briefing: Société civile & COP12!", "2026-10-01")).toBe("registrations-briefing-societe-civile-cop12-2026-10-01.csv");
    expect(exportFileName("???", "2026-10-01")).toBe("registrations-event-2026-10-01.csv");
  });
});
