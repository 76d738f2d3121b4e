// A declaration's figures: signatures by regional group, country, sector and area, each split
// by state, as charts with their tables (CountSignatures), and the running total of
// signatories by day as a line (CountSignaturesByDay), all narrowed to one regional group,
// sector, kind of signer or area when asked (cross-tabulation). Refreshed after every review.
import { lazy, Suspense, useState } from "react";
import { Paper, Select, SimpleGrid, Skeleton, Stack, Text, Title } from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { declarations } from "../../api/declarations";
import { ChartBar, chartColor, type ChartSeries } from "../../components/ChartBar";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatDate, formatDateTime, formatNumber } from "../../format";
import { DeclarationStatus, type Declaration } from "../../gen/engage/declarations/v1/declaration_pb";
import { SignerKind, SignerKindSchema } from "../../gen/engage/declarations/v1/signature_pb";
import { RegionalGroupSchema, SectorSchema } from "../../gen/engage/type/v1/types_pb";
import { ChartLine } from "./ChartLine";
import { countryRows, dailyPoints, daysWithSignatories, enumRows, figureFilter, noFigureFilters, type CountRow, type FigureFilters } from "./model";
import { enumOptions, keys, useLabels } from "./shared";

// The world map and its outlines come only with the figures.
const SignatoryMap = lazy(() => import("./SignatoryMap"));

export function Figures({ declaration }: { declaration: Declaration }) {
  const { t } = useTranslation("declarations");
  const labels = useLabels();
  const name = declaration.name;
  const [filters, setFilters] = useState<FigureFilters>(noFigureFilters);
  const filter = figureFilter(filters);
  const counts = useQuery({
    queryKey: keys.counts(name, filter),
    queryFn: () => declarations().countSignatures({ parent: name, filter }),
    placeholderData: keepPreviousData,
  });
  const daily = useQuery({
    queryKey: keys.daily(name, filter),
    queryFn: () => declarations().countSignaturesByDay({ parent: name, filter }),
    placeholderData: keepPreviousData,
    // The series starts on the day the declaration opened.
    enabled: declaration.status !== DeclarationStatus.DRAFT,
  });
  const narrowing = (
    <NarrowFigures
      declaration={declaration}
      filters={filters}
      onChange={(change) => {
        setFilters((f) => ({ ...f, ...change }));
      }}
    />
  );

  // The four states as series, in the same colours everywhere.
  const series = (rows: CountRow[]): ChartSeries[] => [
    { label: t("counts.verified"), values: rows.map((r) => r.verified), color: chartColor(2) },
    { label: t("counts.pending"), values: rows.map((r) => r.pending), color: chartColor(1) },
    { label: t("counts.rejected"), values: rows.map((r) => r.rejected), color: chartColor(3) },
    { label: t("counts.withdrawn"), values: rows.map((r) => r.withdrawn), color: chartColor(5) },
  ];

  if (counts.isPending) {
    return (
      <Stack gap="xs" aria-busy="true">
        {narrowing}
        <Text size="sm">{t("figures.loading")}</Text>
        <Skeleton height={240} />
      </Stack>
    );
  }
  const c = counts.data;
  if (c === undefined) {
    return (
      <Stack gap="sm">
        {narrowing}
        <ProblemAlert error={counts.error} onRetry={() => void counts.refetch()} />
      </Stack>
    );
  }

  const groups = enumRows(c.byRegionalGroup.map((g) => ({ value: g.regionalGroup, counts: g.counts })));
  const sectors = enumRows(c.bySector.map((s) => ({ value: s.sector, counts: s.counts })));
  const countries = countryRows(c.byCountry);
  const areas = c.byArea.map((a) => ({ key: a.areaId, title: a.title, ...{ pending: 0, verified: 0, rejected: 0, withdrawn: 0, ...a.counts } }));
  const kindVerified = (kind: SignerKind) => c.bySignerKind.find((k) => k.signerKind === kind)?.counts?.verified ?? 0;
  const points = daily.data ? dailyPoints(daily.data.days) : [];
  const dayWords = (iso: string) => formatDate(new Date(`${iso}T00:00:00`));

  return (
    <Stack gap="lg" aria-busy={counts.isFetching}>
      {narrowing}
      <ProblemAlert error={counts.error} onRetry={() => void counts.refetch()} />
      <Text size="sm" c="gray.7">
        {t("figures.asOf", { time: formatDateTime(c.asOfTime) })}
      </Text>
      <SimpleGrid cols={{ base: 2, sm: 4, lg: 7 }} spacing="sm" component="dl" m={0}>
        <Stat label={t("counts.verified")} value={c.totals?.verified ?? 0} />
        <Stat label={t("figures.countries")} value={c.signatoryCountryCount} />
        <Stat label={t("figures.organizations")} value={kindVerified(SignerKind.ORGANIZATION)} />
        <Stat label={t("figures.individuals")} value={kindVerified(SignerKind.INDIVIDUAL)} />
        <Stat label={t("counts.pending")} value={c.totals?.pending ?? 0} />
        <Stat label={t("counts.rejected")} value={c.totals?.rejected ?? 0} />
        <Stat label={t("counts.withdrawn")} value={c.totals?.withdrawn ?? 0} />
      </SimpleGrid>
      <Text size="sm">{t("figures.explain")}</Text>
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <Figure title={t("figures.byRegion")}>
          <ChartBar
            title={t("figures.byRegion")}
            categoryHeading={t("signature.regionalGroup")}
            categories={groups.map((g) => labels.group(Number(g.key)))}
            series={series(groups)}
            height={240}
          />
        </Figure>
        <Figure title={t("figures.bySector")}>
          <ChartBar
            title={t("figures.bySector")}
            categoryHeading={t("signature.sector")}
            categories={sectors.map((s) => labels.sector(Number(s.key)))}
            series={series(sectors)}
            height={240}
          />
        </Figure>
        <Figure title={t("figures.byArea")}>
          <ChartBar title={t("figures.byArea")} categoryHeading={t("signature.area")} categories={areas.map((a) => a.title)} series={series(areas)} height={240} />
        </Figure>
        <Figure title={t("figures.byCountry")}>
          {countries.length === 0 ? (
            <Text size="sm" c="gray.7">
              {t("figures.noCountries")}
            </Text>
          ) : (
            <ChartBar
              title={t("figures.byCountry")}
              categoryHeading={t("signature.country")}
              categories={countries.map((r) => (r.key === "" ? t("figures.noCountry") : labels.country(r.key)))}
              axisLabels={countries.map((r) => r.key || "—")}
              series={series(countries)}
              horizontal
              height={Math.max(160, countries.length * 48 + 40)}
            />
          )}
        </Figure>
      </SimpleGrid>
      <Figure title={t("figures.map")}>
        <Suspense fallback={<Skeleton height={320} />}>
          <SignatoryMap title={t("figures.map")} counts={Object.fromEntries(countries.map((r) => [r.key, r.verified]))} />
        </Suspense>
      </Figure>
      <Figure title={t("figures.byDay")}>
        {declaration.status === DeclarationStatus.DRAFT ? (
          <Text size="sm" c="gray.7">
            {t("figures.notOpen")}
          </Text>
        ) : daily.data === undefined ? (
          <ProblemAlert error={daily.error} onRetry={() => void daily.refetch()} />
        ) : (
          <ChartLine
            title={t("figures.byDay")}
            labels={points.map((p) => dayWords(p.date))}
            values={points.map((p) => p.cumulative)}
            color={chartColor(0)}
            caption={t("figures.byDayCaption")}
            rowHeading={t("figures.day")}
            columns={[t("figures.newSignatories"), t("figures.runningTotal")]}
            rows={daysWithSignatories(points).map((p) => ({ label: dayWords(p.date), values: [p.count, p.cumulative] }))}
          />
        )}
      </Figure>
    </Stack>
  );
}

