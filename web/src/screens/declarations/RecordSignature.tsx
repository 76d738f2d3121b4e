// Recording a signature on a signer's behalf (a signed letter, a form, an email): an
// organisation of the register, or an individual with the email to confirm with; the areas
// endorsed, the date signed, and whether to keep the name off the public list. The service
// checks the signer with contacts and keeps one live signature per signer: a signer who
// already signed is named, and nothing is written.
import { useState } from "react";
import { Alert, Button, Checkbox, Group, Select, SimpleGrid, Stack, Switch, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { contacts } from "../../api/contacts";
import { declarations } from "../../api/declarations";
import { fieldMessage, problemOf, type Problem } from "../../api/problem";
import { SegmentedField } from "../../components/SegmentedField";
import type { Declaration } from "../../gen/engage/declarations/v1/declaration_pb";
import type { Signature } from "../../gen/engage/declarations/v1/signature_pb";
import { Sector, SectorSchema } from "../../gen/engage/type/v1/types_pb";
import { dateOf, enumNumber, todayText } from "../partners/model";
import { newRequestId } from "../partners/shared";
import { enumOptions, keys, RefusalAlert, useLabels } from "./shared";

type Kind = "organization" | "individual";

/** An organisation or a person of the register, found by typing part of the name. */
function RecordPicker({ kind, label, description, value, onChange, error, required }: { kind: "organizations" | "people"; label: string; description?: string; value: string; onChange: (name: string) => void; error?: string; required?: boolean }) {
  const { t } = useTranslation("declarations");
  const [search, setSearch] = useState("");
  const [query] = useDebouncedValue(search.trim(), 250);
  const found = useQuery({
    queryKey: ["contacts", kind, "search", query],
    queryFn: async () => {
      if (kind === "organizations") {
        return (await contacts().searchOrganizations({ query, pageSize: 10 })).results.flatMap((r) => (r.organization ? [{ value: r.organization.name, label: [r.organization.displayName, r.organization.countryCode].filter(Boolean).join(" · ") }] : []));
      }
      return (await contacts().searchPeople({ query, pageSize: 10 })).results.flatMap((r) => (r.person ? [{ value: r.person.name, label: [r.person.displayName, r.person.countryCode].filter(Boolean).join(" · ") }] : []));
    },
    enabled: query.length >= 2,
    placeholderData: keepPreviousData,
  });
  // The chosen record stays among the options while another search runs.
  const [chosen, setChosen] = useState<{ value: string; label: string } | null>(null);
  const options = [...(chosen !== null && chosen.value === value ? [chosen] : []), ...(query.length >= 2 ? (found.data ?? []) : []).filter((o) => o.value !== chosen?.value)];
  return (
    <Select
      label={label}
      description={description ?? t("sign.pickHint")}
      data={options}
      value={value || null}
      onChange={(v, option) => {
        setChosen(v === null ? null : { value: v, label: option?.label ?? v });
        onChange(v ?? "");
      }}
      searchable
      clearable
      required={required}
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options: all }) => all}
      nothingFoundMessage={query.length >= 2 ? t("sign.nothingFound") : t("sign.typeMore")}
      error={error}
    />
  );
}

