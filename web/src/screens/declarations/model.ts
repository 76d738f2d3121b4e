// The pure rules of the declaration screens: what the state of a declaration or a signature
// allows, the queue's filter and how it moves on, the list filters as the service reads them
// (AIP-160 subset, see ListSignaturesRequest), the declaration form's values and update mask,
// the signer as signed beside the contacts record, and the figures shaped for charts.
import { DeclarationStatus } from "../../gen/engage/declarations/v1/declaration_pb";
import { SignatureStatus } from "../../gen/engage/declarations/v1/signature_pb";
import { dateOf, dateText, quote } from "../partners/model";

// ---------------------------------------------------------------------------------------
// What the state allows

interface DeclarationState {
  status: DeclarationStatus;
  nextVersion: string;
  deleteTime?: unknown;
}

export interface DeclarationActions {
  /** "all" while DRAFT; "planned" once OPEN (the text is frozen); null otherwise. */
  edit: "all" | "planned" | null;
  open: boolean;
  close: boolean;
  remove: boolean;
  restore: boolean;
  /** A new version may name this one: not a DRAFT, and no other version names it yet. */
  newVersion: boolean;
}

/** The writes the service accepts on a declaration in its current state (DeclarationsService). */
export function declarationActions(d: DeclarationState, write: boolean): DeclarationActions {
  const none: DeclarationActions = { edit: null, open: false, close: false, remove: false, restore: false, newVersion: false };
  if (!write) return none;
  if (d.deleteTime !== undefined) return { ...none, restore: true };
  switch (d.status) {
    case DeclarationStatus.DRAFT:
      return { ...none, edit: "all", open: true, remove: true };
    case DeclarationStatus.OPEN:
      // An open declaration must be closed before it can be deleted.
      return { ...none, edit: "planned", close: true, newVersion: d.nextVersion === "" };
    case DeclarationStatus.CLOSED:
      return { ...none, remove: true, newVersion: d.nextVersion === "" };
    default:
      return none;
  }
}

interface SignatureLike {
  status: SignatureStatus;
  withdrawal?: unknown;
  redactTime?: unknown;
}

export type SignatureState = "pending" | "verified" | "rejected" | "withdrawn";

/** The one word for where a signature stands: withdrawal outranks the review status. */
export function signatureState(s: SignatureLike): SignatureState {
  if (s.withdrawal !== undefined) return "withdrawn";
  switch (s.status) {
    case SignatureStatus.VERIFIED:
      return "verified";
    case SignatureStatus.REJECTED:
      return "rejected";
    default:
      return "pending";
  }
}

export interface SignatureActions {
  verify: boolean;
  reject: boolean;
  withdraw: boolean;
  redact: boolean;
  /** Change the areas, contact or public listing (UpdateSignature). */
  change: boolean;
}

/**
 * The review and withdrawal methods the service accepts for this signature and caller:
 * verify a pending one; reject a pending or verified one; withdraw a pending or verified one;
 * redact (administrators) any not yet redacted.
 */
export function signatureActions(s: SignatureLike, can: { write: boolean; administer: boolean }): SignatureActions {
  const state = signatureState(s);
  const live = state === "pending" || state === "verified";
  return {
    verify: can.write && state === "pending",
    reject: can.write && live,
    withdraw: can.write && live,
    redact: can.administer && s.redactTime === undefined,
    change: can.write && live && s.redactTime === undefined,
  };
}

export interface SignatureEdit {
  /** Area ids; none means all. */
  areas: string[];
  contactName: string;
  email: string;
  hidden: boolean;
}

/**
 * The update mask for a signature's changed fields; the areas only while the declaration is
 * open (DECLARATION_NOT_OPEN otherwise).
 */
