// The roadmap drawn as an SVG timeline: one row per milestone with its bar filled by percent,
// its due-date marker, arrows from each dependency to its dependant, today's line, overdue
// milestones marked in red and in words, the next one due highlighted. The layout is the pure
// function in timeline.ts; this draws it once per change of the roadmap (memoised, no
// animation). The milestones table beside it carries the same facts for screen readers.
import { memo, useId, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { MilestoneStatus, type Milestone } from "../../gen/engage/initiatives/v1/milestone_pb";
import type { Initiative } from "../../gen/engage/initiatives/v1/initiative_pb";
import { todayUtc, type Ymd } from "./model";
import { layoutTimeline, type RowStatus, type TimelineMilestone } from "./timeline";

const statusOf: Record<number, RowStatus> = {
  [MilestoneStatus.PLANNED]: "planned",
  [MilestoneStatus.IN_PROGRESS]: "in_progress",
  [MilestoneStatus.DONE]: "done",
  [MilestoneStatus.BLOCKED]: "blocked",
  [MilestoneStatus.DROPPED]: "dropped",
};

// Fills at 3:1 or more against white for the bars (non-text contrast).
const colors: Record<RowStatus, string> = {
  planned: "#868e96",
  in_progress: "#1971c2",
  done: "#2b8a3e",
  blocked: "#e8590c",
  dropped: "#adb5bd",
};
const overdueColor = "#c92a2a";

const noDate: Ymd = { year: 1970, month: 1, day: 1 };

export function timelineMilestones(milestones: readonly Milestone[]): TimelineMilestone[] {
  return milestones.map((m) => ({
    name: m.name,
    title: m.title,
    due: m.dueDate ?? noDate,
    status: statusOf[m.status] ?? "planned",
    percent: m.percentComplete,
    dependsOn: m.dependsOn,
    overdue: m.overdue,
  }));
}

export const Timeline = memo(function Timeline({
  initiative,
  milestones,
  direction,
  onPick,
  printable = false,
}: {
  initiative: Initiative;
  milestones: readonly Milestone[];
  direction: "ltr" | "rtl";
  /** A click on a milestone's row (the table offers the same with the keyboard). */
  onPick?: (name: string) => void;
  printable?: boolean;
}) {
  const { t, i18n } = useTranslation("initiatives");
  const id = useId();
  const layout = useMemo(
    () =>
      layoutTimeline(timelineMilestones(milestones), {
        today: todayUtc(),
        start: initiative.startDate,
        end: initiative.targetDate,
        nextDue: initiative.roadmap?.nextDue?.milestone,
        direction,
        width: printable ? 720 : 960,
        labelWidth: printable ? 200 : 240,
        maxLabel: printable ? 26 : 30,
      }),
    [milestones, initiative, direction, printable],
  );
  const monthFormat = useMemo(() => new Intl.DateTimeFormat(i18n.language, { month: "short", year: "2-digit", timeZone: "UTC" }), [i18n.language]);
  const overdue = layout.rows.filter((r) => r.overdue).length;
  const startAnchor = direction === "rtl" ? "end" : "start";

  return (
    <svg
      role="img"
      aria-labelledby={`${id}-title ${id}-desc`}
      viewBox={`0 0 ${String(layout.width)} ${String(layout.height)}`}
      width="100%"
      style={{ display: "block", minWidth: printable ? undefined : 720, maxWidth: printable ? 720 : undefined, fontFamily: "inherit" }}
      data-testid="roadmap-timeline"
      direction="ltr"
    >
      <title id={`${id}-title`}>{t("timeline.title")}</title>
      <desc id={`${id}-desc`}>{t("timeline.desc", { count: layout.rows.length, overdue })}</desc>
      <defs>
        <marker id={`${id}-arrow`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M0 0L10 5L0 10z" fill="#495057" />
        </marker>
      </defs>
      {/* Month axis */}
      <line x1={layout.plotStart} x2={layout.plotEnd} y1={layout.axisY} y2={layout.axisY} stroke="#ced4da" />
      {layout.ticks.map((tick) => (
        <g key={`${String(tick.year)}-${String(tick.month)}`}>
          <line x1={tick.x} x2={tick.x} y1={layout.axisY - 4} y2={layout.height} stroke="#f1f3f5" />
          <text x={tick.x} y={layout.axisY - 8} fontSize="11" textAnchor="middle" fill="#495057">
            {monthFormat.format(new Date(Date.UTC(tick.year, tick.month - 1, 1)))}
          </text>
        </g>
      ))}
      {layout.rows.map((row, i) => (
        <g
          key={row.name}
          data-milestone={row.name}
          data-overdue={row.overdue ? "true" : undefined}
          data-next={row.next ? "true" : undefined}
          onClick={onPick ? () => { onPick(row.name); } : undefined}
          style={onPick ? { cursor: "pointer" } : undefined}
        >
          <title>{row.title}</title>
          <rect x={0} y={row.y - 15} width={layout.width} height={30} fill={row.next ? "#fff3bf" : i % 2 === 0 ? "#f8f9fa" : "#ffffff"} />
          <text x={row.labelX} y={row.y + 4} fontSize="12" textAnchor={row.labelAnchor} fill="#212529" fontWeight={row.next ? 700 : 400}>
            {row.label}
          </text>
          <rect x={row.barX} y={row.y - 5} width={row.barWidth} height={10} rx={2} fill="#e9ecef" stroke={colors[row.status]} strokeWidth={1} strokeDasharray={row.status === "dropped" ? "3 2" : undefined} />
          {row.fillWidth > 0 ? <rect x={row.fillX} y={row.y - 5} width={row.fillWidth} height={10} rx={2} fill={colors[row.status]} /> : null}
          {/* The due date: a diamond, red and ringed when overdue, ringed in dark when due next. */}
          <path
            d={`M${String(row.x)} ${String(row.y - 7)}l7 7l-7 7l-7 -7z`}
            fill={row.overdue ? overdueColor : colors[row.status]}
            stroke={row.next ? "#212529" : "#ffffff"}
            strokeWidth={row.next ? 2 : 1}
          />
          <text x={row.noteX} y={row.y + 4} fontSize="11" textAnchor={row.noteAnchor} fill={row.overdue ? overdueColor : "#343a40"} fontWeight={row.overdue || row.next ? 700 : 400}>
            {[
              t("timeline.percent", { percent: row.percent }),
              row.status === "done" ? t("milestoneStatus.done") : "",
              row.overdue ? t("timeline.overdue") : "",
              row.next ? t("timeline.next") : "",
            ]
              .filter(Boolean)
              .join(" · ")}
          </text>
        </g>
      ))}
      {layout.arrows.map((a) => (
        <path key={`${a.from}>${a.to}`} d={a.d} fill="none" stroke="#495057" strokeWidth={1.2} markerEnd={`url(#${id}-arrow)`} data-from={a.from} data-to={a.to} />
      ))}
      {layout.todayX !== null ? (
        <g>
          <line x1={layout.todayX} x2={layout.todayX} y1={layout.axisY} y2={layout.height} stroke={overdueColor} strokeDasharray="4 3" />
          <text x={layout.todayX} y={layout.height - 2} fontSize="10" textAnchor={startAnchor} fill={overdueColor} dx={direction === "rtl" ? -3 : 3}>
            {t("timeline.today")}
          </text>
        </g>
      ) : null}
    </svg>
  );
});
