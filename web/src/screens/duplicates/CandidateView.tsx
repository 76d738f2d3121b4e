// One duplicate pair side by side: both records' fields with the ones that matched
// highlighted, then dismiss or reopen it, or choose the survivor, preview the merge and merge.
import { useState } from "react";
import { Alert, Anchor, Badge, Button, Group, List, Paper, Radio, Stack, Table, Text, Textarea, Title } from "@mantine/core";
import { create, toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { contacts } from "../../api/contacts";
import { fieldMessage, problemOf } from "../../api/problem";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatDateTime, formatNumber, formatPercent } from "../../format";
import {
  DuplicateCandidateState,
  MatchKind,
  MergeSource,
  type DuplicateCandidate,
  type MergeField,
  type MergeImpact,
} from "../../gen/engage/contacts/v1/duplicates_pb";
import { MergeOrganizationsRequestSchema, MergePeopleRequestSchema } from "../../gen/engage/contacts/v1/contacts_service_pb";
import { RecordType } from "../../gen/engage/contacts/v1/resources_pb";
import { SectorSchema } from "../../gen/engage/type/v1/types_pb";
import {
  bandColor,
  bandKey,
  compareRows,
  idOf,
  isDifference,
  isMatch,
  enumText,
  jsonText,
  organizationFields,
  organizationValues,
  personFields,
  personValues,
  recordPath,
  type FieldRow,
} from "./records";

/** Light badges carry dark text, which reads against their pale background. */
const lightBadge = { color: "var(--mantine-color-black)" };

export function CandidateView({ name, onBack }: { name: string; onBack: () => void }) {
  const { t } = useTranslation("duplicates");
  const candidate = useQuery({
    queryKey: ["duplicates", "candidate", name],
    queryFn: async () => (await contacts().getDuplicateCandidate({ name })).duplicateCandidate,
  });
  return (
    <Stack>
      <Group justify="space-between" wrap="wrap">
        <Title order={1}>{t("compare.title")}</Title>
        <Button variant="default" onClick={onBack}>
          {t("compare.back")}
        </Button>
      </Group>
      <ProblemAlert
        error={candidate.error}
        onRetry={() => {
          void candidate.refetch();
        }}
      />
      {candidate.data ? <Candidate candidate={candidate.data} /> : null}
    </Stack>
  );
}

function useRecords(c: DuplicateCandidate) {
  const { t } = useTranslation("duplicates");
  const people = c.recordType === RecordType.PERSON;
  return useQuery({
    queryKey: ["duplicates", "records", c.recordA, c.recordB],
    queryFn: async () => {
      const label = (key: string) => t(key);
      if (people) {
        const r = await contacts().batchGetPeople({ names: [c.recordA, c.recordB] });
        const [a, b] = r.people;
        const orgNames = [...new Set([a?.primaryOrganization, b?.primaryOrganization].filter((n): n is string => !!n))];
        const shown = new Map<string, string>();
        if (orgNames.length > 0) {
          for (const o of (await contacts().batchGetOrganizations({ names: orgNames })).organizations) shown.set(o.name, o.displayName);
        }
        const orgName = (n: string) => shown.get(n) ?? n;
        return {
          titleA: a?.displayName ?? idOf(c.recordA),
          titleB: b?.displayName ?? idOf(c.recordB),
          rows: compareRows(personFields, personValues(a, label, orgName), personValues(b, label, orgName), c.matches),
        };
      }
      const r = await contacts().batchGetOrganizations({ names: [c.recordA, c.recordB] });
      const [a, b] = r.organizations;
      return {
        titleA: a?.displayName ?? idOf(c.recordA),
        titleB: b?.displayName ?? idOf(c.recordB),
        rows: compareRows(organizationFields, organizationValues(a, label), organizationValues(b, label), c.matches),
      };
    },
  });
}

interface MergeDone {
  survivor: string;
  impact: MergeImpact | undefined;
}

