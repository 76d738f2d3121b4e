// The live dashboard, everyone's home: engage's figures as numbers and charts, updated by
// WatchSummary without reload (GetSummary refetched on changes for coordinators), and the
// latest changes in words from the change feed, both resumed after a network drop.
import { useCallback, useMemo, useRef, useState } from "react";
import { Alert, Badge, Grid, Group, Paper, Progress, Select, SimpleGrid, Skeleton, Stack, Table, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { useQuery } from "@tanstack/react-query";
import type { TFunction } from "i18next";
import { declarations } from "../../api/declarations";
import { ProblemAlert } from "../../components/ProblemAlert";
import { ChartBar, chartColor } from "../../components/ChartBar";
import { formatDate, formatDateTime, formatNumber, formatPercent } from "../../format";
import { useAbilities } from "../../session/session";
import type { DashboardSummary, DeclarationSummary, SignatureCounts } from "../../gen/engage/feeds/v1/summary_pb";
import type { Date as ProtoDate } from "../../gen/engage/type/v1/types_pb";
import { activityKey, type Activity } from "./activity";
import { useActivity, useSummary } from "./live";
import { combinedState, type ConnectionState } from "./resume";

const sectorKeys = ["unspecified", "ngo", "academia", "private_sector", "youth", "foundation", "media", "other"];
const regionKeys = ["unspecified", "african", "asia_pacific", "eastern_european", "latin_american_caribbean", "western_european_others", "none"];
const statusKeys = ["unspecified", "proposed", "launched", "active", "completed", "suspended"];

const keyOf = (keys: string[], value: number) => keys[value] ?? "unspecified";

function protoDate(d: ProtoDate | undefined): string {
  return d === undefined || d.year === 0 ? "" : formatDate(new Date(d.year, Math.max(d.month - 1, 0), Math.max(d.day, 1)));
}

export default function DashboardPage() {
  const { t } = useTranslation("dashboard");
  const can = useAbilities();
  const [session, setSession] = useState("");
  const live = useSummary(session, can.watch);
  const refreshTimer = useRef<number | undefined>(undefined);

  // Coordinators read the summary with GetSummary: ask again, at most once a second, when
  // the feed reports a change.
  const refreshSoon = useCallback(() => {
    if (can.watch || refreshTimer.current !== undefined) return;
    refreshTimer.current = window.setTimeout(() => {
      refreshTimer.current = undefined;
      live.refresh();
    }, 1000);
  }, [can.watch, live]);
  const activity = useActivity(can.watch, refreshSoon, live.refresh);
  const state = combinedState(live.state, activity.state);

  // The sessions offered are those seen in the summaries of all sessions, newest first.
  const [sessions, setSessions] = useState<string[]>([]);
  const summary = live.summary;
  if (summary !== null && session === "") {
    const seen = summary.contacts?.accreditations.map((a) => a.conferenceSession) ?? [];
    const merged = [...seen, ...sessions.filter((s) => !seen.includes(s))];
    if (merged.join("\n") !== sessions.join("\n")) setSessions(merged);
  }

  return (
    <Stack gap="md">
      <Group justify="space-between" align="center" wrap="wrap" gap="sm">
        <Title order={1}>{t("title")}</Title>
        <ConnectionBadge state={state} />
      </Group>
      <Group justify="space-between" align="end" wrap="wrap" gap="sm">
        <Select
          label={t("session.label")}
          data={[{ value: "", label: t("session.all") }, ...sessions.map((s) => ({ value: s, label: s }))]}
          value={session}
          onChange={(value) => {
            setSession(value ?? "");
          }}
          allowDeselect={false}
          w={{ base: "100%", xs: 240 }}
        />
        {summary?.computeTime ? (
          <Text size="sm" c="gray.7">
            {t("asOf", { time: formatDateTime(summary.computeTime) })}
          </Text>
        ) : null}
      </Group>
      <ProblemAlert error={live.error} />
      <ProblemAlert error={activity.error} />
      {summary === null ? (
        <Stack gap="xs" aria-busy="true">
          <Text size="sm">{t("loading")}</Text>
          <Skeleton height={80} />
          <Skeleton height={240} />
        </Stack>
      ) : (
        <Grid gap="md">
          <Grid.Col span={{ base: 12, lg: 8 }}>
            <Figures summary={summary} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 4 }}>
            <ActivityList activities={activity.activities} lost={activity.lost} />
          </Grid.Col>
        </Grid>
      )}
      {summary === null ? <ActivityList activities={activity.activities} lost={activity.lost} /> : null}
    </Stack>
  );
}

