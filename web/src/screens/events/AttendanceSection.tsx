// An event's attendance figures (GetEventAttendance): registrations, check-ins and no-shows,
// by sector, regional group and gender, as the database counts them at the time of asking.
// Shown on the event page; links to the figures of the event's conference session.
import { Suspense } from "react";
import { Anchor, Button, Group, Loader, Skeleton, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { briefings } from "../../api/briefings";
import { formatDateTime } from "../../format";
import type { Event } from "../../gen/engage/briefings/v1/resources_pb";
import { Breakdowns, KeyFigures } from "./OutcomesFigures";
import { OutcomesProblem } from "./OutcomesParts";
import { countsOf, liveRegistrations } from "./outcomes-model";

export function AttendanceSection({ event }: { event: Event }) {
  // The section's words load with it; the rest of the event page does not wait for them.
  return (
    <Suspense fallback={<Loader size="sm" aria-label="…" />}>
      <Attendance event={event} />
    </Suspense>
  );
}

function Attendance({ event }: { event: Event }) {
  const { t } = useTranslation("outcomes");
  const figures = useQuery({
    queryKey: ["briefings", "attendance", event.name],
    queryFn: async () => (await briefings().getEventAttendance({ event: event.name })).attendance,
  });
  const attendance = figures.data;
  const totals = countsOf(attendance?.breakdown?.totals);
  return (
    <Stack gap="sm" component="section" aria-labelledby="outcomes-attendance">
      <Group justify="space-between" align="end" wrap="wrap" gap="xs">
        <Title order={2} size="h3" id="outcomes-attendance">
          {t("attendance.title")}
        </Title>
        <Group gap="xs">
          {attendance?.computeTime ? (
            <Text size="sm" c="gray.7">
              {t("attendance.asOf", { time: formatDateTime(attendance.computeTime) })}
            </Text>
          ) : null}
          <Button size="xs" variant="default" onClick={() => void figures.refetch()} loading={figures.isFetching}>
            {t("attendance.refresh")}
          </Button>
        </Group>
      </Group>
      <OutcomesProblem error={figures.error} onRetry={() => void figures.refetch()} />
      {figures.isPending ? (
        <Stack gap="xs" aria-busy="true">
          <Text size="sm">{t("attendance.loading")}</Text>
          <Skeleton height={120} />
        </Stack>
      ) : null}
      {attendance ? (
        <>
          <KeyFigures breakdown={attendance.breakdown} />
          <Text size="sm" c="gray.7">
            {t("attendance.explain")}
          </Text>
          {liveRegistrations(totals) + totals.cancelled === 0 ? (
            <Text>{t("attendance.none")}</Text>
          ) : attendance.breakdown ? (
            <Breakdowns breakdown={attendance.breakdown} order={3} idPrefix="outcomes-event" />
          ) : null}
          {event.conferenceSession ? (
            <Text size="sm">
              <Anchor component={Link} href={`/events/attendance?session=${encodeURIComponent(event.conferenceSession)}`}>
                {t("attendance.sessionLink", { session: event.conferenceSession })}
              </Anchor>
            </Text>
          ) : null}
        </>
      ) : null}
    </Stack>
  );
}