export function RecordSignature({ declaration, onDone, onCancel }: { declaration: Declaration; onDone: (signature: Signature, alreadySigned: boolean) => void; onCancel: () => void }) {
  const { t } = useTranslation("declarations");
  const labels = useLabels();
  const queryClient = useQueryClient();
  const [requestId, setRequestId] = useState(newRequestId);
  const [kind, setKind] = useState<Kind>("organization");
  const [organization, setOrganization] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [countryCode, setCountryCode] = useState("");
  const [affiliation, setAffiliation] = useState("");
  const [sector, setSector] = useState<string | null>(null);
  const [person, setPerson] = useState("");
  const [contactName, setContactName] = useState("");
  const [email, setEmail] = useState("");
  const [areas, setAreas] = useState<string[]>(() => declaration.areas.map((a) => a.id));
  const [signDate, setSignDate] = useState(todayText());
  const [hidden, setHidden] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  const sign = useMutation({
    mutationFn: async () => {
      const contact = contactName.trim() !== "" || email.trim() !== "" ? { displayName: contactName.trim(), email: email.trim() } : undefined;
      const r = await declarations().signDeclaration({
        parent: declaration.name,
        requestId,
        signature: {
          signer:
            kind === "organization"
              ? { case: "organization", value: organization }
              : {
                  case: "individual",
                  value: {
                    displayName: displayName.trim(),
                    countryCode: countryCode.trim().toUpperCase(),
                    affiliation: affiliation.trim(),
                    person,
                    sector: sector === null ? Sector.UNSPECIFIED : enumNumber(SectorSchema, sector),
                  },
                },
          contact,
          endorsedAreaIds: areas,
          signDate: dateOf(signDate),
          hideFromPublicListing: hidden,
        },
      });
      return r;
    },
    onMutate: () => {
      setProblem(null);
    },
    onSuccess: (r) => {
      void queryClient.invalidateQueries({ queryKey: keys.all(declaration.name) });
      if (r.signature) onDone(r.signature, r.alreadySigned);
    },
    onError: (e) => {
      setProblem(problemOf(e));
      // A corrected request is a new one.
      setRequestId(newRequestId());
    },
  });

  const message = (...paths: string[]) => fieldMessage(problem, ...paths.map((p) => `signature.${p}`));
  const shownFields = ["organization", "individual", "contact", "endorsed_area_ids", "sign_date"];
  const unplaced = problem !== null && (problem.kind !== "invalid" || Object.keys(problem.fields).every((f) => !shownFields.some((s) => f.startsWith(`signature.${s}`))));

  return (
    <form
      aria-label={t("sign.title")}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        sign.mutate();
      }}
    >
      <Stack gap="sm">
        {unplaced ? <RefusalAlert error={sign.error} /> : problem !== null ? <Alert color="yellow" role="alert">{t("common:problem.invalid")}</Alert> : null}
        <SegmentedField
          id="sign-kind"
          label={t("signature.kind")}
          value={kind}
          onChange={(v) => {
            setKind(v === "individual" ? "individual" : "organization");
          }}
          data={[
            { value: "organization", label: labels.kind(1) },
            { value: "individual", label: labels.kind(2) },
          ]}
        />
        {kind === "organization" ? (
          <RecordPicker kind="organizations" label={t("sign.organization")} value={organization} onChange={setOrganization} error={message("organization")} required />
        ) : (
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <TextInput
              label={t("sign.displayName")}
              required
              maxLength={200}
              value={displayName}
              onChange={(e) => {
                setDisplayName(e.currentTarget.value);
              }}
              error={message("individual.display_name")}
            />
            <TextInput
              label={t("sign.countryCode")}
              description={countryCode.trim().length === 2 ? labels.country(countryCode.trim().toUpperCase()) : t("sign.countryHint")}
              required
              maxLength={2}
              value={countryCode}
              onChange={(e) => {
                setCountryCode(e.currentTarget.value);
              }}
              error={message("individual.country_code")}
              autoComplete="off"
            />
            <TextInput
              label={t("signature.affiliation")}
              description={t("sign.affiliationHint")}
              maxLength={200}
              value={affiliation}
              onChange={(e) => {
                setAffiliation(e.currentTarget.value);
              }}
              error={message("individual.affiliation")}
            />
            <Select label={t("signature.sector")} data={enumOptions(SectorSchema, labels.sector)} value={sector} onChange={setSector} clearable error={message("individual.sector")} />
            <RecordPicker kind="people" label={t("sign.person")} description={t("sign.personHint")} value={person} onChange={setPerson} error={message("individual.person")} />
          </SimpleGrid>
        )}
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput
            label={t("sign.contactName")}
            maxLength={200}
            value={contactName}
            onChange={(e) => {
              setContactName(e.currentTarget.value);
            }}
            error={message("contact.display_name")}
          />
          <TextInput
            type="email"
            label={t("sign.email")}
            description={kind === "individual" ? t("sign.emailRequired") : t("sign.emailOptional")}
            required={kind === "individual"}
            maxLength={254}
            value={email}
            onChange={(e) => {
              setEmail(e.currentTarget.value);
            }}
            error={message("contact.email", "contact")}
          />
        </SimpleGrid>
        <Checkbox.Group label={t("signature.areas")} description={t("sign.areasHint")} value={areas} onChange={setAreas} error={message("endorsed_area_ids")}>
          <Stack gap={6} mt={6}>
            {declaration.areas.map((a) => (
              <Checkbox key={a.id} value={a.id} label={a.title} />
            ))}
          </Stack>
        </Checkbox.Group>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput
            type="date"
            label={t("signature.signDate")}
            description={t("sign.dateHint")}
            value={signDate}
            onChange={(e) => {
              setSignDate(e.currentTarget.value);
            }}
            error={message("sign_date")}
          />
          <Switch
            mt={{ base: 0, sm: 30 }}
            label={t("sign.hidden")}
            checked={hidden}
            onChange={(e) => {
              setHidden(e.currentTarget.checked);
            }}
          />
        </SimpleGrid>
        <Text size="xs" c="gray.7">
          {t("sign.pending")}
        </Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            {t("common:action.cancel")}
          </Button>
          <Button type="submit" loading={sign.isPending}>
            {t("sign.submit")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
