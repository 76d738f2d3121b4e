// The declarations: every version with its status and signatures, filtered by status and
// title (kept in the address bar), newest first; officers create a declaration here.
import { useEffect, useState } from "react";
import { Anchor, Button, Group, Modal, Select, SimpleGrid, Stack, Switch, Table, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue, useMediaQuery } from "@mantine/hooks";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useSearchParams } from "wouter";
import { declarations } from "../../api/declarations";
import { useKeysetPages } from "../../api/pages";
import { KeysetPager, pagerOf } from "../../components/KeysetPager";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatDate, formatNumber } from "../../format";
import type { Declaration } from "../../gen/engage/declarations/v1/declaration_pb";
import { useAbilities } from "../../session/session";
import { idOf } from "../partners/model";
import { DeclarationForm } from "./DeclarationForm";
import { declarationFilter, declarationStatuses } from "./model";
import { DeclarationStatusBadge, formatDay, keys, useLabels } from "./shared";

export default function DeclarationsPage() {
  const { t } = useTranslation("declarations");
  const can = useAbilities();
  const labels = useLabels();
  const [, navigate] = useLocation();
  const [params, setParams] = useSearchParams();
  const status = params.get("status") ?? "";
  const title = params.get("q") ?? "";
  const showDeleted = can.write && params.get("deleted") === "1";
  const [creating, setCreating] = useState(false);
  const narrow = useMediaQuery("(max-width: 36em)");

  const update = (change: Record<string, string>) => {
    const next = new URLSearchParams(window.location.search);
    for (const [k, v] of Object.entries(change)) {
      if (v === "") next.delete(k);
      else next.set(k, v);
    }
    setParams(next, { replace: true });
  };
  const [typed, setTyped] = useState(title);
  const [debounced] = useDebouncedValue(typed, 250);
  useEffect(() => {
    if (debounced.trim() !== title) update({ q: debounced.trim() });
    // Only the typed text drives this; the address bar is read afresh inside update.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debounced]);

  const filter = declarationFilter(status, title);
  const pages = useKeysetPages<Declaration>([...keys.lists, filter, showDeleted], async (pageToken) => {
    const r = await declarations().listDeclarations({ filter, pageSize: 25, pageToken, showDeleted });
    return { items: r.declarations, nextPageToken: r.nextPageToken, totalSize: r.totalSize };
  });
  const items = pages.data?.items ?? [];

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <Title order={1}>{t("list.title")}</Title>
        {can.write ? (
          <Button
            onClick={() => {
              setCreating(true);
            }}
          >
            {t("list.create")}
          </Button>
        ) : null}
      </Group>
      <Text c="gray.7">{t("list.intro")}</Text>
      <div role="search" aria-label={t("list.filters")}>
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
          <TextInput
            type="search"
            label={t("list.search")}
            value={typed}
            onChange={(e) => {
              setTyped(e.currentTarget.value);
            }}
          />
          <Select
            label={t("list.status")}
            data={[{ value: "", label: t("list.anyStatus") }, ...declarationStatuses.map((s, i) => ({ value: s, label: labels.status(i + 1) }))]}
            value={status}
            allowDeselect={false}
            onChange={(v) => {
              update({ status: v ?? "" });
            }}
          />
          {can.write ? (
            <Switch
              mt={{ base: 0, sm: 30 }}
              label={t("list.showDeleted")}
              checked={showDeleted}
              onChange={(e) => {
                update({ deleted: e.currentTarget.checked ? "1" : "" });
              }}
            />
          ) : null}
        </SimpleGrid>
      </div>
      <ProblemAlert error={pages.error} onRetry={() => void pages.refetch()} />
      {pages.totalSize !== null ? (
        <Text size="sm" aria-live="polite">
          {t("list.total", { total: formatNumber(pages.totalSize) })}
        </Text>
      ) : null}
      <Table.ScrollContainer minWidth={720}>
        <Table striped highlightOnHover aria-busy={pages.isFetching} captionSide="top">
          <Table.Caption ta="start">{t("list.caption")}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("field.title")}</Table.Th>
              <Table.Th scope="col">{t("field.version")}</Table.Th>
              <Table.Th scope="col">{t("field.status")}</Table.Th>
              <Table.Th scope="col">{t("field.language_code")}</Table.Th>
              <Table.Th scope="col" ta="end">
                {t("counts.verified")}
              </Table.Th>
              <Table.Th scope="col" ta="end">
                {t("counts.pending")}
              </Table.Th>
              <Table.Th scope="col">{t("field.open_time")}</Table.Th>
              <Table.Th scope="col">{t("field.closing")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((d) => (
              <Table.Tr key={d.name}>
                <Table.Th scope="row" fw={500}>
                  <Anchor component={Link} href={`/declarations/${idOf(d.name)}`}>
                    {d.title}
                  </Anchor>
                </Table.Th>
                <Table.Td>{formatNumber(d.version)}</Table.Td>
                <Table.Td>
                  <DeclarationStatusBadge status={d.status} deleted={d.deleteTime !== undefined} />
                </Table.Td>
                <Table.Td>{d.languageCode}</Table.Td>
                <Table.Td ta="end">{formatNumber(d.signatureCounts?.verified ?? 0)}</Table.Td>
                <Table.Td ta="end">{formatNumber(d.signatureCounts?.pending ?? 0)}</Table.Td>
                <Table.Td>{formatDate(d.openTime)}</Table.Td>
                <Table.Td>
                  {d.closeTime
                    ? formatDate(d.closeTime)
                    : formatDay(d.plannedCloseDate) !== ""
                      ? t("list.planned", { date: formatDay(d.plannedCloseDate) })
                      : ""}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {pages.isSuccess && items.length === 0 ? <Text c="gray.7">{t("list.none")}</Text> : null}
      <KeysetPager {...pagerOf(pages)} />
      <Modal
        opened={creating}
        onClose={() => {
          setCreating(false);
        }}
        title={t("form.create")}
        size="xl"
        fullScreen={narrow}
        closeButtonProps={{ "aria-label": t("common:action.close") }}
      >
        {/* A new form (and idempotency key) for each opening. */}
        {creating ? (
          <DeclarationForm
            onCancel={() => {
              setCreating(false);
            }}
            onDone={(saved) => {
              setCreating(false);
              navigate(`/declarations/${idOf(saved.name)}`);
            }}
          />
        ) : null}
      </Modal>
    </Stack>
  );
}
