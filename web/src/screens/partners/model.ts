// The pure rules of the organisations and people screens: list filters as the service reads
// them (AIP-160 subset, see ListOrganizationsRequest / ListPeopleRequest), the filters kept in
// the address bar, form values compared field by field (for the update mask and for a stale
// edit), and the service's field violations put on their inputs.
import type { DescEnum } from "@bufbuild/protobuf";
import type { GenEnum } from "@bufbuild/protobuf/codegenv2";

/** The values of an enum other than its UNSPECIFIED zero, with their full proto names. */
export function enumValues(schema: DescEnum): { number: number; name: string }[] {
  return schema.values.filter((v) => v.number !== 0).map((v) => ({ number: v.number, name: v.name }));
}

export function enumName(schema: DescEnum, value: number): string {
  return schema.values.find((v) => v.number === value)?.name ?? "";
}

export function enumNumber<T extends number>(schema: GenEnum<T>, name: string): T {
  return (schema.values.find((v) => v.name === name)?.number ?? 0) as T;
}

/** A string value quoted for a filter: double quotes, with `\` and `"` escaped. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** What an officer filters a list by; enum values are full proto names ("SECTOR_NGO"). */
export interface ListFilters {
  q: string;
  sector: string;
  country: string;
  group: string;
  tags: string[];
  areas: string[];
  session: string;
  state: string;
  youth: string;
  deleted: boolean;
  /** Rows per page: one of `pageSizes`. */
  size: number;
}

/** The rows per page a person may choose; the first is the default. */
export const pageSizes = [25, 50, 100] as const;

export const emptyFilters: ListFilters = {
  q: "",
  sector: "",
  country: "",
  group: "",
  tags: [],
  areas: [],
  session: "",
  state: "",
  youth: "",
  deleted: false,
  size: pageSizes[0],
};

/** Reads the filters kept in the address bar's query. */
export function filtersFromSearch(params: URLSearchParams): ListFilters {
  return {
    q: params.get("q") ?? "",
    sector: params.get("sector") ?? "",
    country: params.get("country") ?? "",
    group: params.get("group") ?? "",
    tags: params.getAll("tag"),
    areas: params.getAll("area"),
    session: params.get("session") ?? "",
    state: params.get("state") ?? "",
    youth: params.get("youth") ?? "",
    deleted: params.get("deleted") === "1",
    size: pageSizes.find((n) => String(n) === params.get("size")) ?? pageSizes[0],
  };
}

/** The filters as an address-bar query, leaving out what is not set (so links stay short). */
export function searchFromFilters(f: ListFilters): URLSearchParams {
  const p = new URLSearchParams();
  const one = (key: string, value: string) => {
    if (value !== "") p.set(key, value);
  };
  one("q", f.q);
  one("sector", f.sector);
  one("country", f.country);
  one("group", f.group);
  for (const tag of f.tags) p.append("tag", tag);
  for (const area of f.areas) p.append("area", area);
  one("session", f.session);
  one("state", f.state);
  one("youth", f.youth);
  if (f.deleted) p.set("deleted", "1");
  if (f.size !== pageSizes[0]) p.set("size", String(f.size));
  return p;
}

const enumValue = /^[A-Z][A-Z0-9_]*$/;

function enumTerm(field: string, value: string, op = "="): string | null {
  return enumValue.test(value) ? `${field} ${op} ${value}` : null;
}

/** The `filter` of ListOrganizations / SearchOrganizations for these filters. */
export function organizationFilter(f: ListFilters): string {
  const terms: (string | null)[] = [];
  if (f.sector) terms.push(enumTerm("sector", f.sector));
  if (f.country) terms.push(`country_code = ${quote(f.country.toUpperCase())}`);
  if (f.group) terms.push(enumTerm("regional_group", f.group));
  for (const tag of f.tags) terms.push(`tags:${quote(tag.toLowerCase())}`);
  for (const area of f.areas) terms.push(enumValue.test(area) ? `thematic_areas:${area}` : null);
  if (f.session) terms.push(`accreditation.conference_session = ${quote(f.session.toUpperCase())}`);
  if (f.state) terms.push(enumTerm("accreditation.state", f.state));
  return terms.filter((t): t is string => t !== null).join(" AND ");
}

