// The people of the register: search as one types, filters kept in the address bar,
// keyset pages with the total, and a create form for writers.
import { Table } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { contacts } from "../../api/contacts";
import { formatDate } from "../../format";
import type { Person } from "../../gen/engage/contacts/v1/resources_pb";
import { RegionalGroupSchema } from "../../gen/engage/type/v1/types_pb";
import { PartnerListPage } from "../partners/ListPage";
import { personFilter } from "../partners/model";
import { useEnumLabel } from "../partners/shared";

export default function PeoplePage() {
  const { t } = useTranslation("partners");
  const label = useEnumLabel();
  return (
    <PartnerListPage<Person>
      kind="people"
      filterOf={personFilter}
      search={async (request) => {
        const r = await contacts().searchPeople(request);
        return { items: r.results.flatMap((x) => (x.person ? [x.person] : [])), nextPageToken: r.nextPageToken, totalSize: 0 };
      }}
      list={async (request) => {
        const r = await contacts().listPeople(request);
        return { items: r.people, nextPageToken: r.nextPageToken, totalSize: r.totalSize };
      }}
      columns={["field.primary_title", "field.youth", "field.country_code", "field.regional_group", "field.update_time"]}
      cells={(p) => (
        <>
          <Table.Td>{p.primaryTitle}</Table.Td>
          <Table.Td>{p.youth ? t("yes") : ""}</Table.Td>
          <Table.Td>{p.countryCode}</Table.Td>
          <Table.Td>{label(RegionalGroupSchema, p.regionalGroup)}</Table.Td>
          <Table.Td>{formatDate(p.updateTime)}</Table.Td>
        </>
      )}
    />
  );
}
