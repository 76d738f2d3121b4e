// Logging progress in a few keystrokes: the milestone (or the initiative as a whole), its new
// percent and status, what happened, optional evidence links; Enter in any single-line field
// sends it. The milestone's figures are filled in when it is picked, so only what changes is
// typed and sent, with the milestone's etag so that a change made meanwhile is not overwritten.
// A refusal is said in words on the form: the dependencies still open when marking done, a
// completed initiative, a stale figure, a field the service could not accept.
import { forwardRef, memo, useMemo, useState } from "react";
import { Button, Group, NumberInput, Paper, Select, SimpleGrid, Stack, Text, Textarea, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { initiatives } from "../../api/initiatives";
import { fieldMessage, problemOf, type Problem } from "../../api/problem";
import { MilestoneStatus, type Milestone } from "../../gen/engage/initiatives/v1/milestone_pb";
import type { ProgressEntry } from "../../gen/engage/initiatives/v1/progress_entry_pb";
import { formatDateTime } from "../../format";
import { useMilestoneStatusLabel } from "./data";
import { milestoneStatusOf, milestoneStatuses, openDependencies, progressEntryOf, withTitles, type ProgressValues } from "./model";
import { Refusal, unmappedMessages } from "./Refusal";

const emptyValues = (milestone: string, current: Milestone | undefined): ProgressValues => ({
  milestone,
  text: "",
  percent: current?.percentComplete ?? "",
  status: current?.status ?? MilestoneStatus.UNSPECIFIED,
  evidence: "",
  corrects: "",
});

export const ProgressForm = memo(forwardRef<HTMLFormElement, {
  initiative: string;
  milestones: readonly Milestone[];
  /** The milestone picked elsewhere (timeline, table), "" for none yet. */
  picked: string;
  onPick: (name: string) => void;
  /** The entry being corrected, when the person chose to correct one. */
  correcting: ProgressEntry | null;
  onStopCorrecting: () => void;
  /** A completed initiative's milestones no longer change: only words are logged. */
  completed?: boolean;
}>(function ProgressForm({ initiative, milestones, picked, onPick, correcting, onStopCorrecting, completed = false }, ref) {
  const { t } = useTranslation("initiatives");
  const queryClient = useQueryClient();
  const statusLabel = useMilestoneStatusLabel();
  const byName = useMemo(() => new Map(milestones.map((m) => [m.name, m])), [milestones]);
  const titles = useMemo(() => new Map(milestones.map((m) => [m.name, m.title])), [milestones]);
  const current = byName.get(picked);
  const [values, setValues] = useState<ProgressValues>(() => emptyValues(picked, current));
  const [problem, setProblem] = useState<Problem | null>(null);
  const [logged, setLogged] = useState("");
  // One idempotency key per distinct entry: a retry of the same entry is never logged twice,
  // and a changed entry is a new request.
  const [attempt, setAttempt] = useState<{ body: string; id: string }>({ body: "", id: "" });

  // A milestone picked elsewhere fills in its figures (keeping the words typed so far), and so
  // does a new version of the milestone (read for the first time, or changed meanwhile).
  const now = { picked, correcting: correcting?.name ?? "", etag: current?.etag ?? "" };
  const [seen, setSeen] = useState(now);
  if (seen.picked !== now.picked || seen.correcting !== now.correcting || seen.etag !== now.etag) {
    const repicked = seen.picked !== now.picked || seen.correcting !== now.correcting;
    setSeen(now);
    setValues((v) => ({ ...emptyValues(picked, current), text: v.text, evidence: v.evidence, corrects: now.correcting }));
    if (repicked) setProblem(null);
  }

  const save = useMutation({
    mutationFn: async (v: ProgressValues) => {
      const milestone = byName.get(v.milestone);
      const entry = progressEntryOf(v, milestone);
      const body = JSON.stringify(entry);
      const id = body === attempt.body ? attempt.id : crypto.randomUUID();
      setAttempt({ body, id });
      return initiatives().appendProgress({
        parent: initiative,
        progressEntry: entry,
        milestoneEtag: milestone !== undefined && (entry.newStatus !== MilestoneStatus.UNSPECIFIED || entry.newPercentComplete !== undefined) ? milestone.etag : "",
        requestId: id,
      });
    },
    onMutate: () => {
      setProblem(null);
      setLogged("");
    },
    onSuccess: (r) => {
      void queryClient.invalidateQueries({ queryKey: ["initiatives"] });
      const m = r.milestone;
      setValues({ ...emptyValues(values.milestone, m), percent: m?.percentComplete ?? "", status: m?.status ?? MilestoneStatus.UNSPECIFIED });
      setLogged(formatDateTime(r.progressEntry?.createTime));
      if (correcting !== null) onStopCorrecting();
    },
    onError: (e) => {
      const p = problemOf(e);
      setProblem(p);
      // A stale figure: read the milestone again, so that sending again uses its new etag.
      if (p.kind === "stale") void queryClient.invalidateQueries({ queryKey: ["initiatives", "milestones", initiative] });
    },
  });

  const done = values.status === MilestoneStatus.DONE;
  const open = current !== undefined ? openDependencies(current, milestones) : [];
  const m = (field: string) => {
    const message = fieldMessage(problem, `progress_entry.${field}`);
    return message === undefined ? undefined : withTitles(message, titles);
  };
  const shown = /^progress_entry\.(milestone|text|new_status|new_percent_complete|evidence(\[\d+\].*)?)$/;
  const refusedFor = problem?.reason === "DEPENDENCIES_NOT_FINISHED" ? open : [];

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="progress-form-title">
      <form
        ref={ref}
        aria-labelledby="progress-form-title"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(values);
        }}
      >
        <Stack gap="sm">
          <Title order={2} size="h3" id="progress-form-title">
            {correcting !== null ? t("progress.correctTitle") : t("progress.title")}
          </Title>
          {completed ? <Text size="sm">{t("progress.completedHint")}</Text> : null}
          {correcting !== null ? (
            <Group gap="xs">
              <Text size="sm">{t("progress.correcting", { when: formatDateTime(correcting.createTime), text: correcting.text.slice(0, 80) })}</Text>
              <Button size="compact-xs" variant="default" onClick={onStopCorrecting}>
                {t("progress.stopCorrecting")}
              </Button>
            </Group>
          ) : null}
          <Refusal problem={problem} readable={(x) => withTitles(x, titles)} unmapped={unmappedMessages(problem, (f) => shown.test(f)).map((x) => withTitles(x, titles))}>
            {refusedFor.length > 0 ? (
              <Text size="sm" mt={4} fw={600}>
                {t("progress.stillOpen", { names: refusedFor.map((x) => `“${x.title}”`).join(", ") })}
              </Text>
            ) : null}
          </Refusal>
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
            <Select
              label={t("progress.milestone")}
              searchable
              data={[{ value: "", label: t("progress.wholeInitiative") }, ...milestones.map((x) => ({ value: x.name, label: x.title }))]}
              value={values.milestone}
              onChange={(v) => { onPick(v ?? ""); }}
              allowDeselect={false}
              error={m("milestone")}
            />
            <NumberInput
              label={t("progress.percent")}
              data-field="percent"
              description={done ? t("progress.percentDone") : undefined}
              min={0}
              max={100}
              clampBehavior="strict"
              allowDecimal={false}
              suffix=" %"
              disabled={values.milestone === "" || done || completed}
              value={done ? 100 : values.percent}
              onChange={(v) => { setValues((x) => ({ ...x, percent: typeof v === "number" ? v : "" })); }}
              error={m("new_percent_complete")}
            />
            <Select
              label={t("progress.status")}
              description={done && open.length > 0 ? t("progress.openDependencies", { names: open.map((x) => x.title).join(", ") }) : undefined}
              disabled={values.milestone === "" || completed}
              data={milestoneStatuses.map((s) => ({ value: String(s), label: statusLabel(s) }))}
              value={values.status === MilestoneStatus.UNSPECIFIED ? null : String(values.status)}
              onChange={(v) => { setValues((x) => ({ ...x, status: milestoneStatusOf(v) })); }}
              allowDeselect={false}
              error={m("new_status")}
            />
          </SimpleGrid>
          <Textarea
            label={t("progress.text")}
            data-field="text"
            description={t("progress.textHint")}
            required
            autosize
            minRows={2}
            value={values.text}
            onChange={(e) => { const text = e.currentTarget.value; setValues((x) => ({ ...x, text })); }}
            onKeyDown={(e) => {
              // Ctrl+Enter (or ⌘+Enter) sends from the note too.
              if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                save.mutate(values);
              }
            }}
            error={m("text")}
          />
          <Textarea
            label={t("progress.evidence")}
            description={t("progress.evidenceHint")}
            autosize
            minRows={1}
            value={values.evidence}
            onChange={(e) => { const evidence = e.currentTarget.value; setValues((x) => ({ ...x, evidence })); }}
            error={m("evidence")}
          />
          <Group justify="space-between">
            <Text size="sm" role="status">
              {logged !== "" ? t("progress.logged", { when: logged }) : ""}
            </Text>
            <Button type="submit" loading={save.isPending}>
              {correcting !== null ? t("progress.sendCorrection") : t("progress.send")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}));
