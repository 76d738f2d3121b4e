// One declaration: its state and signature counts, what officers may do in that state (edit,
// open, close, new version, delete, restore), and in tabs kept in the address bar its text,
// areas and other languages, the queue of signatures to verify, every signature, the figures, the
// public list and, for administrators, the audit trail.
import { lazy, Suspense, useState, type ReactNode } from "react";
import { Anchor, Button, Center, Group, Loader, Modal, Paper, Select, SimpleGrid, Stack, Table, Tabs, Text, Title } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useParams, useSearchParams } from "wouter";
import { declarations } from "../../api/declarations";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatDateTime, formatNumber } from "../../format";
import type { Declaration } from "../../gen/engage/declarations/v1/declaration_pb";
import { useAbilities } from "../../session/session";
import { idOf } from "../partners/model";
import { newRequestId } from "../partners/shared";
import { AuditTrail } from "./AuditTrail";
import { DeclarationForm } from "./DeclarationForm";
import { Figures } from "./Figures";
import { declarationActions } from "./model";
import { PublicPreview } from "./PublicPreview";
import { Facts } from "./SignatureDetail";
import { SignatureQueue } from "./SignatureQueue";
import { SignaturesList } from "./SignaturesList";
import { Translations } from "./Translations";
import { DeclarationStatusBadge, formatDay, keys, RefusalAlert, useLabels } from "./shared";

// The Markdown renderer comes with the text only.
const DeclarationText = lazy(() => import("./DeclarationText"));

const tabs = ["about", "queue", "signatures", "figures", "public", "audit"] as const;
type Tab = (typeof tabs)[number];

export default function DeclarationPage() {
  const { t } = useTranslation("declarations");
  const { id } = useParams<{ id: string }>();
  const name = `declarations/${id}`;
  const [params, setParams] = useSearchParams();
  const asked = params.get("tab");
  const can = useAbilities();
  // The audit trail is the administrators' only.
  const tab: Tab = tabs.find((x) => x === asked && (x !== "audit" || can.administer)) ?? "about";
  const query = useQuery({
    queryKey: keys.declaration(name),
    queryFn: async () => (await declarations().getDeclaration({ name })).declaration,
  });
  const d = query.data;
  if (query.isPending) {
    return (
      <Center py="xl">
        <Loader aria-label={t("common:app.loading")} />
      </Center>
    );
  }
  if (d === undefined) {
    return (
      <Stack>
        <Title order={1}>{t("record.declaration")}</Title>
        <ProblemAlert error={query.error} onRetry={() => void query.refetch()} />
      </Stack>
    );
  }
  const counts = d.signatureCounts;
  return (
    <Stack gap="md">
      <Anchor component={Link} href="/declarations" size="sm">
        {t("page.back")}
      </Anchor>
      <Group justify="space-between" align="flex-start" gap="sm">
        <div>
          <Title order={1}>{d.title}</Title>
          <Group gap="xs" mt={4}>
            <DeclarationStatusBadge status={d.status} deleted={d.deleteTime !== undefined} />
            <Text size="sm" c="gray.7">
              {t("page.version", { version: formatNumber(d.version) })}
            </Text>
          </Group>
        </div>
        <DeclarationActionsBar declaration={d} />
      </Group>
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm" component="dl" m={0} aria-label={t("page.counts")}>
        <Count label={t("counts.verified")} value={counts?.verified ?? 0} />
        <Count label={t("counts.pending")} value={counts?.pending ?? 0} />
        <Count label={t("counts.rejected")} value={counts?.rejected ?? 0} />
        <Count label={t("counts.withdrawn")} value={counts?.withdrawn ?? 0} />
      </SimpleGrid>
      <Tabs
        value={tab}
        onChange={(v) => {
          const next = new URLSearchParams(window.location.search);
          if (v === null || v === "about") next.delete("tab");
          else next.set("tab", v);
          setParams(next, { replace: true });
        }}
        keepMounted={false}
      >
        <Tabs.List>
          <Tabs.Tab value="about">{t("tabs.about")}</Tabs.Tab>
          <Tabs.Tab value="queue">{t("tabs.queue", { total: formatNumber(counts?.pending ?? 0) })}</Tabs.Tab>
          <Tabs.Tab value="signatures">{t("tabs.signatures")}</Tabs.Tab>
          <Tabs.Tab value="figures">{t("tabs.figures")}</Tabs.Tab>
          <Tabs.Tab value="public">{t("tabs.public")}</Tabs.Tab>
          {can.administer ? <Tabs.Tab value="audit">{t("tabs.audit")}</Tabs.Tab> : null}
        </Tabs.List>
        <Tabs.Panel value="about" pt="md">
          <About declaration={d} />
        </Tabs.Panel>
        <Tabs.Panel value="queue" pt="md">
          <SignatureQueue declaration={d} />
        </Tabs.Panel>
        <Tabs.Panel value="signatures" pt="md">
          <SignaturesList declaration={d} />
        </Tabs.Panel>
        <Tabs.Panel value="figures" pt="md">
          <Figures declaration={d} />
        </Tabs.Panel>
        <Tabs.Panel value="public" pt="md">
          <PublicPreview declaration={d} />
        </Tabs.Panel>
        {can.administer ? (
          <Tabs.Panel value="audit" pt="md">
            <AuditTrail declaration={d.name} />
          </Tabs.Panel>
        ) : null}
      </Tabs>
    </Stack>
  );
}

