// Choosing an organisation or a person of the register by typing part of a name: contacts'
// ranked search as one types (debounced), the chosen record kept shown by its name.
import { useState } from "react";
import { Select } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { contacts } from "../../api/contacts";

export function RecordPicker({
  kind,
  label,
  value,
  shown,
  onChange,
  error,
  required = false,
}: {
  kind: "organization" | "person";
  label: string;
  /** The chosen record's resource name, "" for none. */
  value: string;
  /** The chosen record's name as known so far. */
  shown: string;
  onChange: (name: string, displayName: string) => void;
  error?: string;
  required?: boolean;
}) {
  const { t } = useTranslation("initiatives");
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search, 250);
  const found = useQuery({
    queryKey: ["contacts", kind, "pick", debounced],
    queryFn: async () => {
      const c = contacts();
      if (kind === "organization") {
        return (await c.searchOrganizations({ query: debounced, pageSize: 20 })).results.flatMap((r) => (r.organization ? [{ value: r.organization.name, label: r.organization.displayName }] : []));
      }
      return (await c.searchPeople({ query: debounced, pageSize: 20 })).results.flatMap((r) => (r.person ? [{ value: r.person.name, label: r.person.displayName }] : []));
    },
    enabled: debounced.trim() !== "",
  });
  const options = found.data ?? [];
  // The chosen record stays among the options, so its name stays shown.
  const data = value !== "" && !options.some((o) => o.value === value) ? [{ value, label: shown || value }, ...options] : options;
  return (
    <Select
      label={label}
      description={t("form.pickHint")}
      required={required}
      searchable
      clearable={!required}
      data={data}
      value={value === "" ? null : value}
      onChange={(v, option) => {
        onChange(v ?? "", option?.label ?? "");
      }}
      onSearchChange={setSearch}
      filter={({ options: o }) => o}
      nothingFoundMessage={debounced ? t("form.noMatch") : undefined}
      error={error}
    />
  );
}
