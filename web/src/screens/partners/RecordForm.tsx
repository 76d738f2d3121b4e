// The create and edit form of an organisation or a person. Each field violation from the
// service goes on its input (anything else above the form); Create carries one request_id
// per opening, so a double click never creates two; Update sends the fields changed, with the
// etag read. Before a create, the register is asked whether it already holds the record and
// any likely or possible duplicate is shown first. When someone else saved in between (ABORTED), the form shows their change beside
// this person's, field by field, and offers to reapply these changes or discard them.
import { useEffect, useRef, useState } from "react";
import { Alert, Button, Fieldset, Group, MultiSelect, Select, SimpleGrid, Stack, Switch, Table, TagsInput, Text, TextInput, Textarea } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { fieldMessage, problemOf, type Problem } from "../../api/problem";
import { contacts } from "../../api/contacts";
import { ProblemAlert } from "../../components/ProblemAlert";
import { AgeBracketSchema, EcosocStatusSchema, type Organization, type Person } from "../../gen/engage/contacts/v1/resources_pb";
import { SectorSchema, ThematicAreaSchema } from "../../gen/engage/type/v1/types_pb";
import { changedFields, conflicts, lines, violationsByField, type FormValue, type FormValues } from "./model";
import { maskPaths, organizationFields, organizationForm, organizationOf, personFields, personForm, personOf } from "./records";
import { newRequestId, useCountries, useEnumLabel, useEnumOptions, useTags } from "./shared";
import { PossibleDuplicates } from "./PossibleDuplicates";
import type { DuplicateCandidate } from "../../gen/engage/contacts/v1/duplicates_pb";

type Kind = "organization" | "person";
type RecordOf<K extends Kind> = K extends "organization" ? Organization : Person;

const listFields = ["alternative_names", "emails", "phones", "languages", "address_lines"];

/** List fields typed one per line are compared as lists. */
function normalised(values: FormValues): FormValues {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, listFields.includes(k) && typeof v === "string" ? lines(v) : v]));
}

