// Every signature of a declaration in any state, newest first, filtered by state and name; a
// signature opens in a dialog with its details and the writes its state allows (withdraw,
// redact, reject). Officers record a signature on a signer's behalf here; the CSV exports sit
// above the list.
import { useState } from "react";
import { Anchor, Button, Group, Modal, Stack, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue, useMediaQuery } from "@mantine/hooks";
import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { declarations } from "../../api/declarations";
import { useKeysetPages } from "../../api/pages";
import { KeysetPager, pagerOf } from "../../components/KeysetPager";
import { ProblemAlert } from "../../components/ProblemAlert";
import { SegmentedField } from "../../components/SegmentedField";
import { formatNumber } from "../../format";
import { DeclarationStatus, type Declaration } from "../../gen/engage/declarations/v1/declaration_pb";
import type { Signature } from "../../gen/engage/declarations/v1/signature_pb";
import { useAbilities } from "../../session/session";
import { ExportButton } from "./ExportButton";
import { signatureFilter, signatureState, signatureStates } from "./model";
import { RecordSignature } from "./RecordSignature";
import { SignatureDetail } from "./SignatureDetail";
import { formatDay, keys, SignatureStateBadge, useLabels } from "./shared";

export function SignaturesList({ declaration }: { declaration: Declaration }) {
  const { t } = useTranslation("declarations");
  const labels = useLabels();
  const can = useAbilities();
  const queryClient = useQueryClient();
  const narrow = useMediaQuery("(max-width: 36em)");
  const name = declaration.name;
  const [state, setState] = useState("");
  const [typed, setTyped] = useState("");
  const [search] = useDebouncedValue(typed, 250);
  const filter = signatureFilter(state, search);
  const pages = useKeysetPages<Signature>([...keys.signatures(name), filter], async (pageToken) => {
    const r = await declarations().listSignatures({ parent: name, filter, pageSize: 25, pageToken });
    return { items: r.signatures, nextPageToken: r.nextPageToken, totalSize: r.totalSize };
  });
  const items = pages.data?.items ?? [];
  const [opened, setOpened] = useState<Signature | null>(null);
  // The dialog shows the signature as clicked, then as each write returns it.
  const fresh = opened;
  // Signatures are recorded while the declaration is open for signature.
  const recordable = can.write && declaration.status === DeclarationStatus.OPEN && declaration.deleteTime === undefined;
  const [recording, setRecording] = useState(false);
  // Each opening of the form is a new request (its own idempotency key and empty fields),
  // also when it opens again before the closing dialog has gone.
  const [openings, setOpenings] = useState(0);
  const [notice, setNotice] = useState("");

  return (
    <Stack gap="sm">
      <Group gap="xs" align="flex-start">
        {recordable ? (
          <Button
            onClick={() => {
              setNotice("");
              setOpenings((n) => n + 1);
              setRecording(true);
            }}
          >
            {t("sign.open")}
          </Button>
        ) : null}
        {can.export ? <ExportButton declaration={declaration} publicOnly={false} /> : null}
        <ExportButton declaration={declaration} publicOnly />
      </Group>
      <div role="status" aria-live="polite">
        {notice !== "" ? <Text size="sm">{notice}</Text> : null}
      </div>
      <div role="search" aria-label={t("signatures.filters")}>
        <Group align="flex-end" gap="sm" wrap="wrap">
          <SegmentedField
            id="signature-state"
            label={t("signatures.state")}
            value={state}
            onChange={setState}
            data={[{ value: "", label: t("signatures.all") }, ...signatureStates.map((s) => ({ value: s, label: labels.state(s) }))]}
            size={narrow ? "xs" : "sm"}
          />
          <TextInput
            type="search"
            label={t("signatures.search")}
            value={typed}
            onChange={(e) => {
              setTyped(e.currentTarget.value);
            }}
            style={{ flex: "1 1 14rem" }}
          />
        </Group>
      </div>
      <ProblemAlert error={pages.error} onRetry={() => void pages.refetch()} />
      {pages.totalSize !== null ? (
        <Text size="sm" aria-live="polite">
          {t("signatures.total", { total: formatNumber(pages.totalSize) })}
        </Text>
      ) : null}
      <Table.ScrollContainer minWidth={640}>
        <Table striped highlightOnHover captionSide="top" aria-busy={pages.isFetching}>
          <Table.Caption ta="start">{t("signatures.caption")}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("signature.displayName")}</Table.Th>
              <Table.Th scope="col">{t("signature.kind")}</Table.Th>
              <Table.Th scope="col">{t("signature.country")}</Table.Th>
              <Table.Th scope="col">{t("signature.sector")}</Table.Th>
              <Table.Th scope="col">{t("signature.state")}</Table.Th>
              <Table.Th scope="col">{t("signature.signDate")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((s) => (
              <Table.Tr key={s.name}>
                <Table.Th scope="row" fw={500}>
                  <Anchor
                    component="button"
                    type="button"
                    ta="start"
                    onClick={() => {
                      setOpened(s);
                    }}
                  >
                    {s.snapshot?.displayName || t("signature.redactedName")}
                  </Anchor>
                </Table.Th>
                <Table.Td>{labels.kind(s.snapshot?.signerKind ?? 0)}</Table.Td>
                <Table.Td>{s.snapshot?.countryCode ?? ""}</Table.Td>
                <Table.Td>{s.snapshot?.sector ? labels.sector(s.snapshot.sector) : ""}</Table.Td>
                <Table.Td>
                  <SignatureStateBadge state={signatureState(s)} />
                </Table.Td>
                <Table.Td>{formatDay(s.signDate)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {pages.isSuccess && items.length === 0 ? <Text c="gray.7">{t("signatures.none")}</Text> : null}
      <KeysetPager {...pagerOf(pages)} />
      <Modal
        opened={recording}
        onClose={() => {
          setRecording(false);
        }}
        title={t("sign.title")}
        size="lg"
        fullScreen={narrow}
        closeButtonProps={{ "aria-label": t("common:action.close") }}
      >
        <RecordSignature
          key={openings}
          declaration={declaration}
          onCancel={() => {
            setRecording(false);
          }}
          onDone={(signature, alreadySigned) => {
            setRecording(false);
            const who = signature.snapshot?.displayName ?? "";
            setNotice(alreadySigned ? t("sign.alreadySigned", { name: who }) : t("sign.done", { name: who }));
            setOpened(signature);
          }}
        />
      </Modal>
      <Modal
        opened={fresh !== null}
        onClose={() => {
          setOpened(null);
        }}
        title={t("signatures.dialog")}
        size="xl"
        fullScreen={narrow}
        closeButtonProps={{ "aria-label": t("common:action.close") }}
      >
        {fresh !== null ? (
          <SignatureDetail
            declaration={declaration}
            signature={fresh}
            onDone={(updated) => {
              setOpened(updated);
              void queryClient.invalidateQueries({ queryKey: keys.all(name) });
            }}
          />
        ) : null}
      </Modal>
    </Stack>
  );
}
