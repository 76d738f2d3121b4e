// The public list of signatories exactly as ListPublicSignatures gives it to a public page:
// its order (by name), its fields and nothing more, so officers see what the public will.
import { Group, Stack, Table, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { declarations } from "../../api/declarations";
import { useKeysetPages } from "../../api/pages";
import { KeysetPager, pagerOf } from "../../components/KeysetPager";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatNumber } from "../../format";
import { DeclarationStatus, type Declaration } from "../../gen/engage/declarations/v1/declaration_pb";
import type { PublicSignature } from "../../gen/engage/declarations/v1/signature_pb";
import { ExportButton } from "./ExportButton";
import { formatDay, keys, useLabels } from "./shared";

export function PublicPreview({ declaration }: { declaration: Declaration }) {
  const { t } = useTranslation("declarations");
  const labels = useLabels();
  const name = declaration.name;
  // A draft or deleted declaration has no public list (NOT_FOUND).
  const listed = declaration.status !== DeclarationStatus.DRAFT && declaration.deleteTime === undefined;
  const pages = useKeysetPages<PublicSignature>(
    [...keys.publicList(name)],
    async (pageToken) => {
      const r = await declarations().listPublicSignatures({ parent: name, pageSize: 50, pageToken });
      return { items: r.publicSignatures, nextPageToken: r.nextPageToken, totalSize: r.totalSize };
    },
    listed,
  );
  const items = pages.data?.items ?? [];
  const areaTitle = (id: string) => declaration.areas.find((a) => a.id === id)?.title ?? id;

  if (!listed) {
    return <Text c="gray.7">{t("public.notListed")}</Text>;
  }
  return (
    <Stack gap="sm">
      <Text size="sm">{t("public.intro")}</Text>
      <Group>
        <ExportButton declaration={declaration} publicOnly />
      </Group>
      <ProblemAlert error={pages.error} onRetry={() => void pages.refetch()} />
      {pages.totalSize !== null ? (
        <Text size="sm" aria-live="polite">
          {t("public.total", { total: formatNumber(pages.totalSize) })}
        </Text>
      ) : null}
      <Table.ScrollContainer minWidth={820}>
        <Table striped captionSide="top" aria-busy={pages.isFetching}>
          <Table.Caption ta="start">{t("public.caption")}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("signature.displayName")}</Table.Th>
              <Table.Th scope="col">{t("signature.acronym")}</Table.Th>
              <Table.Th scope="col">{t("signature.affiliation")}</Table.Th>
              <Table.Th scope="col">{t("signature.kind")}</Table.Th>
              <Table.Th scope="col">{t("signature.country")}</Table.Th>
              <Table.Th scope="col">{t("signature.regionalGroup")}</Table.Th>
              <Table.Th scope="col">{t("signature.sector")}</Table.Th>
              <Table.Th scope="col">{t("signature.areas")}</Table.Th>
              <Table.Th scope="col">{t("signature.signDate")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((p, i) => (
              // The public list carries no identifier: its position stands for one.
              <Table.Tr key={`${String(pages.pageNumber)}-${String(i)}`}>
                <Table.Th scope="row" fw={500}>
                  {p.displayName}
                </Table.Th>
                <Table.Td>{p.acronym}</Table.Td>
                <Table.Td>{p.affiliation}</Table.Td>
                <Table.Td>{labels.kind(p.signerKind)}</Table.Td>
                <Table.Td>{p.countryCode}</Table.Td>
                <Table.Td>{p.regionalGroup ? labels.group(p.regionalGroup) : ""}</Table.Td>
                <Table.Td>{p.sector ? labels.sector(p.sector) : ""}</Table.Td>
                <Table.Td>{p.endorsedAreaIds.map(areaTitle).join(", ")}</Table.Td>
                <Table.Td>{formatDay(p.signDate)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {pages.isSuccess && items.length === 0 ? <Text c="gray.7">{t("public.none")}</Text> : null}
      <KeysetPager {...pagerOf(pages)} />
    </Stack>
  );
}
