// Recording or editing a statement delivered at an event: who delivered it and on whose
// behalf (people and organisations of contacts), its title, the session and time it was
// delivered (as the clock read at the event), language, link to the text or recording,
// summary and thematic areas. The service's messages are shown on their fields.
import { useState } from "react";
import { MultiSelect, Select, SimpleGrid, TextInput, Textarea } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { briefings } from "../../api/briefings";
import type { Event, Session, Statement } from "../../gen/engage/briefings/v1/resources_pb";
import { ThematicAreaSchema } from "../../gen/engage/type/v1/types_pb";
import { enumNames, enumNumbers, instantOf, knownZone, statementMask, wallTimeOf, type StatementValues } from "./outcomes-model";
import { ContactPicker, OutcomesForm, useOutcomesSave } from "./OutcomesParts";
import { useAreaOptions, useLanguageOptions } from "./OutcomesWords";

function valuesOf(s: Statement | null, zone: string): StatementValues {
  return {
    speaker: s?.speaker ?? "",
    organization: s?.organization ?? "",
    title: s?.title ?? "",
    link: s?.link ?? "",
    session: s?.session ?? "",
    deliverTime: s?.deliverTime ? wallTimeOf(timestampDate(s.deliverTime), zone) : "",
    language: s?.language ?? "",
    summary: s?.summary ?? "",
    thematicAreas: enumNames(ThematicAreaSchema, s?.thematicAreas ?? []),
  };
}

export function StatementForm({ event, statement, sessions, onClose }: { event: Event; statement: Statement | null; sessions: Session[]; onClose: () => void }) {
  const { t } = useTranslation("outcomes");
  const zone = knownZone(event.timeZone);
  const [base] = useState(() => valuesOf(statement, zone));
  const [v, setV] = useState(base);
  const set = (change: Partial<StatementValues>) => {
    setV((old) => ({ ...old, ...change }));
  };
  const languages = useLanguageOptions(event.languages, v.language);
  const areas = useAreaOptions();

  const form = useOutcomesSave(async (requestId) => {
    const deliver = instantOf(v.deliverTime, zone);
    const fields = {
      speaker: v.speaker,
      organization: v.organization,
      title: v.title,
      link: v.link.trim(),
      session: v.session,
      deliverTime: deliver ? timestampFromDate(deliver) : undefined,
      language: v.language,
      summary: v.summary,
      thematicAreas: enumNumbers(ThematicAreaSchema, v.thematicAreas),
    };
    if (statement === null) {
      return briefings().createStatement({ parent: event.name, requestId, statement: fields });
    }
    const paths = statementMask(base, v);
    if (paths.length === 0) return null;
    return briefings().updateStatement({ statement: { ...fields, name: statement.name, etag: statement.etag }, updateMask: { paths } });
  }, onClose);
  const m = (field: string) => form.field(`statement.${field}`);
  const fieldPaths = ["speaker", "organization", "title", "link", "session", "deliver_time", "language", "summary", "thematic_areas"].map((f) => `statement.${f}`);

  return (
    <OutcomesForm form={form} label={statement === null ? t("statements.record") : t("statements.edit")} fields={fieldPaths} onCancel={onClose} submit={statement === null ? t("statements.save") : t("common:action.save")}>
      <TextInput label={t("statements.titleField")} required value={v.title} onChange={(e) => { set({ title: e.currentTarget.value }); }} error={m("title")} />
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <ContactPicker
          kind="person"
          label={t("statements.speaker")}
          description={t("picker.hint")}
          required
          value={v.speaker}
          current={statement ? { value: statement.speaker, label: statement.speakerDisplayName } : undefined}
          onChange={(p) => { set({ speaker: p?.value ?? "" }); }}
          error={m("speaker")}
        />
        <ContactPicker
          kind="organization"
          label={t("statements.organization")}
          description={t("statements.organizationHint")}
          value={v.organization}
          current={statement?.organization ? { value: statement.organization, label: statement.organizationDisplayName } : undefined}
          onChange={(p) => { set({ organization: p?.value ?? "" }); }}
          error={m("organization")}
        />
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <Select
          label={t("statements.session")}
          clearable
          data={sessions.map((s) => ({ value: s.name, label: s.title }))}
          value={v.session === "" ? null : v.session}
          onChange={(value) => { set({ session: value ?? "" }); }}
          nothingFoundMessage={t("statements.noSessions")}
          error={m("session")}
        />
        <TextInput
          type="datetime-local"
          label={t("statements.deliverTime")}
          description={t("statements.deliverTimeHint", { zone })}
          value={v.deliverTime}
          onChange={(e) => { set({ deliverTime: e.currentTarget.value }); }}
          error={m("deliver_time")}
        />
        <Select label={t("statements.language")} clearable searchable data={languages} value={v.language === "" ? null : v.language} onChange={(value) => { set({ language: value ?? "" }); }} error={m("language")} />
        <TextInput type="url" label={t("statements.link")} description={t("statements.linkHint")} value={v.link} onChange={(e) => { set({ link: e.currentTarget.value }); }} error={m("link")} />
      </SimpleGrid>
      <Textarea label={t("statements.summary")} autosize minRows={3} maxRows={12} value={v.summary} onChange={(e) => { set({ summary: e.currentTarget.value }); }} error={m("summary")} />
      <MultiSelect label={t("statements.areas")} data={areas} value={v.thematicAreas} onChange={(value) => { set({ thematicAreas: value }); }} searchable clearable error={m("thematic_areas")} />
    </OutcomesForm>
  );
}
