import { describe, expect, it } from "vitest";
import { csvSlices } from "./slices";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);

describe("CSV slices", () => {
  it("sends a small file whole", () => {
    const file = bytes("a,b\n1,2\n");
    expect(csvSlices(file, 100)).toEqual([{ content: file, firstRowNumber: 2 }]);
  });
  it("cuts after whole records, each slice with the header and its first row number", () => {
    const file = bytes('h1,h2\r\nr2,"x\ny"\r\nr3,z\r\n\r\nr4,w\r\nr5,v');
    const slices = csvSlices(file, 20);
    expect(slices.map((s) => [text(s.content), s.firstRowNumber])).toEqual([
      ['h1,h2\r\nr2,"x\ny"\r\n', 2],
      ["h1,h2\r\nr3,z\r\n\r\n", 3],
      ["h1,h2\r\nr4,w\r\nr5,v", 4],
    ]);
  });
});
