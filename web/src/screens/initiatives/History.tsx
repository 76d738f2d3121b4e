// The progress log of the initiative, or of one milestone: newest first, each entry with who
// wrote it, when, what it changed (status and percent, before and after), its words and
// evidence; an entry that was corrected is shown with its corrections beside it, and a
// correction whose entry is on another page fetches that entry to show beside it.
import { memo } from "react";
import { Anchor, Badge, Button, Group, List, Paper, Select, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { initiatives } from "../../api/initiatives";
import { useKeysetPages } from "../../api/pages";
import { KeysetPager, pagerOf } from "../../components/KeysetPager";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatDateTime } from "../../format";
import { MilestoneStatus, type Milestone } from "../../gen/engage/initiatives/v1/milestone_pb";
import type { ProgressEntry } from "../../gen/engage/initiatives/v1/progress_entry_pb";
import { useMilestoneStatusLabel } from "./data";
import { quote, threads } from "./model";

/** The log filter for "all", "the initiative as a whole" ("-") or one milestone. */
function filterOf(milestone: string): string {
  if (milestone === "") return "";
  if (milestone === "-") return 'milestone = ""';
  return `milestone = ${quote(milestone)}`;
}

export const History = memo(function History({
  initiative,
  milestones,
  milestone,
  onMilestone,
  onCorrect,
}: {
  initiative: string;
  milestones: readonly Milestone[];
  /** "" for every entry, "-" for entries about the initiative as a whole, else a milestone. */
  milestone: string;
  onMilestone: (milestone: string) => void;
  /** Offered to those who may log progress: correct this entry. */
  onCorrect?: (entry: ProgressEntry) => void;
}) {
  const { t } = useTranslation("initiatives");
  const filter = filterOf(milestone);
  const pages = useKeysetPages<ProgressEntry>(["initiatives", "progress", initiative, filter], async (pageToken) => {
    const r = await initiatives().listProgressEntries({ parent: initiative, filter, pageSize: 25, pageToken });
    return { items: r.progressEntries, nextPageToken: r.nextPageToken, totalSize: r.totalSize };
  });
  const titles = new Map(milestones.map((m) => [m.name, m.title]));
  const items = pages.data?.items ?? [];
  const chosen = titles.get(milestone);
  return (
    <Stack gap="sm" component="section" aria-labelledby="history-title">
      <Group justify="space-between" align="flex-end">
        <Title order={2} size="h3" id="history-title">
          {t("history.title")}
        </Title>
        <Select
          label={t("history.show")}
          data={[
            { value: "", label: t("history.all") },
            { value: "-", label: t("history.wholeInitiative") },
            ...milestones.map((m) => ({ value: m.name, label: m.title })),
          ]}
          value={milestone}
          onChange={(v) => { onMilestone(v ?? ""); }}
          allowDeselect={false}
          searchable
          w={{ base: "100%", sm: 320 }}
        />
      </Group>
      <ProblemAlert error={pages.error} onRetry={() => void pages.refetch()} />
      {pages.isSuccess && items.length === 0 ? <Text c="gray.7">{chosen !== undefined ? t("history.noneFor", { title: chosen }) : t("history.none")}</Text> : null}
      <Stack gap="sm" component="ol" aria-busy={pages.isFetching} aria-label={chosen !== undefined ? t("history.listFor", { title: chosen }) : t("history.list")} style={{ listStyle: "none", padding: 0, margin: 0 }}>
        {threads(items).map((thread) => (
          <li key={thread.entry.name} data-entry={thread.entry.name}>
            {thread.corrections.length === 0 && thread.correctsElsewhere === "" ? (
              <Entry entry={thread.entry} titles={titles} onCorrect={onCorrect} />
            ) : (
              <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
                {thread.correctsElsewhere !== "" ? (
                  <>
                    <CorrectedElsewhere name={thread.correctsElsewhere} titles={titles} />
                    <Entry entry={thread.entry} titles={titles} onCorrect={onCorrect} />
                  </>
                ) : (
                  <>
                    <Entry entry={thread.entry} titles={titles} onCorrect={onCorrect} />
                    <Stack gap="sm">
                      {thread.corrections.map((c) => (
                        <Entry key={c.name} entry={c} titles={titles} onCorrect={onCorrect} />
                      ))}
                    </Stack>
                  </>
                )}
              </SimpleGrid>
            )}
          </li>
        ))}
      </Stack>
      <KeysetPager {...pagerOf(pages)} />
    </Stack>
  );
});

