// An officer's form to create or edit an initiative: title, country, dates and description,
// the country's priorities in order, civil society partners, government focal points and the
// coordinators. Each field violation from the service goes on its input; a create carries one
// request id per opening, so a double click never creates two; an edit sends every field with
// the etag read, and a stale edit offers the other person's version.
import { useState } from "react";
import { ActionIcon, Button, Fieldset, Group, Select, SimpleGrid, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { create } from "@bufbuild/protobuf";
import { initiatives } from "../../api/initiatives";
import { fieldMessage, problemOf, type Problem } from "../../api/problem";
import { InitiativeSchema, type Initiative } from "../../gen/engage/initiatives/v1/initiative_pb";
import { DateSchema, ThematicAreaSchema } from "../../gen/engage/type/v1/types_pb";
import { enumName, enumNumber } from "../partners/model";
import { newRequestId, useCountries, useEnumOptions } from "../partners/shared";
import { useDisplayNames } from "./data";
import { dateText, parseDate } from "./model";
import { RecordPicker } from "./Pickers";
import { Refusal, unmappedMessages } from "./Refusal";

interface PriorityRow {
  key: string;
  id: string;
  area: string;
  description: string;
}
interface PartnerRow {
  key: string;
  organization: string;
  organizationName: string;
  contactPerson: string;
  contactName: string;
  role: string;
}
interface FocalRow {
  key: string;
  person: string;
  personName: string;
  organization: string;
  organizationName: string;
  role: string;
}
interface CoordinatorRow {
  key: string;
  subject: string;
  displayName: string;
}
interface Values {
  title: string;
  description: string;
  country: string;
  start: string;
  target: string;
  priorities: PriorityRow[];
  partners: PartnerRow[];
  focal: FocalRow[];
  coordinators: CoordinatorRow[];
}

let rowCounter = 0;
const rowKey = () => `row-${String(++rowCounter)}`;

// Names of chosen records are looked up as the form shows them; a newly picked one keeps the
// name it was picked by.
function valuesOf(i: Initiative | undefined): Values {
  return {
    title: i?.title ?? "",
    description: i?.description ?? "",
    country: i?.countryCode ?? "",
    start: dateText(i?.startDate),
    target: dateText(i?.targetDate),
    priorities: (i?.priorities ?? []).map((p) => ({ key: rowKey(), id: p.id, area: enumName(ThematicAreaSchema, p.thematicArea), description: p.description })),
    partners: (i?.civilSocietyPartners ?? []).map((p) => ({
      key: rowKey(),
      organization: p.organization,
      organizationName: "",
      contactPerson: p.contactPerson,
      contactName: "",
      role: p.role,
    })),
    focal: (i?.governmentFocalPoints ?? []).map((f) => ({
      key: rowKey(),
      person: f.person,
      personName: "",
      organization: f.organization,
      organizationName: "",
      role: f.role,
    })),
    coordinators: (i?.coordinators ?? []).map((c) => ({ key: rowKey(), subject: c.subject, displayName: c.displayName })),
  };
}

function initiativeOf(v: Values, previous: Initiative | undefined): Initiative {
  const date = (text: string) => {
    const d = parseDate(text);
    return d === null ? undefined : create(DateSchema, d);
  };
  return create(InitiativeSchema, {
    name: previous?.name ?? "",
    etag: previous?.etag ?? "",
    title: v.title.trim(),
    description: v.description,
    countryCode: v.country.trim().toUpperCase(),
    startDate: date(v.start),
    targetDate: date(v.target),
    priorities: v.priorities.map((p) => ({ id: p.id, thematicArea: enumNumber(ThematicAreaSchema, p.area), description: p.description.trim() })),
    civilSocietyPartners: v.partners.map((p) => ({ organization: p.organization, contactPerson: p.contactPerson, role: p.role.trim() })),
    governmentFocalPoints: v.focal.map((f) => ({ person: f.person, organization: f.organization, role: f.role.trim() })),
    coordinators: v.coordinators.map((c) => ({ subject: c.subject.trim(), displayName: c.displayName.trim() })),
  });
}

export function InitiativeForm({ initiative, onDone, onCancel }: { initiative?: Initiative; onDone: (saved: Initiative) => void; onCancel: () => void }) {
  const { t } = useTranslation("initiatives");
  const queryClient = useQueryClient();
  const name = useDisplayNames([
    ...(initiative?.civilSocietyPartners.flatMap((p) => [p.organization, p.contactPerson]) ?? []),
    ...(initiative?.governmentFocalPoints.flatMap((f) => [f.person, f.organization]) ?? []),
  ]);
  const [against, setAgainst] = useState<Initiative | undefined>(initiative);
  const [values, setValues] = useState<Values>(() => valuesOf(initiative));
  const [requestId] = useState(newRequestId);
  const [problem, setProblem] = useState<Problem | null>(null);
  const options = useEnumOptions();
  const countries = useCountries();

  const save = useMutation({
    mutationFn: async (v: Values) => {
      const body = initiativeOf(v, against);
      if (against === undefined) return (await initiatives().createInitiative({ initiative: body, requestId })).initiative;
      return (await initiatives().updateInitiative({ initiative: body, updateMask: { paths: ["*"] } })).initiative;
    },
    onMutate: () => {
      setProblem(null);
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: ["initiatives"] });
      if (saved !== undefined) onDone(saved);
    },
    onError: (e) => {
      setProblem(problemOf(e));
    },
  });
  const reload = useMutation({
    mutationFn: async () => (against === undefined ? undefined : (await initiatives().getInitiative({ name: against.name })).initiative),
    onSuccess: (fresh) => {
      if (fresh === undefined) return;
      setAgainst(fresh);
      setValues(valuesOf(fresh));
      setProblem(null);
      void queryClient.invalidateQueries({ queryKey: ["initiatives"] });
    },
  });

  const m = (path: string) => fieldMessage(problem, `initiative.${path}`);
  const shownFields = /^initiative\.(title|description|country_code|start_date|target_date|(priorities|civil_society_partners|government_focal_points|coordinators)\[\d+\]\.(id|thematic_area|description|organization|contact_person|role|person|subject|display_name))$/;
  const set = <K extends keyof Values>(key: K, value: Values[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
  };
  const setRow = <K extends "priorities" | "partners" | "focal" | "coordinators">(key: K, index: number, change: Partial<Values[K][number]>) => {
    setValues((v) => ({ ...v, [key]: v[key].map((row, i) => (i === index ? { ...row, ...change } : row)) }));
  };
  const removeRow = (key: "priorities" | "partners" | "focal" | "coordinators", index: number) => {
    setValues((v) => ({ ...v, [key]: v[key].filter((_, i) => i !== index) }));
  };
  const remove = (label: string, onClick: () => void) => (
    <ActionIcon variant="default" aria-label={label} onClick={onClick} mt={{ base: 0, sm: 26 }}>
      ×
    </ActionIcon>
  );
  const creating = initiative === undefined;

  return (
    <form
      aria-label={t(creating ? "form.createTitle" : "form.editTitle")}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(values);
      }}
    >
      <Stack gap="sm">
        <Refusal problem={problem} unmapped={unmappedMessages(problem, (f) => shownFields.test(f))}>
          {problem?.kind === "stale" ? (
            <Button size="xs" mt="xs" variant="default" onClick={() => { reload.mutate(); }} loading={reload.isPending}>
              {t("form.reload")}
            </Button>
          ) : null}
        </Refusal>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput label={t("field.title")} required value={values.title} onChange={(e) => { set("title", e.currentTarget.value); }} error={m("title")} />
          <Select
            label={t("field.country")}
            required
            searchable
            data={(countries.data ?? []).map((c) => ({ value: c.countryCode, label: `${c.displayName} (${c.countryCode})` }))}
            value={values.country || null}
            onChange={(v) => { set("country", v ?? ""); }}
            error={m("country_code")}
          />
          <TextInput type="date" label={t("field.start")} value={values.start} onChange={(e) => { set("start", e.currentTarget.value); }} error={m("start_date")} />
          <TextInput type="date" label={t("field.target")} value={values.target} onChange={(e) => { set("target", e.currentTarget.value); }} error={m("target_date")} />
        </SimpleGrid>
        <Textarea label={t("field.description")} autosize minRows={2} maxRows={8} value={values.description} onChange={(e) => { set("description", e.currentTarget.value); }} error={m("description")} />

        <Fieldset legend={t("field.priorities")}>
          <Stack gap="xs">
            <Text size="xs" c="gray.7">
              {t("form.prioritiesHint")}
            </Text>
            {values.priorities.map((p, i) => (
              <Group key={p.key} align="flex-start" wrap="nowrap" gap="xs">
                <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" style={{ flex: 1 }}>
                  <Select
                    label={t("field.priorityArea", { n: i + 1 })}
                    required
                    searchable
                    data={options(ThematicAreaSchema)}
                    value={p.area || null}
                    onChange={(v) => { setRow("priorities", i, { area: v ?? "" }); }}
                    error={m(`priorities[${String(i)}].thematic_area`)}
                  />
                  <TextInput
                    label={t("field.priorityDescription", { n: i + 1 })}
                    required
                    value={p.description}
                    onChange={(e) => { setRow("priorities", i, { description: e.currentTarget.value }); }}
                    error={m(`priorities[${String(i)}].description`) ?? m(`priorities[${String(i)}].id`)}
                  />
                </SimpleGrid>
                {remove(t("form.removePriority", { n: i + 1 }), () => { removeRow("priorities", i); })}
              </Group>
            ))}
            <Group>
              <Button size="xs" variant="default" onClick={() => { set("priorities", [...values.priorities, { key: rowKey(), id: "", area: "", description: "" }]); }}>
                {t("form.addPriority")}
              </Button>
            </Group>
          </Stack>
        </Fieldset>

        <Fieldset legend={t("field.partners")}>
          <Stack gap="xs">
            {values.partners.map((p, i) => (
              <Group key={p.key} align="flex-start" wrap="nowrap" gap="xs">
                <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs" style={{ flex: 1 }}>
                  <RecordPicker
                    kind="organization"
                    required
                    label={t("field.partnerOrganization", { n: i + 1 })}
                    value={p.organization}
                    shown={p.organizationName || name(p.organization)}
                    onChange={(v, shown) => { setRow("partners", i, { organization: v, organizationName: shown }); }}
                    error={m(`civil_society_partners[${String(i)}].organization`)}
                  />
                  <RecordPicker
                    kind="person"
                    label={t("field.partnerContact", { n: i + 1 })}
                    value={p.contactPerson}
                    shown={p.contactName || name(p.contactPerson)}
                    onChange={(v, shown) => { setRow("partners", i, { contactPerson: v, contactName: shown }); }}
                    error={m(`civil_society_partners[${String(i)}].contact_person`)}
                  />
                  <TextInput
                    label={t("field.partnerRole", { n: i + 1 })}
                    value={p.role}
                    onChange={(e) => { setRow("partners", i, { role: e.currentTarget.value }); }}
                    error={m(`civil_society_partners[${String(i)}].role`)}
                  />
                </SimpleGrid>
                {remove(t("form.removePartner", { n: i + 1 }), () => { removeRow("partners", i); })}
              </Group>
            ))}
            <Group>
              <Button size="xs" variant="default" onClick={() => { set("partners", [...values.partners, { key: rowKey(), organization: "", organizationName: "", contactPerson: "", contactName: "", role: "" }]); }}>
                {t("form.addPartner")}
              </Button>
            </Group>
          </Stack>
        </Fieldset>

        <Fieldset legend={t("field.focalPoints")}>
          <Stack gap="xs">
            {values.focal.map((f, i) => (
              <Group key={f.key} align="flex-start" wrap="nowrap" gap="xs">
                <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs" style={{ flex: 1 }}>
                  <RecordPicker
                    kind="person"
                    required
                    label={t("field.focalPerson", { n: i + 1 })}
                    value={f.person}
                    shown={f.personName || name(f.person)}
                    onChange={(v, shown) => { setRow("focal", i, { person: v, personName: shown }); }}
                    error={m(`government_focal_points[${String(i)}].person`)}
                  />
                  <RecordPicker
                    kind="organization"
                    label={t("field.focalOrganization", { n: i + 1 })}
                    value={f.organization}
                    shown={f.organizationName || name(f.organization)}
                    onChange={(v, shown) => { setRow("focal", i, { organization: v, organizationName: shown }); }}
                    error={m(`government_focal_points[${String(i)}].organization`)}
                  />
                  <TextInput
                    label={t("field.focalRole", { n: i + 1 })}
                    value={f.role}
                    onChange={(e) => { setRow("focal", i, { role: e.currentTarget.value }); }}
                    error={m(`government_focal_points[${String(i)}].role`)}
                  />
                </SimpleGrid>
                {remove(t("form.removeFocal", { n: i + 1 }), () => { removeRow("focal", i); })}
              </Group>
            ))}
            <Group>
              <Button size="xs" variant="default" onClick={() => { set("focal", [...values.focal, { key: rowKey(), person: "", personName: "", organization: "", organizationName: "", role: "" }]); }}>
                {t("form.addFocal")}
              </Button>
            </Group>
          </Stack>
        </Fieldset>

        <Fieldset legend={t("field.coordinators")}>
          <Stack gap="xs">
            <Text size="xs" c="gray.7">
              {t("form.coordinatorsHint")}
            </Text>
            {values.coordinators.map((c, i) => (
              <Group key={c.key} align="flex-start" wrap="nowrap" gap="xs">
                <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" style={{ flex: 1 }}>
                  <TextInput
                    label={t("field.coordinatorSubject", { n: i + 1 })}
                    required
                    value={c.subject}
                    onChange={(e) => { setRow("coordinators", i, { subject: e.currentTarget.value }); }}
                    error={m(`coordinators[${String(i)}].subject`)}
                  />
                  <TextInput
                    label={t("field.coordinatorName", { n: i + 1 })}
                    value={c.displayName}
                    onChange={(e) => { setRow("coordinators", i, { displayName: e.currentTarget.value }); }}
                    error={m(`coordinators[${String(i)}].display_name`)}
                  />
                </SimpleGrid>
                {remove(t("form.removeCoordinator", { n: i + 1 }), () => { removeRow("coordinators", i); })}
              </Group>
            ))}
            <Group>
              <Button size="xs" variant="default" onClick={() => { set("coordinators", [...values.coordinators, { key: rowKey(), subject: "", displayName: "" }]); }}>
                {t("form.addCoordinator")}
              </Button>
            </Group>
          </Stack>
        </Fieldset>

        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            {t("common:action.cancel")}
          </Button>
          <Button type="submit" loading={save.isPending}>
            {creating ? t("common:action.create") : t("common:action.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
