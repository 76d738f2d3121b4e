// The registration desk of one event: register a person the register already holds (found by
// name, email or phone), or a new person from the registration form (NewPerson, with their
// consent). One idempotency key per filling of the form, kept when the answer was lost on the way
// so a retry cannot register twice, and the button disabled while the call is under way: a double
// click makes one person and one registration.
import { useRef, useState, type ReactNode } from "react";
import { Alert, Button, Checkbox, Group, Paper, Select, SimpleGrid, Stack, Switch, Text, TextInput, Textarea, Title } from "@mantine/core";
import { create } from "@bufbuild/protobuf";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { briefings } from "../../api/briefings";
import { fieldMessage, problemOf, type Problem } from "../../api/problem";
import { SegmentedField } from "../../components/SegmentedField";
import type { RegisterResponse } from "../../gen/engage/briefings/v1/briefings_service_pb";
import { GenderSchema, NewPersonSchema, RegistrationStatus, type Event } from "../../gen/engage/briefings/v1/resources_pb";
import type { Person } from "../../gen/engage/contacts/v1/resources_pb";
import { enumNumber } from "../partners/model";
import { newRequestId, useCountries } from "../partners/shared";
import { formatBadgeCode } from "./model";
import { OrganizationPicker, PersonPicker } from "./pickers";
import { Refusal, useOptions } from "./shared";

type Mode = "known" | "new";

interface Details {
  organization: string;
  gender: string;
  accessibilityNeeds: string;
  notes: string;
}

interface NewPersonValues {
  givenName: string;
  familyName: string;
  email: string;
  phone: string;
  countryCode: string;
  youth: boolean;
  jobTitle: string;
  preferredLanguage: string;
  consentGiven: boolean;
}

const noDetails: Details = { organization: "", gender: "", accessibilityNeeds: "", notes: "" };
const noPerson: NewPersonValues = { givenName: "", familyName: "", email: "", phone: "", countryCode: "", youth: false, jobTitle: "", preferredLanguage: "", consentGiven: false };

/** Whether a failure leaves it unknown if the registration was made (the answer was lost). */
function outcomeUnknown(problem: Problem): boolean {
  return ["unavailable", "internal", "rateLimited"].includes(problem.kind);
}

