import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { FieldMatchSchema, MatchKind } from "../../gen/engage/contacts/v1/duplicates_pb";
import { compareRows, isDifference, isMatch, jsonText, matchFor, recordPath } from "./records";

const m = (field: string, kind: MatchKind, weight: number) => create(FieldMatchSchema, { field, kind, weight, similarity: 1 });

describe("duplicate comparison", () => {
  it("finds the comparison behind a displayed field, the largest first", () => {
    const matches = [m("website_domain", MatchKind.EXACT, 0.35), m("postal_code", MatchKind.EXACT, 0.1), m("addresses", MatchKind.FUZZY, 0.05)];
    expect(matchFor("website", matches)?.field).toBe("website_domain");
    expect(matchFor("addresses", matches)?.field).toBe("postal_code");
    expect(matchFor("acronym", matches)).toBeUndefined();
  });
  it("highlights what speaks for the pair, not what is missing or different", () => {
    expect(isMatch(m("acronym", MatchKind.EXACT, 0.1))).toBe(true);
    expect(isMatch(m("acronym", MatchKind.MISSING, 0))).toBe(false);
    expect(isMatch(m("country_code", MatchKind.DIFFERENT, -0.35))).toBe(false);
    expect(isDifference(m("country_code", MatchKind.DIFFERENT, -0.35))).toBe(true);
  });
  it("puts both sides in rows in the given order", () => {
    const rows = compareRows(["display_name", "acronym"], { display_name: "Red Cros" }, { display_name: "Red Cross", acronym: "RC" }, [m("display_name", MatchKind.FUZZY, 0.6)]);
    expect(rows.map((r) => [r.field, r.a, r.b, r.match?.kind])).toEqual([
      ["display_name", "Red Cros", "Red Cross", MatchKind.FUZZY],
      ["acronym", "", "RC", undefined],
    ]);
  });
  it("writes merge values in words", () => {
    expect(jsonText(null)).toBe("");
    expect(jsonText(["a", "b"])).toBe("a; b");
    expect(jsonText([{ address: "x@example.org", kind: "EMAIL_KIND_WORK" }])).toBe("x@example.org");
    expect(jsonText({ addressLines: ["1 Rue A"], postalCode: "75001", locality: "Paris", countryCode: "FR" })).toBe("1 Rue A, 75001 Paris, FR");
    expect(jsonText({ year: 1990, month: 3, day: 7 })).toBe("1990-03-07");
  });
  it("links a record to its page by bare id", () => {
    expect(recordPath("organizations/abc")).toBe("/organizations/abc");
    expect(recordPath("people/xyz")).toBe("/people/xyz");
  });
});

describe("enum values in merge previews", () => {
  it("are written without their prefix", () => {
    expect(jsonText(["THEMATIC_AREA_CORRUPTION", "plain text"])).toBe("corruption; plain text");
    expect(jsonText("SECTOR_NGO", (n) => `<${n}>`)).toBe("<SECTOR_NGO>");
  });
});
