// Check-in at the door, made for a phone: the badge code typed (any case, with or without the
// hyphen) or read by the camera, then one large answer, also spoken by screen readers: who, and
// checked in, or refused with the reason in words. The CheckIn call is the first and only call
// made for a code, so the answer comes as fast as the service gives it; only a refusal is
// followed by a look-up of whose badge it was.
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from "react";
import { Anchor, Button, Loader, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "wouter";
import { briefings } from "../../api/briefings";
import { problemOf } from "../../api/problem";
import { formatNumber } from "../../format";
import type { Registration } from "../../gen/engage/briefings/v1/resources_pb";
import { admitted, checkInRefusal, formatBadgeCode, normalizeBadgeCode, seatsTaken, type CheckInOutcome } from "./model";
import { useDesk, useEvent } from "./shared";
import { formatInZone } from "./times";

const Scanner = lazy(() => import("./Scanner"));

interface Answer {
  /** Increases with every code, so a late look-up never names the wrong person. */
  seq: number;
  outcome: CheckInOutcome;
  /** The code as understood (normalised), or as typed when it cannot be one. */
  code: string;
  name: string;
  organization: string;
  waitlistPosition: number;
  checkInTime: Date | null;
}

const tone: Record<"ok" | "already" | "refused", { bg: string; border: string }> = {
  ok: { bg: "var(--mantine-color-green-1)", border: "var(--mantine-color-green-8)" },
  already: { bg: "var(--mantine-color-yellow-1)", border: "var(--mantine-color-yellow-8)" },
  refused: { bg: "var(--mantine-color-red-1)", border: "var(--mantine-color-red-8)" },
};

export default function CheckInPage() {
  const { t, i18n } = useTranslation("events");
  const { id } = useParams<{ id: string }>();
  const eventName = `events/${id}`;
  const queryClient = useQueryClient();
  const event = useEvent(eventName);
  const desk = useDesk(event.data);
  const [typed, setTyped] = useState("");
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [scanning, setScanning] = useState(false);
  const [history, setHistory] = useState<Answer[]>([]);
  const seq = useRef(0);
  const input = useRef<HTMLInputElement>(null);

  const show = useCallback((a: Answer) => {
    setAnswer((current) => (current === null || current.seq <= a.seq ? a : current));
    setHistory((h) => [a, ...h.filter((x) => x.seq !== a.seq)].slice(0, 8));
  }, []);

  // After a refusal, whose badge was it (and where on the waitlist)? Asked after the answer is shown.
  const lookUp = useCallback(
    async (a: Answer) => {
      try {
        const r = await briefings().listRegistrations({ parent: eventName, filter: `badge_code = "${a.code}"`, pageSize: 1 });
        const found: Registration | undefined = r.registrations[0];
        if (found !== undefined) {
          show({ ...a, name: found.participant?.displayName ?? "", organization: found.participant?.organizationDisplayName ?? "", waitlistPosition: found.waitlistPosition });
        }
      } catch {
        // The answer stands without the name.
      }
    },
    [eventName, show],
  );

  const checkIn = useMutation({
    mutationFn: ({ code }: { code: string; seq: number }) => briefings().checkIn({ target: { case: "badge", value: { event: eventName, code } } }),
    onSuccess: (response, { code, seq: n }) => {
      const r = response.registration;
      show({
        seq: n,
        outcome: response.alreadyCheckedIn ? "alreadyCheckedIn" : "checkedIn",
        code,
        name: r?.participant?.displayName ?? "",
        organization: r?.participant?.organizationDisplayName ?? "",
        waitlistPosition: 0,
        checkInTime: r?.checkInTime ? timestampDate(r.checkInTime) : null,
      });
      void queryClient.invalidateQueries({ queryKey: ["briefings", "events", "get", eventName] });
      void queryClient.invalidateQueries({ queryKey: ["briefings", "registrations", eventName] });
    },
    onError: (error, { code, seq: n }) => {
      const outcome = checkInRefusal(problemOf(error));
      const a: Answer = { seq: n, outcome, code, name: "", organization: "", waitlistPosition: 0, checkInTime: null };
      show(a);
      if (outcome === "waitlisted" || outcome === "cancelled") void lookUp(a);
    },
  });

  const submit = useCallback(
    (text: string) => {
      const n = ++seq.current;
      const code = normalizeBadgeCode(text);
      if (code === null) {
        show({ seq: n, outcome: "notACode", code: text.trim(), name: "", organization: "", waitlistPosition: 0, checkInTime: null });
      } else {
        checkIn.mutate({ code, seq: n });
      }
      setTyped("");
      input.current?.focus();
    },
    [checkIn, show],
  );

  useEffect(() => {
    input.current?.focus();
  }, []);

  const e = event.data;
  const counts = e?.registrationCounts;
  return (
    <Stack gap="md" maw={560} mx="auto">
      <Anchor component={Link} href={`/events/${id}`} size="sm">
        {t("checkIn.back")}
      </Anchor>
      <div>
        <Title order={1}>{t("checkIn.title")}</Title>
        {e ? <Text c="gray.7">{e.title}</Text> : null}
        {e && counts ? (
          <Text size="sm" c="gray.7" aria-live="off">
            {t("checkIn.counts", { attended: formatNumber(counts.attended), seats: formatNumber(seatsTaken(counts)) })}
          </Text>
        ) : null}
      </div>
      {e && !desk ? <Text c="red.8">{t("checkIn.notDesk")}</Text> : null}
      <form
        aria-label={t("checkIn.formLabel")}
        onSubmit={(ev) => {
          ev.preventDefault();
          if (typed.trim() !== "") submit(typed);
        }}
      >
        <Stack gap="sm">
          <TextInput
            ref={input}
            label={t("checkIn.code")}
            description={t("checkIn.codeHint")}
            value={typed}
            onChange={(ev) => {
              setTyped(ev.currentTarget.value);
            }}
            size="xl"
            autoComplete="off"
            autoCorrect="off"
            autoCapitalize="characters"
            spellCheck={false}
            enterKeyHint="go"
            styles={{ input: { fontFamily: "monospace", letterSpacing: "0.08em" }, description: { fontSize: "var(--mantine-font-size-sm)" } }}
          />
          <Button type="submit" size="xl" fullWidth loading={checkIn.isPending}>
            {t("checkIn.submit")}
          </Button>
        </Stack>
      </form>
      {scanning ? (
        <Suspense fallback={<Loader aria-label={t("scan.starting")} />}>
          <Scanner
            onCode={submit}
            onStop={() => {
              setScanning(false);
            }}
          />
        </Suspense>
      ) : (
        <Button variant="default" size="lg" onClick={() => { setScanning(true); }}>
          {t("scan.start")}
        </Button>
      )}
      <div role="status" aria-live="assertive" aria-atomic="true" data-testid="check-in-answer">
        {answer !== null ? <AnswerPanel answer={answer} zone={e?.timeZone ?? ""} language={i18n.language} /> : null}
      </div>
      {history.length > 1 ? (
        <section aria-labelledby="recent-title">
          <Title order={2} size="h4" id="recent-title">
            {t("checkIn.recent")}
          </Title>
          <Stack gap={2} component="ul" p={0} m={0} style={{ listStyle: "none" }}>
            {history.slice(1).map((a) => (
              <Text component="li" size="sm" key={a.seq}>
                {[formatBadgeCode(a.code), a.name, t(`checkIn.short.${a.outcome}`)].filter(Boolean).join(" · ")}
              </Text>
            ))}
          </Stack>
        </section>
      ) : null}
    </Stack>
  );
}

function AnswerPanel({ answer: a, zone, language }: { answer: Answer; zone: string; language: string }) {
  const { t } = useTranslation("events");
  const kind = a.outcome === "checkedIn" ? "ok" : a.outcome === "alreadyCheckedIn" ? "already" : "refused";
  const colours = tone[kind];
  return (
    <Paper p="lg" radius="md" style={{ background: colours.bg, borderInlineStart: `0.5rem solid ${colours.border}` }}>
      <Text fz={{ base: 28, sm: 34 }} fw={800} lh={1.15} c="black">
        {admitted(a.outcome) ? t(`checkIn.answer.${a.outcome}`) : t("checkIn.answer.refused")}
      </Text>
      {a.name !== "" ? (
        <Text fz={{ base: 24, sm: 28 }} fw={700} c="black" mt={4}>
          {a.name}
        </Text>
      ) : null}
      {a.organization !== "" ? (
        <Text fz="lg" c="black">
          {a.organization}
        </Text>
      ) : null}
      {!admitted(a.outcome) ? (
        <Text fz="xl" fw={600} c="black" mt="xs">
          {t(`checkIn.reason.${a.outcome}`)}
        </Text>
      ) : null}
      {a.outcome === "waitlisted" && a.waitlistPosition > 0 ? (
        <Text fz="lg" c="black">
          {t("checkIn.position", { position: formatNumber(a.waitlistPosition) })}
        </Text>
      ) : null}
      {a.outcome === "alreadyCheckedIn" && a.checkInTime !== null ? (
        <Text fz="lg" c="black" mt="xs">
          {t("checkIn.since", { time: formatInZone(a.checkInTime, zone, language, "time") })}
        </Text>
      ) : null}
      <Text size="sm" c="black" mt="xs" style={{ fontFamily: "monospace" }}>
        {t("checkIn.codeWas", { code: formatBadgeCode(a.code) })}
      </Text>
    </Paper>
  );
}