function Candidate({ candidate: c }: { candidate: DuplicateCandidate }) {
  const { t } = useTranslation("duplicates");
  const records = useRecords(c);
  // Kept here: once merged, the pair is no longer open and the merge form goes away.
  const [done, setDone] = useState<MergeDone | null>(null);
  const titleA = records.data?.titleA ?? idOf(c.recordA);
  const titleB = records.data?.titleB ?? idOf(c.recordB);
  return (
    <Stack>
      <Group gap="sm">
        <Text fw={600} size="lg">
          {t("compare.score", { score: formatPercent(c.score) })}
        </Text>
        <Badge color={bandColor(c.band)} variant="light" style={lightBadge}>
          {t(bandKey(c.band))}
        </Badge>
        <Badge variant="outline">{t(`state.${stateKey(c.state)}`)}</Badge>
      </Group>
      {c.state !== DuplicateCandidateState.OPEN && c.decideTime ? (
        <Text size="sm" c="dimmed">
          {t("compare.decided", { when: formatDateTime(c.decideTime), who: c.decidedBy?.displayName || c.decidedBy?.subject || "" })}
          {c.decisionNote ? ` — ${c.decisionNote}` : ""}
        </Text>
      ) : null}
      <ProblemAlert error={records.error} />
      <Table.ScrollContainer minWidth={640}>
        <Table captionSide="top" withTableBorder withColumnBorders>
          <Table.Caption>{t("compare.caption")}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("compare.field")}</Table.Th>
              <Table.Th scope="col">
                <Anchor component={Link} href={recordPath(c.recordA)}>
                  {titleA}
                </Anchor>{" "}
                <Text span size="xs" c="dimmed">
                  ({t("compare.older")})
                </Text>
              </Table.Th>
              <Table.Th scope="col">
                <Anchor component={Link} href={recordPath(c.recordB)}>
                  {titleB}
                </Anchor>{" "}
                <Text span size="xs" c="dimmed">
                  ({t("compare.newer")})
                </Text>
              </Table.Th>
              <Table.Th scope="col">{t("compare.comparison")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(records.data?.rows ?? []).map((row) => (
              <CompareRow key={row.field} row={row} />
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {done ? (
        <Alert color="green" role="status" styles={{ title: { color: "var(--mantine-color-black)" } }} title={t("merge.done")}>
          <Stack gap="xs">
            <ImpactList impact={done.impact} done />
            <Anchor component={Link} href={recordPath(done.survivor)}>
              {t("merge.openSurvivor", { name: done.survivor === c.recordA ? titleA : titleB })}
            </Anchor>
          </Stack>
        </Alert>
      ) : null}
      {c.state === DuplicateCandidateState.OPEN && !done ? (
        <>
          <Merge candidate={c} titleA={titleA} titleB={titleB} onMerged={setDone} />
          <Dismiss candidate={c} />
        </>
      ) : null}
      {c.state === DuplicateCandidateState.NOT_DUPLICATE ? <Reopen candidate={c} /> : null}
    </Stack>
  );
}

function stateKey(state: DuplicateCandidateState): string {
  return state === DuplicateCandidateState.NOT_DUPLICATE ? "dismissed" : state === DuplicateCandidateState.MERGED ? "merged" : "open";
}

function CompareRow({ row }: { row: FieldRow }) {
  const { t } = useTranslation("duplicates");
  const matched = isMatch(row.match);
  const differs = isDifference(row.match);
  const background = matched ? "var(--mantine-color-green-light)" : differs ? "var(--mantine-color-red-light)" : undefined;
  return (
    <Table.Tr style={{ background }} data-matched={matched ? "true" : undefined}>
      <Table.Th scope="row" fw={500}>
        {t(`field.${row.field}`)}
      </Table.Th>
      <Table.Td style={{ overflowWrap: "anywhere" }}>{row.a || <Text c="dimmed" span>—</Text>}</Table.Td>
      <Table.Td style={{ overflowWrap: "anywhere" }}>{row.b || <Text c="dimmed" span>—</Text>}</Table.Td>
      <Table.Td>
        {row.match ? (
          <Badge color={matched ? "green" : differs ? "red" : "gray"} variant="light" style={lightBadge}>
            {t(`kind.${String(row.match.kind)}`)}
            {row.match.kind === MatchKind.MISSING ? "" : ` · ${formatPercent(row.match.similarity)}`}
          </Badge>
        ) : null}
        {row.match && row.match.weight !== 0 ? (
          <Text size="xs" c="dimmed">
            {t("compare.weight", { weight: (row.match.weight > 0 ? "+" : "") + formatNumber(Math.round(row.match.weight * 100) / 100) })}
          </Text>
        ) : null}
      </Table.Td>
    </Table.Tr>
  );
}

function Dismiss({ candidate }: { candidate: DuplicateCandidate }) {
  const { t } = useTranslation("duplicates");
  const queryClient = useQueryClient();
  const [note, setNote] = useState("");
  const dismiss = useMutation({
    mutationFn: () => contacts().dismissDuplicateCandidate({ name: candidate.name, note: note.trim() }),
    onSuccess: (r) => {
      queryClient.setQueryData(["duplicates", "candidate", candidate.name], r.duplicateCandidate);
      return queryClient.invalidateQueries({ queryKey: ["duplicates", "list"] });
    },
  });
  const problem = dismiss.error ? problemOf(dismiss.error) : null;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="dismiss-heading">
      <Stack gap="sm">
        <Title order={2} size="h4" id="dismiss-heading">
          {t("dismiss.title")}
        </Title>
        <Text size="sm">{t("dismiss.hint")}</Text>
        <Textarea
          label={t("dismiss.note")}
          description={t("dismiss.noteHint")}
          maxLength={1000}
          autosize
          minRows={2}
          value={note}
          onChange={(e) => {
            setNote(e.currentTarget.value);
          }}
          error={fieldMessage(problem, "note")}
        />
        {problem && problem.kind !== "invalid" ? <ProblemAlert error={dismiss.error} /> : null}
        <Group>
          <Button
            variant="default"
            loading={dismiss.isPending}
            onClick={() => {
              dismiss.mutate();
            }}
          >
            {t("dismiss.submit")}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function Reopen({ candidate }: { candidate: DuplicateCandidate }) {
  const { t } = useTranslation("duplicates");
  const queryClient = useQueryClient();
  const reopen = useMutation({
    mutationFn: () => contacts().reopenDuplicateCandidate({ name: candidate.name }),
    onSuccess: (r) => {
      queryClient.setQueryData(["duplicates", "candidate", candidate.name], r.duplicateCandidate);
      return queryClient.invalidateQueries({ queryKey: ["duplicates", "list"] });
    },
  });
  return (
    <Stack gap="sm">
      <ProblemAlert error={reopen.error} />
      <Group>
        <Button
          loading={reopen.isPending}
          onClick={() => {
            reopen.mutate();
          }}
        >
          {t("reopen.submit")}
        </Button>
      </Group>
    </Stack>
  );
}

function Merge({ candidate: c, titleA, titleB, onMerged }: { candidate: DuplicateCandidate; titleA: string; titleB: string; onMerged: (done: MergeDone) => void }) {
  const { t } = useTranslation("duplicates");
  const people = c.recordType === RecordType.PERSON;
  const [survivor, setSurvivor] = useState(c.suggestedSurvivor || c.recordA);
  const merged = survivor === c.recordA ? c.recordB : c.recordA;
  const [previewing, setPreviewing] = useState(false);
  const [requestId, setRequestId] = useState(() => crypto.randomUUID());
  const queryClient = useQueryClient();

  const preview = useQuery({
    queryKey: ["duplicates", "preview", survivor, merged],
    enabled: previewing,
    staleTime: 0,
    queryFn: async () => {
      if (people) {
        const r = await contacts().previewPersonMerge({ survivor, merged });
        return { fields: r.fields, impact: r.impact, survivorEtag: r.survivorEtag, mergedEtag: r.mergedEtag };
      }
      const r = await contacts().previewOrganizationMerge({ survivor, merged });
      return { fields: r.fields, impact: r.impact, survivorEtag: r.survivorEtag, mergedEtag: r.mergedEtag };
    },
  });

  const merge = useMutation({
    mutationFn: async () => {
      const etags = preview.data;
      if (!etags) throw new Error("no preview");
      const request = { survivor, merged, survivorEtag: etags.survivorEtag, mergedEtag: etags.mergedEtag, requestId };
      if (people) {
        const r = await contacts().mergePeople(create(MergePeopleRequestSchema, request));
        return { survivor: r.survivor?.name ?? survivor, impact: r.impact };
      }
      const r = await contacts().mergeOrganizations(create(MergeOrganizationsRequestSchema, request));
      return { survivor: r.survivor?.name ?? survivor, impact: r.impact };
    },
    onSuccess: async (done) => {
      onMerged(done);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ["duplicates", "list"] }),
        queryClient.invalidateQueries({ queryKey: ["duplicates", "candidate", c.name] }),
      ]);
    },
  });

  const title = (name: string) => (name === c.recordA ? titleA : titleB);
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="merge-heading">
      <Stack gap="sm">
        <Title order={2} size="h4" id="merge-heading">
          {t("merge.title")}
        </Title>
        <Radio.Group
          label={t("merge.survivor")}
          description={t("merge.survivorHint")}
          value={survivor}
          onChange={(v) => {
            setSurvivor(v);
            setPreviewing(false);
            setRequestId(crypto.randomUUID());
            merge.reset();
          }}
        >
          <Stack gap={6} mt={6}>
            {[c.recordA, c.recordB].map((name) => (
              <Radio
                key={name}
                value={name}
                label={name === c.suggestedSurvivor ? t("merge.keepSuggested", { name: title(name) }) : t("merge.keep", { name: title(name) })}
              />
            ))}
          </Stack>
        </Radio.Group>
        <Group>
          <Button
            variant="default"
            loading={preview.isFetching}
            onClick={() => {
              if (previewing) void preview.refetch();
              else setPreviewing(true);
            }}
          >
            {t("merge.preview")}
          </Button>
        </Group>
        <ProblemAlert error={preview.error} />
        {previewing && preview.data ? (
          <Stack gap="sm" aria-labelledby="preview-heading" component="section">
            <Title order={3} size="h5" id="preview-heading">
              {t("merge.previewTitle", { survivor: title(survivor), merged: title(merged) })}
            </Title>
            <ImpactList impact={preview.data.impact} done={false} />
            <PreviewFields fields={preview.data.fields} />
            <Alert color="yellow">{t("merge.irreversible")}</Alert>
            <ProblemAlert error={merge.error} />
            <Group>
              <Button
                color="red"
                loading={merge.isPending}
                onClick={() => {
                  merge.mutate();
                }}
              >
                {t("merge.submit", { merged: title(merged), survivor: title(survivor) })}
              </Button>
            </Group>
          </Stack>
        ) : null}
      </Stack>
    </Paper>
  );
}

