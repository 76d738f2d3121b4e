import { describe, expect, it } from "vitest";
import { RegionalGroupSchema, SectorSchema, ThematicArea, ThematicAreaSchema } from "../../gen/engage/type/v1/types_pb";
import { FollowUpStatus } from "../../gen/engage/briefings/v1/resources_pb";
import {
  countsOf,
  enumKey,
  enumNames,
  enumNumbers,
  figureRows,
  followUpMask,
  instantOf,
  isSessionCode,
  knownZone,
  liveRegistrations,
  ownerField,
  ownerOf,
  seatsHeld,
  seriesOf,
  sessionCode,
  sessionCodes,
  statementMask,
  statusChoices,
  statusOf,
  sumCounts,
  turnout,
  wallTimeOf,
  type FollowUpValues,
  type StatementValues,
} from "./outcomes-model";

describe("attendance figures", () => {
  const c = countsOf({ registered: 3, attended: 5, noShow: 2, waitlisted: 4, cancelled: 1 });

  it("counts seats held and live registrations as the event's capacity does", () => {
    expect(seatsHeld(c)).toBe(10);
    expect(liveRegistrations(c)).toBe(14);
  });

  it("gives the turnout over the seats held, and none when nobody holds a seat", () => {
    expect(turnout(c)).toBe(0.5);
    expect(turnout(countsOf({ waitlisted: 2 }))).toBeNull();
  });

  it("reads absent counts as zero", () => {
    expect(countsOf(undefined)).toEqual({ registered: 0, waitlisted: 0, cancelled: 0, attended: 0, noShow: 0 });
  });

  it("names sectors and regional groups by catalogue keys, unset ones included", () => {
    expect(enumKey(SectorSchema, "sector", "SECTOR_", 1)).toBe("sector.ngo");
    expect(enumKey(SectorSchema, "sector", "SECTOR_", 0)).toBe("sector.unspecified");
    expect(enumKey(RegionalGroupSchema, "regional_group", "REGIONAL_GROUP_", 4)).toBe("regional_group.latin_american_caribbean");
    // A value newer than this console is shown as not recorded rather than as a number.
    expect(enumKey(SectorSchema, "sector", "SECTOR_", 99)).toBe("sector.unspecified");
  });

  it("puts a breakdown's rows into one series per status, attended first", () => {
    const rows = figureRows(
      [
        { sector: 1, counts: { attended: 2, registered: 1 } },
        { sector: 2, counts: { attended: 1, noShow: 1 } },
      ],
      (r) => enumKey(SectorSchema, "sector", "SECTOR_", r.sector),
      (r) => r.counts,
    );
    expect(rows.map((r) => r.key)).toEqual(["sector.ngo", "sector.academia"]);
    const series = seriesOf(rows);
    expect(series.map((s) => s.column)).toEqual(["attended", "registered", "noShow", "waitlisted", "cancelled"]);
    expect(series[0]?.values).toEqual([2, 1]);
    expect(series[2]?.values).toEqual([0, 1]);
    expect(sumCounts(rows)).toEqual({ registered: 1, waitlisted: 0, cancelled: 0, attended: 3, noShow: 1 });
  });
});

describe("conference sessions", () => {
  it("takes a code as typed, in upper case and trimmed", () => {
    expect(sessionCode(" cop12 ")).toBe("COP12");
    expect(isSessionCode("COP12")).toBe(true);
    expect(isSessionCode("CCPCJ-34")).toBe(true);
    expect(isSessionCode("C")).toBe(false);
    expect(isSessionCode("COP 12")).toBe(false);
  });

  it("lists each session of some events once, in the events' order", () => {
    expect(sessionCodes([{ conferenceSession: "COP12" }, { conferenceSession: "" }, { conferenceSession: "CCPCJ34" }, { conferenceSession: "COP12" }])).toEqual(["COP12", "CCPCJ34"]);
  });
});

