// A failed call explained in words, with what to do next; never a raw status code.
import { Alert, Button, Group, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { problemOf, type Problem } from "../api/problem";

export function problemText(t: (key: string, options?: Record<string, unknown>) => string, problem: Problem): string {
  if (problem.kind === "rateLimited" && problem.retryAfterSeconds !== null) {
    return t("common:problem.rateLimitedFor", { seconds: problem.retryAfterSeconds });
  }
  return t(`common:${problem.messageKey}`);
}

export function ProblemAlert({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: string }) {
  const { t } = useTranslation();
  if (error === null || error === undefined) return null;
  const problem = problemOf(error);
  return (
    <Alert color={problem.kind === "invalid" || problem.kind === "stale" ? "yellow" : "red"} title={title} role="alert">
      <Text size="sm">{problemText(t, problem)}</Text>
      {problem.detail && problem.kind !== "signedOut" ? (
        <Text size="xs" c="dimmed" mt={4}>
          {t("common:problem.details", { detail: problem.detail })}
        </Text>
      ) : null}
      {onRetry && ["unavailable", "rateLimited", "internal"].includes(problem.kind) ? (
        <Group mt="xs">
          <Button size="xs" variant="light" onClick={onRetry}>
            {t("common:action.retry")}
          </Button>
        </Group>
      ) : null}
    </Alert>
  );
}