const impactKeys = [
  "affiliationsMoved",
  "interactionsUpdated",
  "accreditationsMoved",
  "accreditationsDropped",
  "representativesUpdated",
  "consentsMoved",
  "mergedRecordsRepointed",
  "duplicateCandidatesClosed",
] as const;

function ImpactList({ impact, done }: { impact: MergeImpact | undefined; done: boolean }) {
  const { t } = useTranslation("duplicates");
  const lines = impactKeys.filter((k) => (impact?.[k] ?? 0) > 0);
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500}>
        {done ? t("impact.moved") : t("impact.willMove")}
      </Text>
      {lines.length === 0 ? (
        <Text size="sm">{t("impact.nothing")}</Text>
      ) : (
        <List size="sm">
          {lines.map((k) => (
            <List.Item key={k}>{t(`impact.${k}`, { count: impact?.[k] ?? 0, n: formatNumber(impact?.[k] ?? 0) })}</List.Item>
          ))}
        </List>
      )}
    </Stack>
  );
}

function valueText(field: MergeField, which: "survivorValue" | "mergedValue" | "resultValue", enumLabel: (name: string) => string): string {
  const v = field[which];
  return v === undefined ? "" : jsonText(toJson(ValueSchema, v), enumLabel);
}

function sourceKey(source: MergeSource): string {
  return source === MergeSource.MERGED ? "merged" : source === MergeSource.COMBINED ? "combined" : "survivor";
}