describe("follow-up actions", () => {
  it("offers any status while open or in progress, and only reopening once done or cancelled", () => {
    const { OPEN, IN_PROGRESS, DONE, CANCELLED, UNSPECIFIED } = FollowUpStatus;
    expect(statusChoices(OPEN)).toEqual([OPEN, IN_PROGRESS, DONE, CANCELLED]);
    expect(statusChoices(IN_PROGRESS)).toEqual([IN_PROGRESS, OPEN, DONE, CANCELLED]);
    expect(statusChoices(DONE)).toEqual([DONE, OPEN]);
    expect(statusChoices(CANCELLED)).toEqual([CANCELLED, OPEN]);
    expect(statusChoices(UNSPECIFIED)[0]).toBe(OPEN);
    expect(statusOf("3")).toBe(DONE);
    expect(statusOf("42")).toBe(OPEN);
  });

  it("reads and writes the owner as one of person, organisation or engage user", () => {
    expect(ownerOf({ case: "ownerOrganization", value: "organizations/1" })).toEqual({ kind: "organization", value: "organizations/1" });
    expect(ownerOf({ case: undefined })).toEqual({ kind: "person", value: "" });
    expect(ownerField({ kind: "subject", value: " officer@example.org " })).toEqual({ case: "ownerSubject", value: "officer@example.org" });
  });

  const base: FollowUpValues = {
    title: "Answer the question on victim support",
    description: "",
    owner: { kind: "person", value: "people/1" },
    dueDate: "2026-10-01",
    statement: "events/e/statements/s",
  };

  it("asks to update only what changed, naming the owner field that is set", () => {
    expect(followUpMask(base, base)).toEqual([]);
    expect(followUpMask(base, { ...base, dueDate: "2026-10-15" })).toEqual(["due_date"]);
    expect(followUpMask(base, { ...base, owner: { kind: "subject", value: "officer@example.org" } })).toEqual(["owner_subject"]);
    expect(followUpMask(base, { ...base, title: "New", statement: "" })).toEqual(["title", "statement"]);
  });
});

describe("statements", () => {
  const base: StatementValues = {
    speaker: "people/1",
    organization: "",
    title: "Statement on firearms",
    link: "",
    session: "",
    deliverTime: "",
    language: "en",
    summary: "",
    thematicAreas: ["THEMATIC_AREA_FIREARMS"],
  };

  it("asks to update only what changed", () => {
    expect(statementMask(base, base)).toEqual([]);
    expect(statementMask(base, { ...base, organization: "organizations/2", deliverTime: "2026-10-01T10:00" })).toEqual(["organization", "deliver_time"]);
    expect(statementMask(base, { ...base, thematicAreas: ["THEMATIC_AREA_FIREARMS", "THEMATIC_AREA_PREVENTION"] })).toEqual(["thematic_areas"]);
  });
});

describe("thematic areas", () => {
  it("go back and forth between the names a form holds and the values the service takes", () => {
    const names = enumNames(ThematicAreaSchema, [ThematicArea.FIREARMS, ThematicArea.PREVENTION]);
    expect(names).toEqual(["THEMATIC_AREA_FIREARMS", "THEMATIC_AREA_PREVENTION"]);
    expect(enumNumbers(ThematicAreaSchema, [...names, "THEMATIC_AREA_UNKNOWN"])).toEqual([ThematicArea.FIREARMS, ThematicArea.PREVENTION]);
  });
});

describe("times in the event's time zone", () => {
  it("shows an instant as the clock read in the event's city", () => {
    // 08:30 UTC is 10:30 in Vienna in summer and 04:30 in New York.
    const instant = new Date("2026-06-15T08:30:00Z");
    expect(wallTimeOf(instant, "Europe/Vienna")).toBe("2026-06-15T10:30");
    expect(wallTimeOf(instant, "America/New_York")).toBe("2026-06-15T04:30");
  });

  it("turns a time typed for the event's city back into the same instant", () => {
    expect(instantOf("2026-06-15T10:30", "Europe/Vienna")?.toISOString()).toBe("2026-06-15T08:30:00.000Z");
    expect(instantOf("2026-01-15T10:30", "Europe/Vienna")?.toISOString()).toBe("2026-01-15T09:30:00.000Z");
    expect(instantOf("", "Europe/Vienna")).toBeNull();
    expect(instantOf("tomorrow", "Europe/Vienna")).toBeNull();
  });

  it("falls back to UTC for a zone the browser does not know", () => {
    expect(knownZone("Europe/Vienna")).toBe("Europe/Vienna");
    expect(knownZone("Mars/Olympus")).toBe("UTC");
  });
});
