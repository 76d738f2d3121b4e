// Organisations and people as form values and back: what a form shows, and the message an
// Update sends for the fields that changed (the service replaces list fields whole, so a list
// is sent complete, keeping the kind and primary flag of the entries that stay).
import { clone, create } from "@bufbuild/protobuf";
import {
  AddressKind,
  AgeBracket,
  AgeBracketSchema,
  EcosocStatus,
  EcosocStatusSchema,
  EmailAddressSchema,
  OrganizationSchema,
  PersonSchema,
  PhoneNumberSchema,
  PostalAddressSchema,
  type EmailAddress,
  type Organization,
  type Person,
  type PhoneNumber,
  type PostalAddress,
} from "../../gen/engage/contacts/v1/resources_pb";
import { DateSchema, SectorSchema, ThematicAreaSchema } from "../../gen/engage/type/v1/types_pb";
import { dateOf, dateText, enumName, enumNumber, lines, type FormValues } from "./model";

/**
 * The form edits a record's preferred postal address (the primary one, or the first) as these
 * fields; the record's other addresses are kept as they are. All of them are the `addresses`
 * path of an update.
 */
export const addressFields = ["address_lines", "address_locality", "address_region", "address_postal_code", "address_country_code"] as const;

/** The update mask's paths for the form fields changed. */
export function maskPaths(changed: readonly string[]): string[] {
  return [...new Set(changed.map((f) => ((addressFields as readonly string[]).includes(f) ? "addresses" : f)))];
}

function preferred(addresses: readonly PostalAddress[]): number {
  const primary = addresses.findIndex((a) => a.primary);
  return primary === -1 ? 0 : primary;
}

function addressForm(addresses: readonly PostalAddress[] | undefined): FormValues {
  const a = addresses?.[preferred(addresses)];
  return {
    address_lines: [...(a?.addressLines ?? [])],
    address_locality: a?.locality ?? "",
    address_region: a?.region ?? "",
    address_postal_code: a?.postalCode ?? "",
    address_country_code: a?.countryCode ?? "",
  };
}

/**
 * The addresses to send: the preferred one replaced by the form's (or removed when the form's
 * is emptied), the others unchanged. An address without a country takes the record's.
 */
function addressesOf(v: FormValues, previous: readonly PostalAddress[], recordCountry: string, kind: AddressKind): PostalAddress[] {
  const at = preferred(previous);
  const old = previous[at];
  const addressLines = list(v, "address_lines");
  const locality = text(v, "address_locality");
  const region = text(v, "address_region");
  const postalCode = text(v, "address_postal_code");
  const country = text(v, "address_country_code").toUpperCase();
  const empty = addressLines.length === 0 && locality === "" && region === "" && postalCode === "" && country === "";
  const others = previous.filter((_, i) => i !== at);
  if (empty) return others;
  const edited = create(PostalAddressSchema, {
    kind: old?.kind ?? kind,
    primary: old?.primary ?? false,
    addressLines,
    locality,
    region,
    postalCode,
    countryCode: country || recordCountry,
  });
  return old === undefined ? [edited, ...others] : previous.map((a, i) => (i === at ? edited : a));
}

export const organizationFields = [
  "display_name",
  "acronym",
  "alternative_names",
  "sector",
  "country_code",
  "website",
  "emails",
  "phones",
  ...addressFields,
  "thematic_areas",
  "tags",
  "ecosoc_status",
  "ecosoc_status_year",
  "external_id",
  "description",
] as const;

export const personFields = [
  "honorific_prefix",
  "given_name",
  "family_name",
  "display_name",
  "emails",
  "phones",
  "country_code",
  ...addressFields,
  "languages",
  "youth",
  "birth_date",
  "age_bracket",
  "thematic_areas",
  "tags",
  "external_id",
  "notes",
] as const;

export function organizationForm(o: Organization | undefined): FormValues {
  return {
    display_name: o?.displayName ?? "",
    acronym: o?.acronym ?? "",
    alternative_names: [...(o?.alternativeNames ?? [])],
    sector: o ? enumName(SectorSchema, o.sector) : "",
    country_code: o?.countryCode ?? "",
    website: o?.website ?? "",
    emails: (o?.emails ?? []).map((e) => e.address),
    phones: (o?.phones ?? []).map((p) => p.originalText),
    ...addressForm(o?.addresses),
    thematic_areas: (o?.thematicAreas ?? []).map((a) => enumName(ThematicAreaSchema, a)),
    tags: [...(o?.tags ?? [])],
    ecosoc_status: o && o.ecosocStatus !== EcosocStatus.UNSPECIFIED ? enumName(EcosocStatusSchema, o.ecosocStatus) : "",
    ecosoc_status_year: o && o.ecosocStatusYear !== 0 ? String(o.ecosocStatusYear) : "",
    external_id: o?.externalId ?? "",
    description: o?.description ?? "",
  };
}

