import { describe, expect, it } from "vitest";
import { alpha2OfNumeric, shadeOf, shadeRanges } from "./map";

describe("the signatories map", () => {
  it("finds the country of an atlas shape by its numeric code", () => {
    expect(alpha2OfNumeric("404")).toBe("KE");
    expect(alpha2OfNumeric(76)).toBe("BR");
    expect(alpha2OfNumeric("-99")).toBe("");
    expect(alpha2OfNumeric(undefined)).toBe("");
  });
  it("shades a country by its share of the largest count, none staying lightest", () => {
    expect(shadeOf(0, 10)).toBe(0);
    expect(shadeOf(1, 10)).toBe(1);
    expect(shadeOf(10, 10)).toBe(5);
    expect(shadeOf(5, 10)).toBe(3);
    expect(shadeOf(3, 0)).toBe(0);
  });
  it("says in the legend which counts each shade stands for, as the map shades them", () => {
    expect(shadeRanges(10).map((r) => [r.shade, r.from, r.to])).toEqual([
      [1, 1, 2],
      [2, 3, 4],
      [3, 5, 6],
      [4, 7, 8],
      [5, 9, 10],
    ]);
    expect(shadeRanges(2).map((r) => [r.shade, r.from, r.to])).toEqual([
      [3, 1, 1],
      [5, 2, 2],
    ]);
    for (const max of [1, 2, 3, 7, 10, 23]) {
      for (let n = 1; n <= max; n++) {
        const range = shadeRanges(max).find((r) => n >= r.from && n <= r.to);
        expect(range?.shade, `${String(n)} of ${String(max)}`).toBe(shadeOf(n, max));
      }
    }
  });
});
