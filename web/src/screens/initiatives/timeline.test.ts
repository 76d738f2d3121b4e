import { describe, expect, it } from "vitest";
import { cut, layoutTimeline, type TimelineMilestone } from "./timeline";

const m = (id: string, due: string, extra: Partial<TimelineMilestone> = {}): TimelineMilestone => {
  const [year, month, day] = due.split("-").map(Number) as [number, number, number];
  return { name: `initiatives/i/milestones/${id}`, title: `Milestone ${id}`, due: { year, month, day }, status: "planned", percent: 0, dependsOn: [], overdue: false, ...extra };
};
const today = { year: 2026, month: 3, day: 1 };

describe("roadmap timeline layout", () => {
  it("puts milestones in due order, one row each, later dates further along", () => {
    const layout = layoutTimeline([m("b", "2026-06-01"), m("a", "2026-04-01")], { today });
    expect(layout.rows.map((r) => r.name.slice(-1))).toEqual(["a", "b"]);
    const [a, b] = layout.rows;
    expect(a && b && a.y < b.y).toBe(true);
    expect(a && b && a.x < b.x).toBe(true);
    expect(layout.height).toBeGreaterThan((b?.y ?? 0));
  });

  it("draws an arrow from each dependency's marker to its dependant's bar start", () => {
    const layout = layoutTimeline([m("a", "2026-04-01"), m("b", "2026-06-01", { dependsOn: ["initiatives/i/milestones/a"] })], { today });
    expect(layout.arrows).toHaveLength(1);
    const [arrow] = layout.arrows;
    const [a, b] = layout.rows;
    expect(arrow?.from).toBe(a?.name);
    expect(arrow?.to).toBe(b?.name);
    // It leaves the dependency's due date and the dependant's bar starts there.
    expect(arrow?.d.startsWith(`M${String(Math.round((a?.x ?? 0) * 10) / 10)} `)).toBe(true);
    expect(b?.barX).toBeCloseTo(a?.x ?? 0, 0);
    // It ends going down onto the dependant's row.
    const ys = (arrow?.d.match(/V(-?[\d.]+)/g) ?? []).map((v) => Number(v.slice(1)));
    expect(ys[ys.length - 1]).toBeLessThan(b?.y ?? 0);
    expect(ys[ys.length - 1]).toBeGreaterThan(ys[ys.length - 2] ?? Infinity);
  });

  it("starts bars without dependencies at the roadmap's start, else today or four weeks before the first due date", () => {
    const start = { year: 2026, month: 2, day: 1 };
    const withStart = layoutTimeline([m("a", "2026-04-01")], { today, start });
    const [a] = withStart.rows;
    expect(a?.barX).toBeLessThan(withStart.todayX ?? 0);
    const future = layoutTimeline([m("a", "2026-04-01")], { today });
    expect(future.rows[0]?.barX).toBeCloseTo(future.todayX ?? -1);
    const late = layoutTimeline([m("a", "2026-02-20"), m("b", "2026-04-01")], { today });
    const [x, y] = late.rows;
    const perDay = ((y?.x ?? 0) - (x?.x ?? 0)) / 40;
    expect(((x?.x ?? 0) - (x?.barX ?? 0)) / perDay).toBeCloseTo(28, 0);
  });

  it("ignores dependencies on milestones it does not have", () => {
    const layout = layoutTimeline([m("b", "2026-06-01", { dependsOn: ["initiatives/i/milestones/gone"] })], { today });
    expect(layout.arrows).toEqual([]);
  });

  it("fills the bar by percent, a done milestone fully, and marks the next one due", () => {
    const layout = layoutTimeline(
      [m("a", "2026-04-01", { percent: 50 }), m("b", "2026-05-01", { status: "done", percent: 10 })],
      { today, nextDue: "initiatives/i/milestones/a" },
    );
    const [a, b] = layout.rows;
    expect(a?.fillWidth).toBeCloseTo((a?.barWidth ?? 0) / 2);
    expect(b?.fillWidth).toBeCloseTo(b?.barWidth ?? -1);
    expect(layout.rows.map((r) => r.next)).toEqual([true, false]);
  });

  it("mirrors everything for right-to-left reading", () => {
    const ms = [m("a", "2026-04-01", { percent: 25 }), m("b", "2026-06-01", { dependsOn: ["initiatives/i/milestones/a"] })];
    const ltr = layoutTimeline(ms, { today, width: 900 });
    const rtl = layoutTimeline(ms, { today, width: 900, direction: "rtl" });
    ltr.rows.forEach((row, i) => {
      const mirrored = rtl.rows[i];
      expect(mirrored?.x).toBeCloseTo(900 - row.x);
      expect(mirrored?.labelAnchor).toBe("end");
      expect(mirrored?.labelX).toBeCloseTo(900 - row.labelX);
      // The done part still starts where the bar starts: on the right.
      expect((mirrored?.fillX ?? 0) + (mirrored?.fillWidth ?? 0)).toBeCloseTo((mirrored?.barX ?? 0) + (mirrored?.barWidth ?? 0));
    });
    expect(rtl.todayX).toBeCloseTo(900 - (ltr.todayX ?? 0));
  });

  it("thins month ticks on long roadmaps and shows today's line", () => {
    const short = layoutTimeline([m("a", "2026-06-01")], { today });
    expect(short.ticks.map((t) => t.month)).toEqual([3, 4, 5, 6]);
    expect(short.todayX).not.toBeNull();
    const long = layoutTimeline([m("a", "2029-06-01")], { today });
    expect(long.ticks.every((t) => (t.month - 1) % 3 === 0)).toBe(true);
    expect(long.ticks.length).toBeLessThan(16);
  });

  it("cuts long titles with an ellipsis", () => {
    expect(cut("National consultation with civil society held", 20)).toBe("National consultati…");
    expect(cut("Short", 20)).toBe("Short");
  });

  it("lays out 40 milestones with chained dependencies in a few milliseconds", () => {
    const ms = Array.from({ length: 40 }, (_, i) =>
      m(String(i).padStart(2, "0"), `2026-${String(1 + Math.floor(i / 4)).padStart(2, "0")}-${String(1 + (i % 4) * 7).padStart(2, "0")}`, {
        dependsOn: i > 0 ? [`initiatives/i/milestones/${String(i - 1).padStart(2, "0")}`] : [],
      }),
    );
    const started = performance.now();
    for (let k = 0; k < 20; k++) layoutTimeline(ms, { today });
    const each = (performance.now() - started) / 20;
    const layout = layoutTimeline(ms, { today });
    expect(layout.rows).toHaveLength(40);
    expect(layout.arrows).toHaveLength(39);
    expect(each).toBeLessThan(10);
  });
});
