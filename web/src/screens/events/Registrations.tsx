// An event's registrations and its waitlist in order, with what the desk does to them: cancel
// (saying who was promoted from the waitlist to the freed seat), check in, mark a no-show after
// the event, mark every remaining registration a no-show at once, and download the participant
// list as CSV (a server stream, complete only with its row count).
import { useState } from "react";
import { Alert, Anchor, Button, Group, NativeSelect, Stack, Table, Text, Textarea, Title } from "@mantine/core";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { briefings } from "../../api/briefings";
import { useKeysetPages } from "../../api/pages";
import { fieldMessage, problemOf } from "../../api/problem";
import { downloadBlob, fileDate } from "../../components/Download";
import { KeysetPager, pagerOf } from "../../components/KeysetPager";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatNumber } from "../../format";
import type { CancelRegistrationResponse } from "../../gen/engage/briefings/v1/briefings_service_pb";
import { EventStatus, RegistrationStatus, RegistrationStatusSchema, type Event, type Registration } from "../../gen/engage/briefings/v1/resources_pb";
import { enumValues } from "../partners/model";
import { newRequestId, PartnerModal } from "../partners/shared";
import { exportFileName, formatBadgeCode } from "./model";
import { idOf, Refusal, RegistrationStatusBadge, ScrollTable, useLabel, useZonedTime } from "./shared";

/** Whether the event is over (no-shows can be marked). */
export function ended(event: Event, now = new Date()): boolean {
  return event.endTime !== undefined && timestampDate(event.endTime) <= now;
}

const live = (r: Registration) => r.status === RegistrationStatus.REGISTERED || r.status === RegistrationStatus.WAITLISTED;

/** The message after a cancellation: who was cancelled and who took the freed seat. */
function useCancelMessage() {
  const { t } = useTranslation("events");
  return (response: CancelRegistrationResponse) => {
    const cancelled = response.registration?.participant?.displayName ?? "";
    const lines = [t("cancel.done", { name: cancelled })];
    for (const p of response.promoted) {
      lines.push(t("cancel.promoted", { name: p.participant?.displayName ?? "", badge: formatBadgeCode(p.badgeCode) }));
    }
    if (response.promoted.length === 0) lines.push(t("cancel.noneWaiting"));
    return lines.join(" ");
  };
}

