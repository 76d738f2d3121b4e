// The people of the register: search as one types, filters kept in the address bar,
// keyset pages with the total, and a create form for writers.
import { useState } from "react";
import { Anchor, Button, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Link, useLocation } from "wouter";
import { contacts } from "../../api/contacts";
import { useKeysetPages } from "../../api/pages";
import { KeysetPager } from "../../components/KeysetPager";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatDate, formatNumber } from "../../format";
import type { Person } from "../../gen/engage/contacts/v1/resources_pb";
import { RegionalGroupSchema } from "../../gen/engage/type/v1/types_pb";
import { useAbilities } from "../../session/session";
import { ListFilterBar, useListFilters } from "../partners/ListFilters";
import { idOf, pageSizes, personFilter } from "../partners/model";
import { RecordForm } from "../partners/RecordForm";
import { StateBadges, useEnumLabel, PartnerModal, readable } from "../partners/shared";

export default function PeoplePage() {
  const { t } = useTranslation("partners");
  const can = useAbilities();
  const label = useEnumLabel();
  const [, navigate] = useLocation();
  const [filters, update] = useListFilters();
  const [creating, setCreating] = useState(false);
  const filter = personFilter(filters);
  const showDeleted = can.write && filters.deleted;
  const searching = filters.q !== "";

  const pages = useKeysetPages<Person>(["contacts", "people", "list", filter, filters.q, showDeleted, filters.size], async (pageToken) => {
    const c = contacts();
    if (searching) {
      const r = await c.searchPeople({ query: filters.q, filter, pageSize: Math.min(filters.size, 100), pageToken });
      return { items: r.results.flatMap((x) => (x.person ? [x.person] : [])), nextPageToken: r.nextPageToken, totalSize: 0 };
    }
    const r = await c.listPeople({ filter, pageSize: filters.size, pageToken, showDeleted });
    return { items: r.people, nextPageToken: r.nextPageToken, totalSize: r.totalSize };
  });
  const items = pages.data?.items ?? [];

  return (
    <Stack gap="md" style={readable}>
      <Group justify="space-between" align="flex-end">
        <Title order={1}>{t("list.people.title")}</Title>
        {can.write ? (
          <Button onClick={() => { setCreating(true); }}>{t("list.people.create")}</Button>
        ) : null}
      </Group>
      <ListFilterBar kind="people" filters={filters} update={update} />
      <ProblemAlert error={pages.error} onRetry={() => void pages.refetch()} />
      {!searching && pages.totalSize !== null ? (
        <Text size="sm" aria-live="polite">
          {t("list.people.total", { total: formatNumber(pages.totalSize) })}
        </Text>
      ) : null}
      <Table.ScrollContainer minWidth={560}>
        <Table striped highlightOnHover aria-busy={pages.isFetching} captionSide="top">
          <Table.Caption ta="start">{searching ? t("list.people.captionSearch", { query: filters.q }) : t("list.people.caption")}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("field.display_name")}</Table.Th>
              <Table.Th scope="col">{t("field.primary_title")}</Table.Th>
              <Table.Th scope="col">{t("field.youth")}</Table.Th>
              <Table.Th scope="col">{t("field.country_code")}</Table.Th>
              <Table.Th scope="col">{t("field.regional_group")}</Table.Th>
              <Table.Th scope="col">{t("field.update_time")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((p) => (
              <Table.Tr key={p.name}>
                <Table.Th scope="row" fw={500}>
                  <Anchor component={Link} href={`/people/${idOf(p.name)}`}>
                    {p.displayName}
                  </Anchor>{" "}
                  <StateBadges deleteTime={p.deleteTime} mergedInto={p.mergedInto} eraseTime={p.eraseTime} />
                </Table.Th>
                <Table.Td>{p.primaryTitle}</Table.Td>
                <Table.Td>{p.youth ? t("yes") : ""}</Table.Td>
                <Table.Td>{p.countryCode}</Table.Td>
                <Table.Td>{label(RegionalGroupSchema, p.regionalGroup)}</Table.Td>
                <Table.Td>{formatDate(p.updateTime)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {pages.isSuccess && items.length === 0 ? <Text c="gray.7">{searching ? t("list.noMatch") : t("common:empty")}</Text> : null}
      <KeysetPager
        pageNumber={pages.pageNumber}
        totalSize={searching ? null : pages.totalSize}
        hasNext={pages.hasNext}
        hasPrevious={pages.hasPrevious}
        onNext={pages.next}
        onPrevious={pages.previous}
        busy={pages.isFetching}
        pageSize={filters.size}
        onPageSize={(size) => {
          update({ size });
        }}
        pageSizes={pageSizes}
      />
      <PartnerModal opened={creating} onClose={() => { setCreating(false); }} title={t("form.create.person")} size="xl">
        <RecordForm
          kind="person"
          onCancel={() => { setCreating(false); }}
          onDone={(saved) => {
            setCreating(false);
            navigate(`/people/${idOf(saved.name)}`);
          }}
        />
      </PartnerModal>
    </Stack>
  );
}
