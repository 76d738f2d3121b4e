import type { GetConsoleSettingsResponse } from "../gen/engage/gateway/v1/gateway_pb";

/** Whether the gateway names an OpenID provider for the console's sign-in. */
export function oidcConfigured(settings: GetConsoleSettingsResponse): boolean {
  return settings.oidcIssuer !== "" && settings.oidcClientId !== "";
}

/** Where the identity provider sends the browser back after sign-in. */
export const callbackPath = "/signin/callback";
