// One signature: the signer as they were at signing beside their record in contacts (what
// changed since is marked), its review and withdrawal, and the writes its state allows:
// verify, reject with a reason, withdraw (officers), redact (administrators).
import { useEffect, useRef, useState, type ReactNode } from "react";
import { Anchor, Badge, Button, Checkbox, Group, Modal, Paper, Select, SimpleGrid, Stack, Switch, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMediaQuery } from "@mantine/hooks";
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { contacts } from "../../api/contacts";
import { declarations } from "../../api/declarations";
import { fieldMessage, problemOf, type Problem } from "../../api/problem";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatDateTime } from "../../format";
import { DeclarationStatus, type Declaration } from "../../gen/engage/declarations/v1/declaration_pb";
import { RejectionReason, RejectionReasonSchema, SignerKind, type Signature } from "../../gen/engage/declarations/v1/signature_pb";
import { useAbilities } from "../../session/session";
import { dateOf, enumNumber, idOf, todayText } from "../partners/model";
import { newRequestId } from "../partners/shared";
import { compareWithRecord, signatureActions, signatureChanges, signatureState, type FactRow, type SignatureEdit, type SignerFacts } from "./model";
import { enumOptions, formatDay, keys, RefusalAlert, SignatureStateBadge, useLabels } from "./shared";

export type SignatureOutcome = "verified" | "rejected" | "withdrawn" | "redacted" | "changed";

/** A description list of label and value; an empty value reads "not given". */
export function Facts({ rows, cols = 1 }: { rows: [string, ReactNode][]; cols?: number }) {
  const { t } = useTranslation("declarations");
  return (
    <SimpleGrid component="dl" cols={{ base: 1, sm: cols }} spacing="xs" verticalSpacing={6} m={0}>
      {rows.map(([label, value]) => (
        <div key={label}>
          <Text component="dt" size="xs" c="gray.7">
            {label}
          </Text>
          <Text component="dd" m={0} size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
            {value === "" || value === null || value === undefined ? t("none") : value}
          </Text>
        </div>
      ))}
    </SimpleGrid>
  );
}

/** A refusal that none of the form's fields shows: shown above them. */
function onNoField(problem: Problem | null, ...fields: string[]): boolean {
  return problem !== null && fields.every((f) => fieldMessage(problem, f) === undefined);
}

/** The signer's facts from the snapshot taken at signing. */
function snapshotFacts(s: Signature): SignerFacts {
  return {
    displayName: s.snapshot?.displayName ?? "",
    acronym: s.snapshot?.acronym ?? "",
    countryCode: s.snapshot?.countryCode ?? "",
    sector: s.snapshot?.sector ?? 0,
  };
}

