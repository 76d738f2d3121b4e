// Where the identity provider sends the browser back with the authorization code.
import { useEffect, useRef, useState } from "react";
import { Alert, Button, Center, Loader, Stack, Text } from "@mantine/core";
import { useLocation } from "wouter";
import { useTranslation } from "react-i18next";
import { useSession } from "../../session/session";

export function SignInCallback() {
  const { t } = useTranslation();
  const session = useSession();
  const [, navigate] = useLocation();
  const [failure, setFailure] = useState<string | null>(null);
  const started = useRef(false);
  const ready = session.settings !== null;

  useEffect(() => {
    // The code can be exchanged once only, also under StrictMode's double effects.
    if (!ready || started.current) return;
    started.current = true;
    session
      .completeProviderSignIn()
      .then((returnTo) => {
        navigate(returnTo, { replace: true });
      })
      .catch((e: unknown) => {
        setFailure(e instanceof Error ? e.message : String(e));
      });
  }, [ready, session, navigate]);

  return (
    <Center mih="100vh" p="md" component="main">
      {failure === null ? (
        <Stack align="center">
          <Loader aria-label={t("signin.completing")} />
          <Text>{t("signin.completing")}</Text>
        </Stack>
      ) : (
        <Alert color="red" role="alert" maw={480}>
          <Text>{t("signin.failed", { detail: failure })}</Text>
          <Button mt="sm" onClick={() => {
            navigate("/", { replace: true });
          }}>
            {t("signin.submit")}
          </Button>
        </Alert>
      )}
    </Center>
  );
}
