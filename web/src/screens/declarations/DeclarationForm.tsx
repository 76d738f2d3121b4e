// Creating a declaration (a first one, or the next version of another) and editing it as the
// service allows: everything while it is a draft; once open only the planned close date, the
// text being frozen. Each violation goes on its input; a create carries one request_id per
// opening, so a double click never creates two; an edit sends the changed fields with the etag.
import { useEffect, useRef, useState } from "react";
import { ActionIcon, Alert, Button, Fieldset, Group, Select, SimpleGrid, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { declarations } from "../../api/declarations";
import { problemOf, type Problem } from "../../api/problem";
import { DeclarationStatus, type Declaration } from "../../gen/engage/declarations/v1/declaration_pb";
import { ThematicAreaSchema } from "../../gen/engage/type/v1/types_pb";
import { enumName, enumNumber } from "../partners/model";
import { newRequestId } from "../partners/shared";
import { areaIdOf, areasOf, changedPaths, declarationValues, emptyArea, plannedCloseOf, violationsOfForm, type AreaValues, type DeclarationValues } from "./model";
import { enumOptions, keys, RefusalAlert, useLabels } from "./shared";

const thematicNumber = (name: string) => enumNumber(ThematicAreaSchema, name);
const thematicName = (n: number) => enumName(ThematicAreaSchema, n);

export function DeclarationForm({
  declaration,
  previous,
  onDone,
  onCancel,
}: {
  /** The declaration edited; none to create one. */
  declaration?: Declaration;
  /** For a new version: the declaration it replaces, whose text and areas it starts from. */
  previous?: Declaration;
  onDone: (saved: Declaration) => void;
  onCancel: () => void;
}) {
  const { t, i18n } = useTranslation("declarations");
  const labels = useLabels();
  const queryClient = useQueryClient();
  const [requestId] = useState(newRequestId);
  const [base] = useState<DeclarationValues>(() => declarationValues(declaration ?? previous, thematicName, i18n.language));
  const [values, setValues] = useState<DeclarationValues>(base);
  const [problem, setProblem] = useState<Problem | null>(null);
  const creating = declaration === undefined;
  // Once open, only the planned close date may change (DECLARATION_TEXT_FROZEN otherwise).
  const frozen = declaration !== undefined && declaration.status !== DeclarationStatus.DRAFT;
  const notice = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (problem !== null) {
      notice.current?.scrollIntoView({ block: "start" });
      notice.current?.focus();
    }
  }, [problem]);

  const save = useMutation({
    mutationFn: async (): Promise<Declaration | undefined> => {
      const d = {
        title: values.title.trim(),
        text: values.text,
        languageCode: values.languageCode.trim(),
        areas: areasOf(values, thematicNumber),
        plannedCloseDate: plannedCloseOf(values),
      };
      if (declaration === undefined) {
        return (await declarations().createDeclaration({ declaration: { ...d, previousVersion: previous?.name ?? "" }, requestId })).declaration;
      }
      const paths = changedPaths(base, values, thematicNumber);
      if (paths.length === 0) return declaration;
      return (await declarations().updateDeclaration({ declaration: { ...d, name: declaration.name, etag: declaration.etag }, updateMask: { paths } })).declaration;
    },
    onMutate: () => {
      setProblem(null);
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: keys.lists });
      if (saved !== undefined) {
        void queryClient.invalidateQueries({ queryKey: keys.all(saved.name) });
        onDone(saved);
      }
    },
    onError: (e) => {
      setProblem(problemOf(e));
    },
  });

  const messages = violationsOfForm(problem?.fields ?? {});
  const set = (change: Partial<DeclarationValues>) => {
    setValues((v) => ({ ...v, ...change }));
  };
  const setArea = (index: number, change: Partial<AreaValues>) => {
    setValues((v) => ({ ...v, areas: v.areas.map((a, i) => (i === index ? { ...a, ...change } : a)) }));
  };
  const moveArea = (index: number, by: number) => {
    setValues((v) => {
      const areas = [...v.areas];
      const [moved] = areas.splice(index, 1);
      if (moved !== undefined) areas.splice(index + by, 0, moved);
      return { ...v, areas };
    });
  };
  const thematicOptions = enumOptions(ThematicAreaSchema, labels.thematic);
  const formName = creating ? (previous ? t("form.newVersion", { version: previous.version + 1 }) : t("form.create")) : t("form.edit");

  return (
    <form
      aria-label={formName}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <Stack gap="sm">
        <div ref={notice} tabIndex={-1} style={{ outline: "none", scrollMarginTop: "5rem" }}>
          {problem !== null && problem.kind === "invalid" ? (
            <Alert color="yellow" role="alert">
              <Text size="sm">{t("common:problem.invalid")}</Text>
              {messages.form ? <Text size="sm">{messages.form}</Text> : null}
            </Alert>
          ) : (
            <RefusalAlert error={save.error} />
          )}
        </div>
        {frozen ? <Text size="sm">{t("form.frozen")}</Text> : null}
        {previous ? <Text size="sm">{t("form.newVersionIntro", { title: previous.title, version: previous.version })}</Text> : null}
        <TextInput
          label={t("field.title")}
          required
          disabled={frozen}
          value={values.title}
          maxLength={300}
          onChange={(e) => {
            set({ title: e.currentTarget.value });
          }}
          error={messages.title}
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput
            label={t("field.language_code")}
            description={values.languageCode.trim() !== "" ? labels.language(values.languageCode.trim()) : t("field.languageHint")}
            required
            disabled={frozen}
            value={values.languageCode}
            maxLength={35}
            onChange={(e) => {
              set({ languageCode: e.currentTarget.value });
            }}
            error={messages.language_code}
            autoComplete="off"
          />
          <TextInput
            type="date"
            label={t("field.planned_close_date")}
            description={t("field.plannedHint")}
            value={values.plannedCloseDate}
            onChange={(e) => {
              set({ plannedCloseDate: e.currentTarget.value });
            }}
            error={messages.planned_close_date}
          />
        </SimpleGrid>
        <Textarea
          label={t("field.text")}
          description={t("field.textHint")}
          disabled={frozen}
          autosize
          minRows={4}
          maxRows={16}
          value={values.text}
          onChange={(e) => {
            set({ text: e.currentTarget.value });
          }}
          error={messages.text}
        />
        <Fieldset legend={t("field.areas")} disabled={frozen}>
          <Stack gap="md">
            <Text size="sm" c="gray.7">
              {t("field.areasHint")}
            </Text>
            {values.areas.map((area, index) => (
              <AreaInputs
                key={index}
                index={index}
                count={values.areas.length}
                area={area}
                messages={messages}
                thematicOptions={thematicOptions}
                onChange={(change) => {
                  setArea(index, change);
                }}
                onMove={(by) => {
                  moveArea(index, by);
                }}
                onRemove={() => {
                  setValues((v) => ({ ...v, areas: v.areas.filter((_, i) => i !== index) }));
                }}
                frozen={frozen}
              />
            ))}
            {!frozen ? (
              <Group>
                <Button
                  variant="default"
                  size="xs"
                  onClick={() => {
                    setValues((v) => ({ ...v, areas: [...v.areas, { ...emptyArea }] }));
                  }}
                >
                  {t("form.addArea")}
                </Button>
              </Group>
            ) : null}
          </Stack>
        </Fieldset>
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            {t("common:action.cancel")}
          </Button>
          <Button type="submit" loading={save.isPending}>
            {creating ? t("common:action.create") : t("common:action.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function AreaInputs({
  index,
  count,
  area,
  messages,
  thematicOptions,
  onChange,
  onMove,
  onRemove,
  frozen,
}: {
  index: number;
  count: number;
  area: AreaValues;
  messages: Record<string, string>;
  thematicOptions: { value: string; label: string }[];
  onChange: (change: Partial<AreaValues>) => void;
  onMove: (by: number) => void;
  onRemove: () => void;
  frozen: boolean;
}) {
  const { t } = useTranslation("declarations");
  const n = index + 1;
  const message = (field: string) => messages[`areas.${String(index)}.${field}`];
  return (
    <Fieldset legend={t("form.area", { n })} variant="filled" p="sm">
      <Stack gap="xs">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput
            label={t("field.area_title")}
            required
            value={area.title}
            maxLength={200}
            onChange={(e) => {
              onChange({ title: e.currentTarget.value });
            }}
            error={message("title")}
          />
          <TextInput
            label={t("field.area_id")}
            description={t("field.areaIdHint")}
            value={area.idTouched ? area.id : areaIdOf(area.title)}
            maxLength={63}
            onChange={(e) => {
              onChange({ id: e.currentTarget.value, idTouched: true });
            }}
            error={message("id")}
            autoComplete="off"
          />
        </SimpleGrid>
        <Select
          label={t("field.thematic_area")}
          data={thematicOptions}
          value={area.thematicArea || null}
          onChange={(v) => {
            onChange({ thematicArea: v ?? "" });
          }}
          clearable
          searchable
          error={message("thematic_area")}
        />
        <Textarea
          label={t("field.area_description")}
          autosize
          minRows={1}
          maxRows={6}
          value={area.description}
          onChange={(e) => {
            onChange({ description: e.currentTarget.value });
          }}
          error={message("description")}
        />
        {!frozen ? (
          <Group gap="xs" justify="flex-end">
            <ActionIcon variant="default" aria-label={t("form.moveUp", { n })} disabled={index === 0} onClick={() => { onMove(-1); }}>
              <span aria-hidden="true">↑</span>
            </ActionIcon>
            <ActionIcon variant="default" aria-label={t("form.moveDown", { n })} disabled={index === count - 1} onClick={() => { onMove(1); }}>
              <span aria-hidden="true">↓</span>
            </ActionIcon>
            <Button variant="subtle" color="red" size="xs" onClick={onRemove}>
              {t("form.removeArea", { n })}
            </Button>
          </Group>
        ) : null}
      </Stack>
    </Fieldset>
  );
}