function PreviewFields({ fields }: { fields: readonly MergeField[] }) {
  const { t } = useTranslation("duplicates");
  // Sectors in words; other enum values by their name.
  const enumLabel = (name: string) => {
    const sector = SectorSchema.values.find((v) => v.name === name);
    return sector ? t(`sector.${String(sector.number)}`) : enumText(name);
  };
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table captionSide="top" withTableBorder>
        <Table.Caption>{t("merge.fieldsCaption")}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("compare.field")}</Table.Th>
            <Table.Th scope="col">{t("merge.survivorValue")}</Table.Th>
            <Table.Th scope="col">{t("merge.mergedValue")}</Table.Th>
            <Table.Th scope="col">{t("merge.resultValue")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {fields.map((f) => (
            <Table.Tr key={f.field}>
              <Table.Th scope="row" fw={500}>
                {t(`field.${f.field}`, { defaultValue: f.field })}
                {f.conflict ? (
                  <Badge ms={6} size="xs" color="orange" variant="light" style={lightBadge}>
                    {t("merge.conflict")}
                  </Badge>
                ) : null}
              </Table.Th>
              <Table.Td style={{ overflowWrap: "anywhere" }}>{valueText(f, "survivorValue", enumLabel)}</Table.Td>
              <Table.Td style={{ overflowWrap: "anywhere" }}>{valueText(f, "mergedValue", enumLabel)}</Table.Td>
              <Table.Td style={{ overflowWrap: "anywhere" }}>
                <Text size="sm" fw={500}>
                  {valueText(f, "resultValue", enumLabel)}
                </Text>
                <Text size="xs" c="dimmed">
                  {t(`source.${sourceKey(f.source)}`)}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
