// The events: briefings, side events, dialogues and the rest, filtered as the service allows
// (kind, status, conference session, thematic area, country, attendance mode, dates), kept in
// the address bar, in keyset pages with the total; each with its seats and waitlist. Officers
// create events here. A link leads to the attendance figures of a conference session.
import { useEffect, useState } from "react";
import { Anchor, Button, Collapse, Group, NativeSelect, Select, SimpleGrid, Stack, Switch, Table, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue, useMediaQuery } from "@mantine/hooks";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useSearchParams } from "wouter";
import { briefings } from "../../api/briefings";
import { useKeysetPages } from "../../api/pages";
import { KeysetPager, pagerOf } from "../../components/KeysetPager";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatNumber } from "../../format";
import { AttendanceModeSchema, EventKindSchema, EventStatusSchema, type Event } from "../../gen/engage/briefings/v1/resources_pb";
import { ThematicAreaSchema } from "../../gen/engage/type/v1/types_pb";
import { useAbilities, useCaller } from "../../session/session";
import { PartnerModal, useCountries, useEnumOptions } from "../partners/shared";
import { EventForm } from "./EventForm";
import { eventFilter, eventFiltersFromSearch, eventOrders, pageSizes, searchFromEventFilters, seatsTaken, type EventFilters } from "./model";
import { EventSpan, EventStatusBadge, idOf, ScrollTable, useLabel, useOptions } from "./shared";

function useEventFilters(): [EventFilters, (change: Partial<EventFilters>) => void] {
  const [params, setParams] = useSearchParams();
  const filters = eventFiltersFromSearch(params);
  const update = (change: Partial<EventFilters>) => {
    setParams(searchFromEventFilters({ ...eventFiltersFromSearch(new URLSearchParams(window.location.search)), ...change }), { replace: true });
  };
  return [filters, update];
}

export default function EventsPage() {
  const { t } = useTranslation("events");
  const can = useAbilities();
  const [, navigate] = useLocation();
  const [filters, update] = useEventFilters();
  const [creating, setCreating] = useState(false);
  const caller = useCaller();
  const filter = eventFilter(filters, caller.subject);
  const showDeleted = can.write && filters.deleted;
  const pages = useKeysetPages<Event>(["briefings", "events", "list", filter, filters.order, showDeleted, filters.size], async (pageToken) => {
    const r = await briefings().listEvents({ filter, orderBy: filters.order, showDeleted, pageSize: filters.size, pageToken });
    return { items: r.events, nextPageToken: r.nextPageToken, totalSize: r.totalSize };
  });
  const items = pages.data?.items ?? [];

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1}>{t("list.title")}</Title>
          <Text c="gray.7">{t("list.intro")}</Text>
        </div>
        <Group gap="sm">
          <Anchor component={Link} href="/events/attendance">
            {t("list.attendanceLink")}
          </Anchor>
          {can.write ? (
            <Button
              onClick={() => {
                setCreating(true);
              }}
            >
              {t("list.create")}
            </Button>
          ) : null}
        </Group>
      </Group>
      <EventFilterBar filters={filters} update={update} />
      <ProblemAlert error={pages.error} onRetry={() => void pages.refetch()} />
      {pages.totalSize !== null ? (
        <Text size="sm" aria-live="polite">
          {t("list.total", { total: formatNumber(pages.totalSize) })}
        </Text>
      ) : null}
      <ScrollTable minWidth={760} label={t("list.caption")}>
        <Table striped highlightOnHover aria-busy={pages.isFetching} captionSide="top">
          <Table.Caption ta="start">{t("list.caption")}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              {["title", "kind", "when", "session", "place", "seats", "waitlist"].map((c) => (
                <Table.Th scope="col" key={c}>
                  {t(`column.${c}`)}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((e) => (
              <EventRow key={e.name} event={e} />
            ))}
          </Table.Tbody>
        </Table>
      </ScrollTable>
      {pages.isSuccess && items.length === 0 ? <Text c="gray.7">{filter === "" ? t("list.none") : t("list.noMatch")}</Text> : null}
      <KeysetPager
        {...pagerOf(pages)}
        pageSize={filters.size}
        onPageSize={(size) => {
          update({ size });
        }}
        pageSizes={pageSizes}
      />
      <PartnerModal
        opened={creating}
        onClose={() => {
          setCreating(false);
        }}
        title={t("form.createTitle")}
        size="xl"
      >
        <EventForm
          onCancel={() => {
            setCreating(false);
          }}
          onDone={(saved) => {
            setCreating(false);
            navigate(`/events/${idOf(saved.name)}`);
          }}
        />
      </PartnerModal>
    </Stack>
  );
}

