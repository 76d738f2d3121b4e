import { describe, expect, it } from "vitest";
import { SectorSchema } from "../../gen/engage/type/v1/types_pb";
import {
  changedFields,
  conflicts,
  dateOf,
  dateText,
  emptyFilters,
  enumName,
  filtersFromSearch,
  organizationFilter,
  personFilter,
  quote,
  searchFromFilters,
  violationsByField,
} from "./model";
import { maskPaths, organizationForm, organizationOf } from "./records";
import { create } from "@bufbuild/protobuf";
import { AddressKind, OrganizationSchema, PostalAddressSchema } from "../../gen/engage/contacts/v1/resources_pb";

describe("list filters", () => {
  it("builds the organisation filter as ListOrganizations documents it", () => {
    const filter = organizationFilter({
      ...emptyFilters,
      sector: "SECTOR_NGO",
      country: "ke",
      group: "REGIONAL_GROUP_AFRICAN",
      tags: ["Donor"],
      areas: ["THEMATIC_AREA_CORRUPTION"],
      session: "cop12",
      state: "ACCREDITATION_STATE_GRANTED",
    });
    expect(filter).toBe(
      'sector = SECTOR_NGO AND country_code = "KE" AND regional_group = REGIONAL_GROUP_AFRICAN AND tags:"donor" AND ' +
        'thematic_areas:THEMATIC_AREA_CORRUPTION AND accreditation.conference_session = "COP12" AND accreditation.state = ACCREDITATION_STATE_GRANTED',
    );
  });
  it("leaves out what is not set and refuses anything that is not an enum value name", () => {
    expect(organizationFilter(emptyFilters)).toBe("");
    expect(organizationFilter({ ...emptyFilters, sector: "x OR 1" })).toBe("");
  });
  it("builds the people filter", () => {
    expect(personFilter({ ...emptyFilters, youth: "true", tags: ["a\"b"] })).toBe('tags:"a\\"b" AND youth = true');
  });
  it("quotes strings", () => {
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"');
  });
  it("keeps filters in the address bar and reads them back", () => {
    const f = { ...emptyFilters, q: "niños", tags: ["a", "b"], deleted: true, sector: "SECTOR_NGO" };
    const text = searchFromFilters(f).toString();
    expect(filtersFromSearch(new URLSearchParams(text))).toEqual(f);
    expect(searchFromFilters(emptyFilters).toString()).toBe("");
  });
});

describe("form values", () => {
  it("lists the fields changed, for the update mask", () => {
    expect(changedFields({ a: "1", b: ["x"], c: false }, { a: "1", b: ["x", "y"], c: true })).toEqual(["b", "c"]);
  });
  it("explains a stale edit field by field", () => {
    const base = { notes: "", given_name: "Ana", family_name: "Diaz" };
    const theirs = { notes: "met at COP12", given_name: "Ana", family_name: "Diaz" };
    const mine = { notes: "", given_name: "Ana María", family_name: "Diaz" };
    expect(conflicts(base, theirs, mine)).toEqual([
      { field: "notes", base: "", theirs: "met at COP12", mine: "", changedByMe: false, changedByThem: true },
      { field: "given_name", base: "Ana", theirs: "Ana", mine: "Ana María", changedByMe: true, changedByThem: false },
    ]);
  });
  it("puts field violations on their inputs and keeps the rest", () => {
    const { byField, unmapped } = violationsByField(
      { "organization.country_code": "not a country", "organization.emails[1].address": "bad", "organization.addresses[0].locality": "long", request_id: "reused" },
      "organization",
      ["country_code", "emails"],
    );
    expect(byField).toEqual({ country_code: "not a country", emails: "bad" });
    expect(unmapped).toEqual(["long", "reused"]);
  });
  it("converts dates", () => {
    expect(dateText({ year: 2025, month: 3, day: 7 })).toBe("2025-03-07");
    expect(dateOf("2025-03-07")).toEqual({ year: 2025, month: 3, day: 7 });
    expect(dateOf("")).toBeUndefined();
  });
  it("round-trips an organisation through its form, keeping the entries of lists that stay", () => {
    const o = organizationOf({ ...organizationForm(undefined), display_name: " Fundación ", sector: "SECTOR_NGO", emails: ["a@b.org"], country_code: "es" });
    expect(o.displayName).toBe("Fundación");
    expect(enumName(SectorSchema, o.sector)).toBe("SECTOR_NGO");
    expect(o.countryCode).toBe("ES");
    expect(o.emails[0]?.primary).toBe(true);
    const again = organizationOf({ ...organizationForm(o), emails: ["a@b.org", "c@d.org"] }, o);
    expect(again.emails.map((e) => [e.address, e.primary])).toEqual([
      ["a@b.org", true],
      ["c@d.org", false],
    ]);
    expect(o.emails.length).toBe(1);
  });
});

describe("rows per page in the address bar", () => {
  it("keeps a chosen size and leaves the default out of the link", () => {
    expect(filtersFromSearch(new URLSearchParams("size=50")).size).toBe(50);
    expect(searchFromFilters({ ...emptyFilters, size: 50 }).toString()).toBe("size=50");
    expect(searchFromFilters({ ...emptyFilters, size: 25 }).toString()).toBe("");
  });
  it("falls back to the default for a size it does not offer", () => {
    expect(filtersFromSearch(new URLSearchParams("size=5000")).size).toBe(25);
  });
});

describe("the preferred postal address in the form", () => {
  const office = create(PostalAddressSchema, { kind: AddressKind.OFFICE, primary: true, addressLines: ["1 Rue de la Paix"], locality: "Paris", postalCode: "75002", countryCode: "FR" });
  const mailing = create(PostalAddressSchema, { kind: AddressKind.MAILING, addressLines: ["BP 12"], locality: "Lyon", countryCode: "FR" });
  const existing = create(OrganizationSchema, { displayName: "Maison", countryCode: "FR", addresses: [mailing, office] });

  it("shows the primary address and keeps the others when it is edited", () => {
    const values = organizationForm(existing);
    expect(values.address_locality).toBe("Paris");
    const sent = organizationOf({ ...values, address_locality: "Paris 2e" }, existing);
    expect(sent.addresses.map((a) => a.locality)).toEqual(["Lyon", "Paris 2e"]);
    expect(sent.addresses[1]?.primary).toBe(true);
    expect(sent.addresses[1]?.kind).toBe(AddressKind.OFFICE);
  });
  it("adds an office address in the record's country to a new organisation", () => {
    const sent = organizationOf({ ...organizationForm(undefined), display_name: "Nueva", country_code: "cl", address_lines: "Av. Libertador 1\nPiso 3", address_locality: "Santiago" });
    expect(sent.addresses).toHaveLength(1);
    expect(sent.addresses[0]?.addressLines).toEqual(["Av. Libertador 1", "Piso 3"]);
    expect(sent.addresses[0]?.countryCode).toBe("CL");
    expect(sent.addresses[0]?.kind).toBe(AddressKind.OFFICE);
  });
  it("removes the preferred address when its fields are emptied, and updates only `addresses`", () => {
    const emptied = { ...organizationForm(existing), address_lines: [], address_locality: "", address_region: "", address_postal_code: "", address_country_code: "" };
    expect(organizationOf(emptied, existing).addresses.map((a) => a.locality)).toEqual(["Lyon"]);
    expect(maskPaths(["address_locality", "address_lines", "website"])).toEqual(["addresses", "website"]);
  });
});
