// The organisations of the register: search as one types, filters kept in the address bar,
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
import type { Organization } from "../../gen/engage/contacts/v1/resources_pb";
import { RegionalGroupSchema, SectorSchema } from "../../gen/engage/type/v1/types_pb";
import { useAbilities } from "../../session/session";
import { ListFilterBar, useListFilters } from "../partners/ListFilters";
import { idOf, organizationFilter, pageSizes } from "../partners/model";
import { RecordForm } from "../partners/RecordForm";
import { StateBadges, useEnumLabel, PartnerModal, readable } from "../partners/shared";

export default function OrganizationsPage() {
  const { t } = useTranslation("partners");
  const can = useAbilities();
  const label = useEnumLabel();
  const [, navigate] = useLocation();
  const [filters, update] = useListFilters();
  const [creating, setCreating] = useState(false);
  const filter = organizationFilter(filters);
  const showDeleted = can.write && filters.deleted;
  const searching = filters.q !== "";

  const pages = useKeysetPages<Organization>(["contacts", "organizations", "list", filter, filters.q, showDeleted, filters.size], async (pageToken) => {
    const c = contacts();
    if (searching) {
      const r = await c.searchOrganizations({ query: filters.q, filter, pageSize: Math.min(filters.size, 100), pageToken });
      return { items: r.results.flatMap((x) => (x.organization ? [x.organization] : [])), nextPageToken: r.nextPageToken, totalSize: 0 };
    }
    const r = await c.listOrganizations({ filter, pageSize: filters.size, pageToken, showDeleted, orderBy: "display_name" });
    return { items: r.organizations, nextPageToken: r.nextPageToken, totalSize: r.totalSize };
  });
  const items = pages.data?.items ?? [];

  return (
    <Stack gap="md" style={readable}>
      <Group justify="space-between" align="flex-end">
        <Title order={1}>{t("list.organizations.title")}</Title>
        {can.write ? (
          <Button onClick={() => { setCreating(true); }}>{t("list.organizations.create")}</Button>
        ) : null}
      </Group>
      <ListFilterBar kind="organizations" filters={filters} update={update} />
      <ProblemAlert error={pages.error} onRetry={() => void pages.refetch()} />
      {!searching && pages.totalSize !== null ? (
        <Text size="sm" aria-live="polite">
          {t("list.organizations.total", { total: formatNumber(pages.totalSize) })}
        </Text>
      ) : null}
      <Table.ScrollContainer minWidth={560}>
        <Table striped highlightOnHover aria-busy={pages.isFetching} captionSide="top">
          <Table.Caption ta="start">{searching ? t("list.organizations.captionSearch", { query: filters.q }) : t("list.organizations.caption")}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("field.display_name")}</Table.Th>
              <Table.Th scope="col">{t("field.acronym")}</Table.Th>
              <Table.Th scope="col">{t("field.sector")}</Table.Th>
              <Table.Th scope="col">{t("field.country_code")}</Table.Th>
              <Table.Th scope="col">{t("field.regional_group")}</Table.Th>
              <Table.Th scope="col">{t("field.update_time")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((o) => (
              <Table.Tr key={o.name}>
                <Table.Th scope="row" fw={500}>
                  <Anchor component={Link} href={`/organizations/${idOf(o.name)}`}>
                    {o.displayName}
                  </Anchor>{" "}
                  <StateBadges deleteTime={o.deleteTime} mergedInto={o.mergedInto} />
                </Table.Th>
                <Table.Td>{o.acronym}</Table.Td>
                <Table.Td>{label(SectorSchema, o.sector)}</Table.Td>
                <Table.Td>{o.countryCode}</Table.Td>
                <Table.Td>{label(RegionalGroupSchema, o.regionalGroup)}</Table.Td>
                <Table.Td>{formatDate(o.updateTime)}</Table.Td>
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
      <PartnerModal opened={creating} onClose={() => { setCreating(false); }} title={t("form.create.organization")} size="xl">
        <RecordForm
          kind="organization"
          onCancel={() => { setCreating(false); }}
          onDone={(saved) => {
            setCreating(false);
            navigate(`/organizations/${idOf(saved.name)}`);
          }}
        />
      </PartnerModal>
    </Stack>
  );
}
