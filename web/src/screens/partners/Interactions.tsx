// A record's interactions as a timeline, newest first, with a form to log one for writers.
import { useState } from "react";
import { Select, SimpleGrid, Text, TextInput, Textarea, Timeline } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { create } from "@bufbuild/protobuf";
import { contacts } from "../../api/contacts";
import { useKeysetPages } from "../../api/pages";
import { KeysetPager, pagerOf } from "../../components/KeysetPager";
import { InteractionKindSchema, type Interaction } from "../../gen/engage/contacts/v1/resources_pb";
import { DateSchema } from "../../gen/engage/type/v1/types_pb";
import { useAbilities } from "../../session/session";
import { dateOf, dateText, enumNumber, quote, todayText } from "./model";
import { RecordSection, SaveForm, useSaveForm } from "./RecordSection";
import { useEnumLabel, useEnumOptions } from "./shared";

export function Interactions({ participant }: { participant: string }) {
  const { t } = useTranslation("partners");
  const can = useAbilities();
  const label = useEnumLabel();
  const field = participant.startsWith("people/") ? "people" : "organizations";
  const filter = `${field}:${quote(participant)}`;
  const pages = useKeysetPages<Interaction>(["contacts", "interactions", filter], async (pageToken) => {
    const r = await contacts().listInteractions({ filter, orderBy: "occur_date desc", pageSize: 20, pageToken });
    return { items: r.interactions, nextPageToken: r.nextPageToken, totalSize: r.totalSize };
  });
  const items = pages.data?.items ?? [];
  return (
    <RecordSection
      id="interactions-heading"
      title={t("interactions.title")}
      add={can.write ? { label: t("interactions.add"), form: (close) => <InteractionForm participant={participant} onClose={close} /> } : null}
      error={pages.error}
      onRetry={() => void pages.refetch()}
      empty={pages.isSuccess && items.length === 0}
      none={t("interactions.none")}
    >
      {items.length > 0 ? (
        <Timeline bulletSize={14} lineWidth={2}>
          {items.map((i) => (
            <Timeline.Item key={i.name} title={`${dateText(i.occurDate)} · ${label(InteractionKindSchema, i.kind)}`}>
              <Text fw={600}>{i.subject}</Text>
              {i.summary ? (
                <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
                  {i.summary}
                </Text>
              ) : null}
              <Text size="xs" c="gray.7">
                {t("interactions.by", { author: i.author?.displayName || i.author?.subject || "—" })}
                {i.conferenceSession ? ` · ${i.conferenceSession}` : ""}
              </Text>
            </Timeline.Item>
          ))}
        </Timeline>
      ) : null}
      {pages.hasNext || pages.hasPrevious ? (
        <KeysetPager
          {...pagerOf(pages)}
        />
      ) : null}
    </RecordSection>
  );
}

function InteractionForm({ participant, onClose }: { participant: string; onClose: () => void }) {
  const { t } = useTranslation("partners");
  const options = useEnumOptions();
  const [kind, setKind] = useState<string | null>("INTERACTION_KIND_MEETING");
  const [subject, setSubject] = useState("");
  const [date, setDate] = useState(todayText());
  const [summary, setSummary] = useState("");
  const [session, setSession] = useState("");
  const form = useSaveForm(
    async (requestId) => {
      const occur = dateOf(date);
      const people = participant.startsWith("people/") ? [participant] : [];
      const organizations = participant.startsWith("organizations/") ? [participant] : [];
      await contacts().createInteraction({
        requestId,
        interaction: {
          kind: enumNumber(InteractionKindSchema, kind ?? ""),
          subject,
          summary,
          occurDate: occur ? create(DateSchema, occur) : undefined,
          conferenceSession: session,
          people,
          organizations,
        },
      });
    },
    onClose,
    ["contacts", "interactions"],
  );
  const m = (f: string) => form.field(`interaction.${f}`);
  return (
    <SaveForm form={form} label={t("interactions.add")} onCancel={onClose} submit={t("common:action.save")}>
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
        <Select label={t("interactions.kind")} required data={options(InteractionKindSchema)} value={kind} onChange={setKind} error={m("kind")} allowDeselect={false} />
        <TextInput type="date" label={t("interactions.date")} required value={date} onChange={(e) => { setDate(e.currentTarget.value); }} error={m("occur_date")} />
        <TextInput label={t("interactions.session")} value={session} onChange={(e) => { setSession(e.currentTarget.value); }} error={m("conference_session")} />
      </SimpleGrid>
      <TextInput label={t("interactions.subject")} required value={subject} onChange={(e) => { setSubject(e.currentTarget.value); }} error={m("subject")} />
      <Textarea label={t("interactions.summary")} autosize minRows={2} value={summary} onChange={(e) => { setSummary(e.currentTarget.value); }} error={m("summary")} />
    </SaveForm>
  );
}
