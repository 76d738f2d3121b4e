// A person's consent records: record one, or withdraw one, for writers.
import { useState } from "react";
import { Badge, Button, Select, SimpleGrid, Table, Text, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { create } from "@bufbuild/protobuf";
import { contacts } from "../../api/contacts";
import {
  ConsentBasisSchema,
  ConsentPurposeSchema,
  ConsentSourceSchema,
  ConsentState,
  ConsentStateSchema,
  type ConsentRecord,
} from "../../gen/engage/contacts/v1/resources_pb";
import { DateSchema } from "../../gen/engage/type/v1/types_pb";
import { useAbilities } from "../../session/session";
import { dateOf, dateText, enumNumber, todayText } from "../partners/model";
import { RecordSection, SaveForm, SectionTable, useSaveForm } from "../partners/RecordSection";
import { useEnumLabel, useEnumOptions, PartnerModal } from "../partners/shared";

export function Consents({ person, writable }: { person: string; writable: boolean }) {
  const { t } = useTranslation("partners");
  const can = useAbilities();
  const label = useEnumLabel();
  const [withdrawing, setWithdrawing] = useState<ConsentRecord | null>(null);
  const query = useQuery({
    queryKey: ["contacts", "consents", person],
    queryFn: async () => (await contacts().listConsentRecords({ parent: person, pageSize: 200 })).consentRecords,
  });
  const edit = can.write && writable;
  const rows = query.data ?? [];
  return (
    <RecordSection
      id="consents-heading"
      title={t("consents.title")}
      add={edit ? { label: t("consents.add"), form: (close) => <ConsentForm person={person} onClose={close} /> } : null}
      error={query.error}
      onRetry={() => void query.refetch()}
      empty={query.isSuccess && rows.length === 0}
      none={t("consents.none")}
    >
      {rows.length > 0 ? (
        <SectionTable
          label={t("consents.title")}
          minWidth={520}
          columns={[
            t("consents.purpose"),
            t("consents.basis"),
            t("consents.state"),
            t("consents.dates"),
            edit && t("accreditations.actions"),
          ]}
        >
          {rows.map((c) => (
            <Table.Tr key={c.name}>
              <Table.Th scope="row">
                {label(ConsentPurposeSchema, c.purpose)}
                {c.purposeDescription ? <Text size="xs" c="gray.7">{c.purposeDescription}</Text> : null}
              </Table.Th>
              <Table.Td>{label(ConsentBasisSchema, c.basis)}</Table.Td>
              <Table.Td>
                <Badge color={c.state === ConsentState.GIVEN ? "green" : "gray"}>{label(ConsentStateSchema, c.state)}</Badge>
              </Table.Td>
              <Table.Td>
                {t("consents.given", { date: dateText(c.givenDate) || "—" })}
                {c.expireDate ? <Text size="xs">{t("consents.expires", { date: dateText(c.expireDate) })}</Text> : null}
                {c.withdrawDate ? <Text size="xs">{t("consents.withdrawn", { date: dateText(c.withdrawDate) })}</Text> : null}
              </Table.Td>
              {edit ? (
                <Table.Td>
                  {c.state === ConsentState.GIVEN ? (
                    <Button size="compact-xs" variant="default" color="red" onClick={() => { setWithdrawing(c); }} aria-label={t("consents.withdrawFor", { purpose: label(ConsentPurposeSchema, c.purpose) })}>
                      {t("consents.withdraw")}
                    </Button>
                  ) : null}
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </SectionTable>
      ) : null}
      <PartnerModal opened={withdrawing !== null} onClose={() => { setWithdrawing(null); }} title={t("consents.withdrawTitle", { purpose: withdrawing ? label(ConsentPurposeSchema, withdrawing.purpose) : "" })}>
        {withdrawing !== null ? <WithdrawForm record={withdrawing} onClose={() => { setWithdrawing(null); }} /> : null}
      </PartnerModal>
    </RecordSection>
  );
}

function ConsentForm({ person, onClose }: { person: string; onClose: () => void }) {
  const { t } = useTranslation("partners");
  const options = useEnumOptions();
  const [purpose, setPurpose] = useState<string | null>(null);
  const [description, setDescription] = useState("");
  const [basis, setBasis] = useState<string | null>("CONSENT_BASIS_CONSENT");
  const [given, setGiven] = useState(todayText());
  const [source, setSource] = useState<string | null>(null);
  const [detail, setDetail] = useState("");
  const form = useSaveForm((requestId) => {
    const g = dateOf(given);
    return contacts().createConsentRecord({
      parent: person,
      requestId,
      consentRecord: {
        purpose: enumNumber(ConsentPurposeSchema, purpose ?? ""),
        purposeDescription: description,
        basis: enumNumber(ConsentBasisSchema, basis ?? ""),
        givenDate: g ? create(DateSchema, g) : undefined,
        source: enumNumber(ConsentSourceSchema, source ?? ""),
        sourceDetail: detail,
      },
    });
  }, onClose);
  const m = (f: string) => form.field(`consent_record.${f}`);
  return (
    <SaveForm form={form} label={t("consents.add")} onCancel={onClose} submit={t("common:action.save")}>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <Select label={t("consents.purpose")} required data={options(ConsentPurposeSchema)} value={purpose} onChange={setPurpose} error={m("purpose")} />
        <Select label={t("consents.basis")} required data={options(ConsentBasisSchema)} value={basis} onChange={setBasis} error={m("basis")} />
        <TextInput type="date" label={t("consents.givenDate")} required value={given} onChange={(e) => { setGiven(e.currentTarget.value); }} error={m("given_date")} />
        <Select label={t("consents.source")} required data={options(ConsentSourceSchema)} value={source} onChange={setSource} error={m("source")} />
      </SimpleGrid>
      {purpose === "CONSENT_PURPOSE_OTHER" ? (
        <TextInput label={t("consents.purposeDescription")} required value={description} onChange={(e) => { setDescription(e.currentTarget.value); }} error={m("purpose_description")} />
      ) : null}
      <TextInput label={t("consents.sourceDetail")} value={detail} onChange={(e) => { setDetail(e.currentTarget.value); }} error={m("source_detail")} />
    </SaveForm>
  );
}

function WithdrawForm({ record, onClose }: { record: ConsentRecord; onClose: () => void }) {
  const { t } = useTranslation("partners");
  const options = useEnumOptions();
  const [source, setSource] = useState<string | null>(null);
  const [detail, setDetail] = useState("");
  const form = useSaveForm(
    (requestId) =>
      contacts().withdrawConsentRecord({
        name: record.name,
        etag: record.etag,
        requestId,
        withdrawSource: enumNumber(ConsentSourceSchema, source ?? ""),
        withdrawSourceDetail: detail,
      }),
    onClose,
  );
  return (
    <SaveForm form={form} onCancel={onClose} submit={t("consents.withdraw")} color="red">
      <Select label={t("consents.withdrawSource")} required data={options(ConsentSourceSchema)} value={source} onChange={setSource} error={form.field("withdraw_source")} />
      <TextInput label={t("consents.sourceDetail")} value={detail} onChange={(e) => { setDetail(e.currentTarget.value); }} error={form.field("withdraw_source_detail")} />
    </SaveForm>
  );
}
