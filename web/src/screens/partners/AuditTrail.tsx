// The audit trail of a record and its children, newest first: for administrators only.
import { Table, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { valueText } from "../../audit";
import { contacts } from "../../api/contacts";
import { useKeysetPages } from "../../api/pages";
import { KeysetPager, pagerOf } from "../../components/KeysetPager";
import { formatDateTime } from "../../format";
import type { AuditEntry } from "../../gen/engage/type/v1/audit_pb";
import { RecordSection, SectionTable } from "./RecordSection";

export function AuditTrail({ resource }: { resource: string }) {
  const { t } = useTranslation("partners");
  const pages = useKeysetPages<AuditEntry>(["contacts", "audit", resource], async (pageToken) => {
    const r = await contacts().listAuditEntries({ resource, includeChildren: true, pageSize: 20, pageToken });
    return { items: r.auditEntries, nextPageToken: r.nextPageToken, totalSize: 0 };
  });
  const items = pages.data?.items ?? [];
  return (
    <RecordSection
      id="audit-heading"
      title={t("audit.title")}
      error={pages.error}
      onRetry={() => void pages.refetch()}
      empty={pages.isSuccess && items.length === 0}
      none={t("audit.none")}
    >
      {items.length > 0 ? (
        <SectionTable
          label={t("audit.title")}
          minWidth={600}
          striped
          columns={[
            t("audit.time"),
            t("audit.actor"),
            t("audit.action"),
            t("audit.changes"),
          ]}
        >
          {items.map((e) => (
            <Table.Tr key={e.name}>
              <Table.Td>{formatDateTime(e.time)}</Table.Td>
              <Table.Td>{e.actor?.displayName || e.actor?.subject}</Table.Td>
              <Table.Td>
                {e.action}
                <Text size="xs" c="gray.7">
                  {e.resource}
                </Text>
              </Table.Td>
              <Table.Td>
                {e.changes.map((c) => (
                  <Text size="xs" key={c.path}>
                    {c.redacted
                      ? t("audit.redacted", { field: c.path })
                      : t("audit.change", { field: c.path, from: valueText(c.oldValue), to: valueText(c.newValue) })}
                  </Text>
                ))}
              </Table.Td>
            </Table.Tr>
          ))}
        </SectionTable>
      ) : null}
      <KeysetPager
        {...pagerOf(pages)}
        totalSize={null}
      />
    </RecordSection>
  );
}
