// The initiatives: officers (and readers) see them all, filtered and paged as ListInitiatives
// offers, with status, country and roadmap progress; a coordinator sees the initiatives their
// token assigns them and nothing else. Officers create initiatives from here.
import { useEffect, useState } from "react";
import { Anchor, Button, Collapse, Group, Progress, Select, SimpleGrid, Stack, Switch, Table, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue, useMediaQuery } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useSearchParams } from "wouter";
import { initiatives } from "../../api/initiatives";
import { useKeysetPages } from "../../api/pages";
import { KeysetPager, pagerOf } from "../../components/KeysetPager";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatNumber, formatPercent } from "../../format";
import { InitiativeStatusSchema, type Initiative } from "../../gen/engage/initiatives/v1/initiative_pb";
import { RegionalGroupSchema, ThematicAreaSchema } from "../../gen/engage/type/v1/types_pb";
import { useAbilities, useCaller } from "../../session/session";
import { enumName } from "../partners/model";
import { PartnerModal, useCountries, useEnumLabel, useEnumOptions } from "../partners/shared";
import { InitiativeStatusBadge, ScrollTable, showDate, useScope } from "./data";
import { InitiativeForm } from "./InitiativeForm";
import { filtersFromSearch, idOf, initiativeFilter, initiativeStatusKey, initiativeStatuses, orders, pageSizes, searchFromFilters, seesOnlyAssigned, type InitiativeFilters } from "./model";

export default function InitiativesPage() {
  const scope = useScope();
  return seesOnlyAssigned(scope) ? <AssignedInitiatives /> : <AllInitiatives />;
}

/** One row of either list. */
function Row({ i }: { i: Initiative }) {
  const { t } = useTranslation("initiatives");
  const label = useEnumLabel();
  const progress = i.roadmap?.progressPercent ?? 0;
  const overdue = i.roadmap?.overdueCount ?? 0;
  return (
    <Table.Tr>
      <Table.Th scope="row" fw={500}>
        <Anchor component={Link} href={`/initiatives/${idOf(i.name)}`}>
          {i.title}
        </Anchor>
        {i.deleteTime ? (
          <Text span size="xs" c="gray.7">
            {" "}
            {t("list.deleted")}
          </Text>
        ) : null}
      </Table.Th>
      <Table.Td>{i.countryCode}</Table.Td>
      <Table.Td>{label(RegionalGroupSchema, i.regionalGroup)}</Table.Td>
      <Table.Td miw={120}>
        <InitiativeStatusBadge status={i.status} />
      </Table.Td>
      <Table.Td miw={140}>
        <Group gap="xs" wrap="nowrap">
          <Progress value={progress} w={70} aria-hidden />
          <Text size="sm">{formatPercent(progress / 100)}</Text>
        </Group>
      </Table.Td>
      <Table.Td>
        {overdue > 0 ? (
          <Text size="sm" c="red.9" fw={600}>
            {t("list.overdueCount", { count: overdue })}
          </Text>
        ) : (
          <Text size="sm" c="gray.7">
            {t("list.noneOverdue")}
          </Text>
        )}
      </Table.Td>
      <Table.Td>{i.roadmap?.nextDue ? `${i.roadmap.nextDue.title} (${showDate(i.roadmap.nextDue.dueDate)})` : ""}</Table.Td>
    </Table.Tr>
  );
}

function ListTable({ items, caption, busy }: { items: readonly Initiative[]; caption: string; busy: boolean }) {
  const { t } = useTranslation("initiatives");
  return (
    <ScrollTable minWidth={760} label={caption}>
      <Table striped highlightOnHover captionSide="top" aria-busy={busy}>
        <Table.Caption ta="start">{caption}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            {["title", "country", "group", "status", "progress", "overdue", "next"].map((c) => (
              <Table.Th scope="col" key={c}>
                {t(`list.column.${c}`)}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((i) => (
            <Row key={i.name} i={i} />
          ))}
        </Table.Tbody>
      </Table>
    </ScrollTable>
  );
}

/** A coordinator's own initiatives, from the names their token carries. */
function AssignedInitiatives() {
  const { t } = useTranslation("initiatives");
  const caller = useCaller();
  const names = caller.initiatives;
  const query = useQuery({
    queryKey: ["initiatives", "assigned", names],
    // One read per name, so that one initiative gone does not hide the others.
    queryFn: async () => {
      const results = await Promise.allSettled(names.map((name) => initiatives().getInitiative({ name })));
      return {
        found: results.flatMap((r) => (r.status === "fulfilled" && r.value.initiative ? [r.value.initiative] : [])),
        failed: results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : [])),
      };
    },
    enabled: names.length > 0,
  });
  return (
    <Stack gap="md">
      <Title order={1}>{t("list.mine")}</Title>
      <Text>{t("list.mineIntro")}</Text>
      {names.length === 0 ? <Text c="gray.7">{t("list.noneAssigned")}</Text> : null}
      <ProblemAlert error={query.error ?? query.data?.failed[0]} onRetry={() => void query.refetch()} />
      {query.data && query.data.found.length > 0 ? <ListTable items={query.data.found} caption={t("list.mineCaption")} busy={query.isFetching} /> : null}
    </Stack>
  );
}

