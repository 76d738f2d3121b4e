// The signatures awaiting review, oldest first: the list on one side, the signature under
// review on the other, the signer as signed beside their contacts record. A verification or
// rejection is one step, and the queue moves straight on to the next signature, on the same
// page, with focus on its name.
import { useState } from "react";
import { Alert, Anchor, Grid, Stack, Table, Text } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { declarations } from "../../api/declarations";
import { useKeysetPages, type Page } from "../../api/pages";
import { KeysetPager, pagerOf } from "../../components/KeysetPager";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatDateTime, formatNumber } from "../../format";
import type { Declaration } from "../../gen/engage/declarations/v1/declaration_pb";
import type { Signature } from "../../gen/engage/declarations/v1/signature_pb";
import { nextInQueue, queueFilter, queueOrder } from "./model";
import { SignatureDetail, type SignatureOutcome } from "./SignatureDetail";
import { keys, useFailureText, useLabels } from "./shared";

const pageSize = 20;

export function SignatureQueue({ declaration }: { declaration: Declaration }) {
  const { t } = useTranslation("declarations");
  const labels = useLabels();
  const failureText = useFailureText();
  const queryClient = useQueryClient();
  const name = declaration.name;
  const pages = useKeysetPages<Signature>([...keys.queue(name)], async (pageToken) => {
    const r = await declarations().listSignatures({ parent: name, filter: queueFilter, orderBy: queueOrder, pageSize, pageToken });
    return { items: r.signatures, nextPageToken: r.nextPageToken, totalSize: r.totalSize };
  });
  const items = pages.data?.items ?? [];
  const [selected, setSelected] = useState<string | null>(null);
  const [moved, setMoved] = useState(false);
  const [announcement, setAnnouncement] = useState<{ text: string; refused: boolean }>({ text: "", refused: false });
  const current = items.find((s) => s.name === selected) ?? items[0];
  const position = current === undefined ? 0 : items.indexOf(current) + (pages.pageNumber - 1) * pageSize + 1;

  const done = (updated: Signature, outcome: SignatureOutcome) => {
    const who = updated.snapshot?.displayName ?? "";
    if (outcome === "redacted" || outcome === "changed") {
      // Still pending: it stays in the queue, as it now is.
      queryClient.setQueriesData<Page<Signature>>({ queryKey: keys.queue(name) }, (old) =>
        old === undefined ? old : { ...old, items: old.items.map((s) => (s.name === updated.name ? updated : s)) },
      );
      setAnnouncement({ text: t(`queue.${outcome}`, { name: who }), refused: false });
    } else {
      const next = nextInQueue(
        items.map((s) => s.name),
        updated.name,
      );
      // The reviewed signature leaves the queue at once; the refetch below confirms it.
      queryClient.setQueriesData<Page<Signature>>({ queryKey: keys.queue(name) }, (old) =>
        old === undefined
          ? old
          : { ...old, items: old.items.filter((s) => s.name !== updated.name), totalSize: old.totalSize > 0 ? old.totalSize - 1 : 0 },
      );
      setSelected(next);
      setMoved(true);
      setAnnouncement({ text: t(`queue.${outcome}`, { name: who }), refused: false });
    }
    void queryClient.invalidateQueries({ queryKey: keys.all(name) });
  };

  return (
    <Stack gap="sm">
      <div role="status" aria-live="polite">
        {announcement.refused ? (
          <Alert color="yellow">
            <Text size="sm">{announcement.text}</Text>
          </Alert>
        ) : announcement.text !== "" ? (
          <Text size="sm">{announcement.text}</Text>
        ) : null}
      </div>
      <ProblemAlert error={pages.error} onRetry={() => void pages.refetch()} />
      {pages.totalSize !== null ? (
        <Text size="sm">{t("queue.total", { count: pages.totalSize, total: formatNumber(pages.totalSize) })}</Text>
      ) : null}
      {pages.isSuccess && items.length === 0 ? <Text c="gray.7">{t("queue.empty")}</Text> : null}
      {items.length > 0 ? (
        <Grid gap="md">
          <Grid.Col span={{ base: 12, md: 7 }} order={{ base: 1, md: 2 }}>
            {current !== undefined ? (
              <section aria-label={t("queue.current")}>
                <Text size="sm" c="gray.7" mb={4}>
                  {t("queue.position", { position: formatNumber(position), total: formatNumber(pages.totalSize ?? items.length) })}
                </Text>
                <SignatureDetail
                  declaration={declaration}
                  signature={current}
                  onDone={done}
                  onRefused={(s, problem) => {
                    // The refreshed queue shows the signature as it now is, or moves past it.
                    setAnnouncement({ text: t("queue.refused", { name: s.snapshot?.displayName ?? "", reason: failureText(problem) }), refused: true });
                  }}
                  focusOnShow={moved}
                  headingLevel={3}
                />
              </section>
            ) : null}
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 5 }} order={{ base: 2, md: 1 }}>
            <Table.ScrollContainer minWidth={320}>
              <Table highlightOnHover captionSide="top" aria-busy={pages.isFetching}>
                <Table.Caption ta="start">{t("queue.caption")}</Table.Caption>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">{t("signature.displayName")}</Table.Th>
                    <Table.Th scope="col">{t("signature.country")}</Table.Th>
                    <Table.Th scope="col">{t("signature.recordedOn")}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {items.map((s) => {
                    const isCurrent = s.name === current?.name;
                    return (
                      <Table.Tr key={s.name} aria-current={isCurrent ? "true" : undefined}>
                        {/* The signature under review is marked by a bar on the start side and bold text. */}
                        <Table.Th scope="row" fw={isCurrent ? 700 : 400} style={{ borderInlineStart: isCurrent ? "4px solid var(--mantine-color-blue-6)" : "4px solid transparent" }}>
                          <Anchor
                            component="button"
                            type="button"
                            ta="start"
                            onClick={() => {
                              setSelected(s.name);
                              setMoved(true);
                            }}
                          >
                            {s.snapshot?.displayName || t("signature.redactedName")}
                          </Anchor>
                          <Text size="xs" c="gray.7">
                            {labels.kind(s.snapshot?.signerKind ?? 0)}
                          </Text>
                        </Table.Th>
                        <Table.Td>{s.snapshot?.countryCode ?? ""}</Table.Td>
                        <Table.Td>{formatDateTime(s.createTime)}</Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <KeysetPager {...pagerOf(pages)} />
          </Grid.Col>
        </Grid>
      ) : null}
    </Stack>
  );
}
