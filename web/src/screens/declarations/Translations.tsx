// A declaration's other languages: listed for everyone; officers add a language (also once the
// declaration is open), and change or remove one while it is a draft, as the service allows.
// Each write sends all the translations back (UpdateDeclaration replaces the list), the others
// unchanged, with the etag read.
import { useState } from "react";
import { Alert, Button, Group, Modal, Stack, Table, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { declarations } from "../../api/declarations";
import { problemOf, type Problem } from "../../api/problem";
import { DeclarationStatus, type Declaration } from "../../gen/engage/declarations/v1/declaration_pb";
import { useAbilities } from "../../session/session";
import { translationActions, translationOf, translationsAfter, translationValues, translationViolations, type TranslationValues } from "./model";
import { keys, RefusalAlert, useLabels } from "./shared";

/** Saves the declaration's translations after one change and refreshes the page. */
function useSaveTranslations(d: Declaration, onDone: () => void) {
  const queryClient = useQueryClient();
  const [problem, setProblem] = useState<Problem | null>(null);
  const save = useMutation({
    mutationFn: async (change: { index: number | null; next: TranslationValues | null }) => {
      const translations = translationsAfter(d.translations, change.index, change.next === null ? null : translationOf(change.next));
      return (await declarations().updateDeclaration({ declaration: { name: d.name, etag: d.etag, translations }, updateMask: { paths: ["translations"] } })).declaration;
    },
    onMutate: () => {
      setProblem(null);
    },
    onSuccess: (saved) => {
      if (saved !== undefined) queryClient.setQueryData(keys.declaration(d.name), saved);
      void queryClient.invalidateQueries({ queryKey: keys.all(d.name) });
      onDone();
    },
    onError: (e) => {
      setProblem(problemOf(e));
    },
  });
  return { save, problem };
}

export function Translations({ declaration: d }: { declaration: Declaration }) {
  const { t } = useTranslation("declarations");
  const labels = useLabels();
  const can = useAbilities();
  const allowed = translationActions(d, can.write);
  const narrow = useMediaQuery("(max-width: 36em)");
  // The translation edited: its index, "new" for an added one, null when none.
  const [editing, setEditing] = useState<number | "new" | null>(null);
  const [removing, setRemoving] = useState<number | null>(null);
  const remove = useSaveTranslations(d, () => {
    setRemoving(null);
  });
  const removed = removing === null ? undefined : d.translations[removing];

  return (
    <section aria-labelledby="translations-heading">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h3" id="translations-heading">
          {t("translations.title")}
        </Title>
        {allowed.add ? (
          <Button
            size="xs"
            variant="default"
            onClick={() => {
              setEditing("new");
            }}
          >
            {t("translations.add")}
          </Button>
        ) : null}
      </Group>
      {d.translations.length === 0 ? (
        <Text c="gray.7">{t("translations.none")}</Text>
      ) : (
        <Table.ScrollContainer minWidth={480}>
          <Table striped aria-labelledby="translations-heading">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("field.language_code")}</Table.Th>
                <Table.Th scope="col">{t("field.title")}</Table.Th>
                <Table.Th scope="col">{t("translations.areas")}</Table.Th>
                {allowed.change ? <Table.Th scope="col">{t("translations.actions")}</Table.Th> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {d.translations.map((x, i) => (
                <Table.Tr key={x.languageCode}>
                  <Table.Th scope="row" fw={500}>
                    {labels.language(x.languageCode)}
                  </Table.Th>
                  <Table.Td lang={x.languageCode}>{x.title}</Table.Td>
                  <Table.Td>{t("translations.areasCount", { done: x.areas.length, total: d.areas.length })}</Table.Td>
                  {allowed.change ? (
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        <Button
                          size="xs"
                          variant="default"
                          aria-label={t("translations.editOne", { language: labels.language(x.languageCode) })}
                          onClick={() => {
                            setEditing(i);
                          }}
                        >
                          {t("common:action.edit")}
                        </Button>
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          aria-label={t("translations.removeOne", { language: labels.language(x.languageCode) })}
                          onClick={() => {
                            remove.save.reset();
                            setRemoving(i);
                          }}
                        >
                          {t("translations.remove")}
                        </Button>
                      </Group>
                    </Table.Td>
                  ) : null}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Modal
        opened={editing !== null}
        onClose={() => {
          setEditing(null);
        }}
        title={editing === "new" ? t("translations.add") : t("translations.edit")}
        size="xl"
        fullScreen={narrow}
        closeButtonProps={{ "aria-label": t("common:action.close") }}
      >
        {editing !== null ? (
          <TranslationForm
            declaration={d}
            index={editing === "new" ? null : editing}
            onDone={() => {
              setEditing(null);
            }}
          />
        ) : null}
      </Modal>
      <Modal
        opened={removed !== undefined}
        onClose={() => {
          setRemoving(null);
        }}
        title={t("translations.removeTitle", { language: labels.language(removed?.languageCode ?? "") })}
        closeButtonProps={{ "aria-label": t("common:action.close") }}
      >
        <Stack>
          <RefusalAlert error={remove.save.error} />
          <Group justify="flex-end">
            <Button
              variant="default"
              onClick={() => {
                setRemoving(null);
              }}
            >
              {t("common:action.cancel")}
            </Button>
            <Button
              color="red"
              loading={remove.save.isPending}
              onClick={() => {
                remove.save.mutate({ index: removing, next: null });
              }}
            >
              {t("translations.remove")}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </section>
  );
}

function TranslationForm({ declaration: d, index, onDone }: { declaration: Declaration; index: number | null; onDone: () => void }) {
  const { t } = useTranslation("declarations");
  const labels = useLabels();
  const [values, setValues] = useState<TranslationValues>(() => translationValues(index === null ? undefined : d.translations[index], d.areas));
  const { save, problem } = useSaveTranslations(d, onDone);
  // Where the edited translation sits in the list sent: its index, or the end for a new one.
  const sentAt = index ?? d.translations.length;
  const messages = problem === null ? {} : translationViolations(problem.fields, sentAt, translationOf(values));
  const setArea = (areaId: string, change: { title?: string; description?: string }) => {
    setValues((v) => ({ ...v, areas: v.areas.map((a) => (a.areaId === areaId ? { ...a, ...change } : a)) }));
  };
  return (
    <form
      aria-label={index === null ? t("translations.add") : t("translations.edit")}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ index, next: values });
      }}
    >
      <Stack gap="sm">
        {problem !== null && problem.kind === "invalid" ? (
          <Alert color="yellow" role="alert">
            <Text size="sm">{t("common:problem.invalid")}</Text>
            {messages.form ? <Text size="sm">{messages.form}</Text> : null}
          </Alert>
        ) : (
          <RefusalAlert error={save.error} />
        )}
        {d.status !== DeclarationStatus.DRAFT ? <Text size="sm">{t("translations.openNote")}</Text> : null}
        <TextInput
          label={t("field.language_code")}
          description={values.languageCode.trim() !== "" ? labels.language(values.languageCode.trim()) : t("field.languageHint")}
          required
          maxLength={35}
          value={values.languageCode}
          onChange={(e) => {
            const languageCode = e.currentTarget.value;
            setValues((v) => ({ ...v, languageCode }));
          }}
          error={messages.language_code}
          autoComplete="off"
        />
        <TextInput
          label={t("field.title")}
          required
          maxLength={300}
          value={values.title}
          onChange={(e) => {
            const title = e.currentTarget.value;
            setValues((v) => ({ ...v, title }));
          }}
          error={messages.title}
        />
        <Textarea
          label={t("field.text")}
          required
          autosize
          minRows={4}
          maxRows={14}
          value={values.text}
          onChange={(e) => {
            const text = e.currentTarget.value;
            setValues((v) => ({ ...v, text }));
          }}
          error={messages.text}
        />
        {d.areas.map((a) => {
          const row = values.areas.find((x) => x.areaId === a.id);
          return (
            <Stack key={a.id} gap={4}>
              <TextInput
                label={t("translations.areaTitle", { title: a.title })}
                maxLength={200}
                value={row?.title ?? ""}
                onChange={(e) => {
                  setArea(a.id, { title: e.currentTarget.value });
                }}
                error={messages[`areas.${a.id}.title`]}
              />
              <Textarea
                label={t("translations.areaDescription", { title: a.title })}
                autosize
                minRows={1}
                maxRows={4}
                value={row?.description ?? ""}
                onChange={(e) => {
                  setArea(a.id, { description: e.currentTarget.value });
                }}
                error={messages[`areas.${a.id}.description`]}
              />
            </Stack>
          );
        })}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            {t("common:action.cancel")}
          </Button>
          <Button type="submit" loading={save.isPending}>
            {t("common:action.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