export function SignatureDetail({
  declaration,
  signature: s,
  onDone,
  onRefused,
  focusOnShow = false,
  headingLevel = 2,
}: {
  declaration: Declaration;
  signature: Signature;
  /** After a write: the signature as the service now holds it, and what was done. */
  onDone: (updated: Signature, outcome: SignatureOutcome) => void;
  /** A review refused because the signature changed meanwhile (the data is refreshed). */
  onRefused?: (signature: Signature, problem: Problem) => void;
  /** Move focus to the heading when a signature is shown (the queue moving on). */
  focusOnShow?: boolean;
  headingLevel?: 2 | 3;
}) {
  const { t } = useTranslation("declarations");
  const labels = useLabels();
  const can = useAbilities();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focusOnShow) heading.current?.focus();
  }, [s.name, focusOnShow]);

  const state = signatureState(s);
  const allowed = signatureActions(s, can);
  const areaTitle = (id: string) => declaration.areas.find((a) => a.id === id)?.title ?? id;
  const snap = s.snapshot;
  const individual = s.signer.case === "individual" ? s.signer.value : undefined;
  const organization = s.signer.case === "organization" ? s.signer.value : "";
  const recordName = organization !== "" ? organization : (individual?.person ?? "");

  const signed: [string, ReactNode][] = [
    [t("signature.kind"), labels.kind(snap?.signerKind ?? SignerKind.UNSPECIFIED)],
    [t("signature.displayName"), snap?.displayName ?? ""],
    ...(snap?.signerKind === SignerKind.ORGANIZATION ? ([[t("signature.acronym"), snap.acronym]] as [string, ReactNode][]) : []),
    ...(snap?.signerKind === SignerKind.INDIVIDUAL ? ([[t("signature.affiliation"), snap.affiliation]] as [string, ReactNode][]) : []),
    [t("signature.country"), labels.country(snap?.countryCode ?? "")],
    [t("signature.regionalGroup"), snap?.regionalGroup ? labels.group(snap.regionalGroup) : ""],
    [t("signature.sector"), snap?.sector ? labels.sector(snap.sector) : ""],
    [t("signature.areas"), s.endorsedAreaIds.map(areaTitle).join("\n")],
    [t("signature.signDate"), formatDay(s.signDate)],
    [t("signature.recorded"), t("signature.recordedBy", { time: formatDateTime(s.createTime), who: s.recordedBy?.displayName || s.recordedBy?.subject || "" })],
  ];
  if (s.hideFromPublicListing) signed.push([t("signature.publicListing"), t("signature.hidden")]);
  if (s.contact !== undefined) {
    signed.push([
      t("signature.contact"),
      <>
        {[s.contact.displayName, s.contact.email].filter(Boolean).join(" · ")}
        {s.contact.person ? (
          <>
            {" · "}
            <Anchor component={Link} href={`/people/${idOf(s.contact.person)}`}>
              {t("signature.contactRecord")}
            </Anchor>
          </>
        ) : null}
      </>,
    ]);
  }
  const review: [string, ReactNode][] = [];
  if (s.review !== undefined) {
    review.push([t("signature.reviewed"), t("signature.recordedBy", { time: formatDateTime(s.review.time), who: s.review.actor?.displayName || s.review.actor?.subject || "" })]);
    if (s.review.rejectionReason) review.push([t("signature.rejectionReason"), labels.reason(s.review.rejectionReason)]);
    if (s.review.note) review.push([t("signature.note"), s.review.note]);
  }
  if (s.withdrawal !== undefined) {
    review.push([t("signature.withdrawnOn"), formatDay(s.withdrawal.effectiveDate)]);
    review.push([t("signature.withdrawalReason"), s.withdrawal.reason]);
  }
  if (s.redactTime !== undefined) review.push([t("signature.redacted"), formatDateTime(s.redactTime)]);

  return (
    <Stack gap="sm">
      <Group gap="xs" align="center">
        <Title order={headingLevel} size="h3" ref={heading} tabIndex={-1} style={{ outlineOffset: 2 }}>
          {snap?.displayName || t("signature.redactedName")}
        </Title>
        <SignatureStateBadge state={state} />
        {s.redactTime !== undefined ? (
          <Badge color="red" variant="light" c="dark.7">
            {t("signature.redacted")}
          </Badge>
        ) : null}
      </Group>
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
        <Paper withBorder p="sm" component="section" aria-label={t("signature.asSigned")}>
          <Text fw={600} mb="xs">
            {t("signature.asSigned")}
          </Text>
          <Facts rows={signed} />
        </Paper>
        <Paper withBorder p="sm" component="section" aria-label={t("record.title")}>
          <Text fw={600} mb="xs">
            {t("record.title")}
          </Text>
          {recordName !== "" ? (
            <ContactsRecord name={recordName} signed={snapshotFacts(s)} />
          ) : (
            <Text size="sm" c="gray.7">
              {s.redactTime !== undefined ? t("record.redacted") : t("record.noPerson")}
            </Text>
          )}
          {individual?.affiliationOrganization ? (
            <Text size="sm" mt="xs">
              {t("record.affiliatedTo")}{" "}
              <RecordLink name={individual.affiliationOrganization} />
            </Text>
          ) : null}
        </Paper>
      </SimpleGrid>
      {review.length > 0 ? <Facts rows={review} cols={2} /> : null}
      {allowed.verify || allowed.reject || allowed.withdraw || allowed.redact || allowed.change ? (
        <ReviewControls key={s.name} declaration={declaration} signature={s} allowed={allowed} onDone={onDone} onRefused={onRefused} />
      ) : null}
    </Stack>
  );
}

