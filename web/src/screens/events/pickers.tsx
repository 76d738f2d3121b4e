// Choosing people and organisations of the register by typing part of a name: the register's
// own ranked search (tolerant to accents and typos) as one types, the chosen ones named.
import { useState } from "react";
import { MultiSelect, Select, Text } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { contacts } from "../../api/contacts";
import type { Person } from "../../gen/engage/contacts/v1/resources_pb";

interface Option {
  value: string;
  label: string;
}

/** Organisations matching the typed text, and the names of those already chosen. */
function useOrganizationOptions(search: string, chosen: string[]) {
  const [query] = useDebouncedValue(search.trim(), 250);
  const found = useQuery({
    queryKey: ["contacts", "organizations", "search", query],
    queryFn: async () => (await contacts().searchOrganizations({ query, pageSize: 10 })).results,
    enabled: query.length >= 2,
    placeholderData: keepPreviousData,
  });
  const named = useQuery({
    queryKey: ["contacts", "organizations", "batch", chosen],
    queryFn: async () => (await contacts().batchGetOrganizations({ names: chosen })).organizations,
    enabled: chosen.length > 0,
    staleTime: 60_000,
  });
  const options = new Map<string, Option>();
  for (const o of named.data ?? []) options.set(o.name, { value: o.name, label: o.displayName });
  for (const c of chosen) if (!options.has(c)) options.set(c, { value: c, label: c });
  for (const r of query.length >= 2 ? (found.data ?? []) : []) {
    const o = r.organization;
    if (o && !options.has(o.name)) options.set(o.name, { value: o.name, label: [o.displayName, o.countryCode].filter(Boolean).join(" · ") });
  }
  return { data: [...options.values()], searching: found.isFetching };
}

/** One organisation of the register, or none. */
export function OrganizationPicker({ label, description, value, onChange, error }: { label: string; description?: string; value: string; onChange: (name: string) => void; error?: string }) {
  const { t } = useTranslation("events");
  const [search, setSearch] = useState("");
  const { data } = useOrganizationOptions(search, value === "" ? [] : [value]);
  return (
    <Select
      label={label}
      description={description ?? t("picker.organizationHint")}
      data={data}
      value={value || null}
      onChange={(v) => {
        onChange(v ?? "");
      }}
      searchable
      clearable
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options }) => options}
      nothingFoundMessage={search.trim().length >= 2 ? t("picker.nothingFound") : t("picker.typeMore")}
      error={error}
    />
  );
}

/** Several organisations of the register. */
export function OrganizationsPicker({ label, description, value, onChange, error }: { label: string; description?: string; value: string[]; onChange: (names: string[]) => void; error?: string }) {
  const { t } = useTranslation("events");
  const [search, setSearch] = useState("");
  const { data } = useOrganizationOptions(search, value);
  return (
    <MultiSelect
      label={label}
      description={description ?? t("picker.organizationHint")}
      data={data}
      value={value}
      onChange={onChange}
      searchable
      clearable
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options }) => options}
      nothingFoundMessage={search.trim().length >= 2 ? t("picker.nothingFound") : t("picker.typeMore")}
      error={error}
    />
  );
}

/** A person of the register, found by name, email or phone; `onChange` receives the person. */
export function PersonPicker({ label, value, onChange, error }: { label: string; value: Person | null; onChange: (person: Person | null) => void; error?: string }) {
  const { t } = useTranslation("events");
  const [search, setSearch] = useState("");
  const [query] = useDebouncedValue(search.trim(), 250);
  const found = useQuery({
    queryKey: ["contacts", "people", "search", query],
    queryFn: async () => (await contacts().searchPeople({ query, pageSize: 10 })).results,
    enabled: query.length >= 2,
    placeholderData: keepPreviousData,
  });
  const people = new Map<string, Person>();
  if (value !== null) people.set(value.name, value);
  for (const r of query.length >= 2 ? (found.data ?? []) : []) if (r.person) people.set(r.person.name, r.person);
  const data = [...people.values()].map((p) => ({
    value: p.name,
    label: [p.displayName, p.emails.find((e) => e.primary)?.address ?? p.emails[0]?.address, p.countryCode].filter(Boolean).join(" · "),
  }));
  return (
    <>
      <Select
        label={label}
        description={t("picker.personHint")}
        data={data}
        value={value?.name ?? null}
        onChange={(v) => {
          onChange(v === null ? null : (people.get(v) ?? null));
        }}
        searchable
        clearable
        searchValue={search}
        onSearchChange={setSearch}
        filter={({ options }) => options}
        nothingFoundMessage={query.length >= 2 ? (found.isFetching ? t("picker.searching") : t("picker.nothingFound")) : t("picker.typeMore")}
        error={error}
        required
      />
      {value?.primaryTitle ? (
        <Text size="xs" c="gray.7">
          {value.primaryTitle}
        </Text>
      ) : null}
    </>
  );
}
