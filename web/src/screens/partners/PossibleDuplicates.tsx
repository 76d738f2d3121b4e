// Before a new organisation or person is created, the register is asked (validate_only)
// whether it may already hold them; the officer sees who, opens them, or creates anyway.
import { Alert, Anchor, Button, Group, List, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { contacts } from "../../api/contacts";
import type { DuplicateCandidate } from "../../gen/engage/contacts/v1/duplicates_pb";
import { formatPercent } from "../../format";
import { idOf } from "./model";

export function PossibleDuplicates({
  kind,
  candidates,
  onCreateAnyway,
  busy,
}: {
  kind: "organization" | "person";
  candidates: DuplicateCandidate[];
  onCreateAnyway: () => void;
  busy: boolean;
}) {
  const { t } = useTranslation("partners");
  // With validate_only the existing record of each pair is `record_a`.
  const names = candidates.map((c) => c.recordA);
  const records = useQuery({
    queryKey: ["contacts", kind, "batch", names],
    queryFn: async () => {
      const c = contacts();
      if (kind === "organization") {
        return (await c.batchGetOrganizations({ names })).organizations.map((o) => ({ name: o.name, label: o.displayName }));
      }
      return (await c.batchGetPeople({ names })).people.map((p) => ({ name: p.name, label: p.displayName }));
    },
  });
  const labelOf = (name: string) => records.data?.find((r) => r.name === name)?.label ?? name;
  const path = kind === "organization" ? "/organizations/" : "/people/";
  return (
    <Alert color="yellow" role="alert" title={t(`form.duplicates.title.${kind}`)}>
      <Text size="sm">{t("form.duplicates.explain")}</Text>
      <List size="sm" mt="xs">
        {candidates.map((c) => (
          <List.Item key={c.recordA}>
            <Anchor component={Link} href={path + idOf(c.recordA)}>
              {labelOf(c.recordA)}
            </Anchor>{" "}
            {t("form.duplicates.score", { score: formatPercent(c.score) })}
          </List.Item>
        ))}
      </List>
      <Group mt="sm">
        <Button size="xs" variant="default" onClick={onCreateAnyway} loading={busy}>
          {t("form.duplicates.createAnyway")}
        </Button>
      </Group>
    </Alert>
  );
}
