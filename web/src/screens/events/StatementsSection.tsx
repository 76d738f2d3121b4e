// What came out of an event: the statements delivered (who, on whose behalf, what) and the
// follow-up actions they prompted, with owners, due dates and status, overdue ones said so.
// Officers record, edit and delete statements, add actions (to a statement or on their own),
// move an action's status on, and delete them; a deletion can be undone at once.
import { Suspense, useState } from "react";
import { Alert, Anchor, Badge, Button, Group, Loader, NativeSelect, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { briefings } from "../../api/briefings";
import { useKeysetPages } from "../../api/pages";
import { KeysetPager, pagerOf } from "../../components/KeysetPager";
import { formatDate } from "../../format";
import { FollowUpStatus, type Event, type FollowUpAction, type Session, type Statement } from "../../gen/engage/briefings/v1/resources_pb";
import { useAbilities } from "../../session/session";
import { dateText, idOf } from "../partners/model";
import { FollowUpForm } from "./OutcomesFollowUpForm";
import { OutcomesModal, OutcomesProblem, OutcomesTableScroll } from "./OutcomesParts";
import { StatementForm } from "./OutcomesStatementForm";
import { useEventTime, useFollowUpStatus, useLanguageName } from "./OutcomesWords";
import { knownZone, ownerOf, statusChoices, statusOf } from "./outcomes-model";

export function StatementsSection({ event }: { event: Event }) {
  // The sections' words load with them; the rest of the event page does not wait for them.
  return (
    <Suspense fallback={<Loader size="sm" aria-label="…" />}>
      <Outcomes event={event} />
    </Suspense>
  );
}

/** What a dialog of these sections is open for. */
type Dialog =
  | { kind: "statement"; statement: Statement | null }
  | { kind: "deleteStatement"; statement: Statement }
  | { kind: "followUp"; action: FollowUpAction | null; statement: string }
  | { kind: "deleteFollowUp"; action: FollowUpAction };

/** What was just deleted, to offer restoring it. */
type Deleted = { kind: "statement"; statement: Statement } | { kind: "followUp"; action: FollowUpAction };

const pageSize = 50;

function Outcomes({ event }: { event: Event }) {
  const { t } = useTranslation("outcomes");
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [deleted, setDeleted] = useState<Deleted | null>(null);
  const close = () => {
    setDialog(null);
  };
  // The event's sessions and all its statements (deleted ones too, so an action keeps
  // showing the statement that prompted it), for the forms and for naming them in the lists.
  const sessions = useQuery({
    queryKey: ["briefings", "sessions", event.name, "all"],
    queryFn: async () => (await briefings().listSessions({ parent: event.name, pageSize: 1000 })).sessions,
  });
  const allStatements = useQuery({
    queryKey: ["briefings", "statements", event.name, "all"],
    queryFn: async () => (await briefings().listStatements({ parent: event.name, pageSize: 1000, showDeleted: true })).statements,
  });
  const statements = allStatements.data ?? [];

  const title = (() => {
    if (dialog === null) return "";
    switch (dialog.kind) {
      case "statement":
        return dialog.statement === null ? t("statements.record") : t("statements.edit");
      case "deleteStatement":
        return t("statements.deleteTitle", { title: dialog.statement.title });
      case "followUp":
        return dialog.action === null ? t("followUps.add") : t("followUps.edit");
      case "deleteFollowUp":
        return t("followUps.deleteTitle", { title: dialog.action.title });
    }
  })();

  return (
    <Stack gap="xl">
      <Restore deleted={deleted} onDone={() => { setDeleted(null); }} />
      <Statements event={event} sessions={sessions.data ?? []} onDialog={setDialog} />
      <FollowUps event={event} statements={statements} onDialog={setDialog} />
      <OutcomesModal opened={dialog !== null} onClose={close} title={title}>
        {dialog?.kind === "statement" ? <StatementForm event={event} statement={dialog.statement} sessions={sessions.data ?? []} onClose={close} /> : null}
        {dialog?.kind === "followUp" ? <FollowUpForm event={event} action={dialog.action} statement={dialog.statement} statements={statements} onClose={close} /> : null}
        {dialog?.kind === "deleteStatement" ? (
          <ConfirmDelete
            text={t("statements.deleteBody", { title: dialog.statement.title })}
            remove={() => briefings().deleteStatement({ name: dialog.statement.name, etag: dialog.statement.etag })}
            onCancel={close}
            onDone={() => {
              setDeleted({ kind: "statement", statement: dialog.statement });
              close();
            }}
          />
        ) : null}
        {dialog?.kind === "deleteFollowUp" ? (
          <ConfirmDelete
            text={t("followUps.deleteBody", { title: dialog.action.title })}
            remove={() => briefings().deleteFollowUpAction({ name: dialog.action.name, etag: dialog.action.etag })}
            onCancel={close}
            onDone={() => {
              setDeleted({ kind: "followUp", action: dialog.action });
              close();
            }}
          />
        ) : null}
      </OutcomesModal>
    </Stack>
  );
}

function Statements({ event, sessions, onDialog }: { event: Event; sessions: Session[]; onDialog: (d: Dialog) => void }) {
  const { t } = useTranslation("outcomes");
  const can = useAbilities();
  const time = useEventTime(knownZone(event.timeZone));
  const language = useLanguageName();
  const pages = useKeysetPages(["briefings", "statements", event.name, "list"], async (pageToken) => {
    const r = await briefings().listStatements({ parent: event.name, pageSize, pageToken });
    return { items: r.statements, nextPageToken: r.nextPageToken, totalSize: r.totalSize };
  });
  const rows = pages.data?.items ?? [];
  const sessionTitle = (name: string) => sessions.find((s) => s.name === name)?.title ?? "";
  return (
    <Stack gap="sm" component="section" aria-labelledby="outcomes-statements">
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Title order={2} size="h3" id="outcomes-statements">
          {t("statements.title")}
        </Title>
        {can.write ? (
          <Button size="xs" variant="default" onClick={() => { onDialog({ kind: "statement", statement: null }); }}>
            {t("statements.record")}
          </Button>
        ) : null}
      </Group>
      <OutcomesProblem error={pages.error} onRetry={() => void pages.refetch()} />
      {pages.isPending ? <Loader size="sm" aria-label={t("statements.loading")} /> : null}
      {pages.isSuccess && rows.length === 0 ? <Text c="gray.7">{t("statements.none")}</Text> : null}
      {rows.length > 0 ? (
        <OutcomesTableScroll label={t("statements.caption")} minWidth={720}>
          <Table striped verticalSpacing="xs" captionSide="top">
            <Table.Caption ta="start">{t("statements.caption")}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("statements.statement")}</Table.Th>
                <Table.Th scope="col">{t("statements.deliveredBy")}</Table.Th>
                <Table.Th scope="col">{t("statements.when")}</Table.Th>
                {can.write ? <Table.Th scope="col">{t("statements.actions")}</Table.Th> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((s) => (
                <Table.Tr key={s.name}>
                  <Table.Th scope="row" fw="normal" style={{ verticalAlign: "top" }}>
                    <Text fw={600} size="sm">
                      {s.title}
                    </Text>
                    {s.summary ? (
                      <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }} lineClamp={4}>
                        {s.summary}
                      </Text>
                    ) : null}
                    {s.link ? (
                      <Anchor href={s.link} target="_blank" rel="noopener noreferrer" size="sm">
                        {t("statements.openLink")}
                      </Anchor>
                    ) : null}
                  </Table.Th>
                  <Table.Td style={{ verticalAlign: "top" }}>
                    <Anchor component={Link} href={`/people/${idOf(s.speaker)}`} size="sm">
                      {s.speakerDisplayName || s.speaker}
                    </Anchor>
                    {s.organization ? (
                      <Text size="sm">
                        {t("statements.onBehalfOf")}{" "}
                        <Anchor component={Link} href={`/organizations/${idOf(s.organization)}`}>
                          {s.organizationDisplayName || s.organization}
                        </Anchor>
                      </Text>
                    ) : null}
                  </Table.Td>
                  <Table.Td style={{ verticalAlign: "top" }}>
                    {s.session === "" && s.deliverTime === undefined ? (
                      <Text size="sm" c="gray.7">
                        {t("statements.noTime")}
                      </Text>
                    ) : null}
                    {s.session ? <Text size="sm">{sessionTitle(s.session)}</Text> : null}
                    {s.deliverTime ? <Text size="sm">{time(s.deliverTime)}</Text> : null}
                    {s.language ? (
                      <Text size="xs" c="gray.7">
                        {language(s.language)}
                      </Text>
                    ) : null}
                  </Table.Td>
                  {can.write ? (
                    <Table.Td style={{ verticalAlign: "top" }}>
                      <Group gap={4}>
                        <Button size="compact-xs" variant="default" aria-label={t("statements.editNamed", { title: s.title })} onClick={() => { onDialog({ kind: "statement", statement: s }); }}>
                          {t("common:action.edit")}
                        </Button>
                        <Button size="compact-xs" variant="default" aria-label={t("followUps.addTo", { title: s.title })} onClick={() => { onDialog({ kind: "followUp", action: null, statement: s.name }); }}>
                          {t("followUps.addShort")}
                        </Button>
                        <Button size="compact-xs" variant="default" color="red" aria-label={t("statements.deleteNamed", { title: s.title })} onClick={() => { onDialog({ kind: "deleteStatement", statement: s }); }}>
                          {t("common:action.delete")}
                        </Button>
                      </Group>
                    </Table.Td>
                  ) : null}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </OutcomesTableScroll>
      ) : null}
      {pages.hasNext || pages.hasPrevious ? <KeysetPager {...pagerOf(pages)} /> : null}
    </Stack>
  );
}

/** Which follow-up actions to list, and the filter for each (ListFollowUpActions). */
const shows = {
  all: "",
  pending: "status != FOLLOW_UP_STATUS_DONE AND status != FOLLOW_UP_STATUS_CANCELLED",
  overdue: "overdue = true",
} as const;
type Show = keyof typeof shows;

function FollowUps({ event, statements, onDialog }: { event: Event; statements: Statement[]; onDialog: (d: Dialog) => void }) {
  const { t } = useTranslation("outcomes");
  const can = useAbilities();
  const queryClient = useQueryClient();
  const statusWords = useFollowUpStatus();
  const [show, setShow] = useState<Show>("all");
  const pages = useKeysetPages(["briefings", "follow-ups", event.name, show], async (pageToken) => {
    const r = await briefings().listFollowUpActions({ parent: event.name, pageSize, pageToken, filter: shows[show] });
    return { items: r.followUpActions, nextPageToken: r.nextPageToken, totalSize: r.totalSize };
  });
  const changeStatus = useMutation({
    mutationFn: ({ action, status }: { action: FollowUpAction; status: FollowUpStatus }) =>
      briefings().updateFollowUpAction({ followUpAction: { name: action.name, etag: action.etag, status }, updateMask: { paths: ["status"] } }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ["briefings", "follow-ups", event.name] }),
  });
  const rows = pages.data?.items ?? [];
  const statementOf = (name: string) => statements.find((s) => s.name === name);
  return (
    <Stack gap="sm" component="section" aria-labelledby="outcomes-follow-ups">
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Title order={2} size="h3" id="outcomes-follow-ups">
          {t("followUps.title")}
        </Title>
        {can.write ? (
          <Button size="xs" variant="default" onClick={() => { onDialog({ kind: "followUp", action: null, statement: "" }); }}>
            {t("followUps.add")}
          </Button>
        ) : null}
      </Group>
      <NativeSelect
        label={t("followUps.show")}
        data={(Object.keys(shows) as Show[]).map((s) => ({ value: s, label: t(`followUps.shows.${s}`) }))}
        value={show}
        onChange={(e) => { setShow(e.currentTarget.value as Show); }}
        w={{ base: "100%", xs: 280 }}
      />
      <OutcomesProblem error={pages.error ?? changeStatus.error} onRetry={() => void pages.refetch()} />
      {pages.isPending ? <Loader size="sm" aria-label={t("followUps.loading")} /> : null}
      {pages.isSuccess && rows.length === 0 ? <Text c="gray.7">{show === "all" ? t("followUps.none") : t("followUps.noneShown")}</Text> : null}
      {rows.length > 0 ? (
        <OutcomesTableScroll label={t(`followUps.caption.${show}`)} minWidth={760}>
          <Table striped verticalSpacing="xs" captionSide="top">
            <Table.Caption ta="start">{t(`followUps.caption.${show}`)}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("followUps.action")}</Table.Th>
                <Table.Th scope="col">{t("followUps.statement")}</Table.Th>
                <Table.Th scope="col">{t("followUps.owner")}</Table.Th>
                <Table.Th scope="col">{t("followUps.due")}</Table.Th>
                <Table.Th scope="col">{t("followUps.status")}</Table.Th>
                {can.write ? <Table.Th scope="col">{t("statements.actions")}</Table.Th> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((a) => {
                const statement = statementOf(a.statement);
                const owner = ownerOf(a.owner);
                return (
                  <Table.Tr key={a.name}>
                    <Table.Th scope="row" fw="normal" style={{ verticalAlign: "top" }}>
                      <Text fw={600} size="sm">
                        {a.title}
                      </Text>
                      {a.description ? (
                        <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }} lineClamp={3}>
                          {a.description}
                        </Text>
                      ) : null}
                    </Table.Th>
                    <Table.Td style={{ verticalAlign: "top" }}>
                      {a.statement === "" ? (
                        <Text size="sm" c="gray.7">
                          {t("followUps.noStatement")}
                        </Text>
                      ) : (
                        <Text size="sm">
                          {statement?.title ?? t("followUps.unknownStatement")}
                          {statement?.deleteTime ? ` ${t("followUps.statementDeleted")}` : ""}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td style={{ verticalAlign: "top" }}>
                      {owner.kind === "subject" ? (
                        <Text size="sm">{a.ownerDisplayName || owner.value}</Text>
                      ) : (
                        <Anchor component={Link} href={`/${owner.kind === "person" ? "people" : "organizations"}/${idOf(owner.value)}`} size="sm">
                          {a.ownerDisplayName || owner.value}
                        </Anchor>
                      )}
                      <Text size="xs" c="gray.7">
                        {t(`ownerType.${owner.kind}`)}
                      </Text>
                    </Table.Td>
                    <Table.Td style={{ verticalAlign: "top" }}>
                      <Text size="sm">{a.dueDate ? formatDate(new Date(`${dateText(a.dueDate)}T12:00:00`)) : t("followUps.noDue")}</Text>
                      {a.overdue ? (
                        <Badge color="red" variant="light" c="red.9" tt="none">
                          {t("followUps.overdue")}
                        </Badge>
                      ) : null}
                    </Table.Td>
                    <Table.Td style={{ verticalAlign: "top" }}>
                      {can.write ? (
                        <NativeSelect
                          size="xs"
                          aria-label={t("followUps.statusOf", { title: a.title })}
                          data={statusChoices(a.status).map((s) => ({ value: String(s), label: statusWords(s) }))}
                          value={String(a.status === FollowUpStatus.UNSPECIFIED ? FollowUpStatus.OPEN : a.status)}
                          disabled={changeStatus.isPending}
                          onChange={(e) => {
                            changeStatus.mutate({ action: a, status: statusOf(e.currentTarget.value) });
                          }}
                        />
                      ) : (
                        <Text size="sm">{statusWords(a.status)}</Text>
                      )}
                      {a.completeTime ? (
                        <Text size="xs" c="gray.7">
                          {t("followUps.doneOn", { date: formatDate(a.completeTime) })}
                        </Text>
                      ) : null}
                    </Table.Td>
                    {can.write ? (
                      <Table.Td style={{ verticalAlign: "top" }}>
                        <Group gap={4}>
                          <Button size="compact-xs" variant="default" aria-label={t("followUps.editNamed", { title: a.title })} onClick={() => { onDialog({ kind: "followUp", action: a, statement: a.statement }); }}>
                            {t("common:action.edit")}
                          </Button>
                          <Button size="compact-xs" variant="default" color="red" aria-label={t("followUps.deleteNamed", { title: a.title })} onClick={() => { onDialog({ kind: "deleteFollowUp", action: a }); }}>
                            {t("common:action.delete")}
                          </Button>
                        </Group>
                      </Table.Td>
                    ) : null}
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </OutcomesTableScroll>
      ) : null}
      {pages.hasNext || pages.hasPrevious ? <KeysetPager {...pagerOf(pages)} /> : null}
    </Stack>
  );
}

function ConfirmDelete({ text, remove, onCancel, onDone }: { text: string; remove: () => Promise<unknown>; onCancel: () => void; onDone: () => void }) {
  const { t } = useTranslation("outcomes");
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: remove,
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["briefings"] });
      onDone();
    },
    onError: () => void queryClient.invalidateQueries({ queryKey: ["briefings"] }),
  });
  return (
    <Stack>
      <Text>{text}</Text>
      <OutcomesProblem error={mutation.error} />
      <Group justify="flex-end">
        <Button variant="default" onClick={onCancel}>
          {t("common:action.cancel")}
        </Button>
        <Button color="red" onClick={() => { mutation.mutate(); }} loading={mutation.isPending}>
          {t("common:action.delete")}
        </Button>
      </Group>
    </Stack>
  );
}

