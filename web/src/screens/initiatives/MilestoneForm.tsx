// Adding or changing a roadmap milestone: title, owner (a partner, focal point or coordinator
// of the initiative), the priority it serves, due date, the milestones it depends on, and when
// changing it its status and percent. The service checks the rules (owner on the initiative,
// due date after the start, no dependency cycle); its refusal is put on the field, with
// milestone titles in place of resource names.
import { useMemo, useState } from "react";
import { Button, Group, MultiSelect, NumberInput, Select, SimpleGrid, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { create } from "@bufbuild/protobuf";
import { initiatives } from "../../api/initiatives";
import { fieldMessage, problemOf, type Problem } from "../../api/problem";
import type { Initiative } from "../../gen/engage/initiatives/v1/initiative_pb";
import { MilestoneSchema, MilestoneStatus, type Milestone } from "../../gen/engage/initiatives/v1/milestone_pb";
import { DateSchema, ThematicAreaSchema } from "../../gen/engage/type/v1/types_pb";
import { newRequestId, useEnumLabel } from "../partners/shared";
import { useDisplayNames, useMilestoneStatusLabel } from "./data";
import { cycleOf, dateText, milestoneStatusOf, milestoneStatuses, parseDate, withTitles } from "./model";
import { Refusal, unmappedMessages } from "./Refusal";
import { cut } from "./timeline";

interface Values {
  title: string;
  description: string;
  /** `coordinator:{subject}`, `organization:{name}` or `person:{name}`. */
  owner: string;
  priority: string;
  due: string;
  status: MilestoneStatus;
  statusNote: string;
  percent: number | "";
  dependsOn: string[];
}

function ownerValue(m: Milestone | undefined): string {
  const o = m?.owner?.owner;
  return o === undefined || o.case === undefined ? "" : `${o.case}:${o.value}`;
}

function valuesOf(m: Milestone | undefined): Values {
  return {
    title: m?.title ?? "",
    description: m?.description ?? "",
    owner: ownerValue(m),
    priority: m?.priorityId ?? "",
    due: dateText(m?.dueDate),
    status: m?.status ?? MilestoneStatus.PLANNED,
    statusNote: m?.statusNote ?? "",
    percent: m?.percentComplete ?? 0,
    dependsOn: [...(m?.dependsOn ?? [])],
  };
}

const fieldPaths: Record<keyof Values, string> = {
  title: "title",
  description: "description",
  owner: "owner",
  priority: "priority_id",
  due: "due_date",
  status: "status",
  statusNote: "status_note",
  percent: "percent_complete",
  dependsOn: "depends_on",
};

function milestoneOf(v: Values, previous: Milestone | undefined): Milestone {
  const [kind, ...rest] = v.owner.split(":");
  const value = rest.join(":");
  const d = parseDate(v.due);
  return create(MilestoneSchema, {
    name: previous?.name ?? "",
    etag: previous?.etag ?? "",
    title: v.title.trim(),
    description: v.description,
    owner: kind === "organization" || kind === "person" || kind === "coordinator" ? { owner: { case: kind, value } } : undefined,
    priorityId: v.priority,
    dueDate: d === null ? undefined : create(DateSchema, d),
    status: v.status,
    statusNote: v.statusNote,
    percentComplete: v.status === MilestoneStatus.DONE ? 100 : v.percent === "" ? 0 : v.percent,
    dependsOn: v.dependsOn,
  });
}

export function MilestoneForm({
  initiative,
  milestone,
  milestones,
  onDone,
  onCancel,
  mayDelete = false,
}: {
  /** Officers may delete a milestone (coordinators only add and change them). */
  mayDelete?: boolean;
  initiative: Initiative;
  /** The milestone to change; none to add one. */
  milestone?: Milestone;
  milestones: readonly Milestone[];
  onDone: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation("initiatives");
  const queryClient = useQueryClient();
  const statusLabel = useMilestoneStatusLabel();
  const areaLabel = useEnumLabel();
  const [base] = useState(() => valuesOf(milestone));
  const [values, setValues] = useState<Values>(base);
  const [requestId] = useState(newRequestId);
  const [problem, setProblem] = useState<Problem | null>(null);
  const titles = useMemo(() => new Map(milestones.map((m) => [m.name, m.title])), [milestones]);
  const referenced = [
    ...initiative.civilSocietyPartners.flatMap((p) => [p.organization, p.contactPerson]),
    ...initiative.governmentFocalPoints.flatMap((f) => [f.person, f.organization]),
  ].filter((n) => n !== "");
  const name = useDisplayNames(referenced);

  // The owners the initiative has: its coordinators, partner organisations and people.
  const owners = [
    {
      group: t("milestone.ownerCoordinators"),
      items: initiative.coordinators.map((c) => ({ value: `coordinator:${c.subject}`, label: c.displayName || c.subject })),
    },
    {
      group: t("milestone.ownerOrganizations"),
      items: [...new Set(referenced.filter((n) => n.startsWith("organizations/")))].map((n) => ({ value: `organization:${n}`, label: name(n) })),
    },
    {
      group: t("milestone.ownerPeople"),
      items: [...new Set(referenced.filter((n) => n.startsWith("people/")))].map((n) => ({ value: `person:${n}`, label: name(n) })),
    },
  ].filter((g) => g.items.length > 0);

  const save = useMutation({
    mutationFn: async (v: Values) => {
      if (milestone === undefined) {
        return initiatives().createMilestone({ parent: initiative.name, milestone: milestoneOf(v, undefined), requestId });
      }
      const paths = (Object.keys(fieldPaths) as (keyof Values)[]).filter((k) => JSON.stringify(v[k]) !== JSON.stringify(base[k])).map((k) => fieldPaths[k]);
      // A status note goes with its status; DONE sets the percent itself.
      if (paths.includes("status") && !paths.includes("status_note")) paths.push("status_note");
      if (v.status === MilestoneStatus.DONE) {
        const i = paths.indexOf("percent_complete");
        if (i >= 0) paths.splice(i, 1);
      }
      return initiatives().updateMilestone({ milestone: milestoneOf(v, milestone), updateMask: { paths } });
    },
    onMutate: () => {
      setProblem(null);
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["initiatives"] });
      onDone();
    },
    onError: (e) => {
      setProblem(problemOf(e));
    },
  });

  const m = (field: string) => {
    const message = fieldMessage(problem, `milestone.${field}`);
    if (message === undefined) return undefined;
    // A dependency cycle is said in words, naming the milestones that would form it.
    const cycle = field === "depends_on" ? cycleOf(message) : null;
    return cycle !== null ? t("milestone.cycle", { path: cycle.map((n) => `“${titles.get(n) ?? n}”`).join(" → ") }) : withTitles(message, titles);
  };
  const shown = /^milestone\.(title|description|owner(\..*)?|priority_id|due_date|status|status_note|percent_complete|depends_on(\[\d+\])?)$/;
  const set = <K extends keyof Values>(key: K, value: Values[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
  };
  const editing = milestone !== undefined;
  const others = milestones.filter((x) => x.name !== milestone?.name);
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({
    mutationFn: async () => (milestone === undefined ? undefined : initiatives().deleteMilestone({ name: milestone.name, etag: milestone.etag })),
    onMutate: () => {
      setProblem(null);
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["initiatives"] });
      onDone();
    },
    onError: (e) => {
      setConfirming(false);
      setProblem(problemOf(e));
    },
  });
  // Which milestones depend on this one, to name them when the deletion is refused.
  const dependants = milestone === undefined ? [] : milestones.filter((x) => x.dependsOn.includes(milestone.name));

  return (
    <form
      aria-label={t(editing ? "milestone.editTitle" : "milestone.addTitle")}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(values);
      }}
    >
      <Stack gap="sm">
        <Refusal problem={problem} readable={(x) => withTitles(x, titles)} unmapped={unmappedMessages(problem, (f) => shown.test(f)).map((x) => withTitles(x, titles))}>
          {problem?.reason === "MILESTONE_HAS_DEPENDENTS" && dependants.length > 0 ? (
            <Text size="sm" mt={4} fw={600}>
              {t("milestone.dependants", { names: dependants.map((x) => `“${x.title}”`).join(", ") })}
            </Text>
          ) : null}
        </Refusal>
        <TextInput label={t("milestone.title")} required value={values.title} onChange={(e) => { set("title", e.currentTarget.value); }} error={m("title")} />
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <Select label={t("milestone.owner")} required data={owners} value={values.owner || null} onChange={(v) => { set("owner", v ?? ""); }} error={m("owner")} searchable nothingFoundMessage={t("milestone.noOwners")} />
          <TextInput type="date" label={t("milestone.due")} required value={values.due} onChange={(e) => { set("due", e.currentTarget.value); }} error={m("due_date")} />
          <Select
            label={t("milestone.priority")}
            data={initiative.priorities.map((p) => ({ value: p.id, label: `${areaLabel(ThematicAreaSchema, p.thematicArea)}: ${cut(p.description, 60)}` }))}
            value={values.priority || null}
            onChange={(v) => { set("priority", v ?? ""); }}
            error={m("priority_id")}
            clearable
          />
          <MultiSelect
            label={t("milestone.dependsOn")}
            description={t("milestone.dependsOnHint")}
            data={others.map((x) => ({ value: x.name, label: x.title }))}
            value={values.dependsOn}
            onChange={(v) => { set("dependsOn", v); }}
            error={m("depends_on")}
            searchable
            clearable
          />
        </SimpleGrid>
        {editing ? (
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <Select
              label={t("milestone.status")}
              data={milestoneStatuses.map((s) => ({ value: String(s), label: statusLabel(s) }))}
              value={String(values.status)}
              onChange={(v) => { set("status", milestoneStatusOf(v)); }}
              allowDeselect={false}
              error={m("status")}
            />
            <NumberInput
              label={t("milestone.percent")}
              min={0}
              max={100}
              allowDecimal={false}
              clampBehavior="strict"
              suffix=" %"
              disabled={values.status === MilestoneStatus.DONE}
              value={values.status === MilestoneStatus.DONE ? 100 : values.percent}
              onChange={(v) => { set("percent", typeof v === "number" ? v : ""); }}
              error={m("percent_complete")}
            />
            <Textarea label={t("milestone.statusNote")} description={t("milestone.statusNoteHint")} autosize minRows={1} value={values.statusNote} onChange={(e) => { set("statusNote", e.currentTarget.value); }} error={m("status_note")} />
          </SimpleGrid>
        ) : null}
        <Textarea label={t("milestone.description")} autosize minRows={2} value={values.description} onChange={(e) => { set("description", e.currentTarget.value); }} error={m("description")} />
        <Group justify="space-between">
          <Group gap="xs">
            {editing && mayDelete ? (
              confirming ? (
                <>
                  <Text size="sm">{t("milestone.confirmDelete")}</Text>
                  <Button color="red" variant="light" styles={{ label: { color: "var(--mantine-color-red-9)" } }} onClick={() => { remove.mutate(); }} loading={remove.isPending}>
                    {t("milestone.delete")}
                  </Button>
                </>
              ) : (
                <Button variant="default" onClick={() => { setConfirming(true); }}>
                  {t("common:action.delete")}
                </Button>
              )
            ) : null}
          </Group>
          <Group gap="xs">
            <Button variant="default" onClick={onCancel}>
              {t("common:action.cancel")}
            </Button>
            <Button type="submit" loading={save.isPending}>
              {editing ? t("common:action.save") : t("milestone.add")}
            </Button>
          </Group>
        </Group>
      </Stack>
    </form>
  );
}
