// Reference data and small pieces both the organisations and the people screens use.
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { ReactNode } from "react";
import { Badge, Group, Modal, Text } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import type { DescEnum } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { contacts } from "../../api/contacts";
import { formatDateTime } from "../../format";
import { enumName, enumValues } from "./model";

/** The countries engage accepts (ListCountries, not paged), kept for the session. */
export function useCountries() {
  return useQuery({
    queryKey: ["contacts", "countries"],
    queryFn: async () => (await contacts().listCountries({})).countries,
    staleTime: Infinity,
  });
}

/** Tags in use, for filters and autocompletion. */
export function useTags() {
  return useQuery({
    queryKey: ["contacts", "tags"],
    queryFn: async () => (await contacts().listTags({ pageSize: 1000 })).tags,
    staleTime: 60_000,
  });
}

/** An enum value's words from the partners catalogue, by its full proto name. */
export function useEnumLabel() {
  const { t } = useTranslation("partners");
  return (schema: DescEnum, value: number | string) => {
    const name = typeof value === "number" ? enumName(schema, value) : value;
    // An unset (UNSPECIFIED) value is shown as nothing, not as a word.
    return name === "" || name.endsWith("_UNSPECIFIED") ? "" : t(`enum.${name}`);
  };
}

/** Select / MultiSelect options for an enum, valued by full proto name. */
export function useEnumOptions() {
  const label = useEnumLabel();
  return (schema: DescEnum) => enumValues(schema).map((v) => ({ value: v.name, label: label(schema, v.name) }));
}

/** The record's state badges: deleted, merged, erased. */
export function StateBadges({
  deleteTime,
  mergedInto,
  eraseTime,
}: {
  deleteTime?: Timestamp;
  mergedInto?: string;
  eraseTime?: Timestamp;
}) {
  const { t } = useTranslation("partners");
  return (
    <Group gap={4} component="span">
      {deleteTime ? <Badge color="gray">{t("state.deleted")}</Badge> : null}
      {mergedInto ? <Badge color="grape">{t("state.merged")}</Badge> : null}
      {eraseTime ? <Badge color="red">{t("state.erased")}</Badge> : null}
    </Group>
  );
}

/** When a record was created and last changed. */
export function Stamps({ createTime, updateTime }: { createTime?: Timestamp; updateTime?: Timestamp }) {
  const { t } = useTranslation("partners");
  return (
    <Text size="xs" c="gray.7">
      {t("record.stamps", { created: formatDateTime(createTime), updated: formatDateTime(updateTime) })}
    </Text>
  );
}

/** A fresh idempotency key for one opening of a form. */
export function newRequestId(): string {
  return crypto.randomUUID();
}

/** A dialog of these screens: a named close button, full screen on a phone. */
export function PartnerModal({ opened, onClose, title, size, children }: { opened: boolean; onClose: () => void; title: string; size?: string; children: ReactNode }) {
  const { t } = useTranslation("partners");
  const narrow = useMediaQuery("(max-width: 36em)");
  return (
    <Modal opened={opened} onClose={onClose} title={title} size={size} fullScreen={narrow && size === "xl"} closeButtonProps={{ "aria-label": t("common:action.close") }}>
      {children}
    </Modal>
  );
}
