// Dates, numbers and times in the reader's chosen language.
import i18next from "i18next";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";

function locale(): string {
  return i18next.language || "en";
}

export function formatNumber(value: number | bigint): string {
  return new Intl.NumberFormat(locale()).format(value);
}

export function formatPercent(fraction: number): string {
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 0 }).format(fraction);
}

export function formatDate(value: Date | Timestamp | undefined): string {
  const date = toDate(value);
  return date === null ? "" : new Intl.DateTimeFormat(locale(), { dateStyle: "medium" }).format(date);
}

export function formatDateTime(value: Date | Timestamp | undefined): string {
  const date = toDate(value);
  return date === null ? "" : new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(date);
}

function toDate(value: Date | Timestamp | undefined): Date | null {
  if (value === undefined) return null;
  return value instanceof Date ? value : timestampDate(value);
}
