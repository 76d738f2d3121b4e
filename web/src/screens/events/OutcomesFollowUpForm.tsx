// Creating or editing a follow-up action: what is to be done, who owns it (a person or an
// organisation of contacts, or an engage user such as an officer of the unit), when it is
// due, and the statement that prompted it. New actions may start in any status.
import { useState } from "react";
import { Button, Group, NativeSelect, Radio, Select, SimpleGrid, TextInput, Textarea } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { create } from "@bufbuild/protobuf";
import { briefings } from "../../api/briefings";
import { FollowUpStatus, type Event, type FollowUpAction, type Statement } from "../../gen/engage/briefings/v1/resources_pb";
import { DateSchema } from "../../gen/engage/type/v1/types_pb";
import { useCaller } from "../../session/session";
import { dateOf, dateText } from "../partners/model";
import { followUpMask, ownerField, ownerOf, statusChoices, statusOf, type FollowUpValues, type OwnerKind } from "./outcomes-model";
import { ContactPicker, OutcomesForm, useOutcomesSave } from "./OutcomesParts";
import { useFollowUpStatus } from "./OutcomesWords";

function valuesOf(a: FollowUpAction | null, statement: string): FollowUpValues {
  return {
    title: a?.title ?? "",
    description: a?.description ?? "",
    owner: a ? ownerOf(a.owner) : { kind: "person", value: "" },
    dueDate: dateText(a?.dueDate),
    statement: a?.statement ?? statement,
  };
}

export function FollowUpForm({
  event,
  action,
  statement,
  statements,
  onClose,
}: {
  event: Event;
  /** The action to edit; null for a new one. */
  action: FollowUpAction | null;
  /** For a new action, the statement that prompted it ("" for none). */
  statement: string;
  /** The event's statements, to link the action to. */
  statements: Statement[];
  onClose: () => void;
}) {
  const { t } = useTranslation("outcomes");
  const caller = useCaller();
  const statusWords = useFollowUpStatus();
  const [base] = useState(() => valuesOf(action, statement));
  const [v, setV] = useState(base);
  const [status, setStatus] = useState(FollowUpStatus.OPEN);
  const set = (change: Partial<FollowUpValues>) => {
    setV((old) => ({ ...old, ...change }));
  };
  const setOwner = (kind: OwnerKind, value: string) => {
    set({ owner: { kind, value } });
  };

  const form = useOutcomesSave(async (requestId) => {
    const due = dateOf(v.dueDate);
    const fields = {
      title: v.title,
      description: v.description,
      owner: ownerField(v.owner),
      dueDate: due ? create(DateSchema, due) : undefined,
      statement: v.statement,
    };
    if (action === null) {
      return briefings().createFollowUpAction({ parent: event.name, requestId, followUpAction: { ...fields, status } });
    }
    const paths = followUpMask(base, v);
    if (paths.length === 0) return null;
    return briefings().updateFollowUpAction({ followUpAction: { ...fields, name: action.name, etag: action.etag }, updateMask: { paths } });
  }, onClose);
  const m = (...fields: string[]) => form.field(...fields.map((f) => `follow_up_action.${f}`));
  const ownerError = m("owner_person", "owner_organization", "owner_subject");
  const fieldPaths = ["title", "description", "owner_person", "owner_organization", "owner_subject", "due_date", "statement", "status"].map((f) => `follow_up_action.${f}`);

  // The statement already linked stays offered even if it was deleted since.
  const linked = statements.filter((s) => s.deleteTime === undefined || s.name === v.statement);
  const initialOwner = action && ownerOf(action.owner).value !== "" ? { value: ownerOf(action.owner).value, label: action.ownerDisplayName } : undefined;
  const keepInitial = (kind: OwnerKind) => (action && ownerOf(action.owner).kind === kind ? initialOwner : undefined);

  return (
    <OutcomesForm form={form} label={action === null ? t("followUps.add") : t("followUps.edit")} fields={fieldPaths} onCancel={onClose} submit={action === null ? t("followUps.save") : t("common:action.save")}>
      <TextInput label={t("followUps.titleField")} required value={v.title} onChange={(e) => { set({ title: e.currentTarget.value }); }} error={m("title")} />
      <Textarea label={t("followUps.description")} autosize minRows={2} maxRows={10} value={v.description} onChange={(e) => { set({ description: e.currentTarget.value }); }} error={m("description")} />
      <Radio.Group label={t("followUps.ownerKind")} value={v.owner.kind} onChange={(kind) => { setOwner(kind === "organization" || kind === "subject" ? kind : "person", ""); }}>
        <Group gap="md" mt={4}>
          <Radio value="person" label={t("owner.person")} />
          <Radio value="organization" label={t("owner.organization")} />
          <Radio value="subject" label={t("owner.subject")} />
        </Group>
      </Radio.Group>
      {v.owner.kind === "subject" ? (
        <Group align="end" gap="xs" wrap="nowrap">
          <TextInput
            style={{ flex: 1 }}
            label={t("followUps.ownerSubject")}
            description={t("followUps.ownerSubjectHint")}
            required
            value={v.owner.value}
            onChange={(e) => { setOwner("subject", e.currentTarget.value); }}
            error={ownerError}
          />
          <Button variant="default" onClick={() => { setOwner("subject", caller.subject); }} mb={ownerError ? 22 : 0}>
            {t("followUps.me")}
          </Button>
        </Group>
      ) : (
        <ContactPicker
          key={v.owner.kind}
          kind={v.owner.kind}
          label={v.owner.kind === "person" ? t("followUps.ownerPerson") : t("followUps.ownerOrganization")}
          description={t("picker.hint")}
          required
          value={v.owner.value}
          current={keepInitial(v.owner.kind)}
          onChange={(p) => { setOwner(v.owner.kind, p?.value ?? ""); }}
          error={ownerError}
        />
      )}
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput type="date" label={t("followUps.dueDate")} value={v.dueDate} onChange={(e) => { set({ dueDate: e.currentTarget.value }); }} error={m("due_date")} />
        {action === null ? (
          <NativeSelect
            label={t("followUps.status")}
            data={statusChoices(FollowUpStatus.OPEN).map((s) => ({ value: String(s), label: statusWords(s) }))}
            value={String(status)}
            onChange={(e) => { setStatus(statusOf(e.currentTarget.value)); }}
            error={m("status")}
          />
        ) : null}
      </SimpleGrid>
      <Select
        label={t("followUps.statement")}
        clearable
        searchable
        data={linked.map((s) => ({ value: s.name, label: s.title }))}
        value={v.statement === "" ? null : v.statement}
        onChange={(value) => { set({ statement: value ?? "" }); }}
        nothingFoundMessage={t("followUps.noStatements")}
        error={m("statement")}
      />
    </OutcomesForm>
  );
}