export function Registrations({ event, desk }: { event: Event; desk: boolean }) {
  const { t } = useTranslation("events");
  const label = useLabel();
  const [status, setStatus] = useState("");
  const [order, setOrder] = useState("register_time");
  const [notice, setNotice] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState<Registration | null>(null);
  const filter = status === "" ? "" : `status = ${status}`;
  const pages = useKeysetPages<Registration>(["briefings", "registrations", event.name, filter, order], async (pageToken) => {
    const r = await briefings().listRegistrations({ parent: event.name, filter, orderBy: order, pageSize: 50, pageToken });
    return { items: r.registrations, nextPageToken: r.nextPageToken, totalSize: r.totalSize };
  });
  const items = pages.data?.items ?? [];
  const zoned = useZonedTime(event.timeZone);
  const writable = event.status !== EventStatus.CANCELLED && event.deleteTime === undefined;
  const canCheckIn = writable && event.status !== EventStatus.DRAFT;
  const over = ended(event);

  return (
    <Stack gap="sm" component="section" aria-labelledby="registrations-title" id="registrations">
      <Title order={2} size="h3" id="registrations-title">
        {t("registrations.title")}
      </Title>
      <div role="status" aria-live="polite">
        {notice !== null ? (
          <Alert color="green" title={t("cancel.title")} withCloseButton closeButtonLabel={t("common:action.close")} onClose={() => { setNotice(null); }} styles={{ title: { color: "var(--mantine-color-black)" }, message: { color: "var(--mantine-color-black)" } }}>
            {notice}
          </Alert>
        ) : null}
      </div>
      {desk ? <DeskTools event={event} over={over} writable={writable} /> : null}
      <Group gap="sm" align="flex-end">
        <NativeSelect
          label={t("registrations.status")}
          data={[{ value: "", label: t("registrations.all") }, ...enumValues(RegistrationStatusSchema).map((v) => ({ value: v.name, label: label(RegistrationStatusSchema, v.number) }))]}
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value);
          }}
        />
        <NativeSelect
          label={t("registrations.order")}
          data={[
            { value: "register_time", label: t("registrations.byTime") },
            { value: "participant.display_name", label: t("registrations.byName") },
            { value: "check_in_time desc", label: t("registrations.byCheckIn") },
          ]}
          value={order}
          onChange={(e) => {
            setOrder(e.currentTarget.value);
          }}
        />
      </Group>
      <ProblemAlert error={pages.error} onRetry={() => void pages.refetch()} />
      <ScrollTable minWidth={760} label={t("registrations.title")}>
        <Table striped aria-busy={pages.isFetching} captionSide="top">
          <Table.Caption ta="start">{t("registrations.caption", { total: formatNumber(pages.totalSize ?? items.length) })}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("registrations.participant")}</Table.Th>
              <Table.Th scope="col">{t("registrations.organization")}</Table.Th>
              <Table.Th scope="col">{t("registrations.statusColumn")}</Table.Th>
              <Table.Th scope="col">{t("registrations.badge")}</Table.Th>
              <Table.Th scope="col">{t("registrations.registered")}</Table.Th>
              <Table.Th scope="col">{t("registrations.checkedIn")}</Table.Th>
              {desk ? <Table.Th scope="col">{t("registrations.actions")}</Table.Th> : null}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((r) => (
              <Table.Tr key={r.name}>
                <Table.Th scope="row" fw={500}>
                  <PersonLink registration={r} />
                </Table.Th>
                <Table.Td>{r.participant?.organizationDisplayName}</Table.Td>
                <Table.Td>
                  <RegistrationStatusBadge status={r.status} position={r.waitlistPosition} />
                </Table.Td>
                <Table.Td style={{ fontFamily: "monospace", whiteSpace: "nowrap" }}>{formatBadgeCode(r.badgeCode)}</Table.Td>
                <Table.Td>{zoned(r.registerTime)}</Table.Td>
                <Table.Td>{zoned(r.checkInTime)}</Table.Td>
                {desk ? (
                  <Table.Td>
                    <RowActions
                      registration={r}
                      canCheckIn={canCheckIn}
                      canNoShow={writable && over}
                      canCancel={writable && live(r)}
                      onCancel={() => {
                        setNotice(null);
                        setCancelling(r);
                      }}
                    />
                  </Table.Td>
                ) : null}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollTable>
      {pages.isSuccess && items.length === 0 ? <Text c="gray.7">{t("registrations.none")}</Text> : null}
      <KeysetPager {...pagerOf(pages)} />
      <Waitlist
        event={event}
        desk={desk && writable}
        onCancel={(r) => {
          setNotice(null);
          setCancelling(r);
        }}
      />
      <PartnerModal
        opened={cancelling !== null}
        onClose={() => {
          setCancelling(null);
        }}
        title={t("cancel.dialogTitle", { name: cancelling?.participant?.displayName ?? "" })}
      >
        {cancelling !== null ? (
          <CancelForm
            registration={cancelling}
            onClose={() => {
              setCancelling(null);
            }}
            onDone={(message) => {
              setCancelling(null);
              setNotice(message);
            }}
          />
        ) : null}
      </PartnerModal>
    </Stack>
  );
}