function CorrectedElsewhere({ name, titles }: { name: string; titles: ReadonlyMap<string, string> }) {
  const query = useQuery({
    queryKey: ["initiatives", "progressEntry", name],
    queryFn: async () => (await initiatives().getProgressEntry({ name })).progressEntry ?? null,
    staleTime: Infinity,
  });
  if (query.data === undefined || query.data === null) return <ProblemAlert error={query.error} />;
  return <Entry entry={query.data} titles={titles} />;
}

function Entry({ entry, titles, onCorrect }: { entry: ProgressEntry; titles: ReadonlyMap<string, string>; onCorrect?: (entry: ProgressEntry) => void }) {
  const { t } = useTranslation("initiatives");
  const statusLabel = useMilestoneStatusLabel();
  const corrected = entry.correctedBy.length > 0;
  const changes: string[] = [];
  if (entry.newStatus !== MilestoneStatus.UNSPECIFIED) {
    changes.push(
      entry.previousStatus !== MilestoneStatus.UNSPECIFIED
        ? t("history.statusChange", { from: statusLabel(entry.previousStatus), to: statusLabel(entry.newStatus) })
        : t("history.statusSet", { to: statusLabel(entry.newStatus) }),
    );
  }
  if (entry.newPercentComplete !== undefined) {
    changes.push(
      entry.previousPercentComplete !== undefined
        ? t("history.percentChange", { from: entry.previousPercentComplete, to: entry.newPercentComplete })
        : t("history.percentSet", { to: entry.newPercentComplete }),
    );
  }
  return (
    <Paper withBorder p="sm" bg={corrected ? "gray.0" : undefined} component="article" aria-label={t(entry.corrects !== "" ? "history.correctionLabel" : "history.entryLabel", { when: formatDateTime(entry.createTime) })}>
      <Stack gap={4}>
        <Group gap="xs" justify="space-between">
          <Text size="sm" fw={600}>
            {entry.milestone !== "" ? (titles.get(entry.milestone) ?? t("history.deletedMilestone")) : t("history.wholeInitiative")}
          </Text>
          <Group gap={4}>
            {entry.corrects !== "" ? (
              <Badge color="violet" variant="light" styles={{ label: { color: "var(--mantine-color-black)" } }}>
                {t("history.correction")}
              </Badge>
            ) : null}
            {corrected ? (
              <Badge color="gray" variant="light" styles={{ label: { color: "var(--mantine-color-black)" } }}>
                {t("history.corrected")}
              </Badge>
            ) : null}
          </Group>
        </Group>
        <Text size="xs" c="gray.7">
          {t("history.byline", { when: formatDateTime(entry.createTime), who: entry.author?.displayName || entry.author?.subject || "" })}
        </Text>
        {changes.length > 0 ? (
          <Text size="sm" fw={500}>
            {changes.join(" · ")}
          </Text>
        ) : null}
        <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
          {entry.text}
        </Text>
        {entry.evidence.length > 0 ? (
          <List size="sm">
            {entry.evidence.map((e) => (
              <List.Item key={e.uri}>
                <Anchor href={e.uri} target="_blank" rel="noreferrer" size="sm">
                  {e.title || e.uri}
                </Anchor>
              </List.Item>
            ))}
          </List>
        ) : null}
        {onCorrect !== undefined ? (
          <Group>
            <Button size="compact-xs" variant="default" onClick={() => { onCorrect(entry); }}>
              {t("history.correct")}
            </Button>
          </Group>
        ) : null}
      </Stack>
    </Paper>
  );
}