export function personForm(p: Person | undefined): FormValues {
  return {
    honorific_prefix: p?.honorificPrefix ?? "",
    given_name: p?.givenName ?? "",
    family_name: p?.familyName ?? "",
    display_name: p?.displayName ?? "",
    emails: (p?.emails ?? []).map((e) => e.address),
    phones: (p?.phones ?? []).map((x) => x.originalText),
    country_code: p?.countryCode ?? "",
    ...addressForm(p?.addresses),
    languages: [...(p?.languages ?? [])],
    youth: p?.youth ?? false,
    birth_date: dateText(p?.birthDate),
    age_bracket: p && p.ageBracket !== AgeBracket.AGE_BRACKET_UNSPECIFIED ? enumName(AgeBracketSchema, p.ageBracket) : "",
    thematic_areas: (p?.thematicAreas ?? []).map((a) => enumName(ThematicAreaSchema, a)),
    tags: [...(p?.tags ?? [])],
    external_id: p?.externalId ?? "",
    notes: p?.notes ?? "",
  };
}

const text = (v: FormValues, k: string): string => {
  const x = v[k];
  return typeof x === "string" ? x.trim() : "";
};
const list = (v: FormValues, k: string): string[] => {
  const x = v[k];
  if (Array.isArray(x)) return x.map((s) => s.trim()).filter((s) => s !== "");
  return typeof x === "string" ? lines(x) : [];
};

function emailsOf(addresses: string[], previous: readonly EmailAddress[]): EmailAddress[] {
  return addresses.map((address) => {
    const kept = previous.find((e) => e.address === address);
    return kept ?? create(EmailAddressSchema, { address, primary: previous.length === 0 && addresses[0] === address });
  });
}

function phonesOf(numbers: string[], previous: readonly PhoneNumber[]): PhoneNumber[] {
  return numbers.map((originalText) => {
    const kept = previous.find((p) => p.originalText === originalText);
    return kept ?? create(PhoneNumberSchema, { originalText, primary: previous.length === 0 && numbers[0] === originalText });
  });
}

/** The organisation to send: `previous` (when editing) with the form's values over it. */
export function organizationOf(v: FormValues, previous?: Organization): Organization {
  const o = previous ? clone(OrganizationSchema, previous) : create(OrganizationSchema, {});
  o.displayName = text(v, "display_name");
  o.acronym = text(v, "acronym");
  o.alternativeNames = list(v, "alternative_names");
  o.sector = enumNumber(SectorSchema, text(v, "sector"));
  o.countryCode = text(v, "country_code").toUpperCase();
  o.website = text(v, "website");
  o.emails = emailsOf(list(v, "emails"), previous?.emails ?? []);
  o.phones = phonesOf(list(v, "phones"), previous?.phones ?? []);
  o.addresses = addressesOf(v, previous?.addresses ?? [], o.countryCode, AddressKind.OFFICE);
  o.thematicAreas = list(v, "thematic_areas").map((a) => enumNumber(ThematicAreaSchema, a));
  o.tags = list(v, "tags");
  o.ecosocStatus = enumNumber(EcosocStatusSchema, text(v, "ecosoc_status"));
  const year = Number(text(v, "ecosoc_status_year"));
  o.ecosocStatusYear = Number.isInteger(year) ? year : 0;
  o.externalId = text(v, "external_id");
  o.description = text(v, "description");
  return o;
}

/** The person to send: `previous` (when editing) with the form's values over it. */
export function personOf(v: FormValues, previous?: Person): Person {
  const p = previous ? clone(PersonSchema, previous) : create(PersonSchema, {});
  p.honorificPrefix = text(v, "honorific_prefix");
  p.givenName = text(v, "given_name");
  p.familyName = text(v, "family_name");
  p.displayName = text(v, "display_name");
  p.emails = emailsOf(list(v, "emails"), previous?.emails ?? []);
  p.phones = phonesOf(list(v, "phones"), previous?.phones ?? []);
  p.countryCode = text(v, "country_code").toUpperCase();
  p.addresses = addressesOf(v, previous?.addresses ?? [], p.countryCode, AddressKind.UNSPECIFIED);
  p.languages = list(v, "languages");
  p.youth = v.youth === true;
  const birth = dateOf(text(v, "birth_date"));
  p.birthDate = birth ? create(DateSchema, birth) : undefined;
  p.ageBracket = enumNumber(AgeBracketSchema, text(v, "age_bracket"));
  p.thematicAreas = list(v, "thematic_areas").map((a) => enumNumber(ThematicAreaSchema, a));
  p.tags = list(v, "tags");
  p.externalId = text(v, "external_id");
  p.notes = text(v, "notes");
  return p;
}
