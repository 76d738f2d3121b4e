import { describe, expect, it } from "vitest";
import { csvFromJsonLines, JsonLinesError } from "./jsonl";

describe("JSON lines to CSV", () => {
  it("writes organisations with the export's cells, without the other system's names", () => {
    const csv = csvFromJsonLines(
      "organizations",
      [
        JSON.stringify({
          name: "organizations/x1",
          displayName: "Red, Juvenil",
          sector: "SECTOR_PRIVATE_SECTOR",
          countryCode: "PE",
          emails: [{ address: "b@example.org" }, { address: "a@example.org", primary: true }],
          thematicAreas: ["THEMATIC_AREA_CORRUPTION"],
          addresses: [{ addressLines: ["Av. 1", "Piso 2"], locality: "Lima", countryCode: "PE" }],
          unknownField: 1,
        }),
        "",
      ].join("\n"),
    );
    const [header, row] = csv.split("\r\n");
    const cells = Object.fromEntries((header ?? "").split(",").map((c, i) => [c, row?.match(/("[^"]*"|[^,]*)(,|$)/g)?.[i]?.replace(/,$/, "") ?? ""]));
    expect((header ?? "").split(",")).not.toContain("name");
    expect(cells).toMatchObject({
      display_name: '"Red, Juvenil"',
      sector: "private_sector",
      country_code: "PE",
      emails: "a@example.org;b@example.org",
      thematic_areas: "corruption",
      address_lines: "Av. 1;Piso 2",
      address_locality: "Lima",
    });
  });
  it("names the line that is not a record", () => {
    expect(() => csvFromJsonLines("people", '{"givenName":"Ana"}\n{oops')).toThrow(JsonLinesError);
    try {
      csvFromJsonLines("people", '{"givenName":"Ana"}\n{oops');
    } catch (e) {
      expect((e as JsonLinesError).line).toBe(2);
    }
  });
});
