// A person's affiliations to organisations, with title and dates; writers add one or end one.
import { useState } from "react";
import { Anchor, Badge, Button, Checkbox, Select, SimpleGrid, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { create } from "@bufbuild/protobuf";
import { contacts } from "../../api/contacts";
import type { Affiliation } from "../../gen/engage/contacts/v1/resources_pb";
import { DateSchema } from "../../gen/engage/type/v1/types_pb";
import { useAbilities } from "../../session/session";
import { dateOf, dateText, idOf, todayText } from "../partners/model";
import { RecordSection, SaveForm, SectionTable, useSaveForm } from "../partners/RecordSection";

export function Affiliations({ person, writable }: { person: string; writable: boolean }) {
  const { t } = useTranslation("partners");
  const can = useAbilities();
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: ["contacts", "affiliations", person],
    queryFn: async () => {
      const c = contacts();
      const r = await c.listAffiliations({ parent: person, pageSize: 100 });
      const orgs = r.affiliations.length > 0 ? (await c.batchGetOrganizations({ names: r.affiliations.map((a) => a.organization) })).organizations : [];
      return r.affiliations.map((a, i) => ({ affiliation: a, organization: orgs[i] }));
    },
  });
  const end = useMutation({
    mutationFn: (a: Affiliation) => {
      const today = dateOf(todayText());
      return contacts().updateAffiliation({
        affiliation: { name: a.name, etag: a.etag, organization: a.organization, endDate: today ? create(DateSchema, today) : undefined },
        updateMask: { paths: ["end_date"] },
      });
    },
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["contacts"] }),
  });
  const edit = can.write && writable;
  const rows = query.data ?? [];
  return (
    <RecordSection
      id="affiliations-heading"
      title={t("affiliations.heading")}
      add={edit ? { label: t("affiliations.add"), form: (close) => <AffiliationForm person={person} onClose={close} /> } : null}
      error={query.error ?? end.error}
      onRetry={() => void query.refetch()}
      empty={query.isSuccess && rows.length === 0}
      none={t("affiliations.none")}
    >
      {rows.length > 0 ? (
        <SectionTable
          label={t("affiliations.heading")}
          minWidth={480}
          columns={[
            t("affiliations.organization"),
            t("affiliations.title"),
            t("affiliations.dates"),
            edit && t("accreditations.actions"),
          ]}
        >
          {rows.map(({ affiliation: a, organization: o }) => (
            <Table.Tr key={a.name}>
              <Table.Th scope="row">
                <Anchor component={Link} href={`/organizations/${idOf(a.organization)}`}>
                  {o?.displayName ?? a.organization}
                </Anchor>{" "}
                {a.primary ? <Badge size="sm">{t("affiliations.primary")}</Badge> : null}
              </Table.Th>
              <Table.Td>
                {a.title}
                {a.department ? <Text size="xs" c="gray.7">{a.department}</Text> : null}
              </Table.Td>
              <Table.Td>{t("affiliations.range", { start: dateText(a.startDate) || "…", end: dateText(a.endDate) || t("affiliations.now") })}</Table.Td>
              {edit ? (
                <Table.Td>
                  {a.current && a.endDate === undefined ? (
                    <Button size="compact-xs" variant="default" onClick={() => { end.mutate(a); }} aria-label={t("affiliations.endAt", { organization: o?.displayName ?? "" })}>
                      {t("affiliations.end")}
                    </Button>
                  ) : null}
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </SectionTable>
      ) : null}
    </RecordSection>
  );
}

function AffiliationForm({ person, onClose }: { person: string; onClose: () => void }) {
  const { t } = useTranslation("partners");
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search, 250);
  const [organization, setOrganization] = useState<string | null>(null);
  const [title, setTitle] = useState("");
  const [department, setDepartment] = useState("");
  const [start, setStart] = useState("");
  const [primary, setPrimary] = useState(false);
  const found = useQuery({
    queryKey: ["contacts", "organizations", "pick", debounced],
    queryFn: async () => (await contacts().searchOrganizations({ query: debounced, pageSize: 20 })).results,
    enabled: debounced.trim() !== "",
  });
  const options = (found.data ?? []).flatMap((r) => (r.organization ? [{ value: r.organization.name, label: r.organization.displayName }] : []));
  const form = useSaveForm((requestId) => {
    const s = dateOf(start);
    return contacts().createAffiliation({
      parent: person,
      requestId,
      affiliation: { organization: organization ?? "", title, department, primary, startDate: s ? create(DateSchema, s) : undefined },
    });
  }, onClose);
  const m = (f: string) => form.field(`affiliation.${f}`);
  return (
    <SaveForm form={form} label={t("affiliations.add")} onCancel={onClose} submit={t("common:action.save")} disabled={organization === null}>
      <Select
        label={t("affiliations.organization")}
        description={t("affiliations.organizationHint")}
        required
        searchable
        data={options}
        value={organization}
        onChange={setOrganization}
        searchValue={search}
        onSearchChange={setSearch}
        filter={({ options: o }) => o}
        nothingFoundMessage={debounced ? t("list.noMatch") : undefined}
        error={m("organization")}
      />
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
        <TextInput label={t("affiliations.title")} value={title} onChange={(e) => { setTitle(e.currentTarget.value); }} error={m("title")} />
        <TextInput label={t("affiliations.department")} value={department} onChange={(e) => { setDepartment(e.currentTarget.value); }} error={m("department")} />
        <TextInput type="date" label={t("affiliations.start")} value={start} onChange={(e) => { setStart(e.currentTarget.value); }} error={m("start_date")} />
      </SimpleGrid>
      <Checkbox label={t("affiliations.primary")} checked={primary} onChange={(e) => { setPrimary(e.currentTarget.checked); }} />
    </SaveForm>
  );
}