function ConnectionBadge({ state }: { state: ConnectionState }) {
  const { t } = useTranslation();
  const words = {
    live: t("connection.live"),
    connecting: t("connection.connecting"),
    reconnecting: t("connection.reconnecting"),
    failed: t("connection.offline"),
  }[state];
  const color = { live: "green", connecting: "blue", reconnecting: "orange", failed: "red" }[state];
  return (
    <div aria-live="polite" role="status" data-state={state}>
      <Badge c="dark.7" color={color} variant="light" size="lg" tt="none">
        {words}
      </Badge>
    </div>
  );
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Paper withBorder p="md" component="section" aria-label={title}>
      <Stack gap="sm">
        <Title order={2} size="h4">
          {title}
        </Title>
        {children}
      </Stack>
    </Paper>
  );
}

function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <Paper withBorder p="sm" role="group" aria-label={label}>
      <Text size="xs" c="gray.7">
        {label}
      </Text>
      <Text fz="xl" fw={700} data-figure>
        {value}
      </Text>
      {hint ? (
        <Text size="xs" c="gray.7">
          {hint}
        </Text>
      ) : null}
    </Paper>
  );
}

function Figures({ summary }: { summary: DashboardSummary }) {
  const { t } = useTranslation("dashboard");
  const contacts = summary.contacts;
  const initiatives = summary.initiatives;
  const briefings = summary.briefings;
  const verified = summary.declarations.reduce((n, d) => n + (d.totals?.verified ?? 0), 0);
  const sector = (value: number) => t(`sector.${keyOf(sectorKeys, value)}`);
  const region = (value: number) => t(`region.${keyOf(regionKeys, value)}`);
  const regionShort = (value: number) => t(`regionShort.${keyOf(regionKeys, value)}`);
  const stale = summary.sources.filter((s) => s.stale);

  return (
    <Stack gap="md">
      {stale.map((s) => (
        <Alert key={s.service} color="yellow" role="status">
          {t("stale", { service: t(`service.${s.service}`, { defaultValue: s.service }), time: formatDateTime(s.asOf) })}
        </Alert>
      ))}
      <SimpleGrid cols={{ base: 2, sm: 3, xl: 6 }} spacing="sm" role="group" aria-label={t("totals.label")}>
        <Stat label={t("totals.organizations")} value={formatNumber(contacts?.organizationsTotal ?? 0)} />
        <Stat label={t("totals.people")} value={formatNumber(contacts?.peopleTotal ?? 0)} />
        <Stat label={t("totals.youth")} value={formatNumber(contacts?.youthTotal ?? 0)} />
        <Stat label={t("totals.initiatives")} value={formatNumber(initiatives?.initiativesTotal ?? 0)} />
        {summary.declarations.length > 0 || briefings !== undefined ? (
          <Stat label={t("totals.verifiedSignatures")} value={formatNumber(verified)} />
        ) : null}
        {briefings !== undefined ? <Stat label={t("totals.upcomingEvents")} value={formatNumber(briefings.upcomingEventCount)} /> : null}
      </SimpleGrid>

      {contacts !== undefined ? (
        <>
          <Section title={t("organizations.title")}>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
              <ChartBar
                title={t("organizations.bySector")}
                categoryHeading={t("chart.category")}
                categories={contacts.organizationsBySector.map((c) => sector(c.sector))}
                series={[{ label: t("chart.count"), values: contacts.organizationsBySector.map((c) => c.count), color: chartColor(0) }]}
              />
              <ChartBar
                title={t("organizations.byRegion")}
                categoryHeading={t("chart.category")}
                categories={contacts.organizationsByRegionalGroup.map((c) => region(c.regionalGroup))}
                axisLabels={contacts.organizationsByRegionalGroup.map((c) => regionShort(c.regionalGroup))}
                series={[{ label: t("chart.count"), values: contacts.organizationsByRegionalGroup.map((c) => c.count), color: chartColor(0) }]}
              />
            </SimpleGrid>
          </Section>
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
            <Section title={t("people.title")}>
              <ChartBar
                title={t("people.byRegion")}
                categoryHeading={t("chart.category")}
                categories={contacts.peopleByRegionalGroup.map((c) => region(c.regionalGroup))}
                axisLabels={contacts.peopleByRegionalGroup.map((c) => regionShort(c.regionalGroup))}
                series={[
                  { label: t("people.people"), values: contacts.peopleByRegionalGroup.map((c) => c.people), color: chartColor(0) },
                  { label: t("people.youth"), values: contacts.peopleByRegionalGroup.map((c) => c.youth), color: chartColor(1) },
                ]}
              />
            </Section>
            <Section title={t("accreditations.title")}>
              {contacts.accreditations.length === 0 ? (
                <Text size="sm" c="gray.7">
                  {t("accreditations.none")}
                </Text>
              ) : (
                <ChartBar
                  title={t("accreditations.chart")}
                  categoryHeading={t("session.label")}
                  categories={contacts.accreditations.map((a) => a.conferenceSession)}
                  series={[
                    { label: t("accreditations.requested"), values: contacts.accreditations.map((a) => a.requested), color: chartColor(1) },
                    { label: t("accreditations.granted"), values: contacts.accreditations.map((a) => a.granted), color: chartColor(2) },
                    { label: t("accreditations.refused"), values: contacts.accreditations.map((a) => a.refused), color: chartColor(3) },
                  ]}
                />
              )}
            </Section>
          </SimpleGrid>
        </>
      ) : null}

      {initiatives !== undefined ? <InitiativesSection summary={summary} /> : null}

      {summary.declarations.length > 0 || briefings !== undefined ? (
        <Section title={t("declarations.title")}>
          {summary.declarations.length === 0 ? (
            <Text size="sm" c="gray.7">
              {t("declarations.none")}
            </Text>
          ) : (
            summary.declarations.map((d) => <DeclarationFigures key={d.declaration} declaration={d} t={t} />)
          )}
        </Section>
      ) : null}

      {briefings !== undefined ? <EventsSection summary={summary} /> : null}
    </Stack>
  );
}

