// One initiative: its status and roadmap figures, the roadmap as a timeline and as a table,
// the progress form for those who may log progress on it, the progress history, and its
// partners, priorities and status history. Officers edit it, move it through its lifecycle
// and add or change milestones; its coordinators log progress and write milestones; anyone
// else reads it with no control shown. The printable report is one link away.
import { memo, useCallback, useDeferredValue, useRef, useState } from "react";
import { Anchor, Badge, Button, Center, Divider, Group, List, Loader, Progress, ScrollArea, Stack, Table, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "wouter";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatDateTime, formatNumber, formatPercent } from "../../format";
import { InitiativeStatus, type Initiative } from "../../gen/engage/initiatives/v1/initiative_pb";
import type { Milestone } from "../../gen/engage/initiatives/v1/milestone_pb";
import type { ProgressEntry } from "../../gen/engage/initiatives/v1/progress_entry_pb";
import { RegionalGroupSchema, ThematicAreaSchema } from "../../gen/engage/type/v1/types_pb";
import { Details } from "../partners/RecordParts";
import { PartnerModal, useEnumLabel } from "../partners/shared";
import { InitiativeStatusBadge, ScrollTable, showDate, useDisplayNames, useDocumentDirection, useInitiative, useMayCoordinate, useMilestones, useMilestoneStatusLabel, useScope } from "./data";
import { History } from "./History";
import { InitiativeForm } from "./InitiativeForm";
import { LifecycleButtons } from "./Lifecycle";
import { MilestoneForm } from "./MilestoneForm";
import { initiativeStatusKey, isOpen } from "./model";
import { ProgressForm } from "./ProgressForm";
import { Timeline } from "./Timeline";

export default function InitiativePage() {
  // Both catalogues are loaded before the page asks for its data, so nothing waits on them later.
  const { t } = useTranslation(["initiatives", "partners"]);
  const { id } = useParams<{ id: string }>();
  const name = `initiatives/${id}`;
  const query = useInitiative(name);
  const milestones = useMilestones(name);
  const i = query.data;
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
        <Title order={1}>{t("page.initiative")}</Title>
        <ProblemAlert error={query.error} onRetry={() => void query.refetch()} />
      </Stack>
    );
  }
  return <Loaded initiative={i} milestones={milestones.data ?? []} milestonesError={milestones.error} retry={() => void milestones.refetch()} loading={milestones.isPending} />;
}

