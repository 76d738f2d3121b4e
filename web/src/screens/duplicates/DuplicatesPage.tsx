// Duplicates: the candidate pairs duplicate detection found, highest score first, a rescan of
// the register, and (with `?candidate=`) one pair side by side to merge or dismiss.
import { useState } from "react";
import { Alert, Badge, Button, Group, Select, Stack, Table, Text, Title, VisuallyHidden } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "wouter";
import { contacts } from "../../api/contacts";
import { useKeysetPages } from "../../api/pages";
import { KeysetPager, pagerOf } from "../../components/KeysetPager";
import { SegmentedField } from "../../components/SegmentedField";
import { ProblemAlert } from "../../components/ProblemAlert";
import { DuplicateBand, DuplicateCandidateState, type DuplicateCandidate } from "../../gen/engage/contacts/v1/duplicates_pb";
import type { RunDuplicateDetectionResponse } from "../../gen/engage/contacts/v1/contacts_service_pb";
import { RecordType } from "../../gen/engage/contacts/v1/resources_pb";
import { formatNumber, formatPercent } from "../../format";
import { useAbilities } from "../../session/session";
import { CandidateView } from "./CandidateView";
import { bandColor, bandKey, idOf } from "./records";

/** Light badges carry dark text, which reads against their pale background. */
const lightBadge = { color: "var(--mantine-color-black)" };

type Kind = "organizations" | "people";
type StateChoice = "open" | "dismissed" | "merged";

const states: Record<StateChoice, DuplicateCandidateState> = {
  open: DuplicateCandidateState.OPEN,
  dismissed: DuplicateCandidateState.NOT_DUPLICATE,
  merged: DuplicateCandidateState.MERGED,
};

export default function DuplicatesPage() {
  const { t } = useTranslation("duplicates");
  const can = useAbilities();
  const [params, setParams] = useSearchParams();
  const candidate = params.get("candidate");

  if (!can.merge) {
    return (
      <Stack>
        <Title order={1}>{t("title")}</Title>
        <Alert color="yellow">{t("common:problem.denied")}</Alert>
      </Stack>
    );
  }
  if (candidate) {
    return (
      <CandidateView
        name={`duplicateCandidates/${candidate}`}
        onBack={() => {
          setParams((p) => {
            p.delete("candidate");
            return p;
          });
        }}
      />
    );
  }
  return <CandidateList />;
}