export function RegistrationDesk({ event, open }: { event: Event; open: ReactNode }) {
  const { t } = useTranslation("events");
  const queryClient = useQueryClient();
  const options = useOptions();
  const countries = useCountries();
  const [mode, setMode] = useState<Mode>("known");
  const [person, setPerson] = useState<Person | null>(null);
  const [details, setDetails] = useState<Details>(noDetails);
  const [newPerson, setNewPerson] = useState<NewPersonValues>(noPerson);
  const [requestId, setRequestId] = useState(newRequestId);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [done, setDone] = useState<RegisterResponse | null>(null);
  // Set synchronously on submit: a second click in the same instant, before the button is
  // redrawn disabled, is ignored too.
  const pending = useRef(false);

  const register = useMutation({
    mutationFn: async () => {
      const common = {
        parent: event.name,
        organization: details.organization,
        gender: enumNumber(GenderSchema, details.gender),
        accessibilityNeeds: details.accessibilityNeeds.trim(),
        notes: details.notes.trim(),
        requestId,
      };
      if (mode === "known") {
        return briefings().register({ ...common, participant: { case: "person", value: person?.name ?? "" } });
      }
      const form = create(NewPersonSchema, {
        ...newPerson,
        givenName: newPerson.givenName.trim(),
        familyName: newPerson.familyName.trim(),
        email: newPerson.email.trim(),
        phone: newPerson.phone.trim(),
        jobTitle: newPerson.jobTitle.trim(),
        preferredLanguage: newPerson.preferredLanguage.trim(),
      });
      return briefings().register({ ...common, participant: { case: "newPerson", value: form } });
    },
    onMutate: () => {
      setProblem(null);
      setDone(null);
    },
    onSuccess: (response) => {
      setDone(response);
      // The next filling of the form is a new request.
      setRequestId(newRequestId());
      setPerson(null);
      setDetails(noDetails);
      setNewPerson(noPerson);
      void queryClient.invalidateQueries({ queryKey: ["briefings"] });
    },
    onError: (error) => {
      const p = problemOf(error);
      setProblem(p);
      // Refused for certain: nothing was registered, and the corrected form is a new request.
      // When the answer was lost, the same key makes a retry return the first result.
      if (!outcomeUnknown(p)) setRequestId(newRequestId());
    },
    onSettled: () => {
      pending.current = false;
    },
  });
  const field = (...paths: string[]) => fieldMessage(problem, ...paths);
  const busy = register.isPending;
  const setD = <K extends keyof Details>(k: K, v: Details[K]) => {
    setDetails((d) => ({ ...d, [k]: v }));
  };
  const setN = <K extends keyof NewPersonValues>(k: K, v: NewPersonValues[K]) => {
    setNewPerson((p) => ({ ...p, [k]: v }));
  };
  const general = problem !== null && Object.keys(problem.fields).length === 0;

  return (
    <Stack gap="sm" component="section" aria-labelledby="desk-title" id="desk">
      <Title order={2} size="h3" id="desk-title">
        {t("desk.title")}
      </Title>
      {open}
      <div role="status" aria-live="polite">
        {done !== null ? <Registered response={done} /> : null}
      </div>
      <Paper withBorder p="sm">
        <form
          aria-label={t("desk.formLabel")}
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (pending.current) return;
            pending.current = true;
            register.mutate();
          }}
        >
          <Stack gap="sm">
            <SegmentedField
              id="desk-mode"
              label={t("desk.who")}
              value={mode}
              onChange={(v) => {
                setMode(v === "new" ? "new" : "known");
                setProblem(null);
              }}
              data={[
                { value: "known", label: t("desk.known") },
                { value: "new", label: t("desk.new") },
              ]}
              disabled={busy}
            />
            {general ? <Refusal error={register.error} /> : null}
            {problem !== null && !general && problem.kind === "invalid" ? (
              <Alert color="yellow" role="alert">
                <Text size="sm">{t("common:problem.invalid")}</Text>
              </Alert>
            ) : null}
            {mode === "known" ? (
              <PersonPicker
                label={t("desk.person")}
                value={person}
                onChange={(p) => {
                  setPerson(p);
                  // The person's organisation in the register is the likely one they represent.
                  if (p !== null && details.organization === "") setD("organization", p.primaryOrganization);
                }}
                error={field("person")}
              />
            ) : (
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                <TextInput label={t("desk.givenName")} required value={newPerson.givenName} onChange={(e) => { setN("givenName", e.currentTarget.value); }} error={field("new_person.given_name")} autoComplete="off" />
                <TextInput label={t("desk.familyName")} value={newPerson.familyName} onChange={(e) => { setN("familyName", e.currentTarget.value); }} error={field("new_person.family_name")} autoComplete="off" />
                <TextInput label={t("desk.email")} required type="email" value={newPerson.email} onChange={(e) => { setN("email", e.currentTarget.value); }} error={field("new_person.email")} description={t("desk.emailHint")} autoComplete="off" />
                <TextInput label={t("desk.phone")} type="tel" value={newPerson.phone} onChange={(e) => { setN("phone", e.currentTarget.value); }} error={field("new_person.phone")} description={t("desk.phoneHint")} autoComplete="off" />
                <Select
                  label={t("desk.country")}
                  data={(countries.data ?? []).map((c) => ({ value: c.countryCode, label: `${c.displayName} (${c.countryCode})` }))}
                  value={newPerson.countryCode || null}
                  onChange={(v) => { setN("countryCode", v ?? ""); }}
                  searchable
                  clearable
                  error={field("new_person.country_code")}
                />
                <TextInput label={t("desk.jobTitle")} value={newPerson.jobTitle} onChange={(e) => { setN("jobTitle", e.currentTarget.value); }} error={field("new_person.job_title")} />
                <TextInput label={t("desk.language")} description={t("desk.languageHint")} value={newPerson.preferredLanguage} onChange={(e) => { setN("preferredLanguage", e.currentTarget.value); }} error={field("new_person.preferred_language")} />
                <Switch mt="lg" label={t("desk.youth")} checked={newPerson.youth} onChange={(e) => { setN("youth", e.currentTarget.checked); }} />
              </SimpleGrid>
            )}
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              <OrganizationPicker label={t("desk.organization")} value={details.organization} onChange={(v) => { setD("organization", v); }} error={field("organization")} />
              <Select label={t("desk.gender")} data={options(GenderSchema)} value={details.gender || null} onChange={(v) => { setD("gender", v ?? ""); }} clearable error={field("gender")} />
            </SimpleGrid>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              <Textarea label={t("desk.accessibilityNeeds")} autosize minRows={1} value={details.accessibilityNeeds} onChange={(e) => { setD("accessibilityNeeds", e.currentTarget.value); }} error={field("accessibility_needs")} />
              <Textarea label={t("desk.notes")} description={t("desk.notesHint")} autosize minRows={1} value={details.notes} onChange={(e) => { setD("notes", e.currentTarget.value); }} error={field("notes")} />
            </SimpleGrid>
            {mode === "new" ? (
              <Checkbox
                label={t("desk.consent")}
                checked={newPerson.consentGiven}
                onChange={(e) => { setN("consentGiven", e.currentTarget.checked); }}
                error={field("new_person.consent_given")}
              />
            ) : null}
            <Group justify="flex-end">
              <Button type="submit" loading={busy} disabled={busy || (mode === "known" && person === null)}>
                {t("desk.register")}
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}

function Registered({ response }: { response: RegisterResponse }) {
  const { t } = useTranslation("events");
  const r = response.registration;
  if (r === undefined) return null;
  const who = r.participant?.displayName ?? "";
  const badge = formatBadgeCode(r.badgeCode);
  const text = response.alreadyRegistered
    ? r.status === RegistrationStatus.WAITLISTED
      ? t("desk.alreadyWaitlisted", { name: who, position: r.waitlistPosition })
      : t("desk.alreadyRegistered", { name: who, badge })
    : r.status === RegistrationStatus.WAITLISTED
      ? t("desk.waitlisted", { name: who, position: r.waitlistPosition })
      : t("desk.registered", { name: who, badge });
  return (
    <Alert color={r.status === RegistrationStatus.WAITLISTED || response.alreadyRegistered ? "yellow" : "green"} styles={{ message: { color: "var(--mantine-color-black)" } }}>
      <Text size="sm" fw={500}>
        {text}
      </Text>
    </Alert>
  );
}
