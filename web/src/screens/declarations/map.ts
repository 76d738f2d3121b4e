// The pure part of the signatories map: the atlas names countries by their ISO 3166-1 numeric
// code, the figures by alpha-2; and the shade a country gets for its count of signatories.
import iso from "iso-3166-1";

/** A country's alpha-2 code from the atlas' numeric id ("404" → "KE"); "" when unknown. */
export function alpha2OfNumeric(numeric: string | number | undefined): string {
  if (numeric === undefined || numeric === "") return "";
  return iso.whereNumeric(String(numeric).padStart(3, "0"))?.alpha2 ?? "";
}

/** The shades, lightest first; shade 0 is "no signatory". */
export const shades = ["#f1f3f5", "#d0ebff", "#74c0fc", "#339af0", "#1971c2", "#0b3d6e"] as const;

/**
 * A count's shade: 0 for none, then five steps up to the largest count, so one country with
 * many signatories does not leave all the others in the lightest step.
 */
export function shadeOf(count: number, max: number): number {
  if (count <= 0 || max <= 0) return 0;
  const steps = shades.length - 1;
  return Math.min(steps, Math.max(1, Math.ceil((count / max) * steps)));
}

/** The legend: each shade used for some count up to `max`, with the counts it stands for. */
export function shadeRanges(max: number): { shade: number; from: number; to: number }[] {
  const steps = shades.length - 1;
  const ranges: { shade: number; from: number; to: number }[] = [];
  // Shade s holds the counts n with (s - 1) * max / steps < n <= s * max / steps.
  for (let shade = 1; shade <= steps; shade++) {
    const from = Math.floor(((shade - 1) * max) / steps) + 1;
    const to = Math.floor((shade * max) / steps);
    if (to >= from) ranges.push({ shade, from, to });
  }
  return ranges;
}