function CandidateList() {
  const { t } = useTranslation("duplicates");
  const [params, setParams] = useSearchParams();
  const kind: Kind = params.get("type") === "people" ? "people" : "organizations";
  const state: StateChoice = (["dismissed", "merged"] as const).find((s) => s === params.get("state")) ?? "open";
  const [band, setBand] = useState<string>("any");
  const recordType = kind === "people" ? RecordType.PERSON : RecordType.ORGANIZATION;
  const queryClient = useQueryClient();

  const setParam = (key: string, value: string, fallback: string) => {
    setParams((p) => {
      if (value === fallback) p.delete(key);
      else p.set(key, value);
      return p;
    });
  };

  const pages = useKeysetPages(["duplicates", "list", kind, state, band], async (pageToken) => {
    const r = await contacts().listDuplicateCandidates({
      recordType,
      state: states[state],
      band: band === "likely" ? DuplicateBand.LIKELY : band === "possible" ? DuplicateBand.POSSIBLE : DuplicateBand.UNSPECIFIED,
      pageSize: 25,
      pageToken,
    });
    return { items: r.duplicateCandidates, nextPageToken: r.nextPageToken, totalSize: r.totalSize };
  });
  const items = pages.data?.items ?? [];
  const recordNames = [...new Set(items.flatMap((c) => [c.recordA, c.recordB]))];
  const names = useQuery({
    queryKey: ["duplicates", "names", kind, recordNames],
    enabled: recordNames.length > 0,
    queryFn: async () => {
      const shown = new Map<string, string>();
      if (kind === "people") {
        const r = await contacts().batchGetPeople({ names: recordNames });
        for (const p of r.people) shown.set(p.name, p.displayName || `${p.givenName} ${p.familyName}`.trim());
      } else {
        const r = await contacts().batchGetOrganizations({ names: recordNames });
        for (const o of r.organizations) shown.set(o.name, o.displayName);
      }
      return shown;
    },
  });
  const label = (name: string) => names.data?.get(name) ?? idOf(name);

  const run = useMutation({
    mutationFn: () => contacts().runDuplicateDetection({ recordType }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["duplicates"] }),
  });

  return (
    <Stack>
      <Title order={1}>{t("title")}</Title>
      <Text c="dimmed">{t("intro")}</Text>
      <Group align="end" wrap="wrap">
        <SegmentedField
          id="duplicates-kind"
          label={t("list.records")}
          value={kind}
          onChange={(v) => {
            setParam("type", v, "organizations");
            run.reset();
          }}
          data={[
            { value: "organizations", label: t("list.organizations") },
            { value: "people", label: t("list.people") },
          ]}
        />
        <SegmentedField
          id="duplicates-state"
          label={t("list.state")}
          value={state}
          onChange={(v) => {
            setParam("state", v, "open");
          }}
          data={[
            { value: "open", label: t("state.open") },
            { value: "dismissed", label: t("state.dismissed") },
            { value: "merged", label: t("state.merged") },
          ]}
        />
        <Select
          label={t("list.band")}
          value={band}
          allowDeselect={false}
          onChange={(v) => {
            setBand(v ?? "any");
          }}
          data={[
            { value: "any", label: t("band.any") },
            { value: "likely", label: t("band.likely") },
            { value: "possible", label: t("band.possible") },
          ]}
          w={{ base: "100%", xs: 180 }}
        />
        <Button
          variant="default"
          loading={run.isPending}
          onClick={() => {
            run.mutate();
          }}
        >
          {kind === "people" ? t("run.people") : t("run.organizations")}
        </Button>
      </Group>
      <ProblemAlert error={run.error} />
      {run.data ? <DetectionResult result={run.data} /> : null}
      <ProblemAlert
        error={pages.error}
        onRetry={() => {
          void pages.refetch();
        }}
      />
      <Table.ScrollContainer minWidth={640}>
        <Table striped highlightOnHover captionSide="top">
          <Table.Caption>{t(`list.caption.${kind}`)}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("list.score")}</Table.Th>
              <Table.Th>{t("list.older")}</Table.Th>
              <Table.Th>{t("list.newer")}</Table.Th>
              <Table.Th>{t("list.matches")}</Table.Th>
              <Table.Th>
                <VisuallyHidden>{t("list.actions")}</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((c) => (
              <CandidateRow key={c.name} candidate={c} label={label} kind={kind} />
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {pages.isSuccess && items.length === 0 ? <Text c="dimmed">{t("list.empty")}</Text> : null}
      <KeysetPager
        {...pagerOf(pages)}
      />
    </Stack>
  );
}

function CandidateRow({ candidate: c, label, kind }: { candidate: DuplicateCandidate; label: (name: string) => string; kind: Kind }) {
  const { t } = useTranslation("duplicates");
  const a = label(c.recordA);
  const b = label(c.recordB);
  const top = c.matches.filter((m) => m.weight > 0).slice(0, 3);
  return (
    <Table.Tr>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          <Text fw={600}>{formatPercent(c.score)}</Text>
          <Badge color={bandColor(c.band)} variant="light" style={lightBadge}>
            {t(bandKey(c.band))}
          </Badge>
        </Group>
      </Table.Td>
      <Table.Td>{a}</Table.Td>
      <Table.Td>{b}</Table.Td>
      <Table.Td>
        <Text size="sm">{top.map((m) => t(`field.${m.field}`, { defaultValue: m.field })).join(", ")}</Text>
      </Table.Td>
      <Table.Td>
        <Button component={Link} href={`/duplicates?type=${kind}&candidate=${encodeURIComponent(idOf(c.name))}`} size="xs" variant="default" aria-label={t("list.reviewPair", { a, b })}>
          {t("list.review")}
        </Button>
      </Table.Td>
    </Table.Tr>
  );
}

function DetectionResult({ result }: { result: RunDuplicateDetectionResponse }) {
  const { t } = useTranslation("duplicates");
  const seconds = result.elapsed ? Number(result.elapsed.seconds) + result.elapsed.nanos / 1e9 : 0;
  return (
    <Alert color="green" role="status" styles={{ title: { color: "var(--mantine-color-black)" } }} title={t("run.done")}>
      <Text size="sm">
        {t("run.summary", {
          scanned: formatNumber(result.recordsScanned),
          compared: formatNumber(result.pairsCompared),
          fresh: formatNumber(result.newCandidates),
          likely: formatNumber(result.likelyCount),
          possible: formatNumber(result.possibleCount),
          seconds: formatNumber(Math.round(seconds * 10) / 10),
        })}
      </Text>
    </Alert>
  );
}
