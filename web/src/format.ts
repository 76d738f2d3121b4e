// Dates, numbers and times in the reader's chosen language.
import i18next from "i18next";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";

function locale(): string {
  return i18next.language || "en";
}

// Making an Intl formatter costs far more than using one: a list of 50 rows would make
// hundreds. One of each kind is kept per language.
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function formatter<F extends Intl.NumberFormat | Intl.DateTimeFormat>(kind: string, make: (locale: string) => F): F {
  const key = `${kind}:${locale()}`;
  let made = formatters.get(key) as F | undefined;
  if (made === undefined) {
    made = make(locale());
    formatters.set(key, made);
  }
  return made;
}

export function formatNumber(value: number | bigint): string {
  return formatter("number", (l) => new Intl.NumberFormat(l)).format(value);
}

export function formatPercent(fraction: number): string {
  return formatter("percent", (l) => new Intl.NumberFormat(l, { style: "percent", maximumFractionDigits: 0 })).format(fraction);
}

export function formatDate(value: Date | Timestamp | undefined): string {
  const date = toDate(value);
  return date === null ? "" : formatter("date", (l) => new Intl.DateTimeFormat(l, { dateStyle: "medium" })).format(date);
}

export function formatDateTime(value: Date | Timestamp | undefined): string {
  const date = toDate(value);
  return date === null ? "" : formatter("dateTime", (l) => new Intl.DateTimeFormat(l, { dateStyle: "medium", timeStyle: "short" })).format(date);
}

function toDate(value: Date | Timestamp | undefined): Date | null {
  if (value === undefined) return null;
  return value instanceof Date ? value : timestampDate(value);
}