export function signatureChanges(before: SignatureEdit, after: SignatureEdit, declarationOpen: boolean): string[] {
  const paths: string[] = [];
  const sameAreas = before.areas.length === after.areas.length && before.areas.every((a) => after.areas.includes(a));
  if (declarationOpen && !sameAreas) paths.push("endorsed_area_ids");
  if (before.contactName.trim() !== after.contactName.trim() || before.email.trim() !== after.email.trim()) paths.push("contact");
  if (before.hidden !== after.hidden) paths.push("hide_from_public_listing");
  return paths;
}

// ---------------------------------------------------------------------------------------
// The queue and the lists

/** Signatures awaiting review: pending and still live (a withdrawn one needs no review). */
export const queueFilter = "status = SIGNATURE_STATUS_PENDING AND live = true";
/** Oldest first: the order the signatures were recorded in. */
export const queueOrder = "create_time";

/**
 * The signature to show once `acted` leaves the queue: the one after it, else the one before
 * it, else none.
 */
export function nextInQueue(names: readonly string[], acted: string): string | null {
  const at = names.indexOf(acted);
  if (at === -1) return names[0] ?? null;
  return names[at + 1] ?? names[at - 1] ?? null;
}

export const signatureStates = ["pending", "verified", "rejected", "withdrawn"] as const;

/** The `filter` of ListSignatures for a state ("" for all) and a piece of the name. */
export function signatureFilter(state: string, name: string): string {
  const terms: string[] = [];
  switch (state) {
    case "pending":
      terms.push("status = SIGNATURE_STATUS_PENDING", "withdrawn = false");
      break;
    case "verified":
      terms.push("status = SIGNATURE_STATUS_VERIFIED", "withdrawn = false");
      break;
    case "rejected":
      terms.push("status = SIGNATURE_STATUS_REJECTED");
      break;
    case "withdrawn":
      terms.push("withdrawn = true");
      break;
  }
  const text = name.trim();
  if (text !== "") terms.push(`display_name:${quote(text)}`);
  return terms.join(" AND ");
}

export const declarationStatuses = ["DECLARATION_STATUS_DRAFT", "DECLARATION_STATUS_OPEN", "DECLARATION_STATUS_CLOSED"] as const;

/** The `filter` of ListDeclarations for a status (full enum name, "" for all) and a piece of the title. */
export function declarationFilter(status: string, title: string): string {
  const terms: string[] = [];
  if ((declarationStatuses as readonly string[]).includes(status)) terms.push(`status = ${status}`);
  const text = title.trim();
  if (text !== "") terms.push(`title:${quote(text)}`);
  return terms.join(" AND ");
}

// ---------------------------------------------------------------------------------------
// The signer as signed, beside the contacts record

export interface SignerFacts {
  displayName: string;
  acronym?: string;
  countryCode: string;
  sector?: number;
}

export interface FactRow {
  field: "display_name" | "acronym" | "country_code" | "sector";
  signed: string | number;
  now: string | number;
  /** The contacts record no longer says what the signer signed with. */
  differs: boolean;
}

/**
 * The snapshot taken at signing beside what contacts holds now, field by field; a field the
 * record does not carry (an individual's sector) is left out.
 */
export function compareWithRecord(signed: SignerFacts, record: SignerFacts): FactRow[] {
  const rows: FactRow[] = [
    { field: "display_name", signed: signed.displayName, now: record.displayName, differs: false },
    { field: "country_code", signed: signed.countryCode, now: record.countryCode, differs: false },
  ];
  if (record.acronym !== undefined) rows.splice(1, 0, { field: "acronym", signed: signed.acronym ?? "", now: record.acronym, differs: false });
  if (record.sector !== undefined) rows.push({ field: "sector", signed: signed.sector ?? 0, now: record.sector, differs: false });
  return rows.map((r) => ({
    ...r,
    differs: typeof r.signed === "string" && typeof r.now === "string" ? r.signed.trim().toLowerCase() !== r.now.trim().toLowerCase() : r.signed !== r.now,
  }));
}

// ---------------------------------------------------------------------------------------
// The declaration form

