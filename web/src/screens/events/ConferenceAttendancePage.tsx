// Attendance across a conference session (GetConferenceSessionAttendance): every published or
// closed event held alongside a session such as COP12, their figures by kind of event, by
// sector, regional group and gender, and one line per event. The session is kept in the
// address bar so the figures can be bookmarked and linked from an event.
import { useState, type SyntheticEvent } from "react";
import { Anchor, Autocomplete, Button, Group, Skeleton, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "wouter";
import { briefings } from "../../api/briefings";
import { formatDate, formatDateTime, formatNumber } from "../../format";
import type { ConferenceSessionAttendance } from "../../gen/engage/briefings/v1/reports_pb";
import { EventKindSchema, EventStatusSchema } from "../../gen/engage/briefings/v1/resources_pb";
import { idOf } from "../partners/model";
import { Breakdowns, KeyFigures, StatusChart } from "./OutcomesFigures";
import { OutcomesProblem, OutcomesStat, OutcomesTableScroll } from "./OutcomesParts";
import { countsOf, enumKey, isSessionCode, sessionCode, sessionCodes, statusColumns } from "./outcomes-model";

export default function ConferenceAttendancePage() {
  const { t } = useTranslation("outcomes");
  const [params, setParams] = useSearchParams();
  const session = sessionCode(params.get("session") ?? "");
  const [typed, setTyped] = useState(session);
  const [invalid, setInvalid] = useState(false);
  // Another session reached by a link or the browser's back button fills the field again.
  const [shown, setShown] = useState(session);
  if (shown !== session) {
    setShown(session);
    setTyped(session);
    setInvalid(false);
  }

  // The sessions events were held alongside, newest first, offered as the person types.
  const known = useQuery({
    queryKey: ["briefings", "events", "conference-sessions"],
    queryFn: async () => {
      const r = await briefings().listEvents({ filter: 'conference_session != ""', orderBy: "start_time desc", pageSize: 1000 });
      return sessionCodes(r.events);
    },
    staleTime: 60_000,
  });

  const figures = useQuery({
    queryKey: ["briefings", "conference-attendance", session],
    queryFn: async () => (await briefings().getConferenceSessionAttendance({ conferenceSession: session })).attendance,
    enabled: isSessionCode(session),
  });

  const show = (e: SyntheticEvent) => {
    e.preventDefault();
    const code = sessionCode(typed);
    if (!isSessionCode(code)) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    setTyped(code);
    setParams({ session: code });
  };

  return (
    <Stack gap="md">
      <Title order={1}>{t("conference.title")}</Title>
      <Text c="gray.7">{t("conference.intro")}</Text>
      <form role="search" aria-label={t("conference.formLabel")} onSubmit={show}>
        <Group align="start" gap="sm" wrap="wrap">
          <Autocomplete
            label={t("conference.session")}
            description={t("conference.sessionHint")}
            data={known.data ?? []}
            value={typed}
            onChange={(value) => {
              setTyped(value);
              setInvalid(false);
            }}
            error={invalid ? t("conference.sessionInvalid") : undefined}
            w={{ base: "100%", xs: 280 }}
          />
          <Button type="submit" mt={{ base: 0, xs: 44 }}>
            {t("conference.show")}
          </Button>
        </Group>
      </form>
      <OutcomesProblem error={figures.error} onRetry={() => void figures.refetch()} />
      {figures.isLoading ? (
        <Stack gap="xs" aria-busy="true">
          <Text size="sm">{t("attendance.loading")}</Text>
          <Skeleton height={160} />
        </Stack>
      ) : null}
      {figures.data ? <SessionFigures attendance={figures.data} /> : null}
    </Stack>
  );
}

function SessionFigures({ attendance }: { attendance: ConferenceSessionAttendance }) {
  const { t } = useTranslation("outcomes");
  const session = attendance.conferenceSession;
  const kinds = attendance.byKind.map((k) => ({
    key: t("conference.kindCount", { kind: t(enumKey(EventKindSchema, "kind", "EVENT_KIND_", k.kind)), count: k.eventCount }),
    counts: countsOf(k.counts),
  }));
  return (
    <Stack gap="lg" component="section" aria-labelledby="outcomes-session">
      <Group justify="space-between" align="end" wrap="wrap" gap="xs">
        <Title order={2} id="outcomes-session">
          {t("conference.figuresOf", { session })}
        </Title>
        {attendance.computeTime ? (
          <Text size="sm" c="gray.7">
            {t("attendance.asOf", { time: formatDateTime(attendance.computeTime) })}
          </Text>
        ) : null}
      </Group>
      <Text size="sm" c="gray.7">
        {t("conference.included")}
      </Text>
      {attendance.eventCount === 0 ? (
        <Text>{t("conference.noEvents", { session })}</Text>
      ) : (
        <>
          <KeyFigures
            breakdown={attendance.breakdown}
            before={
              <>
                <OutcomesStat label={t("conference.events")} value={formatNumber(attendance.eventCount)} />
                <OutcomesStat label={t("conference.people")} value={formatNumber(attendance.peopleAttended)} hint={t("conference.peopleHint")} />
              </>
            }
          />
          <Text size="sm" c="gray.7">
            {t("attendance.explain")} {t("conference.countedPerEvent")}
          </Text>
          <Stack gap="xs" component="section" aria-labelledby="outcomes-session-kind">
            <Title order={3} size="h4" id="outcomes-session-kind">
              {t("conference.kind")}
            </Title>
            <StatusChart title={t("conference.byKind")} categoryHeading={t("conference.kind")} rows={kinds} label={(key) => key} />
          </Stack>
          {attendance.breakdown ? <Breakdowns breakdown={attendance.breakdown} order={3} idPrefix="outcomes-session" /> : null}
          <EventLines attendance={attendance} />
        </>
      )}
    </Stack>
  );
}

function EventLines({ attendance }: { attendance: ConferenceSessionAttendance }) {
  const { t } = useTranslation("outcomes");
  return (
    <Stack gap="xs" component="section" aria-labelledby="outcomes-session-events">
      <Title order={3} size="h4" id="outcomes-session-events">
        {t("conference.eventsHeading")}
      </Title>
      <OutcomesTableScroll label={t("conference.eventsCaption", { session: attendance.conferenceSession })} minWidth={760}>
        <Table striped captionSide="top">
          <Table.Caption ta="start">{t("conference.eventsCaption", { session: attendance.conferenceSession })}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("conference.event")}</Table.Th>
              <Table.Th scope="col">{t("conference.kind")}</Table.Th>
              <Table.Th scope="col">{t("conference.starts")}</Table.Th>
              <Table.Th scope="col" ta="end">
                {t("conference.capacity")}
              </Table.Th>
              {statusColumns.map((c) => (
                <Table.Th key={c} scope="col" ta="end">
                  {t(`status.${c}`)}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {attendance.events.map((line) => {
              const counts = countsOf(line.counts);
              return (
                <Table.Tr key={line.event}>
                  <Table.Th scope="row" fw="normal">
                    <Anchor component={Link} href={`/events/${idOf(line.event)}`}>
                      {line.title}
                    </Anchor>
                    <Text size="xs" c="gray.7">
                      {t(enumKey(EventStatusSchema, "eventStatus", "EVENT_STATUS_", line.status))}
                    </Text>
                  </Table.Th>
                  <Table.Td>{t(enumKey(EventKindSchema, "kind", "EVENT_KIND_", line.kind))}</Table.Td>
                  <Table.Td>{formatDate(line.startTime)}</Table.Td>
                  <Table.Td ta="end">{line.capacity > 0 ? formatNumber(line.capacity) : t("figures.unlimited")}</Table.Td>
                  {statusColumns.map((c) => (
                    <Table.Td key={c} ta="end">
                      {formatNumber(counts[c])}
                    </Table.Td>
                  ))}
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </OutcomesTableScroll>
    </Stack>
  );
}
