// The frame around every screen: navigation by what the caller may do, who is signed in,
// the language, and sign-out. Screens render in <main>; without a session, sign-in does.
import { Alert, AppShell, Burger, Button, Center, Group, Loader, NavLink, Select, Stack, Text, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { Link, useLocation, useSearch } from "wouter";
import { Screens } from "./routes";
import { useTranslation } from "react-i18next";
import { languages } from "../i18n";
import { useSession } from "../session/session";
import { roleKey } from "../session/abilities";
import { SignInPage } from "../screens/signin/SignInPage";
import { problemText } from "../components/ProblemAlert";

const languageNames: Record<string, string> = { en: "English", fr: "Français", es: "Español" };

const activeLinkHover = () => ({ root: { "--nl-hover": "var(--mantine-color-blue-1)" }, children: {} });

export function Shell() {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const [opened, { toggle, close }] = useDisclosure();
  const [location] = useLocation();
  const search = useSearch();

  if (session.state.status === "loading") {
    return (
      <Center h="100vh">
        <Loader aria-label={t("app.loading")} />
      </Center>
    );
  }
  if (session.state.status === "unreachable") {
    return (
      <Center h="100vh" p="md">
        <Alert color="red" role="alert" title={t("app.name")} maw={480}>
          <Text>{t("session.unreachable")}</Text>
          <Text size="xs" c="dimmed">
            {problemText(t, session.state.problem)}
          </Text>
          <Button mt="sm" onClick={session.retry}>
            {t("session.tryAgain")}
          </Button>
        </Alert>
      </Center>
    );
  }
  if (session.state.status === "signedOut") {
    return <SignInPage reason={session.state.reason} returnTo={location + (search ? `?${search}` : "")} />;
  }

  const { caller } = session.state;
  const can = session.abilities;
  const links = [
    { to: "/", label: t("nav.dashboard"), show: can.read, end: true },
    { to: "/organizations", label: t("nav.organizations"), show: can.read },
    { to: "/people", label: t("nav.people"), show: can.read },
    // Coordinators see the initiatives their token assigns them; officers see all.
    { to: "/initiatives", label: can.coordinate && !can.write ? t("nav.my_initiatives") : t("nav.initiatives"), show: can.read },
    { to: "/declarations", label: t("nav.declarations"), show: can.read },
    { to: "/events", label: t("nav.events"), show: can.read },
    { to: "/duplicates", label: t("nav.duplicates"), show: can.merge },
    { to: "/import", label: t("nav.import"), show: can.write },
    { to: "/export", label: t("nav.export"), show: can.export },
  ];

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: "sm", collapsed: { mobile: !opened } }} padding="md">
      <a className="skip-link" href="#main">
        {t("app.skipToContent")}
      </a>
      <AppShell.Header className="no-print">
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group wrap="nowrap" gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t("app.menu")} />
            <Title order={2} size="h4">
              {t("app.name")}
            </Title>
            <Text size="sm" c="dimmed" visibleFrom="md">
              {t("app.tagline")}
            </Text>
          </Group>
          <Group wrap="nowrap" gap="sm">
            <Text size="sm" visibleFrom="sm" data-testid="signed-in-as" title={t("session.roles", { roles: caller.roles.map((r) => t(roleKey(r))).join(", ") })}>
              {t("session.signedInAs", { name: caller.displayName || caller.subject })}
            </Text>
            <Select
              aria-label={t("app.language")}
              data={languages.map((l) => ({ value: l, label: languageNames[l] ?? l }))}
              value={i18n.language}
              onChange={(value) => {
                if (value !== null) void i18n.changeLanguage(value);
              }}
              allowDeselect={false}
              w={120}
              size="xs"
            />
            <Button size="xs" variant="default" onClick={() => void session.signOut()}>
              {t("session.signOut")}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" className="no-print" component="nav" aria-label={t("nav.main")}>
        <Stack gap={2}>
          {links
            .filter((l) => l.show)
            .map((l) => (
              <NavLink
                key={l.to}
                component={Link}
                href={l.to}
                label={l.label}
                active={l.end ? location === l.to : location.startsWith(l.to)}
                aria-current={(l.end ? location === l.to : location.startsWith(l.to)) ? "page" : undefined}
                onClick={close}
                // The active link under the pointer keeps AA contrast (its text on blue.1).
                vars={activeLinkHover}
              />
            ))}
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <Screens />
      </AppShell.Main>
    </AppShell>
  );
}
