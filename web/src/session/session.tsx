// Who is signed in, and the ways in and out: development sign-in under `engage dev`,
// OpenID Connect elsewhere. The caller comes from the gateway's GetCaller, so the console
// shows exactly what the gateway verified.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { create } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useQueryClient } from "@tanstack/react-query";
import { gateway } from "../api/gateway";
import { problemOf, type Problem } from "../api/problem";
import { whenSignedOut } from "../api/query";
import {
  CreateDevelopmentTokenRequestSchema,
  type GetCallerResponse,
  type GetConsoleSettingsResponse,
  type Role,
} from "../gen/engage/gateway/v1/gateway_pb";
import { abilitiesOf, none, type Abilities } from "./abilities";
import { oidcConfigured } from "./settings";
import { setToken } from "./token";

export interface Caller {
  subject: string;
  displayName: string;
  roles: Role[];
  initiatives: string[];
  expiresAt: Date | null;
}

export type SessionState =
  | { status: "loading" }
  | { status: "unreachable"; problem: Problem }
  | { status: "signedOut"; reason: "none" | "expired" | "signedOut" }
  | { status: "signedIn"; caller: Caller; method: "development" | "oidc" };

export interface DevelopmentSignIn {
  subject: string;
  displayName: string;
  roles: Role[];
  initiatives: string[];
}

interface SessionContextValue {
  state: SessionState;
  settings: GetConsoleSettingsResponse | null;
  abilities: Abilities;
  signInForDevelopment: (request: DevelopmentSignIn) => Promise<void>;
  signInWithProvider: (returnTo: string) => Promise<void>;
  completeProviderSignIn: () => Promise<string>;
  signOut: () => Promise<void>;
  retry: () => void;
}

const SessionContext = createContext<SessionContextValue | null>(null);

function callerOf(response: GetCallerResponse): Caller {
  return {
    subject: response.subject,
    displayName: response.displayName,
    roles: [...response.roles],
    initiatives: [...response.initiatives],
    expiresAt: response.expireTime ? timestampDate(response.expireTime) : null,
  };
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: "loading" });
  const [settings, setSettings] = useState<GetConsoleSettingsResponse | null>(null);
  const [attempt, setAttempt] = useState(0);
  const queryClient = useQueryClient();
  const expiryTimer = useRef<number | undefined>(undefined);

  useEffect(() => {
    let cancelled = false;
    gateway()
      .getConsoleSettings({})
      .then((s) => {
        if (cancelled) return;
        setSettings(s);
        setState((current) => (current.status === "loading" || current.status === "unreachable" ? { status: "signedOut", reason: "none" } : current));
      })
      .catch((e: unknown) => {
        if (!cancelled) setState({ status: "unreachable", problem: problemOf(e) });
      });
    return () => {
      cancelled = true;
    };
  }, [attempt]);

  const adopt = useCallback(
    async (token: string, method: "development" | "oidc") => {
      setToken(token);
      const caller = callerOf(await gateway().getCaller({}));
      queryClient.clear();
      window.clearTimeout(expiryTimer.current);
      if (caller.expiresAt !== null && method === "development") {
        const wait = caller.expiresAt.getTime() - Date.now();
        // Timers beyond ~24 days overflow; development tokens last 12 hours.
        if (wait < 2 ** 31 - 1) {
          expiryTimer.current = window.setTimeout(() => {
            setToken(null);
            setState({ status: "signedOut", reason: "expired" });
          }, Math.max(wait, 0));
        }
      }
      setState({ status: "signedIn", caller, method });
    },
    [queryClient],
  );

  // Renewed OIDC tokens replace the one in memory; a renewal that fails ends the session.
  useEffect(() => {
    if (settings === null || !oidcConfigured(settings)) return;
    let detach: () => void = () => undefined;
    void import("./oidc").then(({ userManager }) => {
    const manager = userManager(settings);
    const loaded = (user: { access_token: string }) => {
      setToken(user.access_token);
    };
    const failed = () => {
      setToken(null);
      setState({ status: "signedOut", reason: "expired" });
    };
    manager.events.addUserLoaded(loaded);
    manager.events.addSilentRenewError(failed);
    manager.events.addAccessTokenExpired(failed);
    detach = () => {
      manager.events.removeUserLoaded(loaded);
      manager.events.removeSilentRenewError(failed);
      manager.events.removeAccessTokenExpired(failed);
    };
    });
    return () => {
      detach();
    };
  }, [settings]);

  useEffect(() => {
    whenSignedOut(() => {
      setToken(null);
      setState((current) => (current.status === "signedIn" ? { status: "signedOut", reason: "expired" } : current));
    });
  }, []);

  const value = useMemo<SessionContextValue>(() => {
    const abilities = state.status === "signedIn" ? abilitiesOf(state.caller.roles) : none;
    return {
      state,
      settings,
      abilities,
      signInForDevelopment: async (request) => {
        const response = await gateway().createDevelopmentToken(create(CreateDevelopmentTokenRequestSchema, request));
        await adopt(response.token, "development");
      },
      signInWithProvider: async (returnTo) => {
        if (settings === null) return;
        const { startSignIn } = await import("./oidc");
        await startSignIn(settings, returnTo);
      },
      completeProviderSignIn: async () => {
        if (settings === null) throw new Error("settings not loaded");
        const { finishSignIn } = await import("./oidc");
        const { user, returnTo } = await finishSignIn(settings);
        await adopt(user.access_token, "oidc");
        return returnTo;
      },
      signOut: async () => {
        const method = state.status === "signedIn" ? state.method : null;
        setToken(null);
        window.clearTimeout(expiryTimer.current);
        queryClient.clear();
        setState({ status: "signedOut", reason: "signedOut" });
        if (method === "oidc" && settings !== null) {
          const { userManager } = await import("./oidc");
          const manager = userManager(settings);
          const user = await manager.getUser();
          await manager.removeUser();
          // Ends the provider's session too, where it offers an end-session endpoint.
          await manager.signoutRedirect({ id_token_hint: user?.id_token }).catch(() => undefined);
        }
      },
      retry: () => {
        setState({ status: "loading" });
        setAttempt((n) => n + 1);
      },
    };
  }, [state, settings, adopt, queryClient]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (value === null) throw new Error("useSession outside SessionProvider");
  return value;
}

/** The signed-in caller; only under screens that require sign-in. */
export function useCaller(): Caller {
  const { state } = useSession();
  if (state.status !== "signedIn") throw new Error("useCaller without a signed-in caller");
  return state.caller;
}

export function useAbilities(): Abilities {
  return useSession().abilities;
}
