import { DirectionProvider, MantineProvider, createTheme } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { QueryClientProvider } from "@tanstack/react-query";
import { Route, Switch } from "wouter";
import { useTranslation } from "react-i18next";
import { queryClient } from "../api/query";
import { SessionProvider } from "../session/session";
import { SignInCallback } from "../screens/signin/SignInCallback";
import { callbackPath } from "../session/settings";
import { Shell } from "./Shell";

const theme = createTheme({
  primaryColor: "blue",
  // Darker shades keep text on primary buttons above WCAG AA contrast.
  primaryShade: 8,
  defaultRadius: "sm",
});

export function App() {
  const { i18n } = useTranslation();
  return (
    <DirectionProvider initialDirection={i18n.dir(i18n.language)} detectDirection>
      <MantineProvider theme={theme}>
        <Notifications position="top-right" />
        <QueryClientProvider client={queryClient}>
          <SessionProvider>
            <Switch>
              <Route path={callbackPath} component={SignInCallback} />
              <Route component={Shell} />
            </Switch>
          </SessionProvider>
        </QueryClientProvider>
      </MantineProvider>
    </DirectionProvider>
  );
}