/** An organisation's or a person's record in contacts, read once per name. */
function useRecord(name: string) {
  return useQuery({
    queryKey: ["contacts", "record", name],
    queryFn: async () => {
      if (name.startsWith("organizations/")) {
        const o = (await contacts().getOrganization({ name })).organization;
        return o === undefined
          ? null
          : { kind: "organization" as const, name: o.name, facts: { displayName: o.displayName, acronym: o.acronym, countryCode: o.countryCode, sector: o.sector }, emails: o.emails.map((e) => e.address), website: o.website, deleted: o.deleteTime !== undefined, mergedInto: o.mergedInto, erased: false };
      }
      const p = (await contacts().getPerson({ name })).person;
      return p === undefined
        ? null
        : { kind: "person" as const, name: p.name, facts: { displayName: p.displayName, countryCode: p.countryCode }, emails: p.emails.map((e) => e.address), website: "", deleted: p.deleteTime !== undefined, mergedInto: p.mergedInto, erased: p.eraseTime !== undefined };
    },
    staleTime: 30_000,
  });
}

function recordPath(name: string): string {
  return name.startsWith("organizations/") ? `/organizations/${idOf(name)}` : `/people/${idOf(name)}`;
}

/** A link to a record in contacts, named as contacts names it now. */
function RecordLink({ name }: { name: string }) {
  const record = useRecord(name);
  return (
    <Anchor component={Link} href={recordPath(name)}>
      {record.data?.facts.displayName ?? name}
    </Anchor>
  );
}

function ContactsRecord({ name, signed }: { name: string; signed: SignerFacts }) {
  const { t } = useTranslation("declarations");
  const labels = useLabels();
  const record = useRecord(name);
  if (record.isPending) return <Text size="sm">{t("record.loading")}</Text>;
  if (record.isError && problemOf(record.error).kind !== "notFound") {
    return <ProblemAlert error={record.error} onRetry={() => void record.refetch()} />;
  }
  const r = record.data;
  if (r === null || r === undefined) {
    return (
      <Text size="sm" c="gray.7">
        {t("record.missing")}
      </Text>
    );
  }
  const shown = (row: FactRow): string =>
    row.field === "sector" ? (typeof row.now === "number" && row.now !== 0 ? labels.sector(row.now) : "") : row.field === "country_code" ? labels.country(String(row.now)) : String(row.now);
  const rows: [string, ReactNode][] = compareWithRecord(signed, r.facts).map((row) => [
    t(`record.${row.field}`),
    <>
      {shown(row)}
      {row.differs ? (
        <Badge ms={6} size="sm" color="orange" variant="light" c="dark.7">
          {t("record.changed")}
        </Badge>
      ) : null}
    </>,
  ]);
  rows.push([t("record.emails"), r.emails.join("\n")]);
  if (r.kind === "organization") rows.push([t("record.website"), r.website]);
  return (
    <Stack gap="xs">
      <Group gap="xs">
        <Anchor component={Link} href={recordPath(r.name)} fw={500}>
          {r.kind === "organization" ? t("record.openOrganization", { name: r.facts.displayName }) : t("record.openPerson", { name: r.facts.displayName })}
        </Anchor>
        {r.deleted ? (
          <Badge color="gray" variant="light" c="dark.7">
            {t("record.deleted")}
          </Badge>
        ) : null}
        {r.erased ? (
          <Badge color="red" variant="light" c="dark.7">
            {t("record.erased")}
          </Badge>
        ) : null}
      </Group>
      {r.mergedInto ? (
        <Text size="sm">
          {t("record.mergedInto")} <RecordLink name={r.mergedInto} />
        </Text>
      ) : null}
      <Facts rows={rows} />
    </Stack>
  );
}

/**
 * The writes this signature's state allows, each one step: verify (with an optional note on
 * how it was confirmed), reject (reason and explanation), and in dialogs withdraw and redact.
 */
