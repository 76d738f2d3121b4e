// One event: what, when and where, its seats, capacity and waitlist; for officers the steps its
// status allows (publish, close, reopen, cancel), edit, delete and restore; for the registration
// desk (officers and the event's registration managers) registering people, the check-in page,
// the registrations and the waitlist; then attendance figures and statements.
import { useState, type ReactNode } from "react";
import { Alert, Anchor, Button, Center, Divider, Group, Loader, Paper, SimpleGrid, Stack, Text, Textarea, Title } from "@mantine/core";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "wouter";
import { briefings } from "../../api/briefings";
import { fieldMessage, problemOf } from "../../api/problem";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatDateTime, formatNumber } from "../../format";
import { AttendanceModeSchema, EventKindSchema, EventStatus, type Event } from "../../gen/engage/briefings/v1/resources_pb";
import { ThematicAreaSchema } from "../../gen/engage/type/v1/types_pb";
import { useAbilities } from "../../session/session";
import { Details } from "../partners/RecordParts";
import { PartnerModal, useEnumLabel } from "../partners/shared";
import { AttendanceSection } from "./AttendanceSection";
import { EventForm } from "./EventForm";
import { deletable, registrationOpen, seatsLeft, seatsTaken, stepsAllowed, type Step } from "./model";
import { OrganizationNames } from "./names";
import { RegistrationDesk } from "./RegistrationDesk";
import { Registrations } from "./Registrations";
import { EventSpan, EventStatusBadge, Refusal, useDesk, useEvent, useLabel, useZonedTime } from "./shared";
import { StatementsSection } from "./StatementsSection";

export default function EventPage() {
  const { t } = useTranslation("events");
  const { id } = useParams<{ id: string }>();
  const name = `events/${id}`;
  const query = useEvent(name);
  const event = query.data;
  const desk = useDesk(event);
  if (query.isPending) {
    return (
      <Center py="xl">
        <Loader aria-label={t("common:app.loading")} />
      </Center>
    );
  }
  if (event === undefined) {
    return (
      <Stack>
        <Anchor component={Link} href="/events" size="sm">
          {t("event.back")}
        </Anchor>
        <Title order={1}>{t("event.heading")}</Title>
        <ProblemAlert error={query.error} onRetry={() => void query.refetch()} />
      </Stack>
    );
  }
  const checkInOpen = desk && (event.status === EventStatus.PUBLISHED || event.status === EventStatus.CLOSED) && event.deleteTime === undefined;
  return (
    <Stack gap="lg">
      <Anchor component={Link} href="/events" size="sm">
        {t("event.back")}
      </Anchor>
      <Header event={event} />
      <Figures event={event} />
      <About event={event} />
      <Group component="nav" aria-label={t("event.sections")} gap="md">
        {desk ? <Anchor href="#desk">{t("desk.title")}</Anchor> : null}
        <Anchor href="#registrations">{t("registrations.title")}</Anchor>
        <Anchor href="#waitlist">{t("waitlist.title")}</Anchor>
        {checkInOpen ? (
          <Anchor component={Link} href={`/events/${id}/check-in`} fw={600}>
            {t("event.checkIn")}
          </Anchor>
        ) : null}
      </Group>
      {desk ? (
        <>
          <Divider />
          <RegistrationDeskOrWhyNot event={event} />
        </>
      ) : null}
      <Divider />
      <Registrations event={event} desk={desk} />
      <Divider />
      <AttendanceSection event={event} />
      <StatementsSection event={event} />
    </Stack>
  );
}

function RegistrationDeskOrWhyNot({ event }: { event: Event }) {
  const { t } = useTranslation("events");
  const state = registrationOpen({
    status: event.deleteTime === undefined ? event.status : EventStatus.CANCELLED,
    registrationStartTime: event.registrationStartTime ? timestampDate(event.registrationStartTime) : null,
    registrationEndTime: event.registrationEndTime ? timestampDate(event.registrationEndTime) : null,
    endTime: event.endTime ? timestampDate(event.endTime) : null,
  });
  if (state === "open") {
    return <RegistrationDesk event={event} open={<Text size="sm" c="gray.7">{t("desk.intro")}</Text>} />;
  }
  return (
    <Stack gap="sm" component="section" aria-labelledby="desk-title" id="desk">
      <Title order={2} size="h3" id="desk-title">
        {t("desk.title")}
      </Title>
      <Text c="gray.7">{t(`desk.closed.${state}`, { time: formatDateTime(event.registrationStartTime) })}</Text>
    </Stack>
  );
}