function Loaded({ initiative: i, milestones, milestonesError, retry, loading }: { initiative: Initiative; milestones: Milestone[]; milestonesError: unknown; retry: () => void; loading: boolean }) {
  const { t } = useTranslation("initiatives");
  const scope = useScope();
  const dir = useDocumentDirection();
  const label = useEnumLabel();
  const deleted = i.deleteTime !== undefined;
  const completed = i.status === InitiativeStatus.COMPLETED;
  const coordinate = useMayCoordinate(i.name) && !deleted;
  const officer = scope.officer && !deleted;
  const [picked, setPicked] = useState(() => i.roadmap?.nextDue?.milestone ?? "");
  const [historyFor, setHistoryFor] = useState("");
  const [correcting, setCorrecting] = useState<ProgressEntry | null>(null);
  const [editing, setEditing] = useState(false);
  const [milestoneForm, setMilestoneForm] = useState<{ milestone?: Milestone } | null>(null);
  const form = useRef<HTMLFormElement>(null);

  // The timeline is drawn from the milestones as soon as they arrive; the table, the forms and
  // the history follow in a second, interruptible render, so they never delay the timeline.
  const deferred = useDeferredValue(milestones);
  // Likewise the rest of the page is first rendered once the timeline is drawn (or the roadmap
  // failed to load), so that its first, heaviest render never stands between the roadmap's
  // response and its timeline.
  const ready = useDeferredValue(!loading, false);

  // Picking a milestone to log progress on brings the form into view with the percent ready.
  const logOn = useCallback((milestone: string) => {
    setPicked(milestone);
    setCorrecting(null);
    window.setTimeout(() => {
      form.current?.scrollIntoView({ block: "center" });
      const percent = form.current?.querySelector<HTMLInputElement>('input[data-field="percent"]:not([disabled])');
      (percent ?? form.current?.querySelector<HTMLTextAreaElement>('textarea[data-field="text"]'))?.focus();
    }, 0);
  }, []);
  const showHistory = useCallback((m: string) => {
    setHistoryFor(m);
    window.setTimeout(() => document.getElementById("history-title")?.scrollIntoView({ block: "start" }), 0);
  }, []);
  const editMilestone = useCallback((m: Milestone) => {
    setMilestoneForm({ milestone: m });
  }, []);
  const stopCorrecting = useCallback(() => {
    setCorrecting(null);
  }, []);
  const correct = useCallback((entry: ProgressEntry) => {
    setCorrecting(entry);
    setPicked(entry.milestone);
    window.setTimeout(() => form.current?.scrollIntoView({ block: "center" }), 0);
  }, []);
  const progress = i.roadmap?.progressPercent ?? 0;
  const overdue = i.roadmap?.overdueCount ?? 0;
  const next = i.roadmap?.nextDue;

  return (
    <Stack gap="lg">
      <Anchor component={Link} href="/initiatives" size="sm">
        {scope.officer || !scope.coordinator ? t("page.back") : t("page.backMine")}
      </Anchor>
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={1}>{i.title}</Title>
          <Group gap="xs" mt={4}>
            <InitiativeStatusBadge status={i.status} />
            {deleted ? (
              <Badge color="gray" variant="light" styles={{ label: { color: "var(--mantine-color-black)" } }}>
                {t("list.deleted")}
              </Badge>
            ) : null}
            {coordinate && !scope.officer ? <Text size="sm">{t("page.youCoordinate")}</Text> : null}
          </Group>
        </div>
        <Group gap="xs">
          <Button component={Link} href={`/initiatives/${i.name.split("/")[1] ?? ""}/report`} variant="default">
            {t("page.report")}
          </Button>
          {officer ? (
            <>
              <Button variant="default" onClick={() => { setEditing(true); }}>
                {t("common:action.edit")}
              </Button>
              <LifecycleButtons initiative={i} milestones={deferred} />
            </>
          ) : null}
        </Group>
      </Group>

      <Stack gap={6} role="group" aria-label={t("page.figures")}>
        <Group gap="sm" wrap="nowrap">
          <Progress value={progress} w={200} aria-hidden />
          <Text fw={600}>{t("page.progress", { percent: formatPercent(progress / 100) })}</Text>
        </Group>
        <Text size="sm">
          {t("page.counts", { count: i.roadmap?.milestoneCount ?? 0, done: formatNumber(i.roadmap?.statusCounts?.done ?? 0) })}{" "}
          {overdue > 0 ? (
            <Text span c="red.9" fw={700}>
              {t("page.overdue", { count: overdue })}
            </Text>
          ) : (
            t("page.noneOverdue")
          )}
        </Text>
        <Text size="sm">{next ? t("page.nextDue", { title: next.title, date: showDate(next.dueDate) }) : t("page.nothingDue")}</Text>
      </Stack>

      <Details
        rows={[
          [t("field.country"), i.countryCode],
          [t("field.regionalGroup"), label(RegionalGroupSchema, i.regionalGroup)],
          [t("field.start"), showDate(i.startDate)],
          [t("field.target"), showDate(i.targetDate)],
        ]}
      />

      <Stack gap="sm" component="section" aria-labelledby="roadmap-title">
        <Group justify="space-between">
          <Title order={2} size="h3" id="roadmap-title">
            {t("roadmap.title")}
          </Title>
          {coordinate && !completed ? (
            <Button size="xs" variant="default" onClick={() => { setMilestoneForm({}); }}>
              {t("milestone.addTitle")}
            </Button>
          ) : null}
        </Group>
        <ProblemAlert error={milestonesError} onRetry={retry} />
        {loading ? <Loader size="sm" aria-label={t("common:app.loading")} /> : null}
        {!loading && milestones.length === 0 ? <Text c="gray.7">{t("roadmap.empty")}</Text> : null}
        {milestones.length > 0 ? (
          <>
            <ScrollArea type="auto" offsetScrollbars>
              <div tabIndex={0} role="region" aria-label={t("roadmap.scroll")}>
                <Timeline initiative={i} milestones={milestones} direction={dir} onPick={coordinate ? logOn : showHistory} />
              </div>
            </ScrollArea>
            <Text size="xs" c="gray.7">
              {t("roadmap.legend")}
            </Text>
            {ready ? <MilestoneTable initiative={i} milestones={deferred} coordinate={coordinate && !completed} onLog={logOn} onHistory={showHistory} onEdit={editMilestone} /> : null}
          </>
        ) : null}
      </Stack>

      {coordinate && ready ? (
        <ProgressForm ref={form} initiative={i.name} milestones={deferred} picked={picked} onPick={setPicked} correcting={correcting} onStopCorrecting={stopCorrecting} completed={completed} />
      ) : null}

      {ready ? (
        <>
          <History initiative={i.name} milestones={deferred} milestone={historyFor} onMilestone={setHistoryFor} onCorrect={coordinate ? correct : undefined} />
          <Divider />
          <About initiative={i} />
        </>
      ) : null}

      <PartnerModal opened={editing} onClose={() => { setEditing(false); }} title={t("form.editTitle")} size="xl">
        <InitiativeForm initiative={i} onCancel={() => { setEditing(false); }} onDone={() => { setEditing(false); }} />
      </PartnerModal>
      <PartnerModal opened={milestoneForm !== null} onClose={() => { setMilestoneForm(null); }} title={t(milestoneForm?.milestone ? "milestone.editTitle" : "milestone.addTitle")} size="lg">
        {milestoneForm !== null ? (
          <MilestoneForm initiative={i} mayDelete={officer} milestone={milestoneForm.milestone} milestones={milestones} onCancel={() => { setMilestoneForm(null); }} onDone={() => { setMilestoneForm(null); }} />
        ) : null}
      </PartnerModal>
    </Stack>
  );
}

