// Pure helpers of import and export: the row report as CSV, the outcome names, the export
// filter from the form's choices.
import { create } from "@bufbuild/protobuf";
import { ImportProgressSchema, ImportRowOutcome, type ImportProgress, type ImportRowResult } from "../../gen/engage/contacts/v1/csv_pb";

/** One CSV cell, quoted when it must be (RFC 4180). */
export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvLine(cells: readonly string[]): string {
  return cells.map(csvCell).join(",") + "\r\n";
}

export function outcomeKey(outcome: ImportRowOutcome): string {
  switch (outcome) {
    case ImportRowOutcome.CREATED:
      return "created";
    case ImportRowOutcome.UPDATED:
      return "updated";
    case ImportRowOutcome.UNCHANGED:
      return "unchanged";
    case ImportRowOutcome.FAILED:
      return "failed";
    case ImportRowOutcome.SKIPPED:
      return "skipped";
    default:
      return "unknown";
  }
}

/** An issue as one line: `column: reason (CODE)`. */
export function issueText(issue: { column: string; reason: string; code: string }): string {
  return `${issue.column ? `${issue.column}: ` : ""}${issue.reason}${issue.code ? ` (${issue.code})` : ""}`;
}

/** The row report as a CSV file: one line per row result, machine-readable outcome names. */
export function reportCsv(rows: readonly ImportRowResult[]): string {
  let out = csvLine(["row_number", "outcome", "external_id", "resource", "errors", "warnings", "likely_duplicates"]);
  for (const r of rows) {
    out += csvLine([
      String(r.rowNumber),
      outcomeKey(r.outcome),
      r.externalId,
      r.resource,
      r.errors.map(issueText).join("; "),
      r.warnings.map(issueText).join("; "),
      r.likelyDuplicates.join("; "),
    ]);
  }
  return out;
}

/** The export form's choices. */
export interface ExportFilter {
  countryCode: string;
  regionalGroup: string;
  sector: string;
  tag: string;
}

/** The List filter (AIP-160 subset) for the choices; empty choices are left out. */
export function exportFilterText(f: ExportFilter, organizations: boolean): string {
  const terms: string[] = [];
  const quote = (s: string) => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
  if (f.countryCode.trim()) terms.push(`country_code = ${quote(f.countryCode.trim().toUpperCase())}`);
  if (f.regionalGroup) terms.push(`regional_group = ${f.regionalGroup}`);
  if (organizations && f.sector) terms.push(`sector = ${f.sector}`);
  if (f.tag.trim()) terms.push(`tags:${quote(f.tag.trim())}`);
  return terms.join(" AND ");
}

/** The counts of the slices sent so far plus those of the current one; done only on the last. */
export function addProgress(before: ImportProgress | undefined, now: ImportProgress, last: boolean): ImportProgress {
  const b = before ?? create(ImportProgressSchema);
  return create(ImportProgressSchema, {
    rowsTotal: b.rowsTotal + now.rowsTotal,
    rowsProcessed: b.rowsProcessed + now.rowsProcessed,
    rowsCreated: b.rowsCreated + now.rowsCreated,
    rowsUpdated: b.rowsUpdated + now.rowsUpdated,
    rowsUnchanged: b.rowsUnchanged + now.rowsUnchanged,
    rowsFailed: b.rowsFailed + now.rowsFailed,
    rowsSkipped: b.rowsSkipped + now.rowsSkipped,
    rowsWithLikelyDuplicates: b.rowsWithLikelyDuplicates + now.rowsWithLikelyDuplicates,
    elapsed: now.elapsed,
    done: now.done && last,
    dryRun: now.dryRun,
  });
}
