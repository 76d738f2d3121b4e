// One person: every field, affiliations, consent records, interactions, and for
// administrators the audit trail and erasure. Writers edit, delete and restore.
import { useState } from "react";
import { Anchor, Button, Center, Divider, Group, Loader, Stack, Text, Textarea, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "wouter";
import { contacts } from "../../api/contacts";
import { ProblemAlert } from "../../components/ProblemAlert";
import { AgeBracketSchema, ConsentPurposeSchema, type Person } from "../../gen/engage/contacts/v1/resources_pb";
import { RegionalGroupSchema, ThematicAreaSchema } from "../../gen/engage/type/v1/types_pb";
import { useAbilities } from "../../session/session";
import { AuditTrail } from "../partners/AuditTrail";
import { Interactions } from "../partners/Interactions";
import { dateText, idOf } from "../partners/model";
import { RecordForm } from "../partners/RecordForm";
import { DeleteRestore, Details } from "../partners/RecordParts";
import { SaveForm, useSaveForm } from "../partners/RecordSection";
import { Stamps, StateBadges, useEnumLabel, PartnerModal } from "../partners/shared";
import { Affiliations } from "./Affiliations";
import { Consents } from "./Consents";

export default function PersonPage() {
  const { t } = useTranslation("partners");
  const { id } = useParams<{ id: string }>();
  const name = `people/${id}`;
  const can = useAbilities();
  const label = useEnumLabel();
  const [editing, setEditing] = useState(false);
  const [erasing, setErasing] = useState(false);
  const query = useQuery({
    queryKey: ["contacts", "people", "get", name],
    queryFn: async () => (await contacts().getPerson({ name })).person,
  });
  const p = query.data;
  if (query.isPending) {
    return (
      <Center py="xl">
        <Loader aria-label={t("common:app.loading")} />
      </Center>
    );
  }
  if (p === undefined) {
    return (
      <Stack>
        <Title order={1}>{t("record.person")}</Title>
        <ProblemAlert error={query.error} onRetry={() => void query.refetch()} />
      </Stack>
    );
  }
  const writable = p.mergedInto === "" && p.eraseTime === undefined;
  const live = writable && p.deleteTime === undefined;
  return (
    <Stack gap="lg">
      <Anchor component={Link} href="/people" size="sm">
        {t("record.backToPeople")}
      </Anchor>
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={1}>
            {[p.honorificPrefix, p.displayName].filter(Boolean).join(" ")}
          </Title>
          {p.primaryTitle ? <Text>{p.primaryTitle}</Text> : null}
          <StateBadges deleteTime={p.deleteTime} mergedInto={p.mergedInto} eraseTime={p.eraseTime} />
          <Stamps createTime={p.createTime} updateTime={p.updateTime} />
        </div>
        <Group gap="xs">
          {can.write && live ? <Button onClick={() => { setEditing(true); }}>{t("common:action.edit")}</Button> : null}
          {can.write && writable ? (
            <DeleteRestore
              displayName={p.displayName}
              deleted={p.deleteTime !== undefined}
              onDelete={() => contacts().deletePerson({ name: p.name, etag: p.etag })}
              onRestore={() => contacts().undeletePerson({ name: p.name, etag: p.etag })}
            />
          ) : null}
          {can.administer && p.eraseTime === undefined ? (
            <Button color="red" variant="outline" onClick={() => { setErasing(true); }}>
              {t("erase.action")}
            </Button>
          ) : null}
        </Group>
      </Group>
      {p.mergedInto ? (
        <Text>
          {t("record.mergedInto")}{" "}
          <Anchor component={Link} href={`/people/${idOf(p.mergedInto)}`}>
            {p.mergedInto}
          </Anchor>
        </Text>
      ) : null}
      <Details
        rows={[
          [t("field.given_name"), p.givenName],
          [t("field.family_name"), p.familyName],
          [t("field.emails"), p.emails.map((e) => e.address).join("\n")],
          [t("field.phones"), p.phones.map((x) => x.originalText).join("\n")],
          [t("field.country_code"), p.countryCode],
          [t("field.regional_group"), label(RegionalGroupSchema, p.regionalGroup)],
          [t("field.addresses"), p.addresses.map((a) => [...a.addressLines, [a.postalCode, a.locality].filter(Boolean).join(" "), a.region, a.countryCode].filter(Boolean).join(", ")).join("\n")],
          [t("field.languages"), p.languages.join(", ")],
          [t("field.youth"), p.youth ? t("yes") : t("no")],
          [t("field.birth_date"), p.birthDateWithheld ? t("field.birthDateWithheld") : dateText(p.birthDate)],
          [t("field.age_bracket"), label(AgeBracketSchema, p.ageBracket)],
          [t("field.thematic_areas"), p.thematicAreas.map((a) => label(ThematicAreaSchema, a)).join(", ")],
          [t("field.tags"), p.tags.join(", ")],
          [t("field.active_consents"), p.activeConsents.map((c) => label(ConsentPurposeSchema, c)).join(", ")],
          [t("field.external_id"), p.externalId],
          [t("field.notes"), p.notes],
        ]}
      />
      <Divider />
      <Affiliations person={p.name} writable={live} />
      <Divider />
      <Consents person={p.name} writable={live} />
      <Divider />
      <Interactions participant={p.name} />
      {can.administer ? (
        <>
          <Divider />
          <AuditTrail resource={p.name} />
        </>
      ) : null}
      <PartnerModal opened={editing} onClose={() => { setEditing(false); }} title={t("form.edit.person")} size="xl">
        <RecordForm kind="person" record={p} onCancel={() => { setEditing(false); }} onDone={() => { setEditing(false); }} />
      </PartnerModal>
      <PartnerModal opened={erasing} onClose={() => { setErasing(false); }} title={t("erase.title", { name: p.displayName })}>
        <EraseForm person={p} onClose={() => { setErasing(false); }} />
      </PartnerModal>
    </Stack>
  );
}

function EraseForm({ person, onClose }: { person: Person; onClose: () => void }) {
  const { t } = useTranslation("partners");
  const [reason, setReason] = useState("");
  const form = useSaveForm((requestId) => contacts().erasePerson({ name: person.name, etag: person.etag, reason, requestId }), onClose);
  return (
    <SaveForm
      form={form}
      fields={["reason"]}
      intro={<Text>{t("erase.body", { name: person.displayName })}</Text>}
      onCancel={onClose}
      submit={t("erase.confirm", { name: person.displayName })}
      color="red"
      disabled={reason.trim() === ""}
    >
      <Textarea
        label={t("erase.reason")}
        description={t("erase.reasonHint")}
        required
        autosize
        minRows={2}
        value={reason}
        onChange={(e) => { setReason(e.currentTarget.value); }}
        error={form.field("reason")}
      />
    </SaveForm>
  );
}