function Header({ event }: { event: Event }) {
  const { t } = useTranslation("events");
  const can = useAbilities();
  const label = useLabel();
  const [editing, setEditing] = useState(false);
  const [promoted, setPromoted] = useState<string[]>([]);
  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-start" gap="sm">
        <div>
          <Text size="sm" c="gray.7">
            {[label(EventKindSchema, event.kind), event.conferenceSession].filter(Boolean).join(" · ")}
          </Text>
          <Title order={1}>{event.title}</Title>
          <Group gap="xs" mt={4}>
            <EventStatusBadge status={event.status} />
            {event.deleteTime ? (
              <Text span size="sm" c="gray.7">
                {t("event.deleted")}
              </Text>
            ) : null}
            <Text span size="sm">
              <EventSpan event={event} />
            </Text>
          </Group>
          {event.status === EventStatus.CANCELLED && event.cancelReason ? (
            <Text size="sm" mt={4}>
              {t("event.cancelledBecause", { reason: event.cancelReason })}
            </Text>
          ) : null}
        </div>
        {can.write ? (
          <Group gap="xs">
            {event.status !== EventStatus.CANCELLED && event.deleteTime === undefined ? (
              <Button variant="default" onClick={() => { setEditing(true); }}>
                {t("common:action.edit")}
              </Button>
            ) : null}
            <Lifecycle event={event} />
          </Group>
        ) : null}
        <PartnerModal opened={editing} onClose={() => { setEditing(false); }} title={t("form.editTitle")} size="xl">
          <EventForm
            event={event}
            onCancel={() => { setEditing(false); }}
            onDone={(_, moved) => {
              setEditing(false);
              setPromoted(moved.map((r) => r.participant?.displayName ?? ""));
            }}
          />
        </PartnerModal>
      </Group>
      <div role="status" aria-live="polite">
        {promoted.length > 0 ? (
          <Alert color="green" withCloseButton closeButtonLabel={t("common:action.close")} onClose={() => { setPromoted([]); }} styles={{ message: { color: "var(--mantine-color-black)" } }}>
            {t("event.promoted", { names: promoted.join(", ") })}
          </Alert>
        ) : null}
      </div>
    </Stack>
  );
}

/** The life-cycle steps the event's status allows, and delete / restore where allowed. */
function Lifecycle({ event }: { event: Event }) {
  const { t } = useTranslation("events");
  const queryClient = useQueryClient();
  const [cancelling, setCancelling] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [reason, setReason] = useState("");
  const done = (saved: Event | undefined) => {
    if (saved !== undefined) queryClient.setQueryData(["briefings", "events", "get", event.name], saved);
    void queryClient.invalidateQueries({ queryKey: ["briefings"] });
  };
  const step = useMutation({
    mutationFn: async (which: Step | "delete" | "undelete") => {
      const b = briefings();
      const target = { name: event.name, etag: event.etag };
      switch (which) {
        case "publish":
          return (await b.publishEvent(target)).event;
        case "close":
          return (await b.closeEvent(target)).event;
        case "reopen":
          return (await b.reopenEvent(target)).event;
        case "cancel":
          return (await b.cancelEvent({ ...target, reason: reason.trim() })).event;
        case "delete":
          return (await b.deleteEvent(target)).event;
        case "undelete":
          return (await b.undeleteEvent(target)).event;
      }
    },
    onSuccess: (saved) => {
      setCancelling(false);
      setDeleting(false);
      done(saved);
    },
  });
  const problem = step.error ? problemOf(step.error) : null;
  const deleted = event.deleteTime !== undefined;
  const steps = deleted ? [] : stepsAllowed(event.status).filter((s) => s !== "cancel");
  return (
    <>
      {steps.map((s) => (
        <Button key={s} onClick={() => { step.mutate(s); }} loading={step.isPending && step.variables === s}>
          {t(`step.${s}`)}
        </Button>
      ))}
      {!deleted && stepsAllowed(event.status).includes("cancel") ? (
        <Button variant="outline" color="red" onClick={() => { step.reset(); setReason(""); setCancelling(true); }}>
          {t("step.cancel")}
        </Button>
      ) : null}
      {deleted ? (
        <Button variant="default" onClick={() => { step.mutate("undelete"); }} loading={step.isPending && step.variables === "undelete"}>
          {t("common:action.undelete")}
        </Button>
      ) : deletable(event.status) ? (
        <Button variant="default" color="red" onClick={() => { step.reset(); setDeleting(true); }}>
          {t("common:action.delete")}
        </Button>
      ) : null}
      {!cancelling && !deleting && step.error ? (
        <div style={{ flexBasis: "100%" }}>
          {problem?.kind === "stale" ? <ProblemAlert error={step.error} /> : <Refusal error={step.error} />}
        </div>
      ) : null}
      <PartnerModal opened={cancelling} onClose={() => { setCancelling(false); }} title={t("step.cancelTitle", { title: event.title })}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            step.mutate("cancel");
          }}
        >
          <Stack gap="sm">
            <Text size="sm">{t("step.cancelExplain", { n: formatNumber((event.registrationCounts?.registered ?? 0) + (event.registrationCounts?.waitlisted ?? 0)) })}</Text>
            {problem !== null && fieldMessage(problem, "reason") === undefined ? <Refusal error={step.error} /> : null}
            <Textarea label={t("step.cancelReason")} required autosize minRows={2} maxLength={500} value={reason} onChange={(e) => { setReason(e.currentTarget.value); }} error={fieldMessage(problem, "reason")} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => { setCancelling(false); }}>
                {t("step.keep")}
              </Button>
              <Button type="submit" color="red" loading={step.isPending} disabled={reason.trim() === ""}>
                {t("step.cancelConfirm")}
              </Button>
            </Group>
          </Stack>
        </form>
      </PartnerModal>
      <PartnerModal opened={deleting} onClose={() => { setDeleting(false); }} title={t("step.deleteTitle", { title: event.title })}>
        <Stack gap="sm">
          <Text size="sm">{t("step.deleteExplain")}</Text>
          {step.error ? <Refusal error={step.error} /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => { setDeleting(false); }}>
              {t("common:action.cancel")}
            </Button>
            <Button color="red" loading={step.isPending} onClick={() => { step.mutate("delete"); }}>
              {t("common:action.delete")}
            </Button>
          </Group>
        </Stack>
      </PartnerModal>
    </>
  );
}

