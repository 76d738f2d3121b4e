// The sections of a record page (affiliations, consents, accreditations, interactions, audit
// trail) and their forms: one shell for the heading, the add button opening a form, the
// failure, the empty text; one hook for a form's save with its idempotency key.
import { useState, type ReactNode, type SyntheticEvent } from "react";
import { Button, Group, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { fieldMessage, problemOf, type Problem } from "../../api/problem";
import { ProblemAlert } from "../../components/ProblemAlert";
import { newRequestId } from "./shared";

/**
 * A section: its heading (h2), for writers a button opening the add form above the content,
 * the failure to load with a retry, the text when there is nothing, then the content.
 */
export function RecordSection({
  id,
  title,
  add,
  error,
  onRetry,
  empty,
  none,
  children,
}: {
  /** The heading's id, which names the section. */
  id: string;
  title: string;
  /** The add button's words and its form, when the caller may add; null otherwise. */
  add?: { label: string; form: (close: () => void) => ReactNode } | null;
  error: unknown;
  onRetry: () => void;
  /** Loaded and nothing to show. */
  empty: boolean;
  /** The words shown then. */
  none: string;
  children: ReactNode;
}) {
  const [adding, setAdding] = useState(false);
  const close = () => {
    setAdding(false);
  };
  return (
    <Stack gap="sm" component="section" aria-labelledby={id}>
      <Group justify="space-between">
        <Title order={2} size="h3" id={id}>
          {title}
        </Title>
        {add && !adding ? (
          <Button size="xs" variant="default" onClick={() => { setAdding(true); }}>
            {add.label}
          </Button>
        ) : null}
      </Group>
      {add && adding ? add.form(close) : null}
      <ProblemAlert error={error} onRetry={onRetry} />
      {empty ? <Text c="gray.7">{none}</Text> : null}
      {children}
    </Stack>
  );
}

/**
 * A form's save: one idempotency key per opening of the form, the refusal as a `Problem`
 * for the fields' messages, the given queries refreshed and the form closed on success.
 */
export function useSaveForm(
  mutationFn: (requestId: string) => Promise<unknown>,
  onDone: () => void,
  refresh: readonly unknown[] = ["contacts"],
) {
  const queryClient = useQueryClient();
  const [requestId] = useState(newRequestId);
  const [problem, setProblem] = useState<Problem | null>(null);
  const save = useMutation({
    mutationFn: () => mutationFn(requestId),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: refresh });
      onDone();
    },
    onError: (e) => { setProblem(problemOf(e)); },
  });
  return {
    save,
    problem,
    /** A field's message, by its path in the request. */
    field: (path: string) => fieldMessage(problem, path),
    onSubmit: (e: SyntheticEvent) => {
      e.preventDefault();
      setProblem(null);
      save.mutate();
    },
  };
}

/**
 * The form around a section's fields: the refusal not tied to a shown field, the fields,
 * cancel and submit. Inline forms (in the section) are framed and named; dialog forms are not.
 */
export function SaveForm({
  form,
  label,
  fields,
  intro,
  onCancel,
  submit,
  color,
  disabled,
  children,
}: {
  form: ReturnType<typeof useSaveForm>;
  /** The inline form's name; a dialog form (no label) takes the dialog's title. */
  label?: string;
  /**
   * The fields the form shows a message on: the refusal is shown above them when none of
   * them has one. Without it, when the refusal names no field at all.
   */
  fields?: string[];
  intro?: ReactNode;
  onCancel: () => void;
  submit: string;
  color?: string;
  disabled?: boolean;
  children: ReactNode;
}) {
  const { t } = useTranslation("partners");
  const { problem } = form;
  const general = problem !== null && (fields ? fields.every((f) => form.field(f) === undefined) : Object.keys(problem.fields).length === 0);
  const body = (
    <form aria-label={label} onSubmit={form.onSubmit}>
      <Stack gap="sm">
        {intro}
        {general ? <ProblemAlert error={form.save.error} /> : null}
        {children}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            {t("common:action.cancel")}
          </Button>
          <Button type="submit" color={color} loading={form.save.isPending} disabled={disabled}>
            {submit}
          </Button>
        </Group>
      </Stack>
    </form>
  );
  return label === undefined ? body : (
    <Paper withBorder p="sm">
      {body}
    </Paper>
  );
}

/** A section's table: named, scrolling sideways on a phone, with its column headers. */
export function SectionTable({
  label,
  minWidth,
  columns,
  striped,
  children,
}: {
  label: string;
  minWidth: number;
  /** The headers; `false` leaves a column out (an actions column for writers only). */
  columns: (string | false)[];
  striped?: boolean;
  /** The rows. */
  children: ReactNode;
}) {
  return (
    <Table.ScrollContainer minWidth={minWidth}>
      <Table striped={striped} aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            {columns.map((c, i) => (c === false ? null : <Table.Th scope="col" key={i}>{c}</Table.Th>))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>{children}</Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
