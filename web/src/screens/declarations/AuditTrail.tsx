// The audit trail of a declaration and its signatures, newest first: who did what and which
// fields changed (erased values say so). Administrators only, as ListAuditEntries is theirs.
import { Stack, Table, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { valueText } from "../../audit";
import { declarations } from "../../api/declarations";
import { useKeysetPages } from "../../api/pages";
import { KeysetPager, pagerOf } from "../../components/KeysetPager";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatDateTime } from "../../format";
import type { AuditEntry } from "../../gen/engage/type/v1/audit_pb";
import { keys } from "./shared";

export function AuditTrail({ declaration }: { declaration: string }) {
  const { t } = useTranslation("declarations");
  const pages = useKeysetPages<AuditEntry>([...keys.all(declaration), "audit"], async (pageToken) => {
    const r = await declarations().listAuditEntries({ resource: declaration, includeChildren: true, pageSize: 25, pageToken });
    return { items: r.auditEntries, nextPageToken: r.nextPageToken, totalSize: 0 };
  });
  const items = pages.data?.items ?? [];
  return (
    <Stack gap="sm">
      <ProblemAlert error={pages.error} onRetry={() => void pages.refetch()} />
      <Table.ScrollContainer minWidth={640}>
        <Table striped captionSide="top" aria-busy={pages.isFetching}>
          <Table.Caption ta="start">{t("audit.caption")}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("audit.time")}</Table.Th>
              <Table.Th scope="col">{t("audit.actor")}</Table.Th>
              <Table.Th scope="col">{t("audit.action")}</Table.Th>
              <Table.Th scope="col">{t("audit.changes")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((e) => (
              <Table.Tr key={e.name}>
                <Table.Td>{formatDateTime(e.time)}</Table.Td>
                <Table.Td>{e.actor?.displayName || e.actor?.subject}</Table.Td>
                <Table.Td>
                  {e.action}
                  <Text size="xs" c="gray.7" style={{ overflowWrap: "anywhere" }}>
                    {e.resource}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {e.changes.map((c) => (
                    <Text size="xs" key={c.path} style={{ overflowWrap: "anywhere" }}>
                      {c.redacted ? t("audit.redacted", { field: c.path }) : t("audit.change", { field: c.path, from: valueText(c.oldValue), to: valueText(c.newValue) })}
                    </Text>
                  ))}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {pages.isSuccess && items.length === 0 ? <Text c="gray.7">{t("audit.none")}</Text> : null}
      <KeysetPager {...pagerOf(pages)} totalSize={null} />
    </Stack>
  );
}
