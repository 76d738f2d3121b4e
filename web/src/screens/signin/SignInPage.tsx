// Sign-in: the organisation's identity provider when the gateway names one, and under a
// development system a form to pick who to be.
import { useState } from "react";
import { Alert, Button, Center, Checkbox, Divider, Paper, Stack, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { fieldMessage, problemOf, type Problem } from "../../api/problem";
import { ProblemAlert } from "../../components/ProblemAlert";
import { Role } from "../../gen/engage/gateway/v1/gateway_pb";
import { roleKey, signInRoles } from "../../session/abilities";
import { oidcConfigured } from "../../session/settings";
import { useSession } from "../../session/session";

export function SignInPage({ reason, returnTo }: { reason: "none" | "expired" | "signedOut"; returnTo: string }) {
  const { t } = useTranslation();
  const session = useSession();
  const settings = session.settings;
  const provider = settings !== null && oidcConfigured(settings);
  const development = settings?.developmentSignIn === true;
  const [error, setError] = useState<unknown>(null);

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder p="lg" w="100%" maw={460} component="main" id="main">
        <Stack>
          <Title order={1} size="h2">
            {t("signin.title")}
          </Title>
          {reason === "expired" ? (
            <Alert color="yellow" role="status">
              {t("session.expired")}
            </Alert>
          ) : null}
          {reason === "signedOut" ? <Text role="status">{t("session.signedOut")}</Text> : null}
          <ProblemAlert error={error} />
          {provider ? (
            <Stack gap="xs">
              <Button
                size="md"
                onClick={() => {
                  setError(null);
                  session.signInWithProvider(returnTo).catch(setError);
                }}
              >
                {t("signin.withProvider")}
              </Button>
              <Text size="sm" c="dimmed">
                {t("signin.providerHint")}
              </Text>
            </Stack>
          ) : null}
          {provider && development ? <Divider label={t("signin.development")} /> : null}
          {development ? <DevelopmentSignIn /> : null}
          {!provider && !development ? <Alert color="red">{t("signin.none")}</Alert> : null}
        </Stack>
      </Paper>
    </Center>
  );
}

function DevelopmentSignIn() {
  const { t } = useTranslation();
  const session = useSession();
  const [subject, setSubject] = useState("officer@example.org");
  const [displayName, setDisplayName] = useState("");
  const [roles, setRoles] = useState<string[]>([String(Role.CSU_OFFICER)]);
  const [initiatives, setInitiatives] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const coordinator = roles.includes(String(Role.COORDINATOR));

  return (
    <form
      aria-label={t("signin.development")}
      onSubmit={(event) => {
        event.preventDefault();
        setBusy(true);
        setProblem(null);
        session
          .signInForDevelopment({
            subject: subject.trim(),
            displayName: displayName.trim(),
            roles: signInRoles.filter((role) => roles.includes(String(role))),
            initiatives: coordinator
              ? initiatives
                  .split(/[\s,]+/)
                  .map((s) => s.trim())
                  .filter(Boolean)
              : [],
          })
          .catch((e: unknown) => {
            setProblem(problemOf(e));
          })
          .finally(() => {
            setBusy(false);
          });
      }}
    >
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          {t("signin.developmentHint")}
        </Text>
        <TextInput
          label={t("signin.subject")}
          description={t("signin.subjectHint")}
          value={subject}
          onChange={(e) => {
            setSubject(e.currentTarget.value);
          }}
          error={fieldMessage(problem, "subject")}
        />
        <TextInput
          label={t("signin.displayName")}
          value={displayName}
          onChange={(e) => {
            setDisplayName(e.currentTarget.value);
          }}
        />
        <Checkbox.Group label={t("signin.roles")} value={roles} onChange={setRoles} error={fieldMessage(problem, "roles")} withAsterisk>
          <Stack gap={6} mt={6}>
            {signInRoles.map((role) => (
              <Checkbox key={role} value={String(role)} label={t(roleKey(role))} />
            ))}
          </Stack>
        </Checkbox.Group>
        {coordinator ? (
          <Textarea
            label={t("signin.initiatives")}
            description={t("signin.initiativesHint")}
            value={initiatives}
            onChange={(e) => {
              setInitiatives(e.currentTarget.value);
            }}
            error={fieldMessage(problem, "initiatives")}
            autosize
            minRows={2}
          />
        ) : null}
        {problem !== null && Object.keys(problem.fields).length === 0 ? (
          <Alert color="red" role="alert">
            {t(`common:${problem.messageKey}`)}
          </Alert>
        ) : null}
        <Button type="submit" loading={busy} disabled={roles.length === 0}>
          {t("signin.submit")}
        </Button>
        {roles.length === 0 ? (
          <Text size="sm" c="red">
            {t("signin.rolesRequired")}
          </Text>
        ) : null}
      </Stack>
    </form>
  );
}
