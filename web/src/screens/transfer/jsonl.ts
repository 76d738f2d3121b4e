// JSON lines (one record a line, as `engage orgs list --json` writes them) turned into the
// CSV the import reads, with the cells an export writes, as the `engage import` command does.
// The names of the system they were listed from (`name`, the person's organisation) are left
// out, so the records are matched by external id or created.
import { fromJsonString, type DescEnum } from "@bufbuild/protobuf";
import { AddressKindSchema, AgeBracketSchema, EcosocStatusSchema, OrganizationSchema, PersonSchema, type Organization, type Person, type PostalAddress } from "../../gen/engage/contacts/v1/resources_pb";
import { SectorSchema, ThematicAreaSchema } from "../../gen/engage/type/v1/types_pb";
import { csvLine } from "./report";

const addressColumns = ["address_kind", "address_lines", "address_locality", "address_region", "address_postal_code", "address_country_code"];

export const organizationColumns = [
  "external_id",
  "display_name",
  "acronym",
  "alternative_names",
  "sector",
  "country_code",
  "website",
  "emails",
  "phones",
  "thematic_areas",
  "tags",
  "ecosoc_status",
  "ecosoc_status_year",
  "description",
  ...addressColumns,
];

export const personColumns = [
  "external_id",
  "display_name",
  "honorific_prefix",
  "given_name",
  "family_name",
  "emails",
  "phones",
  "country_code",
  "languages",
  "youth",
  "birth_date",
  "age_bracket",
  "thematic_areas",
  "tags",
  "notes",
  ...addressColumns,
];

/** A line that is not a record. */
export class JsonLinesError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/** An enum value as a cell: its name, lower-case, without the prefix; empty when unspecified. */
function enumCell(schema: DescEnum, value: number): string {
  const v = schema.values.find((x) => x.number === value);
  if (v === undefined || v.name.endsWith("_UNSPECIFIED")) return "";
  return v.name.slice(schema.sharedPrefix ? schema.sharedPrefix.length : 0).toLowerCase() || v.name.toLowerCase();
}

const list = (items: readonly string[]) => items.join(";");

function primaryFirst<T extends { primary: boolean }>(items: readonly T[]): T[] {
  return [...items.filter((i) => i.primary), ...items.filter((i) => !i.primary)];
}

function addressCell(addresses: readonly PostalAddress[], column: string): string {
  const a = addresses.find((x) => x.primary) ?? addresses[0];
  if (a === undefined) return "";
  switch (column) {
    case "address_kind":
      return enumCell(AddressKindSchema, a.kind);
    case "address_lines":
      return list(a.addressLines);
    case "address_locality":
      return a.locality;
    case "address_region":
      return a.region;
    case "address_postal_code":
      return a.postalCode;
    default:
      return a.countryCode;
  }
}

function common(r: Organization | Person, column: string): string | undefined {
  if (column.startsWith("address_")) return addressCell(r.addresses, column);
  switch (column) {
    case "external_id":
      return r.externalId;
    case "display_name":
      return r.displayName;
    case "country_code":
      return r.countryCode;
    case "emails":
      return list(primaryFirst(r.emails).map((e) => e.address));
    case "phones":
      return list(primaryFirst(r.phones).map((p) => p.originalText || p.e164));
    case "thematic_areas":
      return list(r.thematicAreas.map((a) => enumCell(ThematicAreaSchema, a)).filter(Boolean));
    case "tags":
      return list(r.tags);
    default:
      return undefined;
  }
}

function organizationCell(o: Organization, column: string): string {
  const shared = common(o, column);
  if (shared !== undefined) return shared;
  switch (column) {
    case "acronym":
      return o.acronym;
    case "alternative_names":
      return list(o.alternativeNames);
    case "sector":
      return enumCell(SectorSchema, o.sector);
    case "website":
      return o.website;
    case "ecosoc_status":
      return enumCell(EcosocStatusSchema, o.ecosocStatus);
    case "ecosoc_status_year":
      return o.ecosocStatusYear ? String(o.ecosocStatusYear) : "";
    case "description":
      return o.description;
    default:
      return "";
  }
}

function personCell(p: Person, column: string): string {
  const shared = common(p, column);
  if (shared !== undefined) return shared;
  const pad = (n: number, w: number) => String(n).padStart(w, "0");
  switch (column) {
    case "honorific_prefix":
      return p.honorificPrefix;
    case "given_name":
      return p.givenName;
    case "family_name":
      return p.familyName;
    case "languages":
      return list(p.languages);
    case "youth":
      return String(p.youth);
    case "birth_date":
      return p.birthDate && p.birthDate.year ? `${pad(p.birthDate.year, 4)}-${pad(p.birthDate.month, 2)}-${pad(p.birthDate.day, 2)}` : "";
    case "age_bracket":
      return enumCell(AgeBracketSchema, p.ageBracket);
    case "notes":
      return p.notes;
    default:
      return "";
  }
}

/** The CSV content of a JSON lines file of organisations or people; blank lines are skipped. */
export function csvFromJsonLines(kind: "organizations" | "people", text: string): string {
  const columns = kind === "people" ? personColumns : organizationColumns;
  let out = csvLine(columns);
  for (const [index, line] of text.replace(/^\uFEFF/, "").split(/\r?\n/).entries()) {
    if (line.trim() === "") continue;
    try {
      if (kind === "people") {
        const p = fromJsonString(PersonSchema, line, { ignoreUnknownFields: true });
        out += csvLine(columns.map((c) => personCell(p, c)));
      } else {
        const o = fromJsonString(OrganizationSchema, line, { ignoreUnknownFields: true });
        out += csvLine(columns.map((c) => organizationCell(o, c)));
      }
    } catch (e) {
      throw new JsonLinesError(index + 1, e instanceof Error ? e.message : String(e));
    }
  }
  return out;
}

/** Whether a file is JSON lines, by its name. */
export function isJsonLines(filename: string): boolean {
  return /\.(jsonl|ndjson|json)$/i.test(filename);
}