/** Narrows every figure to one regional group, sector, kind of signer or area. */
function NarrowFigures({ declaration, filters, onChange }: { declaration: Declaration; filters: FigureFilters; onChange: (change: Partial<FigureFilters>) => void }) {
  const { t } = useTranslation("declarations");
  const labels = useLabels();
  const any = { value: "", label: t("figures.any") };
  const select = (key: keyof FigureFilters, label: string, data: { value: string; label: string }[]) => (
    <Select
      label={label}
      data={[any, ...data]}
      value={filters[key]}
      allowDeselect={false}
      onChange={(v) => {
        onChange({ [key]: v ?? "" });
      }}
    />
  );
  return (
    <div role="search" aria-label={t("figures.narrow")}>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm">
        {select("group", t("signature.regionalGroup"), enumOptions(RegionalGroupSchema, labels.group))}
        {select("sector", t("signature.sector"), enumOptions(SectorSchema, labels.sector))}
        {select("kind", t("signature.kind"), enumOptions(SignerKindSchema, labels.kind))}
        {select(
          "area",
          t("signature.area"),
          declaration.areas.map((a) => ({ value: a.id, label: a.title })),
        )}
      </SimpleGrid>
    </div>
  );
}

/** A figure under its heading; the chart's table names its own region, so this adds none. */
function Figure({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Paper withBorder p="sm">
      <Title order={3} size="h4" mb="xs">
        {title}
      </Title>
      {children}
    </Paper>
  );
}

function Stat({ label, value }: { label: string; value: number }) {
  return (
    <Paper withBorder p="xs">
      <Text component="dt" size="xs" c="gray.7">
        {label}
      </Text>
      <Text component="dd" m={0} fw={700} size="xl">
        {formatNumber(value)}
      </Text>
    </Paper>
  );
}
