// Pieces of a record page: the fields as a description list, and the delete / restore
// controls for writers.
import { useState, type ReactNode } from "react";
import { Button, Group, SimpleGrid, Stack, Text } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { PartnerModal } from "../partners/shared";
import { ProblemAlert } from "../../components/ProblemAlert";

export function Details({ rows }: { rows: [string, ReactNode][] }) {
  const { t } = useTranslation("partners");
  return (
    <SimpleGrid component="dl" cols={{ base: 1, sm: 2 }} spacing="xs" verticalSpacing="xs" m={0}>
      {rows.map(([label, value]) => (
        <div key={label}>
          <Text component="dt" size="xs" c="gray.7">
            {label}
          </Text>
          <Text component="dd" m={0} style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
            {value === "" || value === null || value === undefined ? t("record.none") : value}
          </Text>
        </div>
      ))}
    </SimpleGrid>
  );
}

/** Delete (with a confirmation naming the record) or restore a soft-deleted one. */
export function DeleteRestore({
  displayName,
  deleted,
  onDelete,
  onRestore,
}: {
  displayName: string;
  deleted: boolean;
  onDelete: () => Promise<unknown>;
  onRestore: () => Promise<unknown>;
}) {
  const { t } = useTranslation("partners");
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const done = () => {
    setConfirming(false);
    void queryClient.invalidateQueries({ queryKey: ["contacts"] });
  };
  const remove = useMutation({ mutationFn: onDelete, onSuccess: done });
  const restore = useMutation({ mutationFn: onRestore, onSuccess: done });
  return (
    <>
      {deleted ? (
        <Button variant="default" onClick={() => { restore.mutate(); }} loading={restore.isPending}>
          {t("common:action.undelete")}
        </Button>
      ) : (
        <Button variant="default" color="red" onClick={() => { remove.reset(); setConfirming(true); }}>
          {t("common:action.delete")}
        </Button>
      )}
      <ProblemAlert error={restore.error} />
      <PartnerModal opened={confirming} onClose={() => { setConfirming(false); }} title={t("delete.title", { name: displayName })}>
        <Stack>
          <Text>{t("delete.body", { name: displayName })}</Text>
          <ProblemAlert error={remove.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => { setConfirming(false); }}>
              {t("common:action.cancel")}
            </Button>
            <Button color="red" onClick={() => { remove.mutate(); }} loading={remove.isPending}>
              {t("common:action.delete")}
            </Button>
          </Group>
        </Stack>
      </PartnerModal>
    </>
  );
}
