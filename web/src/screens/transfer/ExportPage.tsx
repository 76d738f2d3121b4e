// Export: the organisations or people matching a few conditions, as a CSV file streamed from
// the server chunk by chunk, with the count so far.
import { useState } from "react";
import { Alert, Button, Checkbox, Group, Select, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { contacts } from "../../api/contacts";
import { fieldMessage, problemOf } from "../../api/problem";
import { downloadBlob, fileDate } from "../../components/Download";
import { ProblemAlert } from "../../components/ProblemAlert";
import { SegmentedField } from "../../components/SegmentedField";
import { formatNumber } from "../../format";
import { RegionalGroup, Sector } from "../../gen/engage/type/v1/types_pb";
import { useAbilities } from "../../session/session";
import { exportFilterText } from "./report";

type Kind = "organizations" | "people";

const regionalGroups = [
  ["REGIONAL_GROUP_AFRICAN", RegionalGroup.AFRICAN],
  ["REGIONAL_GROUP_ASIA_PACIFIC", RegionalGroup.ASIA_PACIFIC],
  ["REGIONAL_GROUP_EASTERN_EUROPEAN", RegionalGroup.EASTERN_EUROPEAN],
  ["REGIONAL_GROUP_LATIN_AMERICAN_CARIBBEAN", RegionalGroup.LATIN_AMERICAN_CARIBBEAN],
  ["REGIONAL_GROUP_WESTERN_EUROPEAN_OTHERS", RegionalGroup.WESTERN_EUROPEAN_OTHERS],
  ["REGIONAL_GROUP_NONE", RegionalGroup.NONE],
] as const;

const sectors = [
  ["SECTOR_NGO", Sector.NGO],
  ["SECTOR_ACADEMIA", Sector.ACADEMIA],
  ["SECTOR_PRIVATE_SECTOR", Sector.PRIVATE_SECTOR],
  ["SECTOR_YOUTH", Sector.YOUTH],
  ["SECTOR_FOUNDATION", Sector.FOUNDATION],
  ["SECTOR_MEDIA", Sector.MEDIA],
  ["SECTOR_OTHER", Sector.OTHER],
] as const;

export default function ExportPage() {
  const { t } = useTranslation("transfer");
  const can = useAbilities();
  const [kind, setKind] = useState<Kind>("organizations");
  const [countryCode, setCountryCode] = useState("");
  const [regionalGroup, setRegionalGroup] = useState<string | null>(null);
  const [sector, setSector] = useState<string | null>(null);
  const [tag, setTag] = useState("");
  const [showDeleted, setShowDeleted] = useState(false);
  const [showMerged, setShowMerged] = useState(false);
  const [bom, setBom] = useState(false);
  const [written, setWritten] = useState<number | null>(null);

  const exporter = useMutation({
    mutationFn: async () => {
      const request = {
        filter: exportFilterText({ countryCode, regionalGroup: regionalGroup ?? "", sector: sector ?? "", tag }, kind === "organizations"),
        showDeleted,
        showMerged,
        utf8Bom: bom,
      };
      const chunks: Uint8Array<ArrayBuffer>[] = [];
      let rows = 0;
      let done = false;
      setWritten(0);
      const stream = kind === "people" ? contacts().exportPeople(request) : contacts().exportOrganizations(request);
      for await (const message of stream) {
        if (message.data.length > 0) chunks.push(message.data.slice());
        rows = Number(message.rowsWritten);
        done = message.done;
        setWritten(rows);
      }
      if (!done) throw new Error(t("export.incomplete"));
      const blob = new Blob(chunks, { type: "text/csv;charset=utf-8" });
      const filename = `${kind}-${fileDate()}.csv`;
      downloadBlob(blob, filename);
      return { rows, blob, filename };
    },
  });

  if (!can.export) {
    return (
      <Stack>
        <Title order={1}>{t("export.title")}</Title>
        <Alert color="yellow">{t("common:problem.denied")}</Alert>
      </Stack>
    );
  }

  const problem = exporter.error ? problemOf(exporter.error) : null;
  const busy = exporter.isPending;
  return (
    <Stack>
      <Title order={1}>{t("export.title")}</Title>
      <Text c="dimmed">{t("export.intro")}</Text>
      <form
        aria-label={t("export.title")}
        onSubmit={(e) => {
          e.preventDefault();
          exporter.mutate();
        }}
      >
        <Stack gap="sm" maw={720}>
          <SegmentedField
            id="export-kind"
            label={t("kind.label")}
            value={kind}
            onChange={(v) => {
              setKind(v === "people" ? "people" : "organizations");
              exporter.reset();
            }}
            data={[
              { value: "organizations", label: t("kind.organizations") },
              { value: "people", label: t("kind.people") },
            ]}
            disabled={busy}
          />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput
              label={t("export.countryCode")}
              description={t("export.countryCodeHint")}
              value={countryCode}
              maxLength={2}
              onChange={(e) => {
                setCountryCode(e.currentTarget.value);
              }}
            />
            <Select
              label={t("export.regionalGroup")}
              placeholder={t("export.any")}
              clearable
              value={regionalGroup}
              onChange={setRegionalGroup}
              data={regionalGroups.map(([value, n]) => ({ value, label: t(`regionalGroup.${String(n)}`) }))}
            />
            {kind === "organizations" ? (
              <Select
                label={t("export.sector")}
                placeholder={t("export.any")}
                clearable
                value={sector}
                onChange={setSector}
                data={sectors.map(([value, n]) => ({ value, label: t(`sector.${String(n)}`) }))}
              />
            ) : null}
            <TextInput
              label={t("export.tag")}
              value={tag}
              onChange={(e) => {
                setTag(e.currentTarget.value);
              }}
            />
          </SimpleGrid>
          <Checkbox
            label={t("export.showDeleted")}
            checked={showDeleted}
            onChange={(e) => {
              setShowDeleted(e.currentTarget.checked);
            }}
          />
          <Checkbox
            label={t("export.showMerged")}
            checked={showMerged}
            onChange={(e) => {
              setShowMerged(e.currentTarget.checked);
            }}
          />
          <Checkbox
            label={t("export.bom")}
            description={t("export.bomHint")}
            checked={bom}
            onChange={(e) => {
              setBom(e.currentTarget.checked);
            }}
          />
          <Text size="sm" c="dimmed">
            {t("export.format")}
          </Text>
          <Group>
            <Button type="submit" loading={busy}>
              {kind === "people" ? t("export.submitPeople") : t("export.submitOrganizations")}
            </Button>
          </Group>
        </Stack>
      </form>
      {problem ? <ProblemAlert error={exporter.error} /> : null}
      {problem && fieldMessage(problem, "filter") ? <Text c="red">{fieldMessage(problem, "filter")}</Text> : null}
      <div role="status" aria-live="polite">
        {busy && written !== null ? <Text>{t("export.progress", { rows: formatNumber(written) })}</Text> : null}
        {exporter.data ? (
          <Alert color="green" styles={{ title: { color: "var(--mantine-color-black)" } }} title={t("export.done", { rows: formatNumber(exporter.data.rows) })}>
            <Stack gap="xs">
              <Text size="sm">{t("export.saved", { file: exporter.data.filename })}</Text>
              <Group>
                <Button
                  size="xs"
                  variant="default"
                  onClick={() => {
                    downloadBlob(exporter.data.blob, exporter.data.filename);
                  }}
                >
                  {t("export.again")}
                </Button>
              </Group>
            </Stack>
          </Alert>
        ) : null}
      </div>
    </Stack>
  );
}