function ReviewControls({
  declaration,
  signature: s,
  allowed,
  onDone,
  onRefused,
}: {
  declaration: Declaration;
  signature: Signature;
  allowed: ReturnType<typeof signatureActions>;
  onDone: (updated: Signature, outcome: SignatureOutcome) => void;
  onRefused?: (signature: Signature, problem: Problem) => void;
}) {
  const { t } = useTranslation("declarations");
  const labels = useLabels();
  const queryClient = useQueryClient();
  // Keyed by the signature shown: one idempotency key per signature, so a double click never
  // reviews twice, and fresh fields for the next one.
  const [requestId] = useState(newRequestId);
  const [verifyNote, setVerifyNote] = useState("");
  const [reason, setReason] = useState<string | null>(null);
  const [rejectNote, setRejectNote] = useState("");
  const [dialog, setDialog] = useState<"withdraw" | "redact" | "change" | null>(null);
  // Someone else reviewed or changed the signature meanwhile: show it as it now is.
  const refused = (e: unknown) => {
    const problem = problemOf(e);
    if (problem.kind === "stale" || problem.kind === "conflict") {
      void queryClient.invalidateQueries({ queryKey: keys.all(declaration.name) });
      onRefused?.(s, problem);
    }
  };

  const verify = useMutation({
    mutationFn: async () => (await declarations().verifySignature({ name: s.name, etag: s.etag, note: verifyNote.trim(), requestId })).signature,
    onSuccess: (updated) => {
      if (updated) onDone(updated, "verified");
    },
    onError: refused,
  });
  const reject = useMutation({
    mutationFn: async () =>
      (await declarations().rejectSignature({ name: s.name, etag: s.etag, reason: reason === null ? RejectionReason.UNSPECIFIED : enumNumber(RejectionReasonSchema, reason), note: rejectNote.trim(), requestId })).signature,
    onSuccess: (updated) => {
      if (updated) onDone(updated, "rejected");
    },
    onError: refused,
  });
  const rejectProblem = reject.error ? problemOf(reject.error) : null;
  const busy = verify.isPending || reject.isPending;

  return (
    <Paper withBorder p="sm" component="section" aria-label={t("review.title")}>
      <Stack gap="sm">
        <Text fw={600}>{t("review.title")}</Text>
        {allowed.verify ? (
          <form
            aria-label={t("review.verifyForm")}
            onSubmit={(e) => {
              e.preventDefault();
              reject.reset();
              verify.mutate();
            }}
          >
            <Group align="flex-end" gap="sm" wrap="wrap">
              <TextInput
                label={t("review.verifyNote")}
                description={t("review.verifyNoteHint")}
                value={verifyNote}
                maxLength={2000}
                onChange={(e) => {
                  setVerifyNote(e.currentTarget.value);
                }}
                style={{ flex: "1 1 16rem" }}
                error={fieldMessage(verify.error ? problemOf(verify.error) : null, "note")}
              />
              <Button type="submit" loading={verify.isPending} disabled={busy && !verify.isPending}>
                {t("review.verify")}
              </Button>
            </Group>
          </form>
        ) : null}
        <RefusalAlert error={verify.error} />
        {allowed.reject ? (
          <form
            aria-label={t("review.rejectForm")}
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              verify.reset();
              reject.mutate();
            }}
          >
            <Group align="flex-start" gap="sm" wrap="wrap">
              <Select
                label={t("review.reason")}
                required
                data={enumOptions(RejectionReasonSchema, labels.reason)}
                value={reason}
                onChange={setReason}
                style={{ flex: "1 1 12rem" }}
                error={fieldMessage(rejectProblem, "reason")}
              />
              <Textarea
                label={t("review.rejectNote")}
                required
                autosize
                minRows={1}
                maxRows={4}
                maxLength={2000}
                value={rejectNote}
                onChange={(e) => {
                  setRejectNote(e.currentTarget.value);
                }}
                style={{ flex: "2 1 16rem" }}
                error={fieldMessage(rejectProblem, "note")}
              />
            </Group>
            <Group justify="flex-end" mt="xs">
              <Button type="submit" color="red" variant="light" c="red.9" loading={reject.isPending} disabled={busy && !reject.isPending}>
                {t("review.reject")}
              </Button>
            </Group>
          </form>
        ) : null}
        {onNoField(rejectProblem, "reason", "note") ? <RefusalAlert error={reject.error} /> : null}
        {allowed.withdraw || allowed.redact || allowed.change ? (
          <Group gap="xs">
            {allowed.change ? (
              <Button
                variant="default"
                onClick={() => {
                  setDialog("change");
                }}
              >
                {t("change.open")}
              </Button>
            ) : null}
            {allowed.withdraw ? (
              <Button
                variant="default"
                onClick={() => {
                  setDialog("withdraw");
                }}
              >
                {t("withdraw.open")}
              </Button>
            ) : null}
            {allowed.redact ? (
              <Button
                variant="default"
                color="red"
                onClick={() => {
                  setDialog("redact");
                }}
              >
                {t("redact.open")}
              </Button>
            ) : null}
          </Group>
        ) : null}
      </Stack>
      {dialog === "change" ? (
        <ChangeDialog
          declaration={declaration}
          signature={s}
          onClose={() => {
            setDialog(null);
          }}
          onDone={(updated) => {
            setDialog(null);
            onDone(updated, "changed");
          }}
        />
      ) : null}
      <WithdrawDialog
        signature={s}
        opened={dialog === "withdraw"}
        onClose={() => {
          setDialog(null);
        }}
        onDone={(updated) => {
          setDialog(null);
          onDone(updated, "withdrawn");
        }}
      />
      <RedactDialog
        signature={s}
        opened={dialog === "redact"}
        onClose={() => {
          setDialog(null);
        }}
        onDone={(updated) => {
          setDialog(null);
          onDone(updated, "redacted");
        }}
      />
    </Paper>
  );
}

