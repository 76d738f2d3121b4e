// A refused write explained on its form: bad input points at the fields (messages the form
// could not put on a field are listed here), a rule of the roadmap or a stale edit is said in
// this area's words from the service's reason, anything else in the console's common words.
import { useEffect, useRef, type ReactNode } from "react";
import { Alert, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { Problem } from "../../api/problem";
import { problemText } from "../../components/ProblemAlert";
import { refusalKey } from "./model";

export function Refusal({
  problem,
  unmapped = [],
  values = {},
  readable = (text: string) => text,
  children,
}: {
  problem: Problem | null;
  /** Field messages that no input of the form shows. */
  unmapped?: string[];
  /** Placeholders of the refusal's sentence (`names`…). */
  values?: Record<string, string>;
  /** Makes the service's own words readable (resource names as titles). */
  readable?: (text: string) => string;
  /** More to say or offer below the sentence (the open dependencies, a reload button…). */
  children?: ReactNode;
}) {
  const { t } = useTranslation("initiatives");
  const ref = useRef<HTMLDivElement>(null);
  // Brought into view and focus, so a person at the send button notices it.
  useEffect(() => {
    if (problem !== null) {
      ref.current?.scrollIntoView({ block: "nearest" });
      ref.current?.focus();
    }
  }, [problem]);
  if (problem === null) return null;
  const key = refusalKey(problem);
  const invalid = problem.kind === "invalid";
  return (
    <div ref={ref} tabIndex={-1} style={{ outline: "none", scrollMarginTop: "5rem" }}>
      <Alert color={invalid || problem.kind === "stale" ? "yellow" : "red"} role="alert" title={t("refusal.title")} styles={{ title: { color: "var(--mantine-color-black)" } }}>
        <Text size="sm">{invalid ? t("common:problem.invalid") : key !== null ? t(key, values) : problemText(t, problem)}</Text>
        {unmapped.map((m) => (
          <Text size="sm" key={m}>
            {m}
          </Text>
        ))}
        {children}
        {!invalid && problem.detail !== "" && problem.kind !== "signedOut" ? (
          <Text size="xs" c="gray.7" mt={4}>
            {t("common:problem.details", { detail: readable(problem.detail) })}
          </Text>
        ) : null}
      </Alert>
    </div>
  );
}

/** The messages of `problem` not on any of `shown` field paths. */
export function unmappedMessages(problem: Problem | null, shown: (field: string) => boolean): string[] {
  if (problem === null) return [];
  return Object.entries(problem.fields).flatMap(([field, message]) => (shown(field) ? [] : [`${field}: ${message}`]));
}
