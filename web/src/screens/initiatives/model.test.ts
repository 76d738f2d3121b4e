import { describe, expect, it } from "vitest";
import { InitiativeStatus } from "../../gen/engage/initiatives/v1/initiative_pb";
import { MilestoneStatus } from "../../gen/engage/initiatives/v1/milestone_pb";
import {
  cycleOf,
  dateText,
  filtersFromSearch,
  initiativeFilter,
  mayCoordinate,
  openDependencies,
  parseDate,
  progressEntryOf,
  refusalKey,
  searchFromFilters,
  seesOnlyAssigned,
  threads,
  transitionsFrom,
  withTitles,
  type ProgressValues,
} from "./model";

describe("dates", () => {
  it("reads and writes YYYY-MM-DD and refuses dates that do not exist", () => {
    expect(parseDate("2026-02-28")).toEqual({ year: 2026, month: 2, day: 28 });
    expect(parseDate("2026-02-30")).toBeNull();
    expect(parseDate("28/02/2026")).toBeNull();
    expect(dateText({ year: 2026, month: 3, day: 5 })).toBe("2026-03-05");
    expect(dateText({ year: 0, month: 0, day: 0 })).toBe("");
  });
});

describe("lifecycle", () => {
  it("offers only the moves the current status allows", () => {
    expect(transitionsFrom(InitiativeStatus.PROPOSED)).toEqual(["launch"]);
    expect(transitionsFrom(InitiativeStatus.LAUNCHED)).toEqual(["activate"]);
    expect(transitionsFrom(InitiativeStatus.ACTIVE)).toEqual(["suspend", "complete"]);
    expect(transitionsFrom(InitiativeStatus.SUSPENDED)).toEqual(["resume"]);
    expect(transitionsFrom(InitiativeStatus.COMPLETED)).toEqual([]);
  });
});

describe("who writes where", () => {
  const mine = "initiatives/0190-a";
  it("lets a coordinator write only the initiatives the token assigns, officers everywhere", () => {
    const coordinator = { officer: false, coordinator: true, initiatives: [mine] };
    expect(mayCoordinate(coordinator, mine)).toBe(true);
    expect(mayCoordinate(coordinator, "initiatives/0190-b")).toBe(false);
    expect(seesOnlyAssigned(coordinator)).toBe(true);
    const officer = { officer: true, coordinator: false, initiatives: [] };
    expect(mayCoordinate(officer, "initiatives/0190-b")).toBe(true);
    expect(seesOnlyAssigned(officer)).toBe(false);
    const viewer = { officer: false, coordinator: false, initiatives: [mine] };
    expect(mayCoordinate(viewer, mine)).toBe(false);
  });
});

describe("list filters", () => {
  it("round-trips through the address bar, leaving defaults out", () => {
    const f = filtersFromSearch(new URLSearchParams("q=kenya&status=INITIATIVE_STATUS_ACTIVE&overdue=1&size=50&order=title"));
    expect(f).toMatchObject({ q: "kenya", status: "INITIATIVE_STATUS_ACTIVE", overdue: true, size: 50, order: "title" });
    expect(searchFromFilters(f).toString()).toBe("q=kenya&status=INITIATIVE_STATUS_ACTIVE&overdue=1&order=title&size=50");
    expect(searchFromFilters(filtersFromSearch(new URLSearchParams())).toString()).toBe("");
  });

  it("builds the service's filter, quoting text and ignoring values that are not enum names", () => {
    const f = filtersFromSearch(new URLSearchParams('q=say "hi"&country=ke&group=REGIONAL_GROUP_AFRICAN&area=THEMATIC_AREA_FRAUD&overdue=1&status=x or y'));
    expect(initiativeFilter(f)).toBe('title:"say \\"hi\\"" AND country_code = "KE" AND regional_group = REGIONAL_GROUP_AFRICAN AND thematic_area = THEMATIC_AREA_FRAUD AND roadmap.overdue_count > 0');
  });
});