function Dialog({ opened, onClose, title, children }: { opened: boolean; onClose: () => void; title: string; children: ReactNode }) {
  const { t } = useTranslation("declarations");
  const narrow = useMediaQuery("(max-width: 36em)");
  return (
    <Modal opened={opened} onClose={onClose} title={title} fullScreen={narrow} closeButtonProps={{ "aria-label": t("common:action.close") }}>
      {children}
    </Modal>
  );
}

/**
 * Changing a live signature: the areas endorsed (while the declaration is open), the contact
 * to confirm with, and whether the name stays off the public list. Only what changed is sent.
 */
function ChangeDialog({ declaration, signature: s, onClose, onDone }: { declaration: Declaration; signature: Signature; onClose: () => void; onDone: (updated: Signature) => void }) {
  const { t } = useTranslation("declarations");
  const open = declaration.status === DeclarationStatus.OPEN;
  const [before] = useState<SignatureEdit>(() => ({ areas: s.endorsedAreaIds, contactName: s.contact?.displayName ?? "", email: s.contact?.email ?? "", hidden: s.hideFromPublicListing }));
  const [edit, setEdit] = useState<SignatureEdit>(before);
  const change = useMutation({
    mutationFn: async () => {
      const paths = signatureChanges(before, edit, open);
      if (paths.length === 0) return s;
      const contact = edit.contactName.trim() !== "" || edit.email.trim() !== "" ? { displayName: edit.contactName.trim(), email: edit.email.trim(), person: s.contact?.person ?? "" } : undefined;
      return (
        await declarations().updateSignature({
          signature: { name: s.name, etag: s.etag, endorsedAreaIds: edit.areas, contact, hideFromPublicListing: edit.hidden },
          updateMask: { paths },
        })
      ).signature;
    },
    onSuccess: (updated) => {
      if (updated) onDone(updated);
    },
  });
  const problem = change.error ? problemOf(change.error) : null;
  return (
    <Dialog opened onClose={onClose} title={t("change.title", { name: s.snapshot?.displayName ?? "" })}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          change.mutate();
        }}
      >
        <Stack gap="sm">
          {onNoField(problem, "signature.endorsed_area_ids", "signature.contact") ? <RefusalAlert error={change.error} /> : null}
          <Switch
            label={t("sign.hidden")}
            description={t("change.hiddenHint")}
            checked={edit.hidden}
            onChange={(e) => {
              const hidden = e.currentTarget.checked;
              setEdit((v) => ({ ...v, hidden }));
            }}
          />
          <Checkbox.Group
            label={t("signature.areas")}
            description={open ? t("sign.areasHint") : t("change.areasFrozen")}
            value={edit.areas}
            onChange={(areas) => {
              setEdit((v) => ({ ...v, areas }));
            }}
            error={fieldMessage(problem, "signature.endorsed_area_ids")}
          >
            <Stack gap={6} mt={6}>
              {declaration.areas.map((a) => (
                <Checkbox key={a.id} value={a.id} label={a.title} disabled={!open} />
              ))}
            </Stack>
          </Checkbox.Group>
          <TextInput
            label={t("sign.contactName")}
            maxLength={200}
            value={edit.contactName}
            onChange={(e) => {
              const contactName = e.currentTarget.value;
              setEdit((v) => ({ ...v, contactName }));
            }}
            error={fieldMessage(problem, "signature.contact.display_name")}
          />
          <TextInput
            type="email"
            label={t("sign.email")}
            maxLength={254}
            value={edit.email}
            onChange={(e) => {
              const email = e.currentTarget.value;
              setEdit((v) => ({ ...v, email }));
            }}
            error={fieldMessage(problem, "signature.contact.email", "signature.contact")}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t("common:action.cancel")}
            </Button>
            <Button type="submit" loading={change.isPending}>
              {t("common:action.save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Dialog>
  );
}

