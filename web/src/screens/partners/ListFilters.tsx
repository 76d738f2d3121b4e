// The search box and filters above a list, kept in the address bar so a list can be
// bookmarked and shared. Search runs as one types (debounced 250 ms).
import { useEffect, useState } from "react";
import { Button, Collapse, Group, MultiSelect, Select, SimpleGrid, Switch, TextInput } from "@mantine/core";
import { useDebouncedValue, useMediaQuery } from "@mantine/hooks";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "wouter";
import { AccreditationStateSchema } from "../../gen/engage/contacts/v1/resources_pb";
import { RegionalGroupSchema, SectorSchema, ThematicAreaSchema } from "../../gen/engage/type/v1/types_pb";
import { useAbilities } from "../../session/session";
import { filtersFromSearch, searchFromFilters, type ListFilters } from "./model";
import { useCountries, useEnumOptions, useTags } from "./shared";

/** The list's filters from the address bar, and a way to change them. */
export function useListFilters(): [ListFilters, (change: Partial<ListFilters>) => void] {
  const [params, setParams] = useSearchParams();
  const filters = filtersFromSearch(params);
  const update = (change: Partial<ListFilters>) => {
    setParams(searchFromFilters({ ...filtersFromSearch(new URLSearchParams(window.location.search)), ...change }), { replace: true });
  };
  return [filters, update];
}

export function ListFilterBar({ kind, filters, update }: { kind: "organizations" | "people"; filters: ListFilters; update: (change: Partial<ListFilters>) => void }) {
  const { t } = useTranslation("partners");
  const can = useAbilities();
  const options = useEnumOptions();
  const countries = useCountries();
  const tags = useTags();
  const [text, setText] = useState(filters.q);
  const [debounced] = useDebouncedValue(text, 250);
  useEffect(() => {
    if (debounced.trim() !== filters.q) update({ q: debounced.trim() });
    // Only the typed text drives this; the address bar is read afresh inside update.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debounced]);

  const countryData = (countries.data ?? []).map((c) => ({ value: c.countryCode, label: `${c.displayName} (${c.countryCode})` }));
  const tagData = Array.from(new Set([...(tags.data ?? []).map((x) => x.tag), ...filters.tags]));
  const searching = filters.q !== "";
  // On a phone the filters fold away under a button, so the list stays in reach.
  const narrow = useMediaQuery("(max-width: 36em)");
  const [shown, setShown] = useState(false);
  const active = [filters.sector, filters.country, filters.group, filters.session, filters.state, filters.youth].filter(Boolean).length + filters.tags.length + filters.areas.length;
  return (
    <div role="search" aria-label={t(`list.${kind}.filters`)}>
      <TextInput
        type="search"
        label={t(`list.${kind}.search`)}
        description={t("list.searchHint")}
        value={text}
        onChange={(e) => {
          setText(e.currentTarget.value);
        }}
        mb="sm"
      />
      {narrow ? (
        <Button variant="default" size="xs" mb="sm" aria-expanded={shown} aria-controls={`${kind}-filters`} onClick={() => { setShown((s) => !s); }}>
          {t(shown ? "filter.hide" : "filter.show", { n: active })}
        </Button>
      ) : null}
      <Collapse expanded={!narrow || shown} id={`${kind}-filters`}>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm">
        {kind === "organizations" ? (
          <Select label={t("filter.sector")} data={options(SectorSchema)} value={filters.sector || null} onChange={(v) => { update({ sector: v ?? "" }); }} clearable />
        ) : (
          <Select
            label={t("filter.youth")}
            data={[
              { value: "true", label: t("filter.youthOnly") },
              { value: "false", label: t("filter.notYouth") },
            ]}
            value={filters.youth || null}
            onChange={(v) => { update({ youth: v ?? "" }); }}
            clearable
          />
        )}
        <Select label={t("filter.country")} data={countryData} value={filters.country || null} onChange={(v) => { update({ country: v ?? "" }); }} searchable clearable />
        <Select label={t("filter.group")} data={options(RegionalGroupSchema)} value={filters.group || null} onChange={(v) => { update({ group: v ?? "" }); }} clearable />
        <MultiSelect label={t("filter.tags")} data={tagData} value={filters.tags} onChange={(v) => { update({ tags: v }); }} searchable clearable />
        <MultiSelect label={t("filter.areas")} data={options(ThematicAreaSchema)} value={filters.areas} onChange={(v) => { update({ areas: v }); }} searchable clearable />
        {kind === "organizations" ? (
          <>
            <TextInput label={t("filter.session")} description={t("filter.sessionHint")} value={filters.session} onChange={(e) => { update({ session: e.currentTarget.value.trim() }); }} />
            <Select label={t("filter.state")} data={options(AccreditationStateSchema)} value={filters.state || null} onChange={(v) => { update({ state: v ?? "" }); }} clearable />
          </>
        ) : null}
      </SimpleGrid>
      </Collapse>
      {can.write && !searching ? (
        <Group mt="sm">
          <Switch label={t("filter.showDeleted")} checked={filters.deleted} onChange={(e) => { update({ deleted: e.currentTarget.checked }); }} />
        </Group>
      ) : null}
    </div>
  );
}