/** The waitlist in the order seats will be offered, with each position. */
function Waitlist({ event, desk, onCancel }: { event: Event; desk: boolean; onCancel: (r: Registration) => void }) {
  const { t } = useTranslation("events");
  const zoned = useZonedTime(event.timeZone);
  const filter = "status = REGISTRATION_STATUS_WAITLISTED";
  const pages = useKeysetPages<Registration>(["briefings", "registrations", event.name, "waitlist"], async (pageToken) => {
    const r = await briefings().listRegistrations({ parent: event.name, filter, orderBy: "waitlist_position", pageSize: 50, pageToken });
    return { items: r.registrations, nextPageToken: r.nextPageToken, totalSize: r.totalSize };
  });
  const items = pages.data?.items ?? [];
  return (
    <Stack gap="sm" component="section" aria-labelledby="waitlist-title" id="waitlist" mt="md">
      <Title order={2} size="h3" id="waitlist-title">
        {t("waitlist.title")}
      </Title>
      <Text size="sm" c="gray.7">
        {event.waitlistEnabled ? t("waitlist.explain") : t("waitlist.disabled")}
      </Text>
      <ProblemAlert error={pages.error} onRetry={() => void pages.refetch()} />
      {items.length > 0 ? (
        <ScrollTable minWidth={520} label={t("waitlist.title")}>
          <Table striped captionSide="top">
            <Table.Caption ta="start">{t("waitlist.caption", { total: formatNumber(pages.totalSize ?? items.length) })}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("waitlist.position")}</Table.Th>
                <Table.Th scope="col">{t("registrations.participant")}</Table.Th>
                <Table.Th scope="col">{t("registrations.organization")}</Table.Th>
                <Table.Th scope="col">{t("registrations.registered")}</Table.Th>
                {desk ? <Table.Th scope="col">{t("registrations.actions")}</Table.Th> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((r) => (
                <Table.Tr key={r.name}>
                  <Table.Td>{formatNumber(r.waitlistPosition)}</Table.Td>
                  <Table.Th scope="row" fw={500}>
                    <PersonLink registration={r} />
                  </Table.Th>
                  <Table.Td>{r.participant?.organizationDisplayName}</Table.Td>
                  <Table.Td>{zoned(r.registerTime)}</Table.Td>
                  {desk ? (
                    <Table.Td>
                      <Button
                        size="compact-xs"
                        variant="default"
                        onClick={() => {
                          onCancel(r);
                        }}
                        aria-label={t("cancel.actionFor", { name: r.participant?.displayName ?? "" })}
                      >
                        {t("cancel.action")}
                      </Button>
                    </Table.Td>
                  ) : null}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollTable>
      ) : pages.isSuccess ? (
        <Text c="gray.7">{t("waitlist.empty")}</Text>
      ) : null}
      {pages.hasNext || pages.hasPrevious ? <KeysetPager {...pagerOf(pages)} /> : null}
    </Stack>
  );
}

/** The participant's name, leading to their record in the register. */
function PersonLink({ registration: r }: { registration: Registration }) {
  return (
    <Anchor component={Link} href={`/people/${idOf(r.person)}`}>
      {r.participant?.displayName}
    </Anchor>
  );
}

function RowActions({
  registration: r,
  canCheckIn,
  canNoShow,
  canCancel,
  onCancel,
}: {
  registration: Registration;
  canCheckIn: boolean;
  canNoShow: boolean;
  canCancel: boolean;
  onCancel: () => void;
}) {
  const { t } = useTranslation("events");
  const queryClient = useQueryClient();
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["briefings"] });
  const name = r.participant?.displayName ?? "";
  const checkIn = useMutation({ mutationFn: () => briefings().checkIn({ target: { case: "name", value: r.name } }), onSuccess: refresh });
  const noShow = useMutation({ mutationFn: () => briefings().markNoShow({ name: r.name, etag: r.etag }), onSuccess: refresh });
  const error = checkIn.error ?? noShow.error;
  return (
    <Stack gap={4}>
      <Group gap={4} wrap="nowrap">
        {canCheckIn && (r.status === RegistrationStatus.REGISTERED || r.status === RegistrationStatus.NO_SHOW) ? (
          <Button size="compact-xs" variant="light" loading={checkIn.isPending} onClick={() => { checkIn.mutate(); }} aria-label={t("registrations.checkInFor", { name })}>
            {t("registrations.checkIn")}
          </Button>
        ) : null}
        {canNoShow && r.status === RegistrationStatus.REGISTERED ? (
          <Button size="compact-xs" variant="default" loading={noShow.isPending} onClick={() => { noShow.mutate(); }} aria-label={t("noShow.actionFor", { name })}>
            {t("noShow.action")}
          </Button>
        ) : null}
        {canCancel ? (
          <Button size="compact-xs" variant="default" onClick={onCancel} aria-label={t("cancel.actionFor", { name })}>
            {t("cancel.action")}
          </Button>
        ) : null}
      </Group>
      {error ? <Refusal error={error} /> : null}
    </Stack>
  );
}

