// Import: a CSV file of organisations or people, checked first by a dry run that writes
// nothing, then imported for real; progress while the server streams it and the row report
// as a table and as a CSV file.
import { useState } from "react";
import { Alert, Anchor, Badge, Button, Checkbox, FileInput, Group, Progress, Select, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { contacts } from "../../api/contacts";
import { downloadBlob, fileDate } from "../../components/Download";
import { ProblemAlert } from "../../components/ProblemAlert";
import { SegmentedField } from "../../components/SegmentedField";
import { formatNumber } from "../../format";
import { ImportDuplicatePolicy, ImportRowOutcome, type ImportProgress, type ImportRowResult } from "../../gen/engage/contacts/v1/csv_pb";
import { useAbilities } from "../../session/session";
import { addProgress, issueText, outcomeKey, reportCsv } from "./report";
import { csvSlices } from "./slices";
import { csvFromJsonLines, isJsonLines, JsonLinesError } from "./jsonl";

/** Light badges carry dark text, which reads against their pale background. */
const lightBadge = { color: "var(--mantine-color-black)" };

type Kind = "organizations" | "people";

/** Rows shown on the page; the downloaded report has them all. */
const shownRows = 500;

interface Run {
  dryRun: boolean;
  kind: Kind;
  file: File;
  policy: string;
  progress: ImportProgress | undefined;
  rows: ImportRowResult[];
}

const outcomeColor: Record<string, string> = { created: "green", updated: "blue", unchanged: "gray", failed: "red", skipped: "orange", unknown: "gray" };

function recordPath(name: string): string {
  const id = name.slice(name.indexOf("/") + 1);
  return name.startsWith("people/") ? `/people/${id}` : `/organizations/${id}`;
}

export default function ImportPage() {
  const { t } = useTranslation("transfer");
  const can = useAbilities();
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<Kind>("organizations");
  const [file, setFile] = useState<File | null>(null);
  const [policy, setPolicy] = useState("create");
  const [allRows, setAllRows] = useState(true);
  const [run, setRun] = useState<Run | null>(null);

  const importer = useMutation({
    mutationFn: async ({ dryRun, file }: { dryRun: boolean; file: File }) => {
      // JSON lines become the CSV the import reads; a line that is not a record stops here.
      const content = isJsonLines(file.name) ? new TextEncoder().encode(csvFromJsonLines(kind, await file.text())) : new Uint8Array(await file.arrayBuffer());
      const slices = csvSlices(content);
      let current: Run = { dryRun, kind, file, policy, progress: undefined, rows: [] };
      setRun(current);
      // Counts of the slices already sent, to which the current slice's are added.
      let before: ImportProgress | undefined;
      for (const [index, slice] of slices.entries()) {
        const request = {
          csvContent: slice.content,
          firstRowNumber: BigInt(slice.firstRowNumber),
          dryRun,
          duplicatePolicy: policy === "skip" ? ImportDuplicatePolicy.SKIP : ImportDuplicatePolicy.CREATE,
          reportAllRows: allRows,
        };
        const last = index === slices.length - 1;
        let sliceProgress: ImportProgress | undefined;
        const stream = kind === "people" ? contacts().importPeople(request) : contacts().importOrganizations(request);
        for await (const message of stream) {
          sliceProgress = message.progress ?? sliceProgress;
          current = {
            ...current,
            progress: sliceProgress ? addProgress(before, sliceProgress, last) : current.progress,
            rows: message.rowResults.length > 0 ? [...current.rows, ...message.rowResults] : current.rows,
          };
          setRun(current);
        }
        if (!sliceProgress?.done) throw new Error(t("import.incomplete"));
        before = addProgress(before, sliceProgress, last);
      }
      if (!current.progress?.done) throw new Error(t("import.incomplete"));
      return current;
    },
    onSettled: (_data, _error, variables) => {
      if (!variables.dryRun) void queryClient.invalidateQueries({ queryKey: [kind] });
    },
  });

  if (!can.write) {
    return (
      <Stack>
        <Title order={1}>{t("import.title")}</Title>
        <Alert color="yellow">{t("common:problem.denied")}</Alert>
      </Stack>
    );
  }

  const finished = importer.isSuccess && run?.progress?.done === true;
  // The real import is offered once a dry run of the same file and choices completed.
  const dryRunPassed = finished && run.dryRun && run.file === file && run.kind === kind && run.policy === policy;
  const start = (dryRun: boolean) => {
    if (file) importer.mutate({ dryRun, file });
  };
  const p = run?.progress;
  const total = Number(p?.rowsTotal ?? 0n);
  const processed = Number(p?.rowsProcessed ?? 0n);

  return (
    <Stack>
      <Title order={1}>{t("import.title")}</Title>
      <Text c="dimmed">{t("import.intro")}</Text>
      <Stack gap="sm" maw={640}>
        <SegmentedField
          id="import-kind"
          label={t("kind.label")}
          value={kind}
          onChange={(v) => {
            setKind(v === "people" ? "people" : "organizations");
          }}
          data={[
            { value: "organizations", label: t("kind.organizations") },
            { value: "people", label: t("kind.people") },
          ]}
          disabled={importer.isPending}
        />
        <FileInput
          label={t("import.file")}
          description={kind === "people" ? t("import.fileHintPeople") : t("import.fileHintOrganizations")}
          placeholder={t("import.filePlaceholder")}
          accept=".csv,.jsonl,.ndjson,.json,text/csv,application/x-ndjson"
          clearable
          clearButtonProps={{ "aria-label": t("import.clearFile") }}
          value={file}
          onChange={setFile}
          disabled={importer.isPending}
        />
        <Text size="xs" c="dimmed">
          {t("import.jsonHint")}
        </Text>
        <Select
          label={t("import.policy")}
          description={t("import.policyHint")}
          value={policy}
          allowDeselect={false}
          onChange={(v) => {
            setPolicy(v ?? "create");
          }}
          data={[
            { value: "create", label: t("import.policyCreate") },
            { value: "skip", label: t("import.policySkip") },
          ]}
          disabled={importer.isPending}
        />
        <Checkbox
          label={t("import.allRows")}
          checked={allRows}
          onChange={(e) => {
            setAllRows(e.currentTarget.checked);
          }}
          disabled={importer.isPending}
        />
        <Group>
          <Button
            onClick={() => {
              start(true);
            }}
            disabled={!file}
            loading={importer.isPending && importer.variables.dryRun}
          >
            {t("import.dryRun")}
          </Button>
          <Button
            color="green"
            onClick={() => {
              start(false);
            }}
            disabled={!dryRunPassed || importer.isPending}
            loading={importer.isPending && !importer.variables.dryRun}
          >
            {t("import.forReal")}
          </Button>
        </Group>
        {!dryRunPassed && file && !importer.isPending ? (
          <Text size="sm" c="dimmed">
            {t("import.dryRunFirst")}
          </Text>
        ) : null}
      </Stack>
      {importer.error instanceof JsonLinesError ? (
        <Alert color="red" role="alert">
          {t("import.badJsonLine", { line: formatNumber(importer.error.line), reason: importer.error.reason })}
        </Alert>
      ) : (
        <ProblemAlert error={importer.error} />
      )}
      {run ? (
        <Stack gap="sm" component="section" aria-labelledby="import-result">
          <Title order={2} size="h3" id="import-result">
            {run.dryRun ? t("import.dryRunResult") : t("import.result")}
          </Title>
          <div aria-live="polite" role="status">
            {p?.done ? (
              <Alert color={Number(p.rowsFailed) > 0 ? "yellow" : "green"}>
                {run.dryRun ? t("import.dryRunDone", { total: formatNumber(total) }) : t("import.done", { total: formatNumber(total) })}
              </Alert>
            ) : (
              <Text size="sm">{t("import.progress", { processed: formatNumber(processed), total: formatNumber(total) })}</Text>
            )}
          </div>
          <Progress value={total > 0 ? (processed / total) * 100 : importer.isPending ? 5 : 100} animated={importer.isPending} aria-label={t("import.progressLabel")} />
          <SimpleGrid cols={{ base: 2, sm: 3, md: 6 }}>
            <Count label={run.dryRun ? t("count.wouldCreate") : t("count.created")} value={p?.rowsCreated} />
            <Count label={run.dryRun ? t("count.wouldUpdate") : t("count.updated")} value={p?.rowsUpdated} />
            <Count label={t("count.unchanged")} value={p?.rowsUnchanged} />
            <Count label={t("count.failed")} value={p?.rowsFailed} />
            <Count label={t("count.skipped")} value={p?.rowsSkipped} />
            <Count label={t("count.likelyDuplicates")} value={p?.rowsWithLikelyDuplicates} />
          </SimpleGrid>
          <Group>
            <Button
              variant="default"
              disabled={run.rows.length === 0}
              onClick={() => {
                downloadBlob(new Blob([reportCsv(run.rows)], { type: "text/csv;charset=utf-8" }), `import-report-${run.dryRun ? "dry-run-" : ""}${fileDate()}.csv`);
              }}
            >
              {t("import.downloadReport")}
            </Button>
          </Group>
          <RowReport rows={run.rows} />
        </Stack>
      ) : null}
    </Stack>
  );
}

function Count({ label, value }: { label: string; value: bigint | undefined }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600}>{formatNumber(value ?? 0n)}</Text>
    </Stack>
  );
}