export interface AreaValues {
  id: string;
  title: string;
  description: string;
  /** A ThematicArea's full enum name, "" for none. */
  thematicArea: string;
  /** The id was typed (or stored), not derived from the title. */
  idTouched: boolean;
}

export interface DeclarationValues {
  title: string;
  languageCode: string;
  text: string;
  /** YYYY-MM-DD or "". */
  plannedCloseDate: string;
  areas: AreaValues[];
}

export const emptyArea: AreaValues = { id: "", title: "", description: "", thematicArea: "", idTouched: false };

interface AreaLike {
  id: string;
  title: string;
  description: string;
  thematicArea: number;
}

interface DeclarationLike {
  title: string;
  text: string;
  languageCode: string;
  plannedCloseDate?: { year: number; month: number; day: number };
  areas: AreaLike[];
}

/** The form's values for a declaration (none: a new one, in `language`). */
export function declarationValues(d: DeclarationLike | undefined, thematicName: (n: number) => string, language = "en"): DeclarationValues {
  if (d === undefined) return { title: "", languageCode: language, text: "", plannedCloseDate: "", areas: [{ ...emptyArea }] };
  return {
    title: d.title,
    languageCode: d.languageCode,
    text: d.text,
    plannedCloseDate: dateText(d.plannedCloseDate),
    // A declaration without areas yet offers one empty row to fill.
    areas:
      d.areas.length === 0
        ? [{ ...emptyArea }]
        : d.areas.map((a) => ({ id: a.id, title: a.title, description: a.description, thematicArea: a.thematicArea === 0 ? "" : thematicName(a.thematicArea), idTouched: true })),
  };
}

/**
 * An area id from its title, as the service accepts them (`a-z`, `0-9` and `-`, at most 63):
 * accents dropped, everything else a hyphen. "Prévention et sensibilisation" →
 * "prevention-et-sensibilisation".
 */
export function areaIdOf(title: string): string {
  return title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, 63)
    .replace(/-+$/, "");
}

/** The areas as sent: blank trailing rows left out, ids as typed or derived from the title. */
export function areasOf(values: DeclarationValues, thematicNumber: (name: string) => number) {
  return values.areas
    .filter((a) => a.title.trim() !== "" || a.id.trim() !== "" || a.description.trim() !== "")
    .map((a) => ({
      id: (a.idTouched ? a.id : areaIdOf(a.title)).trim(),
      title: a.title.trim(),
      description: a.description.trim(),
      thematicArea: a.thematicArea === "" ? 0 : thematicNumber(a.thematicArea),
    }));
}

/** The update mask's paths for what changed between the form as opened and as sent. */
export function changedPaths(base: DeclarationValues, current: DeclarationValues, thematicNumber: (name: string) => number): string[] {
  const paths: string[] = [];
  if (base.title.trim() !== current.title.trim()) paths.push("title");
  if (base.text !== current.text) paths.push("text");
  if (base.languageCode.trim() !== current.languageCode.trim()) paths.push("language_code");
  if (JSON.stringify(areasOf(base, thematicNumber)) !== JSON.stringify(areasOf(current, thematicNumber))) paths.push("areas");
  if (base.plannedCloseDate !== current.plannedCloseDate) paths.push("planned_close_date");
  return paths;
}

/** The planned close date as sent: a proto Date, or none to clear it. */
export function plannedCloseOf(values: DeclarationValues) {
  return dateOf(values.plannedCloseDate);
}

/**
 * The service's field violations on the declaration (`declaration.areas[1].title`) by form
 * input: `title`, `text`, `language_code`, `planned_close_date`, `areas.1.title`…; the rest
 * (and `areas` as a whole) under `form`.
 */