/** Recording that the signer withdrew: why, and from which day (today by default). */
function WithdrawDialog({ signature: s, opened, onClose, onDone }: { signature: Signature; opened: boolean; onClose: () => void; onDone: (updated: Signature) => void }) {
  const { t } = useTranslation("declarations");
  const [requestId] = useState(newRequestId);
  const [reason, setReason] = useState("");
  const [day, setDay] = useState(todayText());
  const withdraw = useMutation({
    mutationFn: async () => (await declarations().withdrawSignature({ name: s.name, etag: s.etag, reason: reason.trim(), effectiveDate: dateOf(day), requestId })).signature,
    onSuccess: (updated) => {
      if (updated) onDone(updated);
    },
  });
  const problem = withdraw.error ? problemOf(withdraw.error) : null;
  return (
    <Dialog opened={opened} onClose={onClose} title={t("withdraw.title", { name: s.snapshot?.displayName ?? "" })}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          withdraw.mutate();
        }}
      >
        <Stack gap="sm">
          <Text size="sm">{t("withdraw.intro")}</Text>
          {onNoField(problem, "reason", "effective_date") ? <RefusalAlert error={withdraw.error} /> : null}
          <Textarea
            label={t("withdraw.reason")}
            required
            autosize
            minRows={2}
            maxLength={2000}
            value={reason}
            onChange={(e) => {
              setReason(e.currentTarget.value);
            }}
            error={fieldMessage(problem, "reason")}
            data-autofocus
          />
          <TextInput
            type="date"
            label={t("withdraw.date")}
            description={t("withdraw.dateHint")}
            value={day}
            onChange={(e) => {
              setDay(e.currentTarget.value);
            }}
            error={fieldMessage(problem, "effective_date")}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t("common:action.cancel")}
            </Button>
            <Button type="submit" loading={withdraw.isPending}>
              {t("withdraw.submit")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Dialog>
  );
}

/** Erasing the signer's personal data, with the reason recorded in the audit trail. */
function RedactDialog({ signature: s, opened, onClose, onDone }: { signature: Signature; opened: boolean; onClose: () => void; onDone: (updated: Signature) => void }) {
  const { t } = useTranslation("declarations");
  const [reason, setReason] = useState("");
  const redact = useMutation({
    mutationFn: async () => (await declarations().redactSignature({ name: s.name, etag: s.etag, reason: reason.trim() })).signature,
    onSuccess: (updated) => {
      if (updated) onDone(updated);
    },
  });
  const problem = redact.error ? problemOf(redact.error) : null;
  return (
    <Dialog opened={opened} onClose={onClose} title={t("redact.title", { name: s.snapshot?.displayName ?? "" })}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          redact.mutate();
        }}
      >
        <Stack gap="sm">
          <Text size="sm">{s.signer.case === "organization" ? t("redact.introOrganization") : t("redact.introIndividual")}</Text>
          {onNoField(problem, "reason") ? <RefusalAlert error={redact.error} /> : null}
          <Textarea
            label={t("redact.reason")}
            description={t("redact.reasonHint")}
            required
            autosize
            minRows={2}
            maxLength={2000}
            value={reason}
            onChange={(e) => {
              setReason(e.currentTarget.value);
            }}
            error={fieldMessage(problem, "reason")}
            data-autofocus
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t("common:action.cancel")}
            </Button>
            <Button type="submit" color="red" loading={redact.isPending}>
              {t("redact.submit")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Dialog>
  );
}
