import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "locales");

function keys(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

function catalogue(language: string, file: string): unknown {
  return JSON.parse(readFileSync(join(root, language, file), "utf8"));
}

describe("message catalogues", () => {
  const namespaces = readdirSync(join(root, "en"));
  it("has English namespaces", () => {
    expect(namespaces.length).toBeGreaterThan(0);
  });
  for (const language of ["fr", "es"]) {
    for (const file of namespaces) {
      it(`${language}/${file} has every English key and no other`, () => {
        const english = keys(catalogue("en", file)).sort();
        const other = keys(catalogue(language, file)).sort();
        expect(other).toEqual(english);
      });
      it(`${language}/${file} keeps every placeholder`, () => {
        const placeholders = (text: string) => (text.match(/\{\{\s*\w+\s*\}\}/g) ?? []).sort();
        const flat = (v: unknown, prefix = ""): [string, string][] =>
          typeof v === "object" && v !== null
            ? Object.entries(v).flatMap(([k, x]) => flat(x, prefix ? `${prefix}.${k}` : k))
            : [[prefix, String(v)]];
        const other = new Map(flat(catalogue(language, file)));
        for (const [key, text] of flat(catalogue("en", file))) {
          expect(placeholders(other.get(key) ?? ""), `${language}/${file} ${key}`).toEqual(placeholders(text));
        }
      });
    }
  }
});
