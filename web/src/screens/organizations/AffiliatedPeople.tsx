// The people affiliated to an organisation, current ones first.
import { Anchor, Table } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { contacts } from "../../api/contacts";
import { dateText, idOf, quote } from "../partners/model";
import { RecordSection, SectionTable } from "../partners/RecordSection";

export function AffiliatedPeople({ organization }: { organization: string }) {
  const { t } = useTranslation("partners");
  const query = useQuery({
    queryKey: ["contacts", "affiliations", "of", organization],
    queryFn: async () => {
      const c = contacts();
      const r = await c.listAffiliations({ parent: "people/-", filter: `organization = ${quote(organization)}`, pageSize: 100 });
      const people = r.affiliations.length > 0 ? (await c.batchGetPeople({ names: r.affiliations.map((a) => a.name.split("/affiliations/")[0] ?? "") })).people : [];
      return r.affiliations.map((a, i) => ({ affiliation: a, person: people[i] }));
    },
  });
  const rows = [...(query.data ?? [])].sort((a, b) => Number(b.affiliation.current) - Number(a.affiliation.current));
  return (
    <RecordSection
      id="affiliated-heading"
      title={t("affiliations.people")}
      error={query.error}
      onRetry={() => void query.refetch()}
      empty={query.isSuccess && rows.length === 0}
      none={t("affiliations.nonePeople")}
    >
      {rows.length > 0 ? (
        <SectionTable
          label={t("affiliations.people")}
          minWidth={420}
          columns={[
            t("affiliations.person"),
            t("affiliations.title"),
            t("affiliations.dates"),
          ]}
        >
          {rows.map(({ affiliation: a, person: p }) => (
            <Table.Tr key={a.name}>
              <Table.Th scope="row">
                <Anchor component={Link} href={`/people/${idOf(p?.name ?? "")}`}>
                  {p?.displayName ?? a.name}
                </Anchor>
              </Table.Th>
              <Table.Td>{a.title}</Table.Td>
              <Table.Td>
                {t("affiliations.range", { start: dateText(a.startDate) || "…", end: dateText(a.endDate) || t("affiliations.now") })}
              </Table.Td>
            </Table.Tr>
          ))}
        </SectionTable>
      ) : null}
    </RecordSection>
  );
}
