import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ImportIssueSchema, ImportRowOutcome, ImportRowResultSchema } from "../../gen/engage/contacts/v1/csv_pb";
import { csvCell, exportFilterText, reportCsv } from "./report";

describe("import report", () => {
  it("quotes cells holding commas, quotes or line breaks", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell('say "hi", then')).toBe('"say ""hi"", then"');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
  });
  it("writes one line per row with its errors", () => {
    const rows = [
      create(ImportRowResultSchema, {
        rowNumber: 3n,
        outcome: ImportRowOutcome.FAILED,
        errors: [create(ImportIssueSchema, { column: "country_code", reason: 'unknown country code "XX"', code: "INVALID_COUNTRY" })],
      }),
      create(ImportRowResultSchema, { rowNumber: 4n, outcome: ImportRowOutcome.CREATED, resource: "organizations/a1" }),
    ];
    expect(reportCsv(rows).split("\r\n")).toEqual([
      "row_number,outcome,external_id,resource,errors,warnings,likely_duplicates",
      '3,failed,,,"country_code: unknown country code ""XX"" (INVALID_COUNTRY)",,',
      "4,created,,organizations/a1,,,",
      "",
    ]);
  });
});

describe("export filter", () => {
  it("joins the chosen conditions with AND", () => {
    expect(exportFilterText({ countryCode: "ke", regionalGroup: "REGIONAL_GROUP_AFRICAN", sector: "SECTOR_NGO", tag: 'a"b' }, true)).toBe(
      'country_code = "KE" AND regional_group = REGIONAL_GROUP_AFRICAN AND sector = SECTOR_NGO AND tags:"a\\"b"',
    );
  });
  it("leaves out the sector for people and empty choices", () => {
    expect(exportFilterText({ countryCode: "", regionalGroup: "", sector: "SECTOR_NGO", tag: "" }, false)).toBe("");
  });
});
