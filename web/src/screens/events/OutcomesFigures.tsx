// Attendance figures as the service computes them (AttendanceBreakdown): the key figures, then
// registrations by sector, regional group and gender, each as a stacked bar chart of the
// registration statuses with its table (the dashboard's colours, a total line). An event's section and a conference session's page
// both show them.
import type { ReactNode } from "react";
import { SimpleGrid, Stack, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { chartColor } from "../../components/ChartBar";
import { formatNumber, formatPercent } from "../../format";
import { GenderSchema } from "../../gen/engage/briefings/v1/resources_pb";
import type { AttendanceBreakdown } from "../../gen/engage/briefings/v1/reports_pb";
import { RegionalGroupSchema, SectorSchema } from "../../gen/engage/type/v1/types_pb";
import { countsOf, enumKey, figureRows, liveRegistrations, turnout, type FigureRow } from "./outcomes-model";
import { OutcomesChart } from "./OutcomesChart";
import { OutcomesStat } from "./OutcomesParts";

/** A status's colour, the same in every chart. */
export const statusColors = {
  attended: chartColor(2),
  registered: chartColor(0),
  noShow: chartColor(1),
  waitlisted: chartColor(4),
  cancelled: "#868e96",
} as const;

/** A stacked bar chart of registrations by status over some groups, with its table. */
export function StatusChart({ title, categoryHeading, rows, label, axisLabel }: { title: string; categoryHeading: string; rows: FigureRow[]; label: (key: string) => string; axisLabel?: (key: string) => string }) {
  return <OutcomesChart title={title} categoryHeading={categoryHeading} rows={rows} label={label} axisLabel={axisLabel} colors={statusColors} />;
}

/** The key figures of a breakdown; `before` and `after` add figures of their own. */
export function KeyFigures({ breakdown, before, after }: { breakdown: AttendanceBreakdown | undefined; before?: ReactNode; after?: ReactNode }) {
  const { t } = useTranslation("outcomes");
  const totals = countsOf(breakdown?.totals);
  const youth = countsOf(breakdown?.youth);
  const rate = turnout(totals);
  return (
    <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }} spacing="sm" role="group" aria-label={t("figures.label")}>
      {before}
      <OutcomesStat label={t("figures.registrations")} value={formatNumber(liveRegistrations(totals))} hint={t("figures.registrationsHint")} />
      <OutcomesStat label={t("status.attended")} value={formatNumber(totals.attended)} hint={rate === null ? undefined : t("figures.turnout", { rate: formatPercent(rate) })} />
      <OutcomesStat label={t("status.registered")} value={formatNumber(totals.registered)} hint={t("figures.registeredHint")} />
      <OutcomesStat label={t("status.noShow")} value={formatNumber(totals.noShow)} />
      <OutcomesStat label={t("status.waitlisted")} value={formatNumber(totals.waitlisted)} />
      <OutcomesStat label={t("status.cancelled")} value={formatNumber(totals.cancelled)} />
      <OutcomesStat label={t("figures.youthAttended")} value={formatNumber(youth.attended)} hint={t("figures.youthRegistered", { count: liveRegistrations(youth) })} />
      <OutcomesStat label={t("figures.organizations")} value={formatNumber(breakdown?.organizationsAttended ?? 0)} />
      <OutcomesStat label={t("figures.countries")} value={formatNumber(breakdown?.countriesAttended ?? 0)} />
      {after}
    </SimpleGrid>
  );
}

/** Registrations by sector, regional group and gender. `order` is the level of their headings. */
export function Breakdowns({ breakdown, order, idPrefix }: { breakdown: AttendanceBreakdown; order: 2 | 3; idPrefix: string }) {
  const { t } = useTranslation("outcomes");
  const sectors = figureRows(breakdown.bySector, (r) => enumKey(SectorSchema, "sector", "SECTOR_", r.sector), (r) => r.counts);
  const groups = figureRows(breakdown.byRegionalGroup, (r) => enumKey(RegionalGroupSchema, "regional_group", "REGIONAL_GROUP_", r.regionalGroup), (r) => r.counts);
  const genders = figureRows(breakdown.byGender, (r) => enumKey(GenderSchema, "gender", "GENDER_", r.gender), (r) => r.counts);
  const parts: [string, string, string, FigureRow[]][] = [
    ["sector", t("breakdown.sector"), t("breakdown.bySector"), sectors],
    ["regional-group", t("breakdown.regionalGroup"), t("breakdown.byRegionalGroup"), groups],
    ["gender", t("breakdown.gender"), t("breakdown.byGender"), genders],
  ];
  return (
    <Stack gap="lg">
      {parts.map(([id, heading, title, rows]) => (
        <Stack key={id} gap="xs" component="section" aria-labelledby={`${idPrefix}-${id}`}>
          <Title order={order} size="h4" id={`${idPrefix}-${id}`}>
            {heading}
          </Title>
          <StatusChart title={title} categoryHeading={heading} rows={rows} label={(key) => t(key)} axisLabel={(key) => t(key.replace(/^regional_group\./, "regional_group_short."))} />
        </Stack>
      ))}
    </Stack>
  );
}