function useFilters(): [InitiativeFilters, (change: Partial<InitiativeFilters>) => void] {
  const [params, setParams] = useSearchParams();
  const filters = filtersFromSearch(params);
  const update = (change: Partial<InitiativeFilters>) => {
    setParams(searchFromFilters({ ...filtersFromSearch(new URLSearchParams(window.location.search)), ...change }), { replace: true });
  };
  return [filters, update];
}

function AllInitiatives() {
  const { t } = useTranslation("initiatives");
  const can = useAbilities();
  const [, navigate] = useLocation();
  const [filters, update] = useFilters();
  const [creating, setCreating] = useState(false);
  const filter = initiativeFilter(filters);
  const showDeleted = can.write && filters.deleted;
  const pages = useKeysetPages<Initiative>(["initiatives", "list", filter, filters.order, showDeleted, filters.size], async (pageToken) => {
    const r = await initiatives().listInitiatives({ filter, orderBy: filters.order, pageSize: filters.size, pageToken, showDeleted });
    return { items: r.initiatives, nextPageToken: r.nextPageToken, totalSize: r.totalSize };
  });
  const items = pages.data?.items ?? [];
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <Title order={1}>{t("list.title")}</Title>
        {can.write ? (
          <Button onClick={() => { setCreating(true); }}>{t("list.create")}</Button>
        ) : null}
      </Group>
      <Filters filters={filters} update={update} />
      <ProblemAlert error={pages.error} onRetry={() => void pages.refetch()} />
      {pages.totalSize !== null ? (
        <Text size="sm" aria-live="polite">
          {t("list.total", { total: formatNumber(pages.totalSize) })}
        </Text>
      ) : null}
      <ListTable items={items} caption={t("list.caption")} busy={pages.isFetching} />
      {pages.isSuccess && items.length === 0 ? <Text c="gray.7">{t("list.noMatch")}</Text> : null}
      <KeysetPager {...pagerOf(pages)} pageSize={filters.size} onPageSize={(size) => { update({ size }); }} pageSizes={pageSizes} />
      <PartnerModal opened={creating} onClose={() => { setCreating(false); }} title={t("form.createTitle")} size="xl">
        <InitiativeForm
          onCancel={() => { setCreating(false); }}
          onDone={(saved) => {
            setCreating(false);
            navigate(`/initiatives/${idOf(saved.name)}`);
          }}
        />
      </PartnerModal>
    </Stack>
  );
}

function Filters({ filters, update }: { filters: InitiativeFilters; update: (change: Partial<InitiativeFilters>) => void }) {
  const { t } = useTranslation("initiatives");
  const can = useAbilities();
  const options = useEnumOptions();
  const countries = useCountries();
  const [text, setText] = useState(filters.q);
  const [debounced] = useDebouncedValue(text, 250);
  useEffect(() => {
    if (debounced.trim() !== filters.q) update({ q: debounced.trim() });
    // Only the typed text drives this; the address bar is read afresh inside update.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debounced]);
  const narrow = useMediaQuery("(max-width: 36em)");
  const [shown, setShown] = useState(false);
  const active = [filters.status, filters.country, filters.group, filters.area].filter(Boolean).length + (filters.overdue ? 1 : 0);
  const statuses = initiativeStatuses.map((s) => ({ value: enumName(InitiativeStatusSchema, s), label: t(initiativeStatusKey(s)) }));
  return (
    <div role="search" aria-label={t("list.filters")}>
      <TextInput type="search" label={t("list.search")} value={text} onChange={(e) => { setText(e.currentTarget.value); }} mb="sm" />
      {narrow ? (
        <Button variant="default" size="xs" mb="sm" aria-expanded={shown} aria-controls="initiative-filters" onClick={() => { setShown((s) => !s); }}>
          {t(shown ? "list.hideFilters" : "list.showFilters", { n: active })}
        </Button>
      ) : null}
      <Collapse expanded={!narrow || shown} id="initiative-filters">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }} spacing="sm">
          <Select label={t("list.status")} data={statuses} value={filters.status || null} onChange={(v) => { update({ status: v ?? "" }); }} clearable />
          <Select
            label={t("list.country")}
            data={(countries.data ?? []).map((c) => ({ value: c.countryCode, label: `${c.displayName} (${c.countryCode})` }))}
            value={filters.country || null}
            onChange={(v) => { update({ country: v ?? "" }); }}
            searchable
            clearable
          />
          <Select label={t("list.group")} data={options(RegionalGroupSchema)} value={filters.group || null} onChange={(v) => { update({ group: v ?? "" }); }} clearable />
          <Select label={t("list.area")} data={options(ThematicAreaSchema)} value={filters.area || null} onChange={(v) => { update({ area: v ?? "" }); }} searchable clearable />
          <Select
            label={t("list.order")}
            data={orders.map((o) => ({ value: o, label: t(`list.orderBy.${o.replace(" desc", "_desc")}`) }))}
            value={filters.order}
            onChange={(v) => { update({ order: v ?? orders[0] }); }}
            allowDeselect={false}
          />
        </SimpleGrid>
        <Group mt="sm">
          <Switch label={t("list.overdueOnly")} checked={filters.overdue} onChange={(e) => { update({ overdue: e.currentTarget.checked }); }} />
          {can.write ? <Switch label={t("list.showDeleted")} checked={filters.deleted} onChange={(e) => { update({ deleted: e.currentTarget.checked }); }} /> : null}
        </Group>
      </Collapse>
    </div>
  );
}