export function violationsOfForm(fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, message] of Object.entries(fields)) {
    const inner = path.replace(/^declaration\./, "");
    const area = /^areas\[(\d+)\]\.([a-z_]+)/.exec(inner);
    const key = area ? `areas.${area[1] ?? ""}.${area[2] ?? ""}` : ["title", "text", "language_code", "planned_close_date"].includes(inner) ? inner : "form";
    if (out[key] === undefined) out[key] = message;
    else if (key === "form") out[key] = `${out[key]} ${message}`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Translations

interface TranslationLike {
  languageCode: string;
  title: string;
  text: string;
  areas: { areaId: string; title: string; description: string }[];
}

export interface TranslationValues {
  languageCode: string;
  title: string;
  text: string;
  /** One row per area of the declaration, in its order. */
  areas: { areaId: string; title: string; description: string }[];
}

/**
 * What may be done with translations: while DRAFT everything; once OPEN a language may be
 * added but an existing one neither changed nor removed; nothing on a closed or deleted one.
 */
export function translationActions(d: DeclarationState, write: boolean): { add: boolean; change: boolean } {
  if (!write || d.deleteTime !== undefined) return { add: false, change: false };
  return { add: d.status === DeclarationStatus.DRAFT || d.status === DeclarationStatus.OPEN, change: d.status === DeclarationStatus.DRAFT };
}

/** The form's values for a translation (none: a new one), with a row for every area. */
export function translationValues(t: TranslationLike | undefined, areas: readonly { id: string }[]): TranslationValues {
  return {
    languageCode: t?.languageCode ?? "",
    title: t?.title ?? "",
    text: t?.text ?? "",
    areas: areas.map((a) => {
      const found = t?.areas.find((x) => x.areaId === a.id);
      return { areaId: a.id, title: found?.title ?? "", description: found?.description ?? "" };
    }),
  };
}

/** The translation as sent: trimmed, areas left blank (not translated yet) left out. */
export function translationOf(values: TranslationValues): TranslationLike {
  return {
    languageCode: values.languageCode.trim(),
    title: values.title.trim(),
    text: values.text,
    areas: values.areas
      .filter((a) => a.title.trim() !== "" || a.description.trim() !== "")
      .map((a) => ({ areaId: a.areaId, title: a.title.trim(), description: a.description.trim() })),
  };
}

/**
 * The declaration's translations after one change: the one at `index` replaced (or added when
 * `index` is null), or removed when `next` is null. The others are sent back as they are, so
 * an open declaration's existing languages stay unchanged.
 */
export function translationsAfter(current: readonly TranslationLike[], index: number | null, next: TranslationLike | null): TranslationLike[] {
  const kept: TranslationLike[] = current.map((t) => ({ languageCode: t.languageCode, title: t.title, text: t.text, areas: t.areas.map((a) => ({ areaId: a.areaId, title: a.title, description: a.description })) }));
  if (index === null) return next === null ? kept : [...kept, next];
  if (next === null) return kept.filter((_, i) => i !== index);
  return kept.map((t, i) => (i === index ? next : t));
}

/**
 * The service's violations on one translation (`declaration.translations[2].areas[0].title`)
 * by form input: `language_code`, `title`, `text`, `areas.<area id>.title`…; the rest under `form`.
 */
export function translationViolations(fields: Record<string, string>, index: number, sent: TranslationLike): Record<string, string> {
  const out: Record<string, string> = {};
  const prefix = `declaration.translations[${String(index)}].`;
  for (const [path, message] of Object.entries(fields)) {
    let key = "form";
    if (path.startsWith(prefix)) {
      const inner = path.slice(prefix.length);
      const area = /^areas\[(\d+)\]\.([a-z_]+)/.exec(inner);
      if (area) {
        const id = sent.areas[Number(area[1])]?.areaId;
        if (id !== undefined) key = `areas.${id}.${area[2] ?? ""}`;
      } else if (["language_code", "title", "text"].includes(inner)) {
        key = inner;
      }
    }
    out[key] = out[key] === undefined ? message : `${out[key]} ${message}`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Figures

export interface StateCounts {
  pending: number;
  verified: number;
  rejected: number;
  withdrawn: number;
}

export interface CountRow extends StateCounts {
  /** The bucket's key: an enum number, a country code or an area id. */
  key: string;
}

const zero: StateCounts = { pending: 0, verified: 0, rejected: 0, withdrawn: 0 };

function countsOf(c: Partial<StateCounts> | undefined): StateCounts {
  return { ...zero, ...c };
}

function anyCount(c: StateCounts): boolean {
  return c.pending + c.verified + c.rejected + c.withdrawn > 0;
}

/**
 * Buckets of an enum (regional group, sector) in the service's order; the UNSPECIFIED bucket
 * (signers with no country, individuals with no sector) only when it holds signatures.
 */
export function enumRows(buckets: readonly { value: number; counts?: Partial<StateCounts> }[]): CountRow[] {
  return buckets
    .map((b) => ({ key: String(b.value), ...countsOf(b.counts) }))
    .filter((r) => r.key !== "0" || anyCount(r));
}

/** Countries with most signatories first, then most signatures in any state, then by code. */
export function countryRows(buckets: readonly { countryCode: string; counts?: Partial<StateCounts> }[]): CountRow[] {
  const total = (r: StateCounts) => r.pending + r.verified + r.rejected + r.withdrawn;
  return buckets
    .map((b) => ({ key: b.countryCode, ...countsOf(b.counts) }))
    .sort((a, b) => b.verified - a.verified || total(b) - total(a) || a.key.localeCompare(b.key));
}

/** What the figures may be narrowed to: enum values by full name, an area id; "" for any. */
export interface FigureFilters {
  group: string;
  sector: string;
  kind: string;
  area: string;
}

export const noFigureFilters: FigureFilters = { group: "", sector: "", kind: "", area: "" };

/** The `filter` of CountSignatures and CountSignaturesByDay for these choices. */
export function figureFilter(f: FigureFilters): string {
  const terms: string[] = [];
  const enumValue = /^[A-Z][A-Z0-9_]*$/;
  if (enumValue.test(f.group)) terms.push(`regional_group = ${f.group}`);
  if (enumValue.test(f.sector)) terms.push(`sector = ${f.sector}`);
  if (enumValue.test(f.kind)) terms.push(`signer_kind = ${f.kind}`);
  if (f.area !== "") terms.push(`area:${quote(f.area)}`);
  return terms.join(" AND ");
}

export interface DailyPoint {
  /** YYYY-MM-DD. */
  date: string;
  count: number;
  cumulative: number;
}

/** The series by day as the chart draws it. */
export function dailyPoints(days: readonly { date?: { year: number; month: number; day: number }; count: number; cumulativeCount: number }[]): DailyPoint[] {
  return days.map((d) => ({ date: dateText(d.date), count: d.count, cumulative: d.cumulativeCount }));
}

/** The days the table lists: those with new signatories (the chart shows every day). */
export function daysWithSignatories(points: readonly DailyPoint[]): DailyPoint[] {
  return points.filter((p) => p.count > 0);
}

// ---------------------------------------------------------------------------------------
// Names

/** A country's name in `language` from its ISO code ("KE" → "Kenya"); the code when unknown. */
export function countryName(code: string, language: string): string {
  if (code === "") return "";
  try {
    return new Intl.DisplayNames([language], { type: "region", fallback: "code" }).of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

/** A language's name in `language` from its BCP 47 tag ("fr" → "French"); the tag when unknown. */
export function languageName(tag: string, language: string): string {
  if (tag === "") return "";
  try {
    return new Intl.DisplayNames([language], { type: "language", fallback: "code" }).of(tag) ?? tag;
  } catch {
    return tag;
  }
}

/** A CSV export's file name: the declaration's id, what was exported and the day. */
export function exportFileName(declarationId: string, publicOnly: boolean, day: string): string {
  return `declaration-${declarationId}-${publicOnly ? "public-signatories" : "signatures"}-${day}.csv`;
}