/** After a deletion: what was deleted, and a button to restore it. */
function Restore({ deleted, onDone }: { deleted: Deleted | null; onDone: () => void }) {
  const { t } = useTranslation("outcomes");
  const queryClient = useQueryClient();
  const restore = useMutation({
    mutationFn: async (d: Deleted) => {
      // Restoring needs the etag the deletion left.
      if (d.kind === "statement") {
        const now = (await briefings().getStatement({ name: d.statement.name })).statement;
        return briefings().undeleteStatement({ name: d.statement.name, etag: now?.etag ?? "" });
      }
      const now = (await briefings().getFollowUpAction({ name: d.action.name })).followUpAction;
      return briefings().undeleteFollowUpAction({ name: d.action.name, etag: now?.etag ?? "" });
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["briefings"] });
      onDone();
    },
  });
  if (deleted === null) return null;
  const title = deleted.kind === "statement" ? deleted.statement.title : deleted.action.title;
  return (
    <Alert color="gray" role="status" withCloseButton closeButtonLabel={t("common:action.close")} onClose={onDone}>
      <Group justify="space-between" gap="xs">
        <Text size="sm">{deleted.kind === "statement" ? t("statements.deleted", { title }) : t("followUps.deleted", { title })}</Text>
        <Button size="xs" variant="default" onClick={() => { restore.mutate(deleted); }} loading={restore.isPending}>
          {t("common:action.undelete")}
        </Button>
      </Group>
      <OutcomesProblem error={restore.error} />
    </Alert>
  );
}