function Count({ label, value }: { label: string; value: number }) {
  return (
    <Paper withBorder p="xs">
      <Text component="dt" size="xs" c="gray.7">
        {label}
      </Text>
      <Text component="dd" m={0} fw={700} size="lg">
        {formatNumber(value)}
      </Text>
    </Paper>
  );
}

/** The declaration's details, its areas and its text. */
function About({ declaration: d }: { declaration: Declaration }) {
  const { t } = useTranslation("declarations");
  const labels = useLabels();
  // The text is read in the declaration's language or one of its translations.
  const [shownLanguage, setShownLanguage] = useState(d.languageCode);
  const shown = d.translations.find((x) => x.languageCode === shownLanguage) ?? d;
  const link = (name: string): ReactNode =>
    name === "" ? (
      ""
    ) : (
      <Anchor component={Link} href={`/declarations/${idOf(name)}`}>
        {t("page.openVersion")}
      </Anchor>
    );
  return (
    <Stack gap="lg">
      <Facts
        cols={3}
        rows={[
          [t("field.language_code"), labels.language(d.languageCode)],
          [t("field.planned_close_date"), formatDay(d.plannedCloseDate)],
          [t("field.open_time"), formatDateTime(d.openTime)],
          [t("field.close_time"), formatDateTime(d.closeTime)],
          [t("field.previous_version"), link(d.previousVersion)],
          [t("field.next_version"), link(d.nextVersion)],
          [t("field.create_time"), formatDateTime(d.createTime)],
          [t("field.update_time"), formatDateTime(d.updateTime)],
        ]}
      />
      <section aria-labelledby="areas-heading">
        <Title order={2} size="h3" id="areas-heading" mb="xs">
          {t("field.areas")}
        </Title>
        {d.areas.length === 0 ? (
          <Text c="gray.7">{t("page.noAreas")}</Text>
        ) : (
          <Table.ScrollContainer minWidth={560}>
            <Table striped aria-labelledby="areas-heading">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t("field.area_title")}</Table.Th>
                  <Table.Th scope="col">{t("field.area_id")}</Table.Th>
                  <Table.Th scope="col">{t("field.thematic_area")}</Table.Th>
                  <Table.Th scope="col">{t("field.area_description")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {d.areas.map((a) => (
                  <Table.Tr key={a.id}>
                    <Table.Th scope="row" fw={500}>
                      {a.title}
                    </Table.Th>
                    <Table.Td>
                      <code>{a.id}</code>
                    </Table.Td>
                    <Table.Td>{a.thematicArea ? labels.thematic(a.thematicArea) : ""}</Table.Td>
                    <Table.Td style={{ whiteSpace: "pre-wrap" }}>{a.description}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </section>
      <section aria-labelledby="text-heading">
        <Group justify="space-between" align="flex-end" mb="xs">
          <Title order={2} size="h3" id="text-heading">
            {t("field.text")}
          </Title>
          {d.translations.length > 0 ? (
            <Select
              label={t("page.shownIn")}
              data={[d.languageCode, ...d.translations.map((x) => x.languageCode)].map((l) => ({ value: l, label: labels.language(l) }))}
              value={shown.languageCode}
              allowDeselect={false}
              onChange={(v) => {
                setShownLanguage(v ?? d.languageCode);
              }}
              w={{ base: "100%", xs: 240 }}
            />
          ) : null}
        </Group>
        {shown.text === "" ? (
          <Text c="gray.7">{t("page.noText")}</Text>
        ) : (
          <Paper withBorder p="md" mah={480} style={{ overflow: "auto" }} tabIndex={0} aria-labelledby="text-heading" lang={shown.languageCode}>
            {shown.languageCode !== d.languageCode ? (
              <Text fw={600} mb="xs">
                {shown.title}
              </Text>
            ) : null}
            <Suspense fallback={<Text style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>{shown.text}</Text>}>
              <DeclarationText text={shown.text} />
            </Suspense>
          </Paper>
        )}
      </section>
      <Translations declaration={d} />
    </Stack>
  );
}

type Confirming = "open" | "close" | "delete" | null;

/** The writes the declaration's state allows, each confirmed where it cannot be undone. */
function DeclarationActionsBar({ declaration: d }: { declaration: Declaration }) {
  const { t } = useTranslation("declarations");
  const can = useAbilities();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const narrow = useMediaQuery("(max-width: 36em)");
  const allowed = declarationActions(d, can.write);
  const [editing, setEditing] = useState<"edit" | "version" | null>(null);
  const [confirming, setConfirming] = useState<Confirming>(null);
  const [requestId, setRequestId] = useState(newRequestId);

  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: keys.all(d.name) });
    void queryClient.invalidateQueries({ queryKey: keys.lists });
  };
  const change = useMutation({
    mutationFn: async (what: Exclude<Confirming, null> | "restore") => {
      const c = declarations();
      switch (what) {
        case "open":
          return (await c.openDeclaration({ name: d.name, etag: d.etag, requestId })).declaration;
        case "close":
          return (await c.closeDeclaration({ name: d.name, etag: d.etag, requestId })).declaration;
        case "delete":
          return (await c.deleteDeclaration({ name: d.name, etag: d.etag })).declaration;
        case "restore":
          return (await c.undeleteDeclaration({ name: d.name, etag: d.etag })).declaration;
      }
    },
    onSuccess: (saved) => {
      setConfirming(null);
      setRequestId(newRequestId());
      if (saved !== undefined) queryClient.setQueryData(keys.declaration(d.name), saved);
      refresh();
    },
  });
  const ask = (what: Confirming) => {
    change.reset();
    setConfirming(what);
  };
  if (!Object.values(allowed).some(Boolean)) return null;

  return (
    <>
      <Group gap="xs">
        {allowed.edit !== null ? (
          <Button
            onClick={() => {
              setEditing("edit");
            }}
          >
            {allowed.edit === "all" ? t("common:action.edit") : t("page.editPlanned")}
          </Button>
        ) : null}
        {allowed.open ? (
          <Button
            onClick={() => {
              ask("open");
            }}
          >
            {t("page.open")}
          </Button>
        ) : null}
        {allowed.close ? (
          <Button
            variant="default"
            onClick={() => {
              ask("close");
            }}
          >
            {t("page.close")}
          </Button>
        ) : null}
        {allowed.newVersion ? (
          <Button
            variant="default"
            onClick={() => {
              setEditing("version");
            }}
          >
            {t("page.newVersion")}
          </Button>
        ) : null}
        {allowed.remove ? (
          <Button
            variant="default"
            color="red"
            onClick={() => {
              ask("delete");
            }}
          >
            {t("common:action.delete")}
          </Button>
        ) : null}
        {allowed.restore ? (
          <Button
            variant="default"
            loading={change.isPending}
            onClick={() => {
              change.mutate("restore");
            }}
          >
            {t("common:action.undelete")}
          </Button>
        ) : null}
      </Group>
      {confirming === null ? <RefusalAlert error={change.error} /> : null}
      <Modal
        opened={confirming !== null}
        onClose={() => {
          setConfirming(null);
        }}
        title={confirming === null ? "" : t(`confirm.${confirming}.title`, { title: d.title })}
        closeButtonProps={{ "aria-label": t("common:action.close") }}
      >
        <Stack>
          <Text>{confirming === null ? "" : t(`confirm.${confirming}.body`)}</Text>
          <RefusalAlert error={change.error} />
          <Group justify="flex-end">
            <Button
              variant="default"
              onClick={() => {
                setConfirming(null);
              }}
            >
              {t("common:action.cancel")}
            </Button>
            <Button
              color={confirming === "delete" ? "red" : undefined}
              loading={change.isPending}
              onClick={() => {
                if (confirming !== null) change.mutate(confirming);
              }}
            >
              {confirming === null ? "" : t(`confirm.${confirming}.submit`)}
            </Button>
          </Group>
        </Stack>
      </Modal>
      <Modal
        opened={editing !== null}
        onClose={() => {
          setEditing(null);
        }}
        title={editing === "version" ? t("form.newVersion", { version: d.version + 1 }) : t("form.edit")}
        size="xl"
        fullScreen={narrow}
        closeButtonProps={{ "aria-label": t("common:action.close") }}
      >
        {editing === "edit" ? (
          <DeclarationForm
            declaration={d}
            onCancel={() => {
              setEditing(null);
            }}
            onDone={(saved) => {
              setEditing(null);
              queryClient.setQueryData(keys.declaration(d.name), saved);
            }}
          />
        ) : editing === "version" ? (
          <DeclarationForm
            previous={d}
            onCancel={() => {
              setEditing(null);
            }}
            onDone={(saved) => {
              setEditing(null);
              refresh();
              navigate(`/declarations/${idOf(saved.name)}`);
            }}
          />
        ) : null}
      </Modal>
    </>
  );
}
