// One organisation: every field, its accreditations, the people affiliated to it, its
// interactions, and for administrators its audit trail. Writers edit, delete and restore.
import { useState } from "react";
import { Anchor, Button, Center, Divider, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "wouter";
import { contacts } from "../../api/contacts";
import { ProblemAlert } from "../../components/ProblemAlert";
import { EcosocStatusSchema } from "../../gen/engage/contacts/v1/resources_pb";
import { RegionalGroupSchema, SectorSchema, ThematicAreaSchema } from "../../gen/engage/type/v1/types_pb";
import { useAbilities } from "../../session/session";
import { AuditTrail } from "../partners/AuditTrail";
import { Interactions } from "../partners/Interactions";
import { idOf } from "../partners/model";
import { RecordForm } from "../partners/RecordForm";
import { DeleteRestore, Details } from "../partners/RecordParts";
import { Stamps, StateBadges, useEnumLabel, PartnerModal } from "../partners/shared";
import { Accreditations } from "./Accreditations";
import { AffiliatedPeople } from "./AffiliatedPeople";

export default function OrganizationPage() {
  const { t } = useTranslation("partners");
  const { id } = useParams<{ id: string }>();
  const name = `organizations/${id}`;
  const can = useAbilities();
  const label = useEnumLabel();
  const [editing, setEditing] = useState(false);
  const query = useQuery({
    queryKey: ["contacts", "organizations", "get", name],
    queryFn: async () => (await contacts().getOrganization({ name })).organization,
  });
  const o = query.data;
  if (query.isPending) {
    return (
      <Center py="xl">
        <Loader aria-label={t("common:app.loading")} />
      </Center>
    );
  }
  if (o === undefined) {
    return (
      <Stack>
        <Title order={1}>{t("record.organization")}</Title>
        <ProblemAlert error={query.error} onRetry={() => void query.refetch()} />
      </Stack>
    );
  }
  const writable = o.mergedInto === "";
  return (
    <Stack gap="lg">
      <Anchor component={Link} href="/organizations" size="sm">
        {t("record.backToOrganizations")}
      </Anchor>
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={1}>
            {o.displayName} {o.acronym ? <Text span c="gray.7" inherit>({o.acronym})</Text> : null}
          </Title>
          <StateBadges deleteTime={o.deleteTime} mergedInto={o.mergedInto} />
          <Stamps createTime={o.createTime} updateTime={o.updateTime} />
        </div>
        {can.write && writable ? (
          <Group gap="xs">
            {o.deleteTime === undefined ? (
              <Button onClick={() => { setEditing(true); }}>{t("common:action.edit")}</Button>
            ) : null}
            <DeleteRestore
              displayName={o.displayName}
              deleted={o.deleteTime !== undefined}
              onDelete={() => contacts().deleteOrganization({ name: o.name, etag: o.etag })}
              onRestore={() => contacts().undeleteOrganization({ name: o.name, etag: o.etag })}
            />
          </Group>
        ) : null}
      </Group>
      {o.mergedInto ? (
        <Text>
          {t("record.mergedInto")}{" "}
          <Anchor component={Link} href={`/organizations/${idOf(o.mergedInto)}`}>
            {o.mergedInto}
          </Anchor>
        </Text>
      ) : null}
      <Details
        rows={[
          [t("field.sector"), label(SectorSchema, o.sector)],
          [t("field.country_code"), o.countryCode],
          [t("field.regional_group"), label(RegionalGroupSchema, o.regionalGroup)],
          [t("field.website"), o.website ? <Anchor href={o.website} target="_blank" rel="noreferrer">{o.website}</Anchor> : ""],
          [t("field.emails"), o.emails.map((e) => e.address).join("\n")],
          [t("field.phones"), o.phones.map((p) => p.originalText).join("\n")],
          [t("field.addresses"), o.addresses.map((a) => [...a.addressLines, [a.postalCode, a.locality].filter(Boolean).join(" "), a.region, a.countryCode].filter(Boolean).join(", ")).join("\n")],
          [t("field.alternative_names"), o.alternativeNames.join("\n")],
          [t("field.thematic_areas"), o.thematicAreas.map((a) => label(ThematicAreaSchema, a)).join(", ")],
          [t("field.tags"), o.tags.join(", ")],
          [t("field.ecosoc_status"), [label(EcosocStatusSchema, o.ecosocStatus), o.ecosocStatusYear ? String(o.ecosocStatusYear) : ""].filter(Boolean).join(", ")],
          [t("field.external_id"), o.externalId],
          [t("field.description"), o.description],
        ]}
      />
      <Divider />
      <Accreditations organization={o.name} writable={writable && o.deleteTime === undefined} />
      <Divider />
      <AffiliatedPeople organization={o.name} />
      <Divider />
      <Interactions participant={o.name} />
      {can.administer ? (
        <>
          <Divider />
          <AuditTrail resource={o.name} />
        </>
      ) : null}
      <PartnerModal opened={editing} onClose={() => { setEditing(false); }} title={t("form.edit.organization")} size="xl">
        <RecordForm kind="organization" record={o} onCancel={() => { setEditing(false); }} onDone={() => { setEditing(false); }} />
      </PartnerModal>
    </Stack>
  );
}
