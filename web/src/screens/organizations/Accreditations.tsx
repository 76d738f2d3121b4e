// An organisation's accreditations to conference sessions: request, grant and refuse for
// writers.
import { useState } from "react";
import { Badge, Button, Group, Table, Text, TextInput, Textarea } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { contacts } from "../../api/contacts";
import { AccreditationState, AccreditationStateSchema, type Accreditation } from "../../gen/engage/contacts/v1/resources_pb";
import { useAbilities } from "../../session/session";
import { dateText } from "../partners/model";
import { RecordSection, SaveForm, SectionTable, useSaveForm } from "../partners/RecordSection";
import { newRequestId, useEnumLabel, PartnerModal } from "../partners/shared";

const stateColor: Record<number, string> = {
  [AccreditationState.REQUESTED]: "blue",
  [AccreditationState.GRANTED]: "green",
  [AccreditationState.REFUSED]: "red",
};

export function Accreditations({ organization, writable }: { organization: string; writable: boolean }) {
  const { t } = useTranslation("partners");
  const can = useAbilities();
  const label = useEnumLabel();
  const queryClient = useQueryClient();
  const [refusing, setRefusing] = useState<Accreditation | null>(null);
  const list = useQuery({
    queryKey: ["contacts", "accreditations", organization],
    queryFn: async () => (await contacts().listAccreditations({ parent: organization, pageSize: 1000, orderBy: "conference_session" })).accreditations,
  });
  const grant = useMutation({
    mutationFn: (a: Accreditation) => contacts().grantAccreditation({ name: a.name, etag: a.etag, requestId: newRequestId() }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["contacts"] }),
  });
  const edit = can.write && writable;
  return (
    <RecordSection
      id="accreditations-heading"
      title={t("accreditations.title")}
      add={edit ? { label: t("accreditations.request"), form: (close) => <RequestForm organization={organization} onClose={close} /> } : null}
      error={list.error ?? grant.error}
      onRetry={() => void list.refetch()}
      empty={list.data?.length === 0}
      none={t("accreditations.none")}
    >
      {list.data !== undefined && list.data.length > 0 ? (
        <SectionTable
          label={t("accreditations.title")}
          minWidth={480}
          columns={[
            t("accreditations.session"),
            t("accreditations.state"),
            t("accreditations.requested"),
            t("accreditations.decided"),
            edit && t("accreditations.actions"),
          ]}
        >
          {list.data.map((a) => (
            <Table.Tr key={a.name}>
              <Table.Th scope="row">{a.conferenceSession}</Table.Th>
              <Table.Td>
                <Badge color={stateColor[a.state] ?? "gray"}>{label(AccreditationStateSchema, a.state)}</Badge>
              </Table.Td>
              <Table.Td>{dateText(a.requestDate)}</Table.Td>
              <Table.Td>
                {dateText(a.decisionDate)}
                {a.decisionReason ? (
                  <Text size="xs" c="gray.7">
                    {a.decisionReason}
                  </Text>
                ) : null}
              </Table.Td>
              {edit ? (
                <Table.Td>
                  <Group gap={4}>
                    {a.state !== AccreditationState.GRANTED ? (
                      <Button size="compact-xs" variant="default" color="green" onClick={() => { grant.mutate(a); }} aria-label={t("accreditations.grantFor", { session: a.conferenceSession })}>
                        {t("accreditations.grant")}
                      </Button>
                    ) : null}
                    {a.state !== AccreditationState.REFUSED ? (
                      <Button size="compact-xs" variant="default" color="red" onClick={() => { setRefusing(a); }} aria-label={t("accreditations.refuseFor", { session: a.conferenceSession })}>
                        {t("accreditations.refuse")}
                      </Button>
                    ) : null}
                  </Group>
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </SectionTable>
      ) : null}
      <PartnerModal opened={refusing !== null} onClose={() => { setRefusing(null); }} title={t("accreditations.refuseTitle", { session: refusing?.conferenceSession ?? "" })}>
        {refusing !== null ? <RefuseForm accreditation={refusing} onClose={() => { setRefusing(null); }} /> : null}
      </PartnerModal>
    </RecordSection>
  );
}

function RequestForm({ organization, onClose }: { organization: string; onClose: () => void }) {
  const { t } = useTranslation("partners");
  const [session, setSession] = useState("");
  const [notes, setNotes] = useState("");
  const form = useSaveForm((requestId) => contacts().createAccreditation({ parent: organization, requestId, accreditation: { conferenceSession: session, notes } }), onClose);
  return (
    <SaveForm form={form} label={t("accreditations.request")} onCancel={onClose} submit={t("accreditations.request")}>
      <TextInput label={t("accreditations.session")} description={t("filter.sessionHint")} required value={session} onChange={(e) => { setSession(e.currentTarget.value); }} error={form.field("accreditation.conference_session")} />
      <Textarea label={t("accreditations.notes")} autosize value={notes} onChange={(e) => { setNotes(e.currentTarget.value); }} error={form.field("accreditation.notes")} />
    </SaveForm>
  );
}

function RefuseForm({ accreditation, onClose }: { accreditation: Accreditation; onClose: () => void }) {
  const { t } = useTranslation("partners");
  const [reason, setReason] = useState("");
  const form = useSaveForm((requestId) => contacts().refuseAccreditation({ name: accreditation.name, etag: accreditation.etag, decisionReason: reason, requestId }), onClose);
  return (
    <SaveForm form={form} fields={["decision_reason"]} onCancel={onClose} submit={t("accreditations.refuse")} color="red">
      <Textarea label={t("accreditations.reason")} required autosize minRows={2} value={reason} onChange={(e) => { setReason(e.currentTarget.value); }} error={form.field("decision_reason")} />
    </SaveForm>
  );
}