describe("refusals", () => {
  it("explains a refusal by the service's reason, then by kind", () => {
    expect(refusalKey({ kind: "conflict", reason: "DEPENDENCIES_NOT_FINISHED" })).toBe("refusal.dependenciesNotFinished");
    expect(refusalKey({ kind: "stale", reason: "" })).toBe("refusal.stale");
    expect(refusalKey({ kind: "denied", reason: "NOT_COORDINATOR_OF_INITIATIVE" })).toBe("refusal.notCoordinator");
    expect(refusalKey({ kind: "invalid", reason: "" })).toBeNull();
  });

  it("names the open dependencies of a milestone, and shows titles instead of resource names", () => {
    const a = { name: "initiatives/i/milestones/a", title: "Mapping", status: MilestoneStatus.IN_PROGRESS, dependsOn: [] };
    const b = { name: "initiatives/i/milestones/b", title: "Dropped study", status: MilestoneStatus.DROPPED, dependsOn: [] };
    const c = { name: "initiatives/i/milestones/c", title: "Plan", status: MilestoneStatus.PLANNED, dependsOn: [a.name, b.name] };
    expect(openDependencies(c, [a, b, c]).map((m) => m.title)).toEqual(["Mapping"]);
    const titles = new Map([[a.name, a.title]]);
    expect(withTitles("the milestone cannot be DONE before initiatives/i/milestones/a is DONE", titles)).toBe("the milestone cannot be DONE before “Mapping” is DONE");
  });
});

describe("dependency cycles", () => {
  it("reads the milestones of a refused cycle, in order", () => {
    expect(cycleOf("would form a dependency cycle: initiatives/i/milestones/a -> initiatives/i/milestones/b -> initiatives/i/milestones/a")).toEqual([
      "initiatives/i/milestones/a",
      "initiatives/i/milestones/b",
      "initiatives/i/milestones/a",
    ]);
    expect(cycleOf("must be a milestone of the same initiative")).toBeNull();
  });
});

describe("progress entries", () => {
  const base: ProgressValues = { milestone: "initiatives/i/milestones/a", text: " Workshop held ", percent: 40, status: MilestoneStatus.IN_PROGRESS, evidence: "", corrects: "" };
  const current = { status: MilestoneStatus.IN_PROGRESS, percentComplete: 20 };

  it("sends only what changes", () => {
    expect(progressEntryOf(base, current)).toMatchObject({ text: "Workshop held", newStatus: MilestoneStatus.UNSPECIFIED, newPercentComplete: 40 });
    expect(progressEntryOf({ ...base, percent: 20 }, current).newPercentComplete).toBeUndefined();
  });

  it("marks done without a percent, which the service would refuse beside DONE", () => {
    const done = progressEntryOf({ ...base, status: MilestoneStatus.DONE, percent: 80 }, current);
    expect(done.newStatus).toBe(MilestoneStatus.DONE);
    expect(done.newPercentComplete).toBeUndefined();
  });

  it("changes nothing on an entry about the initiative as a whole, and keeps evidence lines", () => {
    const whole = progressEntryOf({ ...base, milestone: "", evidence: "https://a.example/1\n\n https://a.example/2 " }, undefined);
    expect(whole).toMatchObject({ newStatus: MilestoneStatus.UNSPECIFIED, newPercentComplete: undefined });
    expect(whole.evidence).toEqual([{ uri: "https://a.example/1" }, { uri: "https://a.example/2" }]);
  });
});

describe("progress log threads", () => {
  const e = (id: string, corrects = "") => ({ name: `initiatives/i/progressEntries/${id}`, corrects: corrects === "" ? "" : `initiatives/i/progressEntries/${corrects}` });

  it("puts each correction beside the entry it corrects, oldest correction first", () => {
    // Newest first, as the log lists it.
    const list = [e("05", "01"), e("04"), e("03", "01"), e("02", "03"), e("01")].map((x, i) => ({ ...x, i }));
    // 02 "corrects" 03 but is older than it: a correction of a correction still joins 01.
    const out = threads(list);
    expect(out.map((t) => t.entry.name.slice(-2))).toEqual(["04", "01"]);
    expect(out[1]?.corrections.map((c) => c.name.slice(-2))).toEqual(["02", "03", "05"]);
  });

  it("shows a correction whose entry is on another page on its own, naming what it corrects", () => {
    const out = threads([e("09", "01"), e("08")]);
    expect(out.map((t) => [t.entry.name.slice(-2), t.correctsElsewhere])).toEqual([
      ["09", "initiatives/i/progressEntries/01"],
      ["08", ""],
    ]);
  });
});