/** Seats taken against capacity, seats left, the waitlist, and the desk's other counts. */
function Figures({ event }: { event: Event }) {
  const { t } = useTranslation("events");
  const counts = event.registrationCounts;
  const taken = seatsTaken(counts);
  const left = seatsLeft(event.capacity, counts);
  const figures: [string, string, string?][] = [
    ["seats", event.capacity === 0 ? formatNumber(taken) : t("event.takenOf", { taken: formatNumber(taken), capacity: formatNumber(event.capacity) })],
    ["capacity", event.capacity === 0 ? t("event.unlimited") : formatNumber(event.capacity), left === null ? undefined : t("event.left", { n: formatNumber(left) })],
    ["waitlist", formatNumber(counts?.waitlisted ?? 0), event.waitlistEnabled ? (event.waitlistCapacity > 0 ? t("event.waitlistMax", { n: formatNumber(event.waitlistCapacity) }) : undefined) : t("event.noWaitlist")],
    ["attended", formatNumber(counts?.attended ?? 0)],
    ["noShow", formatNumber(counts?.noShow ?? 0)],
    ["cancelled", formatNumber(counts?.cancelled ?? 0)],
  ];
  return (
    <SimpleGrid component="dl" cols={{ base: 2, sm: 3, md: 6 }} spacing="sm" m={0} aria-label={t("event.figures")}>
      {figures.map(([key, value, note]) => (
        <Paper withBorder p="sm" key={key}>
          <Text component="dt" size="xs" c="gray.7">
            {t(`event.figure.${key}`)}
          </Text>
          <Text component="dd" m={0} fz="xl" fw={700} data-testid={`figure-${key}`}>
            {value}
          </Text>
          {note ? (
            <Text component="dd" m={0} size="xs" c="gray.7">
              {note}
            </Text>
          ) : null}
        </Paper>
      ))}
    </SimpleGrid>
  );
}

function About({ event }: { event: Event }) {
  const { t } = useTranslation("events");
  const label = useLabel();
  const area = useEnumLabel();
  const zoned = useZonedTime(event.timeZone);
  const venue = event.venue;
  const rows: [string, ReactNode][] = [
    [t("event.description"), event.description],
    [t("event.where"), venue ? [venue.displayName, venue.room, venue.address, [venue.city, venue.countryCode].filter(Boolean).join(", ")].filter(Boolean).join("\n") : ""],
    [t("event.online"), event.onlineUrl],
    [t("event.mode"), label(AttendanceModeSchema, event.attendanceMode)],
    [t("event.timeZone"), event.timeZone],
    [t("event.registrationWindow"), t("event.window", { from: event.registrationStartTime ? zoned(event.registrationStartTime) : t("event.fromPublication"), until: zoned(event.registrationEndTime ?? event.endTime) })],
    [t("event.perOrganization"), event.perOrganizationLimit === undefined || event.perOrganizationLimit === 0 ? t("event.noLimit") : formatNumber(event.perOrganizationLimit)],
    [t("event.organizers"), event.organizers.length === 0 ? t("event.unitAlone") : <OrganizationNames names={event.organizers} />],
    [t("event.coOrganizers"), event.coOrganizers.length === 0 ? "" : <OrganizationNames names={event.coOrganizers} />],
    [t("event.areas"), event.thematicAreas.map((a) => area(ThematicAreaSchema, a)).join(", ")],
    [t("event.languages"), event.languages.join(", ")],
    [t("event.contact"), event.contactEmail],
    [t("event.managers"), event.registrationManagers.join("\n")],
  ];
  // Only what the event says: empty fields are left out rather than shown as dashes.
  return <Details rows={rows.filter(([, value]) => value !== "")} />;
}
