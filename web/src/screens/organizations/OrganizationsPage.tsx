// The organisations of the register: search as one types, filters kept in the address bar,
// keyset pages with the total, and a create form for writers.
import { Table } from "@mantine/core";
import { contacts } from "../../api/contacts";
import { formatDate } from "../../format";
import type { Organization } from "../../gen/engage/contacts/v1/resources_pb";
import { RegionalGroupSchema, SectorSchema } from "../../gen/engage/type/v1/types_pb";
import { PartnerListPage } from "../partners/ListPage";
import { organizationFilter } from "../partners/model";
import { useEnumLabel } from "../partners/shared";

export default function OrganizationsPage() {
  const label = useEnumLabel();
  return (
    <PartnerListPage<Organization>
      kind="organizations"
      filterOf={organizationFilter}
      search={async (request) => {
        const r = await contacts().searchOrganizations(request);
        return { items: r.results.flatMap((x) => (x.organization ? [x.organization] : [])), nextPageToken: r.nextPageToken, totalSize: 0 };
      }}
      list={async (request) => {
        const r = await contacts().listOrganizations({ ...request, orderBy: "display_name" });
        return { items: r.organizations, nextPageToken: r.nextPageToken, totalSize: r.totalSize };
      }}
      columns={["field.acronym", "field.sector", "field.country_code", "field.regional_group", "field.update_time"]}
      cells={(o) => (
        <>
          <Table.Td>{o.acronym}</Table.Td>
          <Table.Td>{label(SectorSchema, o.sector)}</Table.Td>
          <Table.Td>{o.countryCode}</Table.Td>
          <Table.Td>{label(RegionalGroupSchema, o.regionalGroup)}</Table.Td>
          <Table.Td>{formatDate(o.updateTime)}</Table.Td>
        </>
      )}
    />
  );
}
