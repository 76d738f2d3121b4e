// Pure helpers of the duplicates screen: the fields of two records side by side, which
// comparison of the candidate speaks for each, and merge values in words.
import type { JsonValue } from "@bufbuild/protobuf";
import type { Date as CivilDate } from "../../gen/engage/type/v1/types_pb";
import type { Organization, Person, PostalAddress } from "../../gen/engage/contacts/v1/resources_pb";
import { DuplicateBand, MatchKind, type FieldMatch } from "../../gen/engage/contacts/v1/duplicates_pb";

/** One line of the comparison: a field and its value on each side. */
export interface FieldRow {
  field: string;
  a: string;
  b: string;
  /** The candidate's comparison behind this field, when there is one. */
  match: FieldMatch | undefined;
}

/** The candidate's comparisons that speak of each displayed field. */
const matchFields: Record<string, string[]> = {
  display_name: ["display_name", "alternative_names"],
  alternative_names: ["alternative_names"],
  acronym: ["acronym"],
  website: ["website_domain"],
  given_name: ["given_name"],
  family_name: ["family_name"],
  emails: ["emails"],
  phones: ["phones"],
  country_code: ["country_code"],
  birth_date: ["birth_date"],
  addresses: ["addresses", "postal_code"],
  primary_organization: ["primary_organization"],
};

/** The comparison for a displayed field: the one with the largest contribution. */
export function matchFor(field: string, matches: readonly FieldMatch[]): FieldMatch | undefined {
  const names = matchFields[field] ?? [field];
  let best: FieldMatch | undefined;
  for (const m of matches) {
    if (!names.includes(m.field)) continue;
    if (best === undefined || Math.abs(m.weight) > Math.abs(best.weight)) best = m;
  }
  return best;
}

/** Whether a comparison speaks for the pair (shown highlighted). */
export function isMatch(match: FieldMatch | undefined): boolean {
  return match !== undefined && match.weight > 0 && match.kind !== MatchKind.MISSING && match.kind !== MatchKind.DIFFERENT;
}

/** Whether a comparison speaks against the pair. */
export function isDifference(match: FieldMatch | undefined): boolean {
  return match !== undefined && (match.kind === MatchKind.DIFFERENT || match.weight < 0);
}

export function addressText(a: PostalAddress): string {
  return [...a.addressLines, [a.postalCode, a.locality].filter(Boolean).join(" "), a.region, a.countryCode].filter(Boolean).join(", ");
}

function list(values: readonly string[]): string {
  return values.filter(Boolean).join("; ");
}

export function dateText(d: Pick<CivilDate, "year" | "month" | "day"> | undefined): string {
  if (d === undefined || d.year === 0) return "";
  const pad = (n: number, w: number) => String(n).padStart(w, "0");
  return `${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}`;
}

type Labels = (key: string) => string;

export function organizationValues(o: Organization | undefined, label: Labels): Record<string, string> {
  if (o === undefined) return {};
  return {
    display_name: o.displayName,
    acronym: o.acronym,
    alternative_names: list(o.alternativeNames),
    sector: o.sector ? label(`sector.${String(o.sector)}`) : "",
    country_code: o.countryCode,
    website: o.website,
    emails: list(o.emails.map((e) => e.address)),
    phones: list(o.phones.map((p) => p.e164 || p.originalText)),
    addresses: list(o.addresses.map(addressText)),
    external_id: o.externalId,
  };
}

export function personValues(p: Person | undefined, label: Labels, organizationName: (name: string) => string): Record<string, string> {
  if (p === undefined) return {};
  return {
    display_name: p.displayName,
    given_name: p.givenName,
    family_name: p.familyName,
    emails: list(p.emails.map((e) => e.address)),
    phones: list(p.phones.map((x) => x.e164 || x.originalText)),
    country_code: p.countryCode,
    birth_date: p.birthDateWithheld ? label("compare.withheld") : dateText(p.birthDate),
    addresses: list(p.addresses.map(addressText)),
    primary_organization: p.primaryOrganization ? organizationName(p.primaryOrganization) : "",
    languages: list(p.languages),
    external_id: p.externalId,
  };
}

/** Both records' fields in one table, in the order of `fields`. */
export function compareRows(fields: readonly string[], a: Record<string, string>, b: Record<string, string>, matches: readonly FieldMatch[]): FieldRow[] {
  return fields.map((field) => ({ field, a: a[field] ?? "", b: b[field] ?? "", match: matchFor(field, matches) }));
}

export const organizationFields = ["display_name", "acronym", "alternative_names", "sector", "country_code", "website", "emails", "phones", "addresses", "external_id"] as const;
export const personFields = ["display_name", "given_name", "family_name", "emails", "phones", "country_code", "birth_date", "addresses", "primary_organization", "languages", "external_id"] as const;

/** A merge value (JSON mapping of the field) in words: lists joined, addresses on one line. */
export function jsonText(value: JsonValue | undefined, enumLabel: (name: string) => string = enumText): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(value) ? enumLabel(value) : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return value.map((v) => jsonText(v, enumLabel)).filter(Boolean).join("; ");
  const o = value;
  // JSON mappings name fields in lowerCamelCase, or as in the proto.
  const get = (...keys: string[]) => keys.map((k) => o[k]).find((v) => v !== undefined && v !== null);
  // Emails, phones, addresses and dates have a value that says it all.
  if (typeof o.address === "string") return o.address;
  const phone = get("e164", "originalText", "original_text");
  if (phone !== undefined) return jsonText(phone);
  if (typeof o.year === "number") return dateText({ year: o.year, month: Number(o.month ?? 0), day: Number(o.day ?? 0) });
  const lines = get("addressLines", "address_lines");
  if (lines !== undefined || o.locality !== undefined) {
    return [jsonText(lines), [jsonText(get("postalCode", "postal_code")), jsonText(o.locality)].filter(Boolean).join(" "), jsonText(o.region), jsonText(get("countryCode", "country_code"))]
      .filter(Boolean)
      .join(", ");
  }
  return Object.values(o).map((v) => jsonText(v, enumLabel)).filter(Boolean).join(", ");
}

const enumPrefixes = ["SECTOR_", "ECOSOC_STATUS_", "THEMATIC_AREA_", "REGIONAL_GROUP_", "AGE_BRACKET_", "EMAIL_KIND_", "PHONE_KIND_", "ADDRESS_KIND_"];

/** An enum value name without its prefix, in lower case: `THEMATIC_AREA_CORRUPTION` → `corruption`. */
export function enumText(name: string): string {
  const prefix = enumPrefixes.find((p) => name.startsWith(p));
  return (prefix ? name.slice(prefix.length) : name).toLowerCase().replaceAll("_", " ");
}

/** The bare id of a resource name: `organizations/abc` → `abc`. */
export function idOf(name: string): string {
  return name.slice(name.indexOf("/") + 1);
}

/** The console path of a record's page. */
export function recordPath(name: string): string {
  return name.startsWith("people/") ? `/people/${idOf(name)}` : `/organizations/${idOf(name)}`;
}

export function bandColor(band: DuplicateBand): string {
  return band === DuplicateBand.LIKELY ? "red" : "yellow";
}

export function bandKey(band: DuplicateBand): string {
  return band === DuplicateBand.LIKELY ? "band.likely" : band === DuplicateBand.POSSIBLE ? "band.possible" : "band.none";
}