function InitiativesSection({ summary }: { summary: DashboardSummary }) {
  const { t } = useTranslation("dashboard");
  const initiatives = summary.initiatives;
  if (initiatives === undefined) return null;
  return (
    <Section title={t("initiatives.title")}>
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
        <Stat label={t("initiatives.average")} value={formatPercent(initiatives.averageRoadmapCompletionPercent / 100)} />
        <Stat label={t("initiatives.overdue")} value={formatNumber(initiatives.milestonesOverdue)} />
        <Stat label={t("initiatives.dueSoon")} value={formatNumber(initiatives.milestonesDueSoon)} />
      </SimpleGrid>
      <ChartBar
        title={t("initiatives.byStatus")}
        categoryHeading={t("initiatives.status")}
        categories={initiatives.byStatus.map((s) => t(`status.${keyOf(statusKeys, s.status)}`))}
        series={[{ label: t("chart.count"), values: initiatives.byStatus.map((s) => s.count), color: chartColor(4) }]}
      />
      <Title order={3} size="h5">
        {t("initiatives.progress")}
      </Title>
      {initiatives.initiatives.length === 0 ? (
        <Text size="sm" c="gray.7">
          {t("initiatives.none")}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={560} mah={360}>
          <Table fz="sm" striped>
            <Table.Caption>{t("initiatives.progress")}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("initiatives.initiative")}</Table.Th>
                <Table.Th scope="col">{t("initiatives.country")}</Table.Th>
                <Table.Th scope="col">{t("initiatives.status")}</Table.Th>
                <Table.Th scope="col">{t("initiatives.completion")}</Table.Th>
                <Table.Th scope="col" ta="end">
                  {t("initiatives.overdue")}
                </Table.Th>
                <Table.Th scope="col">{t("initiatives.nextDue")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {initiatives.initiatives.map((i) => (
                <Table.Tr key={i.initiative}>
                  <Table.Th scope="row" fw="normal">
                    {i.title}
                  </Table.Th>
                  <Table.Td>{i.countryCode}</Table.Td>
                  <Table.Td>{t(`status.${keyOf(statusKeys, i.status)}`)}</Table.Td>
                  <Table.Td miw={120}>
                    <Group gap="xs" wrap="nowrap">
                      <Progress value={i.roadmapCompletionPercent} w={70} aria-hidden="true" />
                      <Text size="sm">{formatPercent(i.roadmapCompletionPercent / 100)}</Text>
                    </Group>
                  </Table.Td>
                  <Table.Td ta="end">
                    {i.milestonesOverdue > 0 ? (
                      <Badge c="dark.7" color="red" variant="light">
                        {formatNumber(i.milestonesOverdue)}
                      </Badge>
                    ) : (
                      formatNumber(0)
                    )}
                  </Table.Td>
                  <Table.Td>{protoDate(i.nextDueDate)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Section>
  );
}

function DeclarationFigures({ declaration: d, t }: { declaration: DeclarationSummary; t: TFunction<"dashboard"> }) {
  const totals: SignatureCounts | undefined = d.totals;
  const region = (value: number) => t(`region.${keyOf(regionKeys, value)}`);
  const regionShort = (value: number) => t(`regionShort.${keyOf(regionKeys, value)}`);
  const sector = (value: number) => (value === 0 ? t("sector.individual") : t(`sector.${keyOf(sectorKeys, value)}`));
  return (
    <Stack gap="xs" role="group" aria-label={d.title}>
      <Group gap="xs" wrap="wrap">
        <Title order={3} size="h5">
          {d.title}
        </Title>
        {d.version ? (
          <Text size="sm" c="gray.7">
            {t("declarations.version", { version: d.version })}
          </Text>
        ) : null}
        <Badge c="dark.7" variant="light" color={d.openForSignature ? "green" : "gray"} tt="none">
          {d.openForSignature ? t("declarations.open") : t("declarations.closed")}
        </Badge>
      </Group>
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
        <Stat label={t("declarations.verified")} value={formatNumber(totals?.verified ?? 0)} />
        <Stat label={t("declarations.pending")} value={formatNumber(totals?.pending ?? 0)} />
        <Stat label={t("declarations.rejected")} value={formatNumber(totals?.rejected ?? 0)} />
        <Stat label={t("declarations.withdrawn")} value={formatNumber(totals?.withdrawn ?? 0)} />
        <Stat label={t("declarations.verifiedOrganizations")} value={formatNumber(d.verifiedOrganizations)} />
        <Stat label={t("declarations.verifiedIndividuals")} value={formatNumber(d.verifiedIndividuals)} />
        <Stat label={t("declarations.verifiedCountries")} value={formatNumber(d.verifiedCountries)} />
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <ChartBar
          title={t("declarations.byRegion", { title: d.title })}
          categoryHeading={t("chart.category")}
          categories={d.byRegionalGroup.map((r) => region(r.regionalGroup))}
          axisLabels={d.byRegionalGroup.map((r) => regionShort(r.regionalGroup))}
          series={[{ label: t("declarations.verified"), values: d.byRegionalGroup.map((r) => r.counts?.verified ?? 0), color: chartColor(2) }]}
        />
        <ChartBar
          title={t("declarations.bySector", { title: d.title })}
          categoryHeading={t("chart.category")}
          categories={d.bySector.map((s) => sector(s.sector))}
          series={[{ label: t("declarations.verified"), values: d.bySector.map((s) => s.counts?.verified ?? 0), color: chartColor(2) }]}
        />
        <SignaturesByArea declaration={d} t={t} />
      </SimpleGrid>
    </Stack>
  );
}

/** The summary carries no split by area: the declarations service counts it, again whenever
 * the summary's figures for the declaration change. */
function SignaturesByArea({ declaration: d, t }: { declaration: DeclarationSummary; t: TFunction<"dashboard"> }) {
  const counted = useQuery({
    queryKey: ["declarations", d.declaration, "count", d.totals?.verified ?? 0, d.totals?.pending ?? 0, d.totals?.withdrawn ?? 0],
    queryFn: () => declarations().countSignatures({ parent: d.declaration }),
  });
  if (counted.error) return <ProblemAlert error={counted.error} />;
  const areas = counted.data?.byArea ?? [];
  if (areas.length === 0) return null;
  return (
    <ChartBar
      title={t("declarations.byArea", { title: d.title })}
      categoryHeading={t("chart.category")}
      categories={areas.map((a) => a.title)}
      series={[{ label: t("declarations.verified"), values: areas.map((a) => a.counts?.verified ?? 0), color: chartColor(2) }]}
    />
  );
}

function EventsSection({ summary }: { summary: DashboardSummary }) {
  const { t } = useTranslation("dashboard");
  const briefings = summary.briefings;
  if (briefings === undefined) return null;
  const counts = briefings.upcomingRegistrations;
  const taken = (counts?.registered ?? 0) + (counts?.attended ?? 0);
  return (
    <Section title={t("events.title")}>
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
        <Stat label={t("events.count")} value={formatNumber(briefings.upcomingEventCount)} />
        <Stat label={t("events.seatsTaken")} value={formatNumber(taken)} />
        <Stat label={t("events.capacity")} value={formatNumber(briefings.upcomingCapacity)} />
        <Stat label={t("events.waitlisted")} value={formatNumber(counts?.waitlisted ?? 0)} />
      </SimpleGrid>
      {briefings.upcomingEvents.length === 0 ? (
        <Text size="sm" c="gray.7">
          {t("events.none")}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={520}>
          <Table fz="sm" striped>
            <Table.Caption>{t("events.caption")}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("events.event")}</Table.Th>
                <Table.Th scope="col">{t("events.start")}</Table.Th>
                <Table.Th scope="col" ta="end">
                  {t("events.seats")}
                </Table.Th>
                <Table.Th scope="col" ta="end">
                  {t("events.waitlist")}
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {briefings.upcomingEvents.map((e) => {
                const seats = (e.registrations?.registered ?? 0) + (e.registrations?.attended ?? 0);
                return (
                  <Table.Tr key={e.event}>
                    <Table.Th scope="row" fw="normal">
                      {e.title}{" "}
                      {e.inProgress ? (
                        <Badge c="dark.7" size="xs" variant="light" tt="none">
                          {t("events.inProgress")}
                        </Badge>
                      ) : null}
                    </Table.Th>
                    <Table.Td>{formatDateTime(e.startTime)}</Table.Td>
                    <Table.Td ta="end">
                      {e.capacity > 0
                        ? t("events.seatsOf", { taken: formatNumber(seats), capacity: formatNumber(e.capacity) })
                        : t("events.unlimited", { taken: formatNumber(seats) })}
                    </Table.Td>
                    <Table.Td ta="end">{formatNumber(e.registrations?.waitlisted ?? 0)}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Section>
  );
}

function ActivityList({ activities, lost }: { activities: Activity[]; lost: boolean }) {
  const { t, i18n } = useTranslation("dashboard");
  const known = useMemo(() => (key: string) => i18n.exists(key, { ns: "dashboard" }), [i18n]);
  return (
    <Section title={t("activity.title")}>
      {lost ? (
        <Alert color="yellow" role="status">
          {t("activity.lost")}
        </Alert>
      ) : null}
      {activities.length === 0 ? (
        <Text size="sm" c="gray.7">
          {t("activity.none")}
        </Text>
      ) : null}
      <Stack component="ol" gap={6} aria-label={t("activity.label")} m={0} p={0} style={{ listStyle: "none" }}>
        {activities.map((a) => {
          const key = activityKey(a.eventType, known);
          const what = t(key, { type: a.eventType });
          return (
            <li key={a.id} data-event-id={a.id}>
              <Text size="sm">{a.label ? t("activity.withName", { what, name: a.label }) : what}</Text>
              {a.commitTime !== null ? (
                <Text size="xs" c="gray.7" component="time" dateTime={a.commitTime.toISOString()}>
                  {formatDateTime(a.commitTime)}
                </Text>
              ) : null}
            </li>
          );
        })}
      </Stack>
    </Section>
  );
}