function EventRow({ event: e }: { event: Event }) {
  const { t } = useTranslation("events");
  const label = useLabel();
  const taken = seatsTaken(e.registrationCounts);
  const place = [e.venue?.displayName, e.venue?.city].filter(Boolean).join(", ");
  return (
    <Table.Tr>
      <Table.Th scope="row" fw={500}>
        <Anchor component={Link} href={`/events/${idOf(e.name)}`}>
          {e.title}
        </Anchor>{" "}
        <EventStatusBadge status={e.status} />
        {e.deleteTime ? (
          <Text span size="xs" c="gray.7">
            {" "}
            {t("event.deleted")}
          </Text>
        ) : null}
      </Table.Th>
      <Table.Td>{label(EventKindSchema, e.kind)}</Table.Td>
      <Table.Td>
        <EventSpan event={e} />
      </Table.Td>
      <Table.Td>{e.conferenceSession}</Table.Td>
      <Table.Td>{[place, e.onlineUrl ? t("event.online") : ""].filter(Boolean).join(" · ")}</Table.Td>
      <Table.Td>
        {e.capacity === 0
          ? t("list.seatsUnlimited", { taken: formatNumber(taken) })
          : t("list.seats", { taken: formatNumber(taken), capacity: formatNumber(e.capacity) })}
      </Table.Td>
      <Table.Td>{formatNumber(e.registrationCounts?.waitlisted ?? 0)}</Table.Td>
    </Table.Tr>
  );
}

function EventFilterBar({ filters, update }: { filters: EventFilters; update: (change: Partial<EventFilters>) => void }) {
  const { t } = useTranslation("events");
  const can = useAbilities();
  const options = useEnumOptions();
  const countries = useCountries();
  const [session, setSession] = useState(filters.session);
  const [debounced] = useDebouncedValue(session, 300);
  useEffect(() => {
    if (debounced.trim().toUpperCase() !== filters.session) update({ session: debounced.trim().toUpperCase() });
    // Only the typed text drives this; the address bar is read afresh inside update.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debounced]);
  const narrow = useMediaQuery("(max-width: 36em)");
  const [shown, setShown] = useState(false);
  const active = [filters.kind, filters.status, filters.session, filters.area, filters.country, filters.mode, filters.from, filters.to].filter(Boolean).length + (filters.mine ? 1 : 0);
  const eventOptions = useOptions();
  return (
    <div role="search" aria-label={t("list.filters")}>
      {narrow ? (
        <Button
          variant="default"
          size="xs"
          mb="sm"
          aria-expanded={shown}
          aria-controls="event-filters"
          onClick={() => {
            setShown((s) => !s);
          }}
        >
          {t(shown ? "list.hideFilters" : "list.showFilters", { n: active })}
        </Button>
      ) : null}
      <Collapse expanded={!narrow || shown} id="event-filters">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm">
          <Select label={t("list.kind")} data={eventOptions(EventKindSchema)} value={filters.kind || null} onChange={(v) => { update({ kind: v ?? "" }); }} clearable />
          <Select label={t("list.status")} data={eventOptions(EventStatusSchema)} value={filters.status || null} onChange={(v) => { update({ status: v ?? "" }); }} clearable />
          <TextInput
            label={t("list.session")}
            description={t("list.sessionHint")}
            value={session}
            onChange={(e) => {
              setSession(e.currentTarget.value);
            }}
          />
          <Select label={t("list.area")} data={options(ThematicAreaSchema)} value={filters.area || null} onChange={(v) => { update({ area: v ?? "" }); }} searchable clearable />
          <Select
            label={t("list.country")}
            data={(countries.data ?? []).map((c) => ({ value: c.countryCode, label: `${c.displayName} (${c.countryCode})` }))}
            value={filters.country || null}
            onChange={(v) => { update({ country: v ?? "" }); }}
            searchable
            clearable
          />
          <Select label={t("list.mode")} data={eventOptions(AttendanceModeSchema)} value={filters.mode || null} onChange={(v) => { update({ mode: v ?? "" }); }} clearable />
          <TextInput type="date" label={t("list.from")} value={filters.from} onChange={(e) => { update({ from: e.currentTarget.value }); }} />
          <TextInput type="date" label={t("list.to")} value={filters.to} onChange={(e) => { update({ to: e.currentTarget.value }); }} />
        </SimpleGrid>
      </Collapse>
      <Group mt="sm" gap="lg">
        <NativeSelect
          label={t("list.order")}
          data={eventOrders.map((o) => ({ value: o, label: t(`list.orders.${o.replace(" ", "_")}`) }))}
          value={filters.order}
          onChange={(e) => {
            update({ order: eventOrders.find((o) => o === e.currentTarget.value) ?? "start_time" });
          }}
        />
        <Switch
          mt="lg"
          label={t("list.mine")}
          checked={filters.mine}
          onChange={(e) => {
            update({ mine: e.currentTarget.checked });
          }}
        />
        {can.write ? (
          <Switch
            mt="lg"
            label={t("list.deleted")}
            checked={filters.deleted}
            onChange={(e) => {
              update({ deleted: e.currentTarget.checked });
            }}
          />
        ) : null}
      </Group>
    </div>
  );
}
