// Words and options the outcomes screens show for codes: languages by name in the reader's
// language, thematic areas, follow-up statuses, and times as the clock read at the event.
import { useTranslation } from "react-i18next";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { FollowUpStatusSchema } from "../../gen/engage/briefings/v1/resources_pb";
import { ThematicAreaSchema } from "../../gen/engage/type/v1/types_pb";
import { enumKey } from "./outcomes-model";

/** The six official UN languages, offered for statements besides the event's own. */
const unLanguages = ["en", "fr", "es", "ar", "ru", "zh"];

function languageName(tag: string, reader: string): string {
  try {
    return new Intl.DisplayNames([reader], { type: "language", fallback: "code" }).of(tag) ?? tag;
  } catch {
    return tag;
  }
}

/** A language's name in the reader's language, the tag itself when unknown. */
export function useLanguageName() {
  const { i18n } = useTranslation();
  return (tag: string) => (tag === "" ? "" : languageName(tag, i18n.language));
}

/** Languages to pick from: the event's, the UN's and the one already chosen. */
export function useLanguageOptions(eventLanguages: readonly string[], chosen: string) {
  const name = useLanguageName();
  const tags = [...eventLanguages, ...unLanguages, ...(chosen ? [chosen] : [])].filter((tag, i, all) => all.indexOf(tag) === i);
  return tags.map((tag) => ({ value: tag, label: `${name(tag)} (${tag})` }));
}

/** The thematic areas by full proto name, in their words. */
export function useAreaOptions() {
  const { t } = useTranslation("outcomes");
  return ThematicAreaSchema.values.filter((v) => v.number !== 0).map((v) => ({ value: v.name, label: t(enumKey(ThematicAreaSchema, "area", "THEMATIC_AREA_", v.number)) }));
}

/** A follow-up status in words. */
export function useFollowUpStatus() {
  const { t } = useTranslation("outcomes");
  return (status: number) => t(enumKey(FollowUpStatusSchema, "followUpStatus", "FOLLOW_UP_STATUS_", status === 0 ? 1 : status));
}

/** A time as the clock read where the event took place, with the zone's short name. */
export function useEventTime(zone: string) {
  const { i18n } = useTranslation();
  const options: Intl.DateTimeFormatOptions = { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat(i18n.language, { ...options, timeZone: zone });
  } catch {
    format = new Intl.DateTimeFormat(i18n.language, options);
  }
  return (value: Timestamp | undefined) => (value === undefined ? "" : format.format(timestampDate(value)));
}