/** The `filter` of ListPeople / SearchPeople for these filters. */
export function personFilter(f: ListFilters): string {
  const terms: (string | null)[] = [];
  if (f.country) terms.push(`country_code = ${quote(f.country.toUpperCase())}`);
  if (f.group) terms.push(enumTerm("regional_group", f.group));
  for (const tag of f.tags) terms.push(`tags:${quote(tag.toLowerCase())}`);
  for (const area of f.areas) terms.push(enumValue.test(area) ? `thematic_areas:${area}` : null);
  if (f.youth === "true" || f.youth === "false") terms.push(`youth = ${f.youth}`);
  return terms.filter((t): t is string => t !== null).join(" AND ");
}

/** A form's values: text, lists of text and switches, compared as they are. */
export type FormValue = string | string[] | boolean;
export type FormValues = Record<string, FormValue>;

export function sameValue(a: FormValue | undefined, b: FormValue | undefined): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

/** The fields whose value differs between `base` and `current`, in the form's order. */
export function changedFields(base: FormValues, current: FormValues): string[] {
  return Object.keys(current).filter((k) => !sameValue(base[k], current[k]));
}

export interface FieldConflict {
  field: string;
  /** What the record held when the form was opened. */
  base: FormValue | undefined;
  /** What the record holds now, after the other person's save. */
  theirs: FormValue | undefined;
  /** What this person typed. */
  mine: FormValue | undefined;
  /** This person changed the field. */
  changedByMe: boolean;
  /** The other person changed the field. */
  changedByThem: boolean;
}

/**
 * A stale edit explained field by field: every field either side changed, with the three
 * values, so a person sees what the other saved before deciding to reapply their own changes.
 */
export function conflicts(base: FormValues, theirs: FormValues, mine: FormValues): FieldConflict[] {
  const fields = Object.keys(mine);
  return fields
    .map((field) => ({
      field,
      base: base[field],
      theirs: theirs[field],
      mine: mine[field],
      changedByMe: !sameValue(base[field], mine[field]),
      changedByThem: !sameValue(base[field], theirs[field]),
    }))
    .filter((c) => c.changedByMe || c.changedByThem);
}

/**
 * The service's field violations (paths like `organization.emails[1].address`) by form
 * field: a path under `prefix` goes to its top-level field when the form has one; the rest
 * are returned as `unmapped` to show above the form.
 */
export function violationsByField(
  fields: Record<string, string>,
  prefix: string,
  formFields: readonly string[],
  aliases: Record<string, string> = {},
): { byField: Record<string, string>; unmapped: string[] } {
  const byField: Record<string, string> = {};
  const unmapped: string[] = [];
  for (const [path, message] of Object.entries(fields)) {
    const inner = path.startsWith(`${prefix}.`) ? path.slice(prefix.length + 1) : path;
    const top = /^[a-z_]+/.exec(inner)?.[0] ?? inner;
    const field = aliases[top] ?? top;
    if (formFields.includes(field)) {
      byField[field] ??= message;
    } else {
      unmapped.push(message);
    }
  }
  return { byField, unmapped };
}

/** Lines of a text area as a list, trimmed, blank lines left out. */
export function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** A `YYYY-MM-DD` input value from a proto Date, "" when unset. */
export function dateText(d: { year: number; month: number; day: number } | undefined): string {
  if (d === undefined || d.year === 0) return "";
  return `${String(d.year).padStart(4, "0")}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`;
}

/** A proto Date from a `YYYY-MM-DD` input value; undefined when empty or malformed. */
export function dateOf(text: string): { year: number; month: number; day: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (m === null) return undefined;
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

/** Today (UTC) as `YYYY-MM-DD`, the day the service takes for "today". */
export function todayText(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** The id part of a resource name: `organizations/abc` → `abc`. */
export function idOf(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}
