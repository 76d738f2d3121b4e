// What the initiatives screens read, through TanStack Query over the initiatives client: one
// initiative, its whole roadmap (every page of milestones), the names of the partners and
// people it refers to, and who the caller is for these screens. Small pieces they all show.
import { useMemo, useSyncExternalStore, type ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Badge, Table } from "@mantine/core";
import { contacts } from "../../api/contacts";
import { initiatives } from "../../api/initiatives";
import { Role } from "../../gen/engage/gateway/v1/gateway_pb";
import type { Initiative, InitiativeStatus } from "../../gen/engage/initiatives/v1/initiative_pb";
import type { Milestone, MilestoneStatus } from "../../gen/engage/initiatives/v1/milestone_pb";
import { formatDate } from "../../format";
import { useCaller } from "../../session/session";
import { initiativeStatusKey, localDate, mayCoordinate, milestoneStatusKey, type CallerLike, type Ymd } from "./model";

/** The caller as these screens need it: officer or not, coordinator of which initiatives. */
export function useScope(): CallerLike {
  const caller = useCaller();
  return useMemo(
    () => ({
      officer: caller.roles.includes(Role.ADMIN) || caller.roles.includes(Role.CSU_OFFICER),
      coordinator: caller.roles.includes(Role.COORDINATOR),
      initiatives: caller.initiatives,
    }),
    [caller],
  );
}

/** Whether the caller may log progress and write milestones on `initiative`. */
export function useMayCoordinate(initiative: string): boolean {
  return mayCoordinate(useScope(), initiative);
}

export const initiativeKey = (name: string) => ["initiatives", "initiative", name] as const;
export const milestonesKey = (name: string) => ["initiatives", "milestones", name] as const;

export function useInitiative(name: string) {
  return useQuery({
    queryKey: initiativeKey(name),
    queryFn: async (): Promise<Initiative | null> => (await initiatives().getInitiative({ name })).initiative ?? null,
  });
}

/** Every live milestone of the initiative, in due order (all pages; roadmaps are short). */
export function useMilestones(name: string) {
  return useQuery({
    queryKey: milestonesKey(name),
    queryFn: async (): Promise<Milestone[]> => {
      const all: Milestone[] = [];
      let pageToken = "";
      do {
        const r = await initiatives().listMilestones({ parent: name, pageSize: 1000, pageToken, orderBy: "due_date" });
        all.push(...r.milestones);
        pageToken = r.nextPageToken;
      } while (pageToken !== "");
      return all;
    },
  });
}

/** Display names of organisations and people by resource name (unknown ones are left out). */
export function useDisplayNames(names: readonly string[]) {
  const organizations = [...new Set(names.filter((n) => n.startsWith("organizations/")))].sort();
  const people = [...new Set(names.filter((n) => n.startsWith("people/")))].sort();
  const query = useQuery({
    queryKey: ["contacts", "names", organizations, people],
    queryFn: async () => {
      const c = contacts();
      const [o, p] = await Promise.all([
        organizations.length > 0 ? c.batchGetOrganizations({ names: organizations }) : Promise.resolve({ organizations: [] }),
        people.length > 0 ? c.batchGetPeople({ names: people }) : Promise.resolve({ people: [] }),
      ]);
      return new Map<string, string>([...o.organizations.map((x) => [x.name, x.displayName] as const), ...p.people.map((x) => [x.name, x.displayName] as const)]);
    },
    enabled: organizations.length + people.length > 0,
    staleTime: 60_000,
  });
  const map = query.data;
  return (name: string) => map?.get(name) ?? name;
}

/** A calendar date in the reader's language. */
export const showDate = (d: Ymd | undefined) => localDate(d, formatDate);

const initiativeColors: Record<string, string> = {
  "status.proposed": "gray",
  "status.launched": "cyan",
  "status.active": "blue",
  "status.completed": "green",
  "status.suspended": "orange",
};

export function InitiativeStatusBadge({ status }: { status: InitiativeStatus }) {
  const { t } = useTranslation("initiatives");
  const key = initiativeStatusKey(status);
  if (key === "") return null;
  return (
    <Badge color={initiativeColors[key] ?? "gray"} variant="light" styles={{ label: { color: "var(--mantine-color-black)" } }}>
      {t(key)}
    </Badge>
  );
}

export function useMilestoneStatusLabel() {
  const { t } = useTranslation("initiatives");
  return (status: MilestoneStatus) => {
    const key = milestoneStatusKey(status);
    return key === "" ? "" : t(key);
  };
}

/** The page's writing direction, followed live (the language switch or anything else sets it). */
export function useDocumentDirection(): "ltr" | "rtl" {
  return useSyncExternalStore(
    (changed) => {
      const observer = new MutationObserver(changed);
      observer.observe(document.documentElement, { attributes: true, attributeFilter: ["dir"] });
      return () => {
        observer.disconnect();
      };
    },
    () => (document.documentElement.dir === "rtl" ? "rtl" : "ltr"),
  );
}

/**
 * A table that scrolls sideways on narrow screens inside a region of its own, reachable with
 * the keyboard (a scrolling region must take focus so it can be scrolled without a mouse).
 */
export function ScrollTable({ label, minWidth, children }: { label: string; minWidth: number; children: ReactNode }) {
  return (
    <Table.ScrollContainer type="native" minWidth={minWidth} tabIndex={0} role="region" aria-label={label}>
      {children}
    </Table.ScrollContainer>
  );
}
