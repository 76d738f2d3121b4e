// Moving an initiative along its lifecycle: only the moves its status allows are offered, each
// confirmed in a dialog with the date it took effect and a note (the reason, required, for a
// suspension). Completing lists the milestones still open: the contract asks that they be
// finished or dropped first.
import { useState } from "react";
import { Button, Group, List, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { create } from "@bufbuild/protobuf";
import { initiatives } from "../../api/initiatives";
import { fieldMessage, problemOf, type Problem } from "../../api/problem";
import type { Initiative } from "../../gen/engage/initiatives/v1/initiative_pb";
import type { Milestone } from "../../gen/engage/initiatives/v1/milestone_pb";
import { DateSchema } from "../../gen/engage/type/v1/types_pb";
import { PartnerModal, newRequestId } from "../partners/shared";
import { initiativeStatusKey, isOpen, noteRequired, parseDate, transitionsFrom, type Transition } from "./model";
import { Refusal, unmappedMessages } from "./Refusal";

export function LifecycleButtons({ initiative, milestones }: { initiative: Initiative; milestones: readonly Milestone[] }) {
  const { t } = useTranslation("initiatives");
  const [move, setMove] = useState<Transition | null>(null);
  const moves = transitionsFrom(initiative.status);
  if (moves.length === 0 || initiative.deleteTime !== undefined) return null;
  return (
    <>
      {moves.map((m) => (
        <Button key={m} variant={m === "suspend" ? "default" : "filled"} onClick={() => { setMove(m); }}>
          {t(`lifecycle.${m}.button`)}
        </Button>
      ))}
      <PartnerModal opened={move !== null} onClose={() => { setMove(null); }} title={move === null ? "" : t(`lifecycle.${move}.title`)}>
        {move !== null ? <MoveForm key={move} initiative={initiative} move={move} milestones={milestones} onClose={() => { setMove(null); }} /> : null}
      </PartnerModal>
    </>
  );
}

function MoveForm({ initiative, move, milestones, onClose }: { initiative: Initiative; move: Transition; milestones: readonly Milestone[]; onClose: () => void }) {
  const { t } = useTranslation("initiatives");
  const queryClient = useQueryClient();
  const [date, setDate] = useState("");
  const [note, setNote] = useState("");
  const [requestId] = useState(newRequestId);
  const [problem, setProblem] = useState<Problem | null>(null);
  const open = move === "complete" ? milestones.filter((m) => isOpen(m.status)) : [];
  const save = useMutation({
    mutationFn: async () => {
      const d = parseDate(date);
      const request = {
        name: initiative.name,
        etag: initiative.etag,
        effectiveDate: d === null ? undefined : create(DateSchema, d),
        note: note.trim(),
        requestId,
      };
      const c = initiatives();
      switch (move) {
        case "launch":
          return c.launchInitiative(request);
        case "activate":
          return c.activateInitiative(request);
        case "suspend":
          return c.suspendInitiative(request);
        case "resume":
          return c.resumeInitiative(request);
        case "complete":
          return c.completeInitiative(request);
      }
    },
    onMutate: () => {
      setProblem(null);
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["initiatives"] });
      onClose();
    },
    onError: (e) => {
      setProblem(problemOf(e));
    },
  });
  const required = noteRequired(move);
  return (
    <form
      aria-label={t(`lifecycle.${move}.title`)}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <Stack gap="sm">
        <Text size="sm">{t(`lifecycle.${move}.explain`, { from: t(initiativeStatusKey(initiative.status)) })}</Text>
        <Refusal problem={problem} unmapped={unmappedMessages(problem, (f) => f === "note" || f === "effective_date")} />
        {open.length > 0 ? (
          <div role="note">
            <Text size="sm" fw={600}>
              {t("lifecycle.complete.openMilestones", { count: open.length })}
            </Text>
            <List size="sm">
              {open.map((m) => (
                <List.Item key={m.name}>{m.title}</List.Item>
              ))}
            </List>
          </div>
        ) : null}
        <TextInput type="date" label={t("lifecycle.effectiveDate")} description={t("lifecycle.effectiveDateHint")} value={date} onChange={(e) => { setDate(e.currentTarget.value); }} error={fieldMessage(problem, "effective_date")} />
        <Textarea
          label={required ? t("lifecycle.reason") : t("lifecycle.note")}
          required={required}
          autosize
          minRows={2}
          value={note}
          onChange={(e) => { setNote(e.currentTarget.value); }}
          error={fieldMessage(problem, "note")}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t("common:action.cancel")}
          </Button>
          <Button type="submit" loading={save.isPending} disabled={open.length > 0}>
            {t(`lifecycle.${move}.confirm`)}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
