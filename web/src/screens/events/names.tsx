// Organisations named by an event (organisers, co-organisers), shown by their names with links.
import { Anchor, Group } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link } from "wouter";
import { contacts } from "../../api/contacts";
import { idOf } from "./shared";

export function OrganizationNames({ names }: { names: string[] }) {
  const found = useQuery({
    queryKey: ["contacts", "organizations", "batch", names],
    queryFn: async () => (await contacts().batchGetOrganizations({ names })).organizations,
    staleTime: 60_000,
  });
  const byName = new Map((found.data ?? []).map((o) => [o.name, o.displayName]));
  return (
    <Group component="span" gap="xs">
      {names.map((n) => (
        <Anchor component={Link} href={`/organizations/${idOf(n)}`} key={n}>
          {byName.get(n) ?? n}
        </Anchor>
      ))}
    </Group>
  );
}
