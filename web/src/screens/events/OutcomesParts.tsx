// Pieces the event outcomes screens share: a key figure, a dialog, a refusal explained in
// the outcomes' own words, a search-as-you-type picker of people or organisations, and a
// form's save with the service's messages on its fields.
import { useState, type ReactNode, type SyntheticEvent } from "react";
import { Alert, Button, Group, Modal, Paper, Select, Stack, Text } from "@mantine/core";
import { useDebouncedValue, useMediaQuery } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { contacts } from "../../api/contacts";
import { fieldMessage, problemOf, type Problem } from "../../api/problem";
import { ProblemAlert } from "../../components/ProblemAlert";

/** One key figure: its name and its value, read together by screen readers. */
export function OutcomesStat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <Paper withBorder p="sm" role="group" aria-label={label}>
      <Text size="xs" c="gray.7">
        {label}
      </Text>
      <Text fz="xl" fw={700} data-figure>
        {value}
      </Text>
      {hint ? (
        <Text size="xs" c="gray.7">
          {hint}
        </Text>
      ) : null}
    </Paper>
  );
}

/** A dialog with a named close button, full screen on a phone. */
export function OutcomesModal({ opened, onClose, title, children }: { opened: boolean; onClose: () => void; title: string; children: ReactNode }) {
  const { t } = useTranslation("outcomes");
  const narrow = useMediaQuery("(max-width: 36em)");
  return (
    <Modal opened={opened} onClose={onClose} title={title} size="lg" fullScreen={narrow} closeButtonProps={{ "aria-label": t("common:action.close") }}>
      {children}
    </Modal>
  );
}

/** The refusals these screens expect, in their own words; anything else as every screen says it. */
const known = new Set(["INVALID_TRANSITION", "NOT_DELETED"]);

export function OutcomesProblem({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation("outcomes");
  if (error === null || error === undefined) return null;
  const problem = problemOf(error);
  if (problem.kind === "stale") {
    return (
      <Alert color="yellow" role="alert">
        <Text size="sm">{t("refusal.stale")}</Text>
      </Alert>
    );
  }
  if (problem.kind === "conflict" && known.has(problem.reason)) {
    return (
      <Alert color="yellow" role="alert">
        <Text size="sm">{t(`refusal.${problem.reason}`)}</Text>
      </Alert>
    );
  }
  return <ProblemAlert error={error} onRetry={onRetry} />;
}

export interface Picked {
  value: string;
  label: string;
}

/**
 * A person or organisation of contacts, found by typing part of a name (the ranked search
 * forgives accents and typos). `current` names the one already chosen so it shows by name.
 */
export function ContactPicker({
  kind,
  label,
  description,
  value,
  current,
  onChange,
  error,
  required,
}: {
  kind: "person" | "organization";
  label: string;
  description?: string;
  value: string;
  /** The chosen record's name as shown, when it was chosen before the form opened. */
  current?: Picked;
  onChange: (picked: Picked | null) => void;
  error?: string;
  required?: boolean;
}) {
  const { t } = useTranslation("outcomes");
  const [search, setSearch] = useState(current?.label ?? "");
  const [debounced] = useDebouncedValue(search, 250);
  const [chosen, setChosen] = useState<Picked | undefined>(current);
  const query = debounced.trim();
  const found = useQuery({
    queryKey: ["contacts", kind, "pick", query],
    queryFn: async (): Promise<Picked[]> => {
      if (kind === "person") {
        const r = await contacts().searchPeople({ query, pageSize: 20 });
        return r.results.flatMap((x) => (x.person ? [{ value: x.person.name, label: x.person.displayName }] : []));
      }
      const r = await contacts().searchOrganizations({ query, pageSize: 20 });
      return r.results.flatMap((x) => (x.organization ? [{ value: x.organization.name, label: x.organization.displayName }] : []));
    },
    enabled: query !== "" && query !== chosen?.label,
  });
  const options = [...(chosen && chosen.value === value ? [chosen] : []), ...(found.data ?? []).filter((o) => o.value !== chosen?.value)];
  return (
    <Select
      label={label}
      description={description}
      required={required}
      searchable
      clearable
      data={options}
      value={value === "" ? null : value}
      onChange={(next) => {
        const picked = options.find((o) => o.value === next) ?? null;
        setChosen(picked ?? undefined);
        onChange(picked);
      }}
      searchValue={search}
      onSearchChange={setSearch}
      // The service ranks the matches; the list shows them as they come.
      filter={({ options: o }) => o}
      nothingFoundMessage={query !== "" && found.isSuccess ? t("picker.none") : undefined}
      error={error}
      comboboxProps={{ withinPortal: true }}
    />
  );
}

/**
 * A form's save: one idempotency key per opening of the form, the refusal kept for the
 * fields' messages, the event's briefings data refreshed after a save (and after a stale
 * refusal, so that the next try starts from the current version).
 */
export function useOutcomesSave(mutationFn: (requestId: string) => Promise<unknown>, onDone: () => void) {
  const queryClient = useQueryClient();
  const [requestId] = useState(() => crypto.randomUUID());
  const [problem, setProblem] = useState<Problem | null>(null);
  const save = useMutation({
    mutationFn: () => mutationFn(requestId),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["briefings"] });
      onDone();
    },
    onError: (e) => {
      const p = problemOf(e);
      setProblem(p);
      if (p.kind === "stale") void queryClient.invalidateQueries({ queryKey: ["briefings"] });
    },
  });
  return {
    save,
    problem,
    /** The message of the first of `paths` the service named. */
    field: (...paths: string[]) => fieldMessage(problem, ...paths),
    onSubmit: (e: SyntheticEvent) => {
      e.preventDefault();
      setProblem(null);
      save.mutate();
    },
  };
}

/** A form's body: the refusal no field shows, the fields, cancel and save. */
export function OutcomesForm({
  form,
  label,
  fields,
  onCancel,
  submit,
  children,
}: {
  form: ReturnType<typeof useOutcomesSave>;
  label: string;
  /** Every field path the form shows a message on. */
  fields: string[];
  onCancel: () => void;
  submit: string;
  children: ReactNode;
}) {
  const { t } = useTranslation("outcomes");
  const { problem } = form;
  const general = problem !== null && fields.every((f) => form.field(f) === undefined);
  return (
    <form aria-label={label} onSubmit={form.onSubmit} noValidate>
      <Stack gap="sm">
        {general ? <OutcomesProblem error={form.save.error} /> : null}
        {problem !== null && !general ? (
          <Text size="sm" c="red.8" role="alert">
            {t("common:problem.invalid")}
          </Text>
        ) : null}
        {children}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            {t("common:action.cancel")}
          </Button>
          <Button type="submit" loading={form.save.isPending}>
            {submit}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/**
 * A table that scrolls sideways on its own when the screen is narrower than `minWidth`. The
 * scrolling region is named and takes the keyboard focus, so it can be scrolled with the
 * arrow keys even when the table holds no link or button.
 */
export function OutcomesTableScroll({ label, minWidth, children }: { label: string; minWidth: number; children: ReactNode }) {
  return (
    <div role="region" aria-label={label} tabIndex={0} className="mantine-focus-auto" style={{ overflowX: "auto" }}>
      <div style={{ minInlineSize: minWidth }}>{children}</div>
    </div>
  );
}
