// The list page of organisations or people: title and create button, filters kept in the
// address bar, search as one types, keyset pages with the total, the table (each kind with
// its own columns), and the create form for writers.
import { useState, type ReactNode } from "react";
import { Anchor, Button, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Link, useLocation } from "wouter";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { useKeysetPages, type Page } from "../../api/pages";
import { KeysetPager, pagerOf } from "../../components/KeysetPager";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatNumber } from "../../format";
import { useAbilities } from "../../session/session";
import { ListFilterBar, useListFilters } from "./ListFilters";
import { idOf, pageSizes, type ListFilters } from "./model";
import { RecordForm } from "./RecordForm";
import { StateBadges, PartnerModal } from "./shared";

/** What the list shows of every record: its name, linked, and its state badges. */
interface Listed {
  name: string;
  displayName: string;
  deleteTime?: Timestamp;
  mergedInto: string;
  eraseTime?: Timestamp;
}

export function PartnerListPage<T extends Listed>({
  kind,
  filterOf,
  search,
  list,
  columns,
  cells,
}: {
  kind: "organizations" | "people";
  /** The list filter (AIP-160) from the address bar's filters. */
  filterOf: (filters: ListFilters) => string;
  search: (request: { query: string; filter: string; pageSize: number; pageToken: string }) => Promise<Page<T>>;
  list: (request: { filter: string; pageSize: number; pageToken: string; showDeleted: boolean }) => Promise<Page<T>>;
  /** The headers of the columns after the name, as `field.*` catalogue keys. */
  columns: string[];
  /** The cells of those columns for one record. */
  cells: (record: T) => ReactNode;
}) {
  const { t } = useTranslation("partners");
  const can = useAbilities();
  const [, navigate] = useLocation();
  const [filters, update] = useListFilters();
  const [creating, setCreating] = useState(false);
  const filter = filterOf(filters);
  const showDeleted = can.write && filters.deleted;
  const searching = filters.q !== "";
  const one = kind === "organizations" ? "organization" : "person";

  const pages = useKeysetPages<T>(["contacts", kind, "list", filter, filters.q, showDeleted, filters.size], (pageToken) =>
    searching
      ? search({ query: filters.q, filter, pageSize: Math.min(filters.size, 100), pageToken })
      : list({ filter, pageSize: filters.size, pageToken, showDeleted }),
  );
  const items = pages.data?.items ?? [];

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <Title order={1}>{t(`list.${kind}.title`)}</Title>
        {can.write ? (
          <Button onClick={() => { setCreating(true); }}>{t(`list.${kind}.create`)}</Button>
        ) : null}
      </Group>
      <ListFilterBar kind={kind} filters={filters} update={update} />
      <ProblemAlert error={pages.error} onRetry={() => void pages.refetch()} />
      {!searching && pages.totalSize !== null ? (
        <Text size="sm" aria-live="polite">
          {t(`list.${kind}.total`, { total: formatNumber(pages.totalSize) })}
        </Text>
      ) : null}
      <Table.ScrollContainer minWidth={560}>
        <Table striped highlightOnHover aria-busy={pages.isFetching} captionSide="top">
          <Table.Caption ta="start">{searching ? t(`list.${kind}.captionSearch`, { query: filters.q }) : t(`list.${kind}.caption`)}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              {["field.display_name", ...columns].map((key) => (
                <Table.Th scope="col" key={key}>{t(key)}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((r) => (
              <Table.Tr key={r.name}>
                <Table.Th scope="row" fw={500}>
                  <Anchor component={Link} href={`/${kind}/${idOf(r.name)}`}>
                    {r.displayName}
                  </Anchor>{" "}
                  <StateBadges deleteTime={r.deleteTime} mergedInto={r.mergedInto} eraseTime={r.eraseTime} />
                </Table.Th>
                {cells(r)}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {pages.isSuccess && items.length === 0 ? <Text c="gray.7">{searching ? t("list.noMatch") : t("common:empty")}</Text> : null}
      <KeysetPager
        {...pagerOf(pages)}
        totalSize={searching ? null : pages.totalSize}
        pageSize={filters.size}
        onPageSize={(size) => {
          update({ size });
        }}
        pageSizes={pageSizes}
      />
      <PartnerModal opened={creating} onClose={() => { setCreating(false); }} title={t(`form.create.${one}`)} size="xl">
        <RecordForm
          kind={one}
          onCancel={() => { setCreating(false); }}
          onDone={(saved) => {
            setCreating(false);
            navigate(`/${kind}/${idOf(saved.name)}`);
          }}
        />
      </PartnerModal>
    </Stack>
  );
}
