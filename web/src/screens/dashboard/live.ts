// The dashboard's two live sources: the summary (WatchSummary for those who may watch it,
// GetSummary refetched on changes for coordinators) and the change feed (Subscribe). Both
// go through runResumable, which resumes them after a drop; the summary lands in TanStack
// Query's cache either way, so the page reads it with useQuery.
import { useCallback, useEffect, useRef, useState } from "react";
import { create } from "@bufbuild/protobuf";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { feeds } from "../../api/feeds";
import {
  SubscribeRequestSchema,
  WatchSummaryRequestSchema,
  type SubscribeResponse,
  type WatchSummaryResponse,
} from "../../gen/engage/feeds/v1/feeds_service_pb";
import { TopicSchema } from "../../gen/engage/feeds/v1/changes_pb";
import type { ChangeEvent } from "../../gen/engage/feeds/v1/changes_pb";
import type { DashboardSummary } from "../../gen/engage/feeds/v1/summary_pb";
import { activityOf, addActivity, type Activity } from "./activity";
import { runResumable, type ConnectionState } from "./resume";

/** Three default heartbeat intervals (15 s) without a message: the stream is dead. */
const idleTimeoutMs = 45_000;

export function summaryKey(session: string) {
  return ["feeds", "summary", session] as const;
}

/**
 * The current summary for `session` ("" for all). With `watch`, a WatchSummary stream
 * writes each snapshot into the query cache; without it, GetSummary is asked and asked
 * again by `refresh` (called when the change feed reports a change).
 */
export function useSummary(session: string, watch: boolean) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<ConnectionState>(watch ? "connecting" : "live");
  const [fatal, setFatal] = useState<unknown>(null);
  const [restart, setRestart] = useState(0);
  const query = useQuery({
    queryKey: summaryKey(session),
    queryFn: async ({ signal }) => {
      const response = await feeds().getSummary({ options: { conferenceSession: session } }, { signal });
      return response.summary ?? null;
    },
    enabled: !watch,
    staleTime: watch ? Infinity : 0,
  });

  useEffect(() => {
    if (!watch) return;
    const controller = new AbortController();
    const request = create(WatchSummaryRequestSchema, { options: { conferenceSession: session } });
    void runResumable<WatchSummaryResponse>({
      open: (_cursor, signal) => feeds().watchSummary(request, { signal }),
      onMessage: (message) => {
        if (message.payload.case === "summary") {
          queryClient.setQueryData<DashboardSummary | null>(summaryKey(session), message.payload.value);
        }
      },
      onState: setState,
      onFatal: setFatal,
      signal: controller.signal,
      idleTimeoutMs,
    });
    return () => {
      controller.abort();
    };
  }, [watch, session, queryClient, restart]);

  const refresh = useCallback(() => {
    if (watch) {
      setRestart((n) => n + 1);
    } else {
      void queryClient.invalidateQueries({ queryKey: ["feeds", "summary"] });
    }
  }, [watch, queryClient]);

  return {
    summary: query.data ?? null,
    state: watch ? state : query.isError ? "reconnecting" : query.data === undefined ? "connecting" : "live",
    error: watch ? fatal : query.error,
    refresh,
  } as const;
}

/** The topics a caller may follow: every service, or for coordinators contacts and initiatives. */
export function topicsFor(watch: boolean) {
  const services = watch ? ["contacts", "initiatives", "declarations", "briefings"] : ["contacts", "initiatives"];
  return services.map((service) => create(TopicSchema, { service, resourceType: "" }));
}

/**
 * The latest changes, newest first, resumed from the last cursor after a drop. `onChange`
 * hears each change once; `onExpired` hears that some could not be recovered.
 */
export function useActivity(watch: boolean, onChange: (change: ChangeEvent) => void, onExpired: () => void) {
  const [activities, setActivities] = useState<Activity[]>([]);
  const [state, setState] = useState<ConnectionState>("connecting");
  const [fatal, setFatal] = useState<unknown>(null);
  const [lost, setLost] = useState(false);
  const handlers = useRef({ onChange, onExpired });
  useEffect(() => {
    handlers.current = { onChange, onExpired };
  });

  useEffect(() => {
    const controller = new AbortController();
    const topics = topicsFor(watch);
    void runResumable<SubscribeResponse>({
      open: (cursor, signal) =>
        feeds().subscribe(
          create(SubscribeRequestSchema, { topics, start: cursor === null ? { case: undefined } : { case: "cursor", value: cursor } }),
          { signal },
        ),
      cursorOf: (m) => (m.payload.case === undefined ? null : m.payload.value.cursor || null),
      idOf: (m) => (m.payload.case === "change" ? m.payload.value.eventId || m.payload.value.cursor : null),
      onMessage: (m) => {
        if (m.payload.case !== "change") return;
        const change = m.payload.value;
        setActivities((list) => addActivity(list, activityOf(change)));
        handlers.current.onChange(change);
      },
      onState: setState,
      onFatal: setFatal,
      onExpired: () => {
        setLost(true);
        handlers.current.onExpired();
      },
      signal: controller.signal,
      idleTimeoutMs,
    });
    return () => {
      controller.abort();
    };
  }, [watch]);

  return { activities, state, error: fatal, lost } as const;
}