function CancelForm({ registration, onClose, onDone }: { registration: Registration; onClose: () => void; onDone: (message: string) => void }) {
  const { t } = useTranslation("events");
  const queryClient = useQueryClient();
  const message = useCancelMessage();
  const [reason, setReason] = useState("");
  // One key per opening of the dialog: a repeated confirm returns the first result.
  const [requestId] = useState(newRequestId);
  const cancel = useMutation({
    mutationFn: () => briefings().cancelRegistration({ name: registration.name, etag: registration.etag, reason: reason.trim(), requestId }),
    onSuccess: (response) => {
      void queryClient.invalidateQueries({ queryKey: ["briefings"] });
      onDone(message(response));
    },
  });
  const problem = cancel.error ? problemOf(cancel.error) : null;
  const waitlisted = registration.status === RegistrationStatus.WAITLISTED;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (!cancel.isPending) cancel.mutate();
      }}
    >
      <Stack gap="sm">
        <Text size="sm">{waitlisted ? t("cancel.explainWaitlisted") : t("cancel.explain")}</Text>
        {problem !== null && problem.kind === "stale" ? (
          <Alert color="yellow" role="alert">
            <Text size="sm">{t("cancel.stale")}</Text>
          </Alert>
        ) : problem !== null && fieldMessage(problem, "reason") === undefined ? (
          <Refusal error={cancel.error} />
        ) : null}
        <Textarea label={t("cancel.reason")} autosize minRows={2} maxLength={500} value={reason} onChange={(e) => { setReason(e.currentTarget.value); }} error={fieldMessage(problem, "reason")} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t("cancel.keep")}
          </Button>
          <Button type="submit" color="red" loading={cancel.isPending}>
            {t("cancel.confirm")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Export of the participant list, and after the event the remaining no-shows at once. */
function DeskTools({ event, over, writable }: { event: Event; over: boolean; writable: boolean }) {
  const { t } = useTranslation("events");
  const queryClient = useQueryClient();
  const [rows, setRows] = useState<number | null>(null);
  const [confirming, setConfirming] = useState(false);
  const exporter = useMutation({
    mutationFn: async () => {
      const chunks: Uint8Array<ArrayBuffer>[] = [];
      let count: bigint | null = null;
      setRows(null);
      for await (const message of briefings().exportRegistrations({ parent: event.name, orderBy: "register_time" })) {
        if (message.payload.case === "csvChunk") chunks.push(message.payload.value.slice());
        else if (message.payload.case === "rowCount") count = message.payload.value;
      }
      // The row count comes last: without it the stream was cut and the file is incomplete.
      if (count === null) throw new Error(t("export.incomplete"));
      const filename = exportFileName(event.title, fileDate());
      downloadBlob(new Blob(chunks, { type: "text/csv;charset=utf-8" }), filename);
      setRows(Number(count));
      return filename;
    },
  });
  const registered = event.registrationCounts?.registered ?? 0;
  const batch = useMutation({
    mutationFn: () => briefings().batchMarkNoShow({ parent: event.name, names: [] }),
    onSuccess: () => {
      setConfirming(false);
      void queryClient.invalidateQueries({ queryKey: ["briefings"] });
    },
  });
  return (
    <Stack gap="xs">
      <Group gap="sm">
        <Button variant="default" onClick={() => { exporter.mutate(); }} loading={exporter.isPending}>
          {t("export.action")}
        </Button>
        {writable && over && event.status !== EventStatus.DRAFT && registered > 0 ? (
          <Button variant="default" color="red" onClick={() => { batch.reset(); setConfirming(true); }}>
            {t("noShow.batch", { n: formatNumber(registered) })}
          </Button>
        ) : null}
      </Group>
      <div role="status" aria-live="polite">
        {exporter.isSuccess && rows !== null ? (
          <Text size="sm">{t("export.done", { rows: formatNumber(rows), file: exporter.data })}</Text>
        ) : null}
        {batch.isSuccess ? <Text size="sm">{t("noShow.batchDone", { n: formatNumber(batch.data.registrations.length) })}</Text> : null}
      </div>
      <ProblemAlert error={exporter.error} />
      <PartnerModal opened={confirming} onClose={() => { setConfirming(false); }} title={t("noShow.batchTitle")}>
        <Stack gap="sm">
          <Text size="sm">{t("noShow.batchExplain", { n: formatNumber(registered) })}</Text>
          <Refusal error={batch.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => { setConfirming(false); }}>
              {t("common:action.cancel")}
            </Button>
            <Button color="red" loading={batch.isPending} onClick={() => { batch.mutate(); }}>
              {t("noShow.batchConfirm")}
            </Button>
          </Group>
        </Stack>
      </PartnerModal>
    </Stack>
  );
}
