// Words and small pieces the declaration screens share: enum values in the reader's language,
// a refused write explained by the service's stable reason, state badges, the query keys.
import type { ReactNode } from "react";
import { Alert, Badge, Group, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { DescEnum } from "@bufbuild/protobuf";
import { problemOf, type Problem } from "../../api/problem";
import { ProblemAlert, problemText } from "../../components/ProblemAlert";
import { DeclarationStatus, DeclarationStatusSchema } from "../../gen/engage/declarations/v1/declaration_pb";
import { RejectionReasonSchema, SignerKindSchema } from "../../gen/engage/declarations/v1/signature_pb";
import { RegionalGroupSchema, SectorSchema, ThematicAreaSchema } from "../../gen/engage/type/v1/types_pb";
import { formatDate } from "../../format";
import { countryName, languageName, type SignatureState } from "./model";

/** A proto Date (a calendar day) in words; nothing when unset. */
export function formatDay(d: { year: number; month: number; day: number } | undefined): string {
  return d === undefined || d.year === 0 ? "" : formatDate(new Date(d.year, Math.max(d.month - 1, 0), Math.max(d.day, 1)));
}

/** An enum value's catalogue word: its name without the enum's prefix, in lower case. */
function enumKey(schema: DescEnum, value: number): string {
  return schema.values.find((v) => v.number === value)?.localName.toLowerCase() ?? "unspecified";
}

/** The words for the enums and codes these screens show. */
export function useLabels() {
  const { t, i18n } = useTranslation("declarations");
  const word = (prefix: string, schema: DescEnum) => (value: number) => t(`${prefix}.${enumKey(schema, value)}`);
  return {
    sector: word("sector", SectorSchema),
    group: word("group", RegionalGroupSchema),
    thematic: word("thematic", ThematicAreaSchema),
    status: word("status", DeclarationStatusSchema),
    reason: word("reason", RejectionReasonSchema),
    kind: word("kind", SignerKindSchema),
    state: (state: SignatureState) => t(`state.${state}`),
    /** "Kenya (KE)", or nothing for no country. */
    country: (code: string) => (code === "" ? "" : `${countryName(code, i18n.language)} (${code})`),
    language: (tag: string) => (tag === "" ? "" : `${languageName(tag, i18n.language)} (${tag})`),
  };
}

/** Options for a Select over an enum's values other than UNSPECIFIED, valued by full name. */
export function enumOptions(schema: DescEnum, label: (n: number) => string) {
  return schema.values.filter((v) => v.number !== 0).map((v) => ({ value: v.name, label: label(v.number) }));
}

const statusColor: Record<number, string> = {
  [DeclarationStatus.DRAFT]: "gray",
  [DeclarationStatus.OPEN]: "green",
  [DeclarationStatus.CLOSED]: "blue",
};

export function DeclarationStatusBadge({ status, deleted }: { status: DeclarationStatus; deleted?: boolean }) {
  const { t } = useTranslation("declarations");
  const labels = useLabels();
  return (
    <Group gap={4} component="span">
      <Badge color={statusColor[status] ?? "gray"} variant="light" c="dark.7">
        {labels.status(status)}
      </Badge>
      {deleted ? (
        <Badge color="red" variant="light" c="dark.7">
          {t("deleted")}
        </Badge>
      ) : null}
    </Group>
  );
}

const stateColor: Record<SignatureState, string> = { pending: "yellow", verified: "green", rejected: "red", withdrawn: "gray" };

export function SignatureStateBadge({ state }: { state: SignatureState }) {
  const labels = useLabels();
  return (
    <Badge color={stateColor[state]} variant="light" c="dark.7">
      {labels.state(state)}
    </Badge>
  );
}

// The stable reasons (google.rpc.ErrorInfo) the declarations service gives for a refusal,
// each explained in the catalogue under `refusal.<REASON>`.
const reasons = [
  "DECLARATION_CLOSED",
  "DECLARATION_DELETED",
  "DECLARATION_INCOMPLETE",
  "DECLARATION_NOT_OPEN",
  "DECLARATION_OPEN",
  "DECLARATION_TEXT_FROZEN",
  "INVALID_PREVIOUS_VERSION",
  "INVALID_STATUS_TRANSITION",
  "SIGNATURE_ALREADY_REDACTED",
  "SIGNATURE_ALREADY_REVIEWED",
  "SIGNATURE_ALREADY_WITHDRAWN",
  "SIGNATURE_NOT_CHANGEABLE",
  "SIGNATURE_REJECTED",
  "SIGNATURE_WITHDRAWN",
  "SIGNER_ALREADY_SIGNED",
];

/** A field path of the service (`declaration.text`) as the form names it ("Text"). */
function useFieldWord() {
  const { t, i18n } = useTranslation("declarations");
  return (path: string) => {
    const leaf = path.replace(/^(declaration|signature)\./, "").replace(/\[\d+\]/g, "");
    return i18n.exists(`declarations:field.${leaf}`) ? t(`field.${leaf}`) : path;
  };
}

/** The catalogue key explaining a refusal by the record's state, or null for other failures. */
export function refusalKey(problem: Problem): string | null {
  if (problem.kind === "conflict" && reasons.includes(problem.reason)) return `refusal.${problem.reason}`;
  return problem.kind === "stale" ? "refusal.stale" : null;
}

/** Any failure in one sentence: a refusal from its reason, anything else as every screen says it. */
export function useFailureText() {
  const { t } = useTranslation("declarations");
  return (problem: Problem) => {
    const key = refusalKey(problem);
    return key === null ? problemText(t, problem) : t(key);
  };
}

/**
 * A failed write in words: a refusal by the record's state from its stable reason, a stale
 * record as such; anything else as every screen shows it.
 */
export function RefusalAlert({ error, onRetry, children }: { error: unknown; onRetry?: () => void; children?: ReactNode }) {
  const { t } = useTranslation("declarations");
  const fieldWord = useFieldWord();
  if (error === null || error === undefined) return null;
  const problem = problemOf(error);
  const known = refusalKey(problem);
  if (known === null) return <ProblemAlert error={error} onRetry={onRetry} />;
  return (
    <Alert color="yellow" role="alert" styles={{ title: { color: "var(--mantine-color-black)" } }}>
      <Text size="sm">{t(known)}</Text>
      {Object.entries(problem.fields).map(([path, m]) => (
        <Text size="sm" key={path}>
          {t("refusal.field", { field: fieldWord(path), message: m })}
        </Text>
      ))}
      {children}
    </Alert>
  );
}

/** The query keys of one declaration; a write refreshes everything under `all`. */
export const keys = {
  lists: ["declarations", "list"] as const,
  all: (name: string) => ["declarations", name] as const,
  declaration: (name: string) => ["declarations", name, "get"] as const,
  queue: (name: string) => ["declarations", name, "queue"] as const,
  signatures: (name: string) => ["declarations", name, "signatures"] as const,
  counts: (name: string, filter: string) => ["declarations", name, "counts", filter] as const,
  daily: (name: string, filter: string) => ["declarations", name, "daily", filter] as const,
  publicList: (name: string) => ["declarations", name, "public"] as const,
  record: (name: string) => ["contacts", "record", name] as const,
};
