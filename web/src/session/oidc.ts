// OpenID Connect sign-in: authorization code flow with PKCE against the provider the
// gateway trusts. The user (and so the access token) is kept in memory only; just the
// short-lived PKCE state crosses the redirect, in session storage, as the flow requires.
import { InMemoryWebStorage, UserManager, WebStorageStateStore, type User } from "oidc-client-ts";
import type { GetConsoleSettingsResponse } from "../gen/engage/gateway/v1/gateway_pb";

import { callbackPath } from "./settings";

let manager: UserManager | null = null;

export function userManager(settings: GetConsoleSettingsResponse): UserManager {
  if (manager === null) {
    const origin = window.location.origin;
    manager = new UserManager({
      authority: settings.oidcIssuer,
      client_id: settings.oidcClientId,
      redirect_uri: origin + callbackPath,
      post_logout_redirect_uri: origin + "/",
      response_type: "code",
      scope: settings.oidcScopes || "openid",
      userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
      stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
      // Renewed with the refresh token before the access token expires.
      automaticSilentRenew: true,
      accessTokenExpiringNotificationTimeInSeconds: 60,
      extraQueryParams: settings.oidcResource ? { resource: settings.oidcResource } : {},
      extraTokenParams: settings.oidcResource ? { resource: settings.oidcResource } : {},
    });
  }
  return manager;
}

export async function startSignIn(settings: GetConsoleSettingsResponse, returnTo: string): Promise<void> {
  await userManager(settings).signinRedirect({ state: { returnTo } });
}

export async function finishSignIn(settings: GetConsoleSettingsResponse): Promise<{ user: User; returnTo: string }> {
  const user = await userManager(settings).signinRedirectCallback();
  const state = user.state as { returnTo?: unknown } | undefined;
  const returnTo = typeof state?.returnTo === "string" && state.returnTo.startsWith("/") ? state.returnTo : "/";
  return { user, returnTo };
}