/** The roadmap as a table: the same facts as the timeline, in words, with the actions. */
export const MilestoneTable = memo(function MilestoneTable({
  initiative,
  milestones,
  coordinate,
  onLog,
  onHistory,
  onEdit,
}: {
  initiative: Initiative;
  milestones: readonly Milestone[];
  coordinate: boolean;
  onLog?: (name: string) => void;
  onHistory?: (name: string) => void;
  onEdit?: (m: Milestone) => void;
}) {
  const { t } = useTranslation("initiatives");
  const statusLabel = useMilestoneStatusLabel();
  const titles = new Map(milestones.map((m) => [m.name, m.title]));
  const owners = useDisplayNames(milestones.flatMap((m) => (m.owner?.owner.case === "organization" || m.owner?.owner.case === "person" ? [m.owner.owner.value] : [])));
  const coordinatorNames = new Map(initiative.coordinators.map((c) => [c.subject, c.displayName || c.subject]));
  const ownerOf = (m: Milestone) => {
    const o = m.owner?.owner;
    if (o === undefined || o.case === undefined) return "";
    return o.case === "coordinator" ? (coordinatorNames.get(o.value) ?? o.value) : owners(o.value);
  };
  const next = initiative.roadmap?.nextDue?.milestone;
  const actions = onLog !== undefined || onHistory !== undefined;
  return (
    <ScrollTable minWidth={860} label={t("roadmap.caption")}>
      <Table captionSide="top" striped>
        <Table.Caption ta="start">{t("roadmap.caption")}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            {["milestone", "due", "status", "percent", "dependsOn", "owner"].map((c) => (
              <Table.Th scope="col" key={c}>
                {t(`roadmap.column.${c}`)}
              </Table.Th>
            ))}
            {actions ? <Table.Th scope="col">{t("roadmap.column.actions")}</Table.Th> : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {milestones.map((m) => (
            <Table.Tr key={m.name} data-milestone={m.name} bg={m.name === next ? "yellow.0" : undefined}>
              <Table.Th scope="row" fw={500}>
                {m.title}
                {m.name === next ? (
                  <Badge ms="xs" color="yellow" variant="light" styles={{ label: { color: "var(--mantine-color-black)" } }}>
                    {t("roadmap.nextDue")}
                  </Badge>
                ) : null}
              </Table.Th>
              <Table.Td>
                {showDate(m.dueDate)}
                {m.overdue ? (
                  <Text span c="red.9" fw={700} ms={6}>
                    {t("roadmap.overdue")}
                  </Text>
                ) : null}
              </Table.Td>
              <Table.Td>
                {statusLabel(m.status)}
                {m.statusNote ? (
                  <Text size="xs" c="gray.7">
                    {m.statusNote}
                  </Text>
                ) : null}
              </Table.Td>
              <Table.Td>{formatPercent(m.percentComplete / 100)}</Table.Td>
              <Table.Td>
                {m.dependsOn.length === 0 ? (
                  ""
                ) : (
                  <List size="sm" listStyleType="none" spacing={0}>
                    {m.dependsOn.map((d) => {
                      const dep = milestones.find((x) => x.name === d);
                      return (
                        <List.Item key={d}>
                          {titles.get(d) ?? d}
                          {dep !== undefined && isOpen(dep.status) ? (
                            <Text span size="xs" c="gray.7">
                              {" "}
                              ({statusLabel(dep.status)})
                            </Text>
                          ) : null}
                        </List.Item>
                      );
                    })}
                  </List>
                )}
              </Table.Td>
              <Table.Td>{ownerOf(m)}</Table.Td>
              {actions ? (
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    {coordinate && onLog !== undefined ? (
                      <Button size="compact-xs" onClick={() => { onLog(m.name); }} aria-label={t("roadmap.logOn", { title: m.title })}>
                        {t("roadmap.log")}
                      </Button>
                    ) : null}
                    {onHistory !== undefined ? (
                      <Button size="compact-xs" variant="default" onClick={() => { onHistory(m.name); }} aria-label={t("roadmap.historyOf", { title: m.title })}>
                        {t("roadmap.history")}
                      </Button>
                    ) : null}
                    {coordinate && onEdit !== undefined ? (
                      <Button size="compact-xs" variant="default" onClick={() => { onEdit(m); }} aria-label={t("roadmap.editOf", { title: m.title })}>
                        {t("common:action.edit")}
                      </Button>
                    ) : null}
                  </Group>
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollTable>
  );
});

/** Partners, focal points, coordinators, priorities and the status history. */
export const About = memo(function About({ initiative: i }: { initiative: Initiative }) {
  const { t } = useTranslation("initiatives");
  const label = useEnumLabel();
  const name = useDisplayNames([...i.civilSocietyPartners.flatMap((p) => [p.organization, p.contactPerson]), ...i.governmentFocalPoints.flatMap((f) => [f.person, f.organization])].filter((n) => n !== ""));
  return (
    <Stack gap="md" component="section" aria-labelledby="about-title" style={{ overflowWrap: "anywhere" }}>
      <Title order={2} size="h3" id="about-title">
        {t("about.title")}
      </Title>
      {i.description ? (
        <Text style={{ whiteSpace: "pre-wrap" }}>{i.description}</Text>
      ) : null}
      <div>
        <Title order={3} size="h5">
          {t("field.priorities")}
        </Title>
        {i.priorities.length === 0 ? (
          <Text c="gray.7">{t("about.none")}</Text>
        ) : (
          <List type="ordered">
            {i.priorities.map((p) => (
              <List.Item key={p.id}>
                <Text span fw={500}>
                  {label(ThematicAreaSchema, p.thematicArea)}
                </Text>
                : {p.description}
              </List.Item>
            ))}
          </List>
        )}
      </div>
      <div>
        <Title order={3} size="h5">
          {t("field.partners")}
        </Title>
        {i.civilSocietyPartners.length === 0 ? (
          <Text c="gray.7">{t("about.none")}</Text>
        ) : (
          <List>
            {i.civilSocietyPartners.map((p) => (
              <List.Item key={p.organization}>
                <Anchor component={Link} href={`/organizations/${p.organization.split("/")[1] ?? ""}`}>
                  {name(p.organization)}
                </Anchor>
                {[p.contactPerson ? name(p.contactPerson) : "", p.role].filter(Boolean).map((x) => ` · ${x}`).join("")}
              </List.Item>
            ))}
          </List>
        )}
      </div>
      <div>
        <Title order={3} size="h5">
          {t("field.focalPoints")}
        </Title>
        {i.governmentFocalPoints.length === 0 ? (
          <Text c="gray.7">{t("about.none")}</Text>
        ) : (
          <List>
            {i.governmentFocalPoints.map((f) => (
              <List.Item key={f.person}>
                <Anchor component={Link} href={`/people/${f.person.split("/")[1] ?? ""}`}>
                  {name(f.person)}
                </Anchor>
                {[f.organization ? name(f.organization) : "", f.role].filter(Boolean).map((x) => ` · ${x}`).join("")}
              </List.Item>
            ))}
          </List>
        )}
      </div>
      <div>
        <Title order={3} size="h5">
          {t("field.coordinators")}
        </Title>
        {i.coordinators.length === 0 ? (
          <Text c="gray.7">{t("about.none")}</Text>
        ) : (
          <List>
            {i.coordinators.map((c) => (
              <List.Item key={c.subject}>{c.displayName ? `${c.displayName} (${c.subject})` : c.subject}</List.Item>
            ))}
          </List>
        )}
      </div>
      <StatusHistory initiative={i} />
    </Stack>
  );
});

export function StatusHistory({ initiative: i }: { initiative: Initiative }) {
  const { t } = useTranslation("initiatives");
  const status = (s: InitiativeStatus) => {
    const key = initiativeStatusKey(s);
    return key === "" ? "" : t(key);
  };
  return (
    <ScrollTable minWidth={560} label={t("about.statusHistory")}>
      <Table captionSide="top">
        <Table.Caption ta="start">{t("about.statusHistory")}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("about.effective")}</Table.Th>
            <Table.Th scope="col">{t("about.change")}</Table.Th>
            <Table.Th scope="col">{t("about.note")}</Table.Th>
            <Table.Th scope="col">{t("about.recorded")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {i.statusHistory.map((h, n) => (
            <Table.Tr key={n}>
              <Table.Td>{showDate(h.effectiveDate)}</Table.Td>
              <Table.Th scope="row" fw={500}>
                {h.fromStatus === InitiativeStatus.UNSPECIFIED ? t("about.created", { to: status(h.toStatus) }) : t("about.moved", { from: status(h.fromStatus), to: status(h.toStatus) })}
              </Table.Th>
              <Table.Td style={{ whiteSpace: "pre-wrap" }}>{h.note}</Table.Td>
              <Table.Td>{t("about.recordedBy", { when: formatDateTime(h.recordTime), who: h.actor?.displayName || h.actor?.subject || "" })}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollTable>
  );
}
