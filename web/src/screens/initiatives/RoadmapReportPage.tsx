// The roadmap report of one initiative, for the browser's print (A4, see report.css): the
// initiative's figures, priorities and partners, the roadmap as a timeline and as a table of
// every milestone, and the latest progress entries. Only the print button and the way back
// are left out of the paper.
import { useQuery } from "@tanstack/react-query";
import { Anchor, Button, Center, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "wouter";
import { initiatives } from "../../api/initiatives";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatDate, formatDateTime, formatPercent } from "../../format";
import { MilestoneStatus } from "../../gen/engage/initiatives/v1/milestone_pb";
import { RegionalGroupSchema, ThematicAreaSchema } from "../../gen/engage/type/v1/types_pb";
import { useEnumLabel } from "../partners/shared";
import { showDate, useDisplayNames, useDocumentDirection, useInitiative, useMilestoneStatusLabel, useMilestones } from "./data";
import { initiativeStatusKey } from "./model";
import { Timeline } from "./Timeline";
import "./report.css";

export default function RoadmapReportPage() {
  const { t } = useTranslation("initiatives");
  const { id } = useParams<{ id: string }>();
  const name = `initiatives/${id}`;
  const query = useInitiative(name);
  const milestones = useMilestones(name);
  const entries = useQuery({
    queryKey: ["initiatives", "progress", name, "report"],
    queryFn: async () => (await initiatives().listProgressEntries({ parent: name, pageSize: 50 })).progressEntries,
  });
  const label = useEnumLabel();
  const statusLabel = useMilestoneStatusLabel();
  const dir = useDocumentDirection();
  const i = query.data;
  const ms = milestones.data ?? [];
  const names = useDisplayNames([
    ...(i?.civilSocietyPartners.map((p) => p.organization) ?? []),
    ...(i?.governmentFocalPoints.flatMap((f) => [f.person, f.organization]) ?? []),
    ...ms.flatMap((m) => (m.owner?.owner.case === "organization" || m.owner?.owner.case === "person" ? [m.owner.owner.value] : [])),
  ].filter((n) => n !== ""));

  if (query.isPending) {
    return (
      <Center py="xl">
        <Loader aria-label={t("common:app.loading")} />
      </Center>
    );
  }
  if (i === undefined || i === null) {
    return (
      <Stack>
        <Title order={1}>{t("report.title")}</Title>
        <ProblemAlert error={query.error} onRetry={() => void query.refetch()} />
      </Stack>
    );
  }
  const titles = new Map(ms.map((m) => [m.name, m.title]));
  const coordinators = new Map(i.coordinators.map((c) => [c.subject, c.displayName || c.subject]));
  const ownerOf = (o: { case: string | undefined; value?: string }) => (o.case === "coordinator" ? (coordinators.get(o.value ?? "") ?? o.value ?? "") : names(o.value ?? ""));
  const r = i.roadmap;
  const status = initiativeStatusKey(i.status);

  return (
    <Stack gap="md" className="roadmap-report" component="article" aria-labelledby="report-title">
      <Group justify="space-between" className="no-print">
        <Anchor component={Link} href={`/initiatives/${id}`} size="sm">
          {t("report.back")}
        </Anchor>
        <Button onClick={() => { window.print(); }}>{t("report.print")}</Button>
      </Group>
      <div>
        <Text size="sm" c="gray.7">
          {t("report.kicker")}
        </Text>
        <Title order={1} id="report-title">
          {i.title}
        </Title>
        <Text size="sm">{t("report.asOf", { when: formatDate(new Date()) })}</Text>
      </div>
      <table>
        <caption>{t("report.summary")}</caption>
        <tbody>
          {[
            [t("field.country"), `${i.countryCode} · ${label(RegionalGroupSchema, i.regionalGroup)}`],
            [t("report.status"), status === "" ? "" : t(status)],
            [t("field.start"), showDate(i.startDate)],
            [t("field.target"), showDate(i.targetDate)],
            [t("report.progress"), formatPercent((r?.progressPercent ?? 0) / 100)],
            [t("report.milestones"), t("report.milestoneCounts", { count: r?.milestoneCount ?? 0, done: r?.statusCounts?.done ?? 0, overdue: r?.overdueCount ?? 0 })],
            [t("report.nextDue"), r?.nextDue ? `${r.nextDue.title} (${showDate(r.nextDue.dueDate)})` : t("page.nothingDue")],
          ].map(([k, v]) => (
            <tr key={k}>
              <th scope="row" style={{ width: "30%" }}>
                {k}
              </th>
              <td>{v || "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {i.description ? <Text style={{ whiteSpace: "pre-wrap" }}>{i.description}</Text> : null}

      <section aria-labelledby="report-priorities">
        <Title order={2} size="h4" id="report-priorities">
          {t("field.priorities")}
        </Title>
        {i.priorities.length === 0 ? (
          <Text>{t("about.none")}</Text>
        ) : (
          <ol>
            {i.priorities.map((p) => (
              <li key={p.id}>
                <strong>{label(ThematicAreaSchema, p.thematicArea)}</strong>: {p.description}
              </li>
            ))}
          </ol>
        )}
      </section>

      <section aria-labelledby="report-partners">
        <Title order={2} size="h4" id="report-partners">
          {t("report.partners")}
        </Title>
        {i.civilSocietyPartners.length + i.governmentFocalPoints.length === 0 ? (
          <Text>{t("about.none")}</Text>
        ) : (
          <ul>
            {i.governmentFocalPoints.map((f) => (
              <li key={f.person}>
                {f.organization || f.role
                  ? t("report.focalPoint", { name: names(f.person), of: [f.organization ? names(f.organization) : "", f.role].filter(Boolean).join(", ") })
                  : t("report.focalPointOnly", { name: names(f.person) })}
              </li>
            ))}
            {i.civilSocietyPartners.map((p) => (
              <li key={p.organization}>{[names(p.organization), p.role].filter(Boolean).join(" · ")}</li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="report-roadmap">
        <Title order={2} size="h4" id="report-roadmap">
          {t("roadmap.title")}
        </Title>
        <ProblemAlert error={milestones.error} onRetry={() => void milestones.refetch()} />
        {ms.length > 0 ? <Timeline initiative={i} milestones={ms} direction={dir} printable /> : <Text>{t("roadmap.empty")}</Text>}
        {ms.length > 0 ? (
          <table>
            <caption>{t("report.milestoneTable")}</caption>
            <thead>
              <tr>
                {["milestone", "due", "status", "percent", "dependsOn", "owner"].map((c) => (
                  <th scope="col" key={c}>
                    {t(`roadmap.column.${c}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {ms.map((m) => (
                <tr key={m.name}>
                  <th scope="row">{m.title}</th>
                  <td>
                    {showDate(m.dueDate)}
                    {m.overdue ? <span className="overdue"> {t("roadmap.overdue")}</span> : null}
                  </td>
                  <td>
                    {statusLabel(m.status)}
                    {m.statusNote ? ` (${m.statusNote})` : ""}
                  </td>
                  <td>{formatPercent((m.status === MilestoneStatus.DONE ? 100 : m.percentComplete) / 100)}</td>
                  <td>{m.dependsOn.map((d) => titles.get(d) ?? d).join("; ")}</td>
                  <td>{m.owner ? ownerOf(m.owner.owner) : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>

      <section aria-labelledby="report-progress">
        <Title order={2} size="h4" id="report-progress">
          {t("report.latestProgress")}
        </Title>
        <ProblemAlert error={entries.error} onRetry={() => void entries.refetch()} />
        {entries.data?.length === 0 ? <Text>{t("history.none")}</Text> : null}
        <ul>
          {(entries.data ?? []).map((e) => (
            <li key={e.name}>
              <strong>{formatDateTime(e.createTime)}</strong> · {e.milestone ? (titles.get(e.milestone) ?? "") : t("history.wholeInitiative")}
              {e.corrects ? ` · ${t("history.correction")}` : ""}
              {e.correctedBy.length > 0 ? ` · ${t("history.corrected")}` : ""}: {e.text}
            </li>
          ))}
        </ul>
      </section>
    </Stack>
  );
}