function RowReport({ rows }: { rows: readonly ImportRowResult[] }) {
  const { t } = useTranslation("transfer");
  if (rows.length === 0) return <Text c="dimmed">{t("report.empty")}</Text>;
  return (
    <>
      <Table.ScrollContainer minWidth={640}>
        <Table striped captionSide="top">
          <Table.Caption>{t("report.caption")}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("report.row")}</Table.Th>
              <Table.Th scope="col">{t("report.outcome")}</Table.Th>
              <Table.Th scope="col">{t("report.record")}</Table.Th>
              <Table.Th scope="col">{t("report.issues")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.slice(0, shownRows).map((r) => {
              const outcome = outcomeKey(r.outcome);
              return (
                <Table.Tr key={String(r.rowNumber)}>
                  <Table.Td>{formatNumber(r.rowNumber)}</Table.Td>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>
                    <Badge color={outcomeColor[outcome]} variant="light" style={{ ...lightBadge, overflow: "visible" }}>
                      {t(`outcome.${outcome}`)}
                    </Badge>
                  </Table.Td>
                  <Table.Td style={{ overflowWrap: "anywhere" }}>
                    {r.resource ? (
                      <Anchor component={Link} href={recordPath(r.resource)}>
                        {r.externalId || r.resource}
                      </Anchor>
                    ) : (
                      r.externalId
                    )}
                  </Table.Td>
                  <Table.Td>
                    {r.errors.map((e, i) => (
                      <Text key={`e${i}`} size="sm" c={r.outcome === ImportRowOutcome.FAILED ? "red.9" : undefined}>
                        {issueText(e)}
                      </Text>
                    ))}
                    {r.warnings.map((w, i) => (
                      <Text key={`w${i}`} size="sm" c="dimmed">
                        {t("report.warning", { text: issueText(w) })}
                      </Text>
                    ))}
                    {r.likelyDuplicates.length > 0 ? (
                      <Text size="sm">
                        {t("report.likely")}{" "}
                        {r.likelyDuplicates.map((d, i) => (
                          <span key={d}>
                            {i > 0 ? ", " : ""}
                            <Anchor component={Link} href={recordPath(d)}>
                              {d.slice(d.indexOf("/") + 1)}
                            </Anchor>
                          </span>
                        ))}
                      </Text>
                    ) : null}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {rows.length > shownRows ? (
        <Text size="sm" c="dimmed">
          {t("report.truncated", { shown: formatNumber(shownRows), total: formatNumber(rows.length) })}
        </Text>
      ) : null}
    </>
  );
}
