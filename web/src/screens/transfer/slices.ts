// A large CSV file sent as several import calls (the API takes at most 32 MiB a call): each
// slice holds the header and whole records, with the row number of its first record so the
// report keeps the file's row numbers.

export interface Slice {
  content: Uint8Array;
  /** Row number of the slice's first data record (the header is row 1). */
  firstRowNumber: number;
}

/** The size of a slice; a record longer than this goes alone in its slice. */
export const sliceBytes = 8 * 1024 * 1024;

const quote = 0x22;
const lf = 0x0a;
const cr = 0x0d;

/** Where each record ends (index after its line end), skipping quoted line breaks. */
function recordEnds(bytes: Uint8Array): number[] {
  const ends: number[] = [];
  let quoted = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === quote) quoted = !quoted;
    else if (b === lf && !quoted) ends.push(i + 1);
  }
  if (ends.length === 0 || ends[ends.length - 1] !== bytes.length) ends.push(bytes.length);
  return ends;
}

function blank(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b !== lf && b !== cr) return false;
  }
  return true;
}

/** Cuts `bytes` into slices of at most about `max` bytes; a small file is one slice. */
export function csvSlices(bytes: Uint8Array, max = sliceBytes): Slice[] {
  if (bytes.length <= max) return [{ content: bytes, firstRowNumber: 2 }];
  const ends = recordEnds(bytes);
  const headerEnd = ends[0] ?? bytes.length;
  const header = bytes.subarray(0, headerEnd);
  const slices: Slice[] = [];
  let start = headerEnd;
  let row = 2;
  let sliceStart = start;
  let sliceRow = row;
  for (const end of ends.slice(1)) {
    if (end - sliceStart > max - header.length && start > sliceStart) {
      slices.push({ content: join(header, bytes.subarray(sliceStart, start)), firstRowNumber: sliceRow });
      sliceStart = start;
      sliceRow = row;
    }
    // Blank lines are not records: they take no row number.
    if (!blank(bytes, start, end)) row++;
    start = end;
  }
  if (start > sliceStart) slices.push({ content: join(header, bytes.subarray(sliceStart, start)), firstRowNumber: sliceRow });
  return slices;
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
