// The one data-fetching layer: TanStack Query over the generated clients. Failures that
// end the session are reported to the session once, wherever they happen.
import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { problemOf } from "./problem";

let onSignedOut: () => void = () => undefined;

/** The session registers what to do when a call says the token is no longer valid. */
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

function noticeSignedOut(error: unknown) {
  if (problemOf(error).kind === "signedOut") onSignedOut();
}

export const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: noticeSignedOut }),
  mutationCache: new MutationCache({ onError: noticeSignedOut }),
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      refetchOnWindowFocus: false,
      // A refusal or bad input will not change by asking again; a lost connection may.
      retry: (count, error) => count < 2 && ["unavailable", "rateLimited"].includes(problemOf(error).kind),
    },
    mutations: { retry: false },
  },
});