export function RecordForm<K extends Kind>({
  kind,
  record,
  onDone,
  onCancel,
}: {
  kind: K;
  /** The record being edited; none to create one. */
  record?: RecordOf<K>;
  onDone: (saved: RecordOf<K>) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation("partners");
  const queryClient = useQueryClient();
  const toForm = (r: RecordOf<K> | undefined): FormValues =>
    kind === "organization" ? organizationForm(r as Organization | undefined) : personForm(r as Person | undefined);
  const fields: readonly string[] = kind === "organization" ? organizationFields : personFields;
  const [requestId] = useState(newRequestId);
  const [current, setCurrent] = useState<RecordOf<K> | undefined>(record);
  const [base, setBase] = useState<FormValues>(() => toForm(record));
  const [values, setValues] = useState<FormValues>(() => toForm(record));
  const [problem, setProblem] = useState<Problem | null>(null);
  const [theirs, setTheirs] = useState<RecordOf<K> | null>(null);
  // Duplicates the register reported for this form's values; null until asked.
  const [possible, setPossible] = useState<DuplicateCandidate[] | null>(null);

  // A refusal is shown at the top of the form: brought into view (and focus) so a person at
  // the Save button sees it.
  const notice = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (problem !== null) {
      notice.current?.scrollIntoView({ block: "start" });
      notice.current?.focus();
    }
  }, [problem, theirs]);

  const mine = normalised(values);
  const changed = changedFields(base, mine);

  // Asks, writing nothing, whether the new record may duplicate existing ones.
  const check = useMutation({
    mutationFn: async (vals: FormValues): Promise<DuplicateCandidate[]> => {
      const c = contacts();
      if (kind === "organization") {
        return (await c.createOrganization({ organization: organizationOf(vals, undefined), validateOnly: true })).duplicateCandidates;
      }
      return (await c.createPerson({ person: personOf(vals, undefined), validateOnly: true })).duplicateCandidates;
    },
    onMutate: () => {
      setProblem(null);
    },
    onSuccess: (candidates, vals) => {
      if (candidates.length > 0) setPossible(candidates);
      else save.mutate({ against: undefined, vals, paths: [] });
    },
    onError: (error) => {
      setProblem(problemOf(error));
    },
  });

  const save = useMutation({
    mutationFn: async ({ against, vals, paths }: { against: RecordOf<K> | undefined; vals: FormValues; paths: string[] }): Promise<RecordOf<K>> => {
      const c = contacts();
      if (kind === "organization") {
        const previous = against as Organization | undefined;
        const organization = organizationOf(vals, previous);
        if (previous === undefined) {
          return (await c.createOrganization({ organization, requestId })).organization as RecordOf<K>;
        }
        return (await c.updateOrganization({ organization, updateMask: { paths: maskPaths(paths) } })).organization as RecordOf<K>;
      }
      const previous = against as Person | undefined;
      const person = personOf(vals, previous);
      if (previous === undefined) {
        return (await c.createPerson({ person, requestId })).person as RecordOf<K>;
      }
      return (await c.updatePerson({ person, updateMask: { paths: maskPaths(paths) } })).person as RecordOf<K>;
    },
    onMutate: () => {
      setProblem(null);
    },
    onSuccess: (saved) => {
      setTheirs(null);
      void queryClient.invalidateQueries({ queryKey: ["contacts"] });
      onDone(saved);
    },
    onError: async (error, { against }) => {
      const p = problemOf(error);
      setProblem(p);
      if (p.kind === "stale" && against !== undefined) {
        // Fetch what the other person saved, to show it beside this person's changes.
        try {
          const c = contacts();
          const fresh =
            kind === "organization"
              ? (await c.getOrganization({ name: against.name })).organization
              : (await c.getPerson({ name: against.name })).person;
          if (fresh !== undefined) setTheirs(fresh as RecordOf<K>);
        } catch (e: unknown) {
          setProblem(problemOf(e));
        }
      }
    },
  });

  const { byField, unmapped } = violationsByField(problem?.fields ?? {}, kind, fields, { address: "emails", original_text: "phones", addresses: "address_lines" });
  const messageOf = (field: string) => fieldMessage(problem, `${kind}.${field}`) ?? byField[field];
  const set = (field: string) => (value: FormValue) => {
    setValues((v) => ({ ...v, [field]: value }));
    // Changed values may no longer duplicate the same records: ask again on Create.
    setPossible(null);
  };

  const reapply = () => {
    if (theirs === null) return;
    // Only this person's changes are sent, over the record as it is now: the other person's
    // saved fields stay as they are.
    const merged: FormValues = { ...toForm(theirs), ...Object.fromEntries(changed.map((f) => [f, mine[f] ?? ""])) };
    setCurrent(theirs);
    setBase(toForm(theirs));
    setValues(merged);
    save.mutate({ against: theirs, vals: merged, paths: changed });
  };
  const busy = save.isPending || check.isPending;

  const discard = () => {
    void queryClient.invalidateQueries({ queryKey: ["contacts"] });
    onCancel();
  };

  const creating = record === undefined;
  return (
    <form
      aria-label={t(creating ? `form.create.${kind}` : `form.edit.${kind}`)}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        if (!creating && changed.length === 0) {
          onCancel();
          return;
        }
        if (creating && possible === null) {
          check.mutate(mine);
          return;
        }
        save.mutate({ against: current, vals: mine, paths: changed });
      }}
    >
      <Stack gap="sm">
        <div ref={notice} tabIndex={-1} style={{ outline: "none", scrollMarginTop: "5rem" }}>
        {problem !== null && problem.kind === "stale" ? (
          <StalePanel kind={kind} base={base} theirs={theirs === null ? null : toForm(theirs)} mine={mine} onReapply={reapply} onDiscard={discard} busy={busy} />
        ) : problem !== null && problem.kind === "invalid" ? (
          <Alert color="yellow" role="alert">
            <Text size="sm">{t("common:problem.invalid")}</Text>
            {unmapped.map((m) => (
              <Text size="sm" key={m}>
                {m}
              </Text>
            ))}
          </Alert>
        ) : problem !== null ? (
          <ProblemAlert error={save.error ?? check.error} />
        ) : possible !== null && possible.length > 0 ? (
          <PossibleDuplicates
            kind={kind}
            candidates={possible}
            busy={save.isPending}
            onCreateAnyway={() => {
              save.mutate({ against: undefined, vals: mine, paths: [] });
            }}
          />
        ) : null}
        </div>
        {kind === "organization" ? (
          <OrganizationInputs values={values} set={set} messageOf={messageOf} />
        ) : (
          <PersonInputs values={values} set={set} messageOf={messageOf} withheld={(record as Person | undefined)?.birthDateWithheld === true} />
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            {t("common:action.cancel")}
          </Button>
          <Button type="submit" loading={busy} disabled={theirs !== null}>
            {creating ? t("common:action.create") : t("common:action.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

interface InputsProps {
  values: FormValues;
  set: (field: string) => (value: FormValue) => void;
  messageOf: (field: string) => string | undefined;
}

const str = (v: FormValue | undefined) => (typeof v === "string" ? v : Array.isArray(v) ? v.join("\n") : "");
const arr = (v: FormValue | undefined) => (Array.isArray(v) ? v : typeof v === "string" && v !== "" ? lines(v) : []);

function CountryInput({ value, onChange, error }: { value: string; onChange: (v: string) => void; error?: string }) {
  const { t } = useTranslation("partners");
  const countries = useCountries();
  const known = countries.data?.find((c) => c.countryCode === value.trim().toUpperCase());
  return (
    <TextInput
      label={t("field.country_code")}
      description={known ? known.displayName : t("field.country_codeHint")}
      value={value}
      maxLength={2}
      onChange={(e) => {
        onChange(e.currentTarget.value);
      }}
      error={error}
      autoComplete="off"
    />
  );
}

function TagsField({ value, onChange, error }: { value: string[]; onChange: (v: string[]) => void; error?: string }) {
  const { t } = useTranslation("partners");
  const tags = useTags();
  return (
    <TagsInput
      label={t("field.tags")}
      description={t("field.tagsHint")}
      data={(tags.data ?? []).map((x) => x.tag)}
      value={value}
      onChange={onChange}
      error={error}
      clearable
    />
  );
}

function OrganizationInputs({ values, set, messageOf }: InputsProps) {
  const { t } = useTranslation("partners");
  const options = useEnumOptions();
  return (
    <>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput label={t("field.display_name")} required value={str(values.display_name)} onChange={(e) => { set("display_name")(e.currentTarget.value); }} error={messageOf("display_name")} />
        <TextInput label={t("field.acronym")} value={str(values.acronym)} onChange={(e) => { set("acronym")(e.currentTarget.value); }} error={messageOf("acronym")} />
        <Select label={t("field.sector")} required data={options(SectorSchema)} value={str(values.sector) || null} onChange={(v) => { set("sector")(v ?? ""); }} error={messageOf("sector")} />
        <CountryInput value={str(values.country_code)} onChange={set("country_code")} error={messageOf("country_code")} />
        <TextInput label={t("field.website")} value={str(values.website)} onChange={(e) => { set("website")(e.currentTarget.value); }} error={messageOf("website")} />
        <TextInput label={t("field.external_id")} value={str(values.external_id)} onChange={(e) => { set("external_id")(e.currentTarget.value); }} error={messageOf("external_id")} />
        <Select label={t("field.ecosoc_status")} data={options(EcosocStatusSchema)} value={str(values.ecosoc_status) || null} onChange={(v) => { set("ecosoc_status")(v ?? ""); }} error={messageOf("ecosoc_status")} clearable />
        <TextInput label={t("field.ecosoc_status_year")} inputMode="numeric" value={str(values.ecosoc_status_year)} onChange={(e) => { set("ecosoc_status_year")(e.currentTarget.value); }} error={messageOf("ecosoc_status_year")} />
      </SimpleGrid>
      <Textarea label={t("field.alternative_names")} description={t("field.onePerLine")} autosize minRows={1} value={str(values.alternative_names)} onChange={(e) => { set("alternative_names")(e.currentTarget.value); }} error={messageOf("alternative_names")} />
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <Textarea label={t("field.emails")} description={t("field.onePerLine")} autosize minRows={1} value={str(values.emails)} onChange={(e) => { set("emails")(e.currentTarget.value); }} error={messageOf("emails")} />
        <Textarea label={t("field.phones")} description={t("field.onePerLine")} autosize minRows={1} value={str(values.phones)} onChange={(e) => { set("phones")(e.currentTarget.value); }} error={messageOf("phones")} />
      </SimpleGrid>
      <AddressInputs values={values} set={set} messageOf={messageOf} />
      <MultiSelect label={t("field.thematic_areas")} data={options(ThematicAreaSchema)} value={arr(values.thematic_areas)} onChange={set("thematic_areas")} error={messageOf("thematic_areas")} searchable clearable />
      <TagsField value={arr(values.tags)} onChange={set("tags")} error={messageOf("tags")} />
      <Textarea label={t("field.description")} autosize minRows={2} value={str(values.description)} onChange={(e) => { set("description")(e.currentTarget.value); }} error={messageOf("description")} />
    </>
  );
}

/** The record's preferred postal address. */
function AddressInputs({ values, set, messageOf }: InputsProps) {
  const { t } = useTranslation("partners");
  const input = (field: string) => ({
    label: t(`field.${field}`),
    value: str(values[field]),
    onChange: (e: { currentTarget: { value: string } }) => {
      set(field)(e.currentTarget.value);
    },
    error: messageOf(field),
  });
  return (
    <Fieldset legend={t("field.addressLegend")} variant="unstyled">
      <Stack gap="sm">
        <Textarea {...input("address_lines")} description={t("field.onePerLine")} autosize minRows={1} />
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput {...input("address_locality")} />
          <TextInput {...input("address_region")} />
          <TextInput {...input("address_postal_code")} />
          <TextInput {...input("address_country_code")} description={t("field.addressCountryHint")} />
        </SimpleGrid>
      </Stack>
    </Fieldset>
  );
}

function PersonInputs({ values, set, messageOf, withheld }: InputsProps & { withheld: boolean }) {
  const { t } = useTranslation("partners");
  const options = useEnumOptions();
  return (
    <>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput label={t("field.given_name")} value={str(values.given_name)} onChange={(e) => { set("given_name")(e.currentTarget.value); }} error={messageOf("given_name")} />
        <TextInput label={t("field.family_name")} value={str(values.family_name)} onChange={(e) => { set("family_name")(e.currentTarget.value); }} error={messageOf("family_name")} />
        <TextInput label={t("field.honorific_prefix")} value={str(values.honorific_prefix)} onChange={(e) => { set("honorific_prefix")(e.currentTarget.value); }} error={messageOf("honorific_prefix")} />
        <TextInput label={t("field.display_name")} description={t("field.displayNameHint")} value={str(values.display_name)} onChange={(e) => { set("display_name")(e.currentTarget.value); }} error={messageOf("display_name")} />
        <CountryInput value={str(values.country_code)} onChange={set("country_code")} error={messageOf("country_code")} />
        <TextInput label={t("field.external_id")} value={str(values.external_id)} onChange={(e) => { set("external_id")(e.currentTarget.value); }} error={messageOf("external_id")} />
        <TextInput
          type="date"
          label={t("field.birth_date")}
          description={withheld ? t("field.birthDateWithheld") : undefined}
          value={str(values.birth_date)}
          onChange={(e) => { set("birth_date")(e.currentTarget.value); }}
          error={messageOf("birth_date")}
        />
        <Select label={t("field.age_bracket")} data={options(AgeBracketSchema)} value={str(values.age_bracket) || null} onChange={(v) => { set("age_bracket")(v ?? ""); }} error={messageOf("age_bracket")} clearable />
      </SimpleGrid>
      <Switch label={t("field.youth")} checked={values.youth === true} onChange={(e) => { set("youth")(e.currentTarget.checked); }} error={messageOf("youth")} />
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
        <Textarea label={t("field.emails")} description={t("field.onePerLine")} autosize minRows={1} value={str(values.emails)} onChange={(e) => { set("emails")(e.currentTarget.value); }} error={messageOf("emails")} />
        <Textarea label={t("field.phones")} description={t("field.onePerLine")} autosize minRows={1} value={str(values.phones)} onChange={(e) => { set("phones")(e.currentTarget.value); }} error={messageOf("phones")} />
        <Textarea label={t("field.languages")} description={t("field.languagesHint")} autosize minRows={1} value={str(values.languages)} onChange={(e) => { set("languages")(e.currentTarget.value); }} error={messageOf("languages")} />
      </SimpleGrid>
      <AddressInputs values={values} set={set} messageOf={messageOf} />
      <MultiSelect label={t("field.thematic_areas")} data={options(ThematicAreaSchema)} value={arr(values.thematic_areas)} onChange={set("thematic_areas")} error={messageOf("thematic_areas")} searchable clearable />
      <TagsField value={arr(values.tags)} onChange={set("tags")} error={messageOf("tags")} />
      <Textarea label={t("field.notes")} autosize minRows={2} value={str(values.notes)} onChange={(e) => { set("notes")(e.currentTarget.value); }} error={messageOf("notes")} />
    </>
  );
}

/** A stale edit: the other person's change beside this person's, field by field. */
function StalePanel({
  kind,
  base,
  theirs,
  mine,
  onReapply,
  onDiscard,
  busy,
}: {
  kind: Kind;
  base: FormValues;
  theirs: FormValues | null;
  mine: FormValues;
  onReapply: () => void;
  onDiscard: () => void;
  busy: boolean;
}) {
  const { t } = useTranslation("partners");
  const label = useEnumLabel();
  const shown = (field: string, v: FormValue | undefined): string => {
    if (typeof v === "boolean") return v ? t("yes") : "—";
    const items = Array.isArray(v) ? v : v === undefined || v === "" ? [] : [v];
    if (items.length === 0) return "—";
    const schema = field === "sector" ? SectorSchema : field === "thematic_areas" ? ThematicAreaSchema : field === "ecosoc_status" ? EcosocStatusSchema : field === "age_bracket" ? AgeBracketSchema : null;
    return items.map((x) => (schema ? label(schema, x) : x)).join(", ");
  };
  const rows = theirs === null ? [] : conflicts(base, theirs, mine);
  return (
    <Alert color="yellow" role="alert" title={t("stale.title")} styles={{ title: { color: "var(--mantine-color-black)" } }}>
      <Stack gap="xs">
        <Text size="sm">
          {t("common:problem.stale")} {t(`stale.explain.${kind}`)}
        </Text>
        {theirs === null ? (
          <Text size="sm">{t("stale.loading")}</Text>
        ) : (
          <Table.ScrollContainer minWidth={360}>
            <Table withTableBorder aria-label={t("stale.tableLabel")}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t("stale.field")}</Table.Th>
                  <Table.Th scope="col">{t("stale.theirs")}</Table.Th>
                  <Table.Th scope="col">{t("stale.mine")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((r) => (
                  <Table.Tr key={r.field}>
                    <Table.Th scope="row">{t(`field.${r.field}`)}</Table.Th>
                    <Table.Td fw={r.changedByThem ? 700 : undefined}>{shown(r.field, r.theirs)}</Table.Td>
                    <Table.Td fw={r.changedByMe ? 700 : undefined}>{r.changedByMe ? shown(r.field, r.mine) : t("stale.unchanged")}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        <Group>
          <Button size="xs" onClick={onReapply} disabled={theirs === null} loading={busy}>
            {t("stale.reapply")}
          </Button>
          <Button size="xs" variant="default" onClick={onDiscard}>
            {t("stale.discard")}
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}
