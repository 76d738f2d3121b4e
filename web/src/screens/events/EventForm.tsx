// The create and edit form of an event, for officers. Create carries one request_id per opening
// of the form, so a double click never creates two events; Update sends the changed fields with
// the etag read. Each field violation from the service goes on its input; when someone else saved
// in between (ABORTED), their version is loaded under this officer's changes to check and save again.
import { useEffect, useRef, useState } from "react";
import { Alert, Button, Fieldset, Group, MultiSelect, NumberInput, Select, SimpleGrid, Stack, Switch, TagsInput, Text, TextInput, Textarea } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { briefings } from "../../api/briefings";
import { problemOf, type Problem } from "../../api/problem";
import { EventKindSchema, type Event, type Registration } from "../../gen/engage/briefings/v1/resources_pb";
import { ThematicAreaSchema } from "../../gen/engage/type/v1/types_pb";
import { newRequestId, useCountries, useEnumOptions } from "../partners/shared";
import { changedFields, eventFromValues, eventValues, formFieldOf, numberProblems, updateMask, type EventValues } from "./form";
import { OrganizationsPicker } from "./pickers";
import { Refusal, useOptions } from "./shared";
import { timeZones } from "./times";

export function EventForm({
  event,
  onDone,
  onCancel,
}: {
  event?: Event;
  /** With the registrations a raised capacity promoted from the waitlist, in promotion order. */
  onDone: (saved: Event, promoted: Registration[]) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation("events");
  const queryClient = useQueryClient();
  const eventOptions = useOptions();
  const partnerOptions = useEnumOptions();
  const countries = useCountries();
  const [requestId] = useState(newRequestId);
  const [current, setCurrent] = useState<Event | undefined>(event);
  const [base, setBase] = useState<EventValues>(() => eventValues(event));
  const [values, setValues] = useState<EventValues>(() => eventValues(event));
  const [problem, setProblem] = useState<Problem | null>(null);
  const [numbersChecked, setNumbersChecked] = useState(false);
  const [reloaded, setReloaded] = useState(false);
  const creating = event === undefined;

  const notice = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (problem !== null) {
      notice.current?.scrollIntoView({ block: "start" });
      notice.current?.focus();
    }
  }, [problem]);

  const save = useMutation({
    mutationFn: async (): Promise<{ saved: Event; promoted: Registration[] }> => {
      const b = briefings();
      const sent = eventFromValues(values, current);
      if (current === undefined) {
        const created = (await b.createEvent({ event: sent, requestId })).event;
        if (created === undefined) throw new Error("no event in the answer");
        return { saved: created, promoted: [] };
      }
      const response = await b.updateEvent({ event: sent, updateMask: { paths: updateMask(base, values) } });
      if (response.event === undefined) throw new Error("no event in the answer");
      return { saved: response.event, promoted: response.promoted };
    },
    onMutate: () => {
      setProblem(null);
      setReloaded(false);
    },
    onSuccess: ({ saved, promoted }) => {
      void queryClient.invalidateQueries({ queryKey: ["briefings"] });
      onDone(saved, promoted);
    },
    onError: async (error) => {
      const p = problemOf(error);
      setProblem(p);
      if (p.kind === "stale" && current !== undefined) {
        // Their version becomes the base: only this officer's changed fields are sent again.
        try {
          const fresh = (await briefings().getEvent({ name: current.name })).event;
          if (fresh !== undefined) {
            const theirs = eventValues(fresh);
            const kept = Object.fromEntries(changedFields(base, values).map((f) => [f, values[f]]));
            setCurrent(fresh);
            setBase(theirs);
            setValues({ ...theirs, ...kept });
            setReloaded(true);
          }
        } catch (e: unknown) {
          setProblem(problemOf(e));
        }
      }
    },
  });

  const wrongNumbers = numbersChecked ? numberProblems(values) : [];
  const messages: Partial<Record<keyof EventValues, string>> = {};
  const unplaced: string[] = [];
  for (const [path, message] of Object.entries(problem?.fields ?? {})) {
    const field = formFieldOf(path);
    if (field === null) unplaced.push(message);
    else messages[field] ??= message;
  }
  for (const f of wrongNumbers) messages[f] ??= t("form.wholeNumber");
  const set =
    <K extends keyof EventValues>(field: K) =>
    (value: EventValues[K]) => {
      setValues((v) => ({ ...v, [field]: value }));
    };
  const text = (field: "title" | "conferenceSession" | "venueName" | "venueRoom" | "venueCity" | "onlineUrl" | "contactEmail") => ({
    label: t(`form.${field}`),
    value: values[field],
    onChange: (e: { currentTarget: { value: string } }) => {
      set(field)(e.currentTarget.value);
    },
    error: messages[field],
  });
  const when = (field: "start" | "end" | "registrationStart" | "registrationEnd") => ({
    type: "datetime-local",
    label: t(`form.${field}`),
    value: values[field],
    onChange: (e: { currentTarget: { value: string } }) => {
      set(field)(e.currentTarget.value);
    },
    error: messages[field],
  });
  const count = (field: "capacity" | "waitlistCapacity" | "perOrganizationLimit") => ({
    label: t(`form.${field}`),
    description: t(`form.${field}Hint`),
    value: values[field],
    onChange: (v: string | number) => {
      set(field)(String(v));
    },
    error: messages[field],
    min: 0,
    allowDecimal: false,
    allowNegative: false,
  });

  return (
    <form
      aria-label={creating ? t("form.createTitle") : t("form.editTitle")}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        setNumbersChecked(true);
        if (numberProblems(values).length > 0) return;
        if (!creating && updateMask(base, values).length === 0) {
          onCancel();
          return;
        }
        save.mutate();
      }}
    >
      <Stack gap="sm">
        <div ref={notice} tabIndex={-1} style={{ outline: "none", scrollMarginTop: "5rem" }}>
          {problem !== null && problem.kind === "stale" ? (
            <Alert color="yellow" role="alert" title={t("form.staleTitle")} styles={{ title: { color: "var(--mantine-color-black)" } }}>
              <Text size="sm">{reloaded ? t("form.staleReloaded") : t("form.stale")}</Text>
            </Alert>
          ) : problem !== null && problem.kind === "invalid" ? (
            <Alert color="yellow" role="alert">
              <Text size="sm">{t("common:problem.invalid")}</Text>
              {unplaced.map((m) => (
                <Text size="sm" key={m}>
                  {m}
                </Text>
              ))}
            </Alert>
          ) : problem !== null ? (
            <Refusal error={save.error} />
          ) : null}
        </div>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <Select label={t("form.kind")} required data={eventOptions(EventKindSchema)} value={values.kind || null} onChange={(v) => { set("kind")(v ?? ""); }} error={messages.kind} />
          <TextInput {...text("title")} required />
        </SimpleGrid>
        <Textarea label={t("form.description")} autosize minRows={2} value={values.description} onChange={(e) => { set("description")(e.currentTarget.value); }} error={messages.description} />
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput {...text("conferenceSession")} description={t("form.conferenceSessionHint")} />
          <TagsInput label={t("form.languages")} description={t("form.languagesHint")} value={values.languages} onChange={set("languages")} error={messages.languages} />
        </SimpleGrid>
        <MultiSelect label={t("form.thematicAreas")} data={partnerOptions(ThematicAreaSchema)} value={values.thematicAreas} onChange={set("thematicAreas")} error={messages.thematicAreas} searchable clearable />
        <Fieldset legend={t("form.when")} variant="unstyled">
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
            <TextInput {...when("start")} required />
            <TextInput {...when("end")} required />
            <Select
              label={t("form.timeZone")}
              description={t("form.timeZoneHint")}
              data={timeZones()}
              value={values.timeZone || null}
              onChange={(v) => { set("timeZone")(v ?? ""); }}
              searchable
              required
              error={messages.timeZone}
              limit={50}
            />
          </SimpleGrid>
        </Fieldset>
        <Fieldset legend={t("form.where")} variant="unstyled">
          <Text size="xs" c="gray.7" mb="xs">
            {t("form.whereHint")}
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <TextInput {...text("venueName")} />
            <TextInput {...text("venueRoom")} />
            <TextInput {...text("venueCity")} />
            <Select
              label={t("form.venueCountry")}
              data={(countries.data ?? []).map((c) => ({ value: c.countryCode, label: `${c.displayName} (${c.countryCode})` }))}
              value={values.venueCountry || null}
              onChange={(v) => { set("venueCountry")(v ?? ""); }}
              searchable
              clearable
              error={messages.venueCountry}
            />
          </SimpleGrid>
          <Textarea mt="sm" label={t("form.venueAddress")} autosize minRows={1} value={values.venueAddress} onChange={(e) => { set("venueAddress")(e.currentTarget.value); }} error={messages.venueAddress} />
          <TextInput mt="sm" {...text("onlineUrl")} description={t("form.onlineUrlHint")} type="url" />
        </Fieldset>
        <Fieldset legend={t("form.registration")} variant="unstyled">
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
            <NumberInput {...count("capacity")} />
            <NumberInput {...count("waitlistCapacity")} disabled={!values.waitlistEnabled} />
            <NumberInput {...count("perOrganizationLimit")} />
          </SimpleGrid>
          <Switch mt="sm" label={t("form.waitlistEnabled")} checked={values.waitlistEnabled} onChange={(e) => { set("waitlistEnabled")(e.currentTarget.checked); }} error={messages.waitlistEnabled} />
          <SimpleGrid mt="sm" cols={{ base: 1, sm: 2 }} spacing="sm">
            <TextInput {...when("registrationStart")} description={t("form.registrationStartHint")} />
            <TextInput {...when("registrationEnd")} description={t("form.registrationEndHint")} />
          </SimpleGrid>
        </Fieldset>
        <Fieldset legend={t("form.people")} variant="unstyled">
          <Stack gap="sm">
            <OrganizationsPicker label={t("form.organizers")} value={values.organizers} onChange={set("organizers")} error={messages.organizers} />
            <OrganizationsPicker label={t("form.coOrganizers")} value={values.coOrganizers} onChange={set("coOrganizers")} error={messages.coOrganizers} />
            <TagsInput
              label={t("form.registrationManagers")}
              description={t("form.registrationManagersHint")}
              value={values.registrationManagers}
              onChange={set("registrationManagers")}
              error={messages.registrationManagers}
            />
            <TextInput {...text("contactEmail")} type="email" />
          </Stack>
        </Fieldset>
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            {t("common:action.cancel")}
          </Button>
          <Button type="submit" loading={save.isPending}>
            {creating ? t("common:action.create") : t("common:action.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
