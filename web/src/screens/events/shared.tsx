// Pieces the events desk's screens share: who may work the registration desk of an event, the
// event and registration statuses as coloured words, an event's times in its own zone, and a
// service refusal explained in words.
import type { ReactNode } from "react";
import { Alert, Badge, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useTranslation } from "react-i18next";
import { briefings } from "../../api/briefings";
import { problemOf } from "../../api/problem";
import { ProblemAlert } from "../../components/ProblemAlert";
import type { DescEnum } from "@bufbuild/protobuf";
import { EventStatus, EventStatusSchema, RegistrationStatus, RegistrationStatusSchema, type Event } from "../../gen/engage/briefings/v1/resources_pb";
import { useAbilities, useCaller } from "../../session/session";
import { enumName, enumValues } from "../partners/model";
import { refusalKey } from "./model";
import { formatInZone, formatSpan } from "./times";

/** The event of the page, read once and shared by its sections. */
export function useEvent(name: string) {
  return useQuery({
    queryKey: ["briefings", "events", "get", name],
    queryFn: async () => {
      const event = (await briefings().getEvent({ name })).event;
      if (event === undefined) throw new Error("no event in the answer");
      return event;
    },
  });
}

/**
 * Whether the caller works the registration desk of `event`: officers and administrators,
 * and the subjects the event names as its registration managers (organisers' staff), who may
 * hold any role (the gateway lets every role call; the service decides).
 */
export function useDesk(event: Event | undefined): boolean {
  const can = useAbilities();
  const caller = useCaller();
  return can.write || (event?.registrationManagers.includes(caller.subject) ?? false);
}

/** An enum value of the briefings contract in words (`enum.<FULL_NAME>` of the events catalogue). */
export function useLabel() {
  const { t } = useTranslation("events");
  return (schema: DescEnum, value: number) => {
    const name = enumName(schema, value);
    return name === "" || name.endsWith("_UNSPECIFIED") ? "" : t(`enum.${name}`);
  };
}

/** Select options for an enum of the briefings contract, valued by full proto name. */
export function useOptions() {
  const label = useLabel();
  return (schema: DescEnum) => enumValues(schema).map((v) => ({ value: v.name, label: label(schema, v.number) }));
}

const eventStatusColor: Record<number, string> = {
  [EventStatus.DRAFT]: "gray",
  [EventStatus.PUBLISHED]: "green",
  [EventStatus.CLOSED]: "orange",
  [EventStatus.CANCELLED]: "red",
};

export function EventStatusBadge({ status }: { status: EventStatus }) {
  const label = useLabel();
  return (
    <Badge color={eventStatusColor[status] ?? "gray"} variant="light" styles={{ label: { color: "var(--mantine-color-black)" } }}>
      {label(EventStatusSchema, status)}
    </Badge>
  );
}

const registrationColor: Record<number, string> = {
  [RegistrationStatus.REGISTERED]: "blue",
  [RegistrationStatus.WAITLISTED]: "yellow",
  [RegistrationStatus.CANCELLED]: "gray",
  [RegistrationStatus.ATTENDED]: "green",
  [RegistrationStatus.NO_SHOW]: "red",
};

export function RegistrationStatusBadge({ status, position }: { status: RegistrationStatus; position?: number }) {
  const { t } = useTranslation("events");
  const label = useLabel();
  return (
    <Badge color={registrationColor[status] ?? "gray"} variant="light" styles={{ label: { color: "var(--mantine-color-black)" } }}>
      {status === RegistrationStatus.WAITLISTED && position !== undefined && position > 0
        ? t("registrationStatus.waitlistedAt", { position })
        : label(RegistrationStatusSchema, status)}
    </Badge>
  );
}

/** Start and end of the event, in its own time zone, in the reader's language. */
export function EventSpan({ event }: { event: Event }) {
  const { i18n } = useTranslation();
  return (
    <>
      {formatSpan(
        event.startTime ? timestampDate(event.startTime) : undefined,
        event.endTime ? timestampDate(event.endTime) : undefined,
        event.timeZone,
        i18n.language,
      )}
    </>
  );
}

/** A time of the event (a registration, a check-in) in the event's zone. */
export function useZonedTime(zone: string) {
  const { i18n } = useTranslation();
  return (value: Parameters<typeof timestampDate>[0] | undefined) => (value === undefined ? "" : formatInZone(timestampDate(value), zone, i18n.language));
}

/** A failed call: a service refusal with a known reason in the desk's words, otherwise the generic alert. */
export function Refusal({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation("events");
  if (error === null || error === undefined) return null;
  const key = refusalKey(problemOf(error));
  if (key === null) return <ProblemAlert error={error} onRetry={onRetry} />;
  return (
    <Alert color="yellow" role="alert" title={t("refusal.title")} styles={{ title: { color: "var(--mantine-color-black)" } }}>
      <Text size="sm">{t(`refusal.${key}`)}</Text>
    </Alert>
  );
}

/** The bare id of a resource name's last part (`events/{id}` → `{id}`). */
export function idOf(name: string): string {
  return name.split("/").pop() ?? "";
}

/**
 * A table that scrolls sideways on a phone. The scrolling area can take the focus (named as
 * the table), so it can be scrolled with the keyboard whatever the table holds.
 */
export function ScrollTable({ label, minWidth, children }: { label: string; minWidth: number; children: ReactNode }) {
  return (
    <Table.ScrollContainer minWidth={minWidth} scrollAreaProps={{ viewportProps: { tabIndex: 0, role: "region", "aria-label": label } }}>
      {children}
    </Table.ScrollContainer>
  );
}
