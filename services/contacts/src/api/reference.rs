//! Reference data and overviews: countries, tags, the register's counts, the audit trail.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use engage_api::contacts::*;
use engage_api::types::{RegionalGroup, Sector};
use engage_platform::journal::{AuditTrailQuery, Journal, TrailOrder, audit_trail};
use engage_platform::paging::Page;
use engage_platform::resource::timestamp;
use engage_platform::{Caller, Error, with_connection, write_transaction};

use super::{ContactsApi, Need, caller, method, page_limits, writer};
use crate::store::lifecycle::{self, Resource, Stored, Writer};
use crate::store::{Condition, ListQuery, RecordKind, Register};

#[derive(QueryableByName)]
struct GroupCount {
    #[diesel(sql_type = diesel::sql_types::Text)]
    first: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    second: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
    /// The newest record of the group (microseconds), or the youth among people.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    extra: i64,
}

#[derive(QueryableByName)]
struct Total {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    youth: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    last_update: i64,
}

/// Live organisations per sector and regional group; the group term is absent without a
/// country, hence the outer join.
const ORGANIZATIONS_BY_GROUP: &str = "SELECT s.value AS first, COALESCE(g.value, '') AS second, \
     COUNT(*) AS count, MAX(r.create_time) AS extra FROM records r \
     JOIN record_terms s ON s.record_id = r.id AND s.field = 'sector' \
     LEFT JOIN record_terms g ON g.record_id = r.id AND g.field = 'regional_group' \
     WHERE r.kind = 1 AND r.delete_time IS NULL AND r.merged_into IS NULL \
     GROUP BY s.value, g.value ORDER BY 1, 2";

/// Accreditations of live organisations per session and state, with the latest request.
const ACCREDITATIONS_BY_STATE: &str = "SELECT c.value AS first, s.value AS second, \
     COUNT(*) AS count, MAX(a.create_time) AS extra FROM records a \
     JOIN records o ON o.id = a.parent_id AND o.delete_time IS NULL AND o.merged_into IS NULL \
     JOIN record_terms c ON c.record_id = a.id AND c.field = 'conference_session' \
     JOIN record_terms s ON s.record_id = a.id AND s.field = 'state' \
     WHERE a.kind = 4 AND a.delete_time IS NULL \
     GROUP BY c.value, s.value ORDER BY 1, 2";

/// Live people and youth among them per regional group (absent without a country).
const PEOPLE_BY_GROUP: &str = "SELECT COALESCE(g.value, '') AS first, '' AS second, \
     COUNT(*) AS count, \
     COALESCE(SUM(CASE WHEN y.value = 'true' THEN 1 ELSE 0 END), 0) AS extra FROM records r \
     LEFT JOIN record_terms g ON g.record_id = r.id AND g.field = 'regional_group' \
     LEFT JOIN record_terms y ON y.record_id = r.id AND y.field = 'youth' \
     WHERE r.kind = 2 AND r.delete_time IS NULL AND r.merged_into IS NULL \
        AND r.erase_time IS NULL \
     GROUP BY g.value ORDER BY 1";

/// Live people, youth among them, and the last write the counts include.
const PEOPLE_TOTALS: &str = "SELECT \
     COALESCE(SUM(CASE WHEN r.kind = 2 AND r.delete_time IS NULL AND r.merged_into IS NULL \
        AND r.erase_time IS NULL THEN 1 ELSE 0 END), 0) AS count, \
     COALESCE(SUM(CASE WHEN r.kind = 2 AND r.delete_time IS NULL AND r.merged_into IS NULL \
        AND r.erase_time IS NULL AND y.value = 'true' THEN 1 ELSE 0 END), 0) AS youth, \
     COALESCE(MAX(r.update_time), 0) AS last_update \
     FROM records r LEFT JOIN record_terms y ON y.record_id = r.id AND y.field = 'youth'";

/// Resources whose audit trail may be asked for, with the collections of their children.
const AUDITED: &[(&str, &[&str])] = &[
    ("organizations", &["accreditations"]),
    ("people", &["affiliations", "consentRecords"]),
    ("interactions", &[]),
];

fn check_audited(resource: &str) -> Result<(), Error> {
    let parts: Vec<&str> = resource.split('/').collect();
    let valid = match parts.as_slice() {
        [collection, id] => {
            AUDITED.iter().any(|(c, _)| c == collection)
                && engage_platform::resource::is_valid_id(id)
        }
        [collection, id, child, child_id] => {
            AUDITED
                .iter()
                .any(|(c, children)| c == collection && children.contains(child))
                && engage_platform::resource::is_valid_id(id)
                && engage_platform::resource::is_valid_id(child_id)
        }
        _ => false,
    };
    if valid {
        Ok(())
    } else {
        Err(Error::invalid(
            "resource",
            "names an organisation, person, interaction, or one of their children",
        ))
    }
}

impl ContactsApi {
    pub(super) async fn get_contacts_summary(
        &self,
        request: tonic::Request<GetContactsSummaryRequest>,
    ) -> Result<GetContactsSummaryResponse, Error> {
        caller(&request, Need::Read)?;
        let (organizations, accreditations, people, totals) = with_connection!(self.db, |conn| {
            let organizations: Vec<GroupCount> =
                diesel::sql_query(ORGANIZATIONS_BY_GROUP).load(conn).await?;
            let accreditations: Vec<GroupCount> = diesel::sql_query(ACCREDITATIONS_BY_STATE)
                .load(conn)
                .await?;
            let people: Vec<GroupCount> = diesel::sql_query(PEOPLE_BY_GROUP).load(conn).await?;
            let totals: Total = diesel::sql_query(PEOPLE_TOTALS).get_result(conn).await?;
            (organizations, accreditations, people, totals)
        });
        Ok(GetContactsSummaryResponse {
            organization_counts: organizations
                .into_iter()
                .map(|g| OrganizationCount {
                    sector: Sector::from_str_name(&g.first).unwrap_or_default() as i32,
                    regional_group: RegionalGroup::from_str_name(&g.second).unwrap_or_default()
                        as i32,
                    count: g.count,
                })
                .collect(),
            person_count: totals.count,
            youth_count: totals.youth,
            accreditation_counts: accreditations
                .into_iter()
                .map(|g| AccreditationCount {
                    conference_session: g.first,
                    state: AccreditationState::from_str_name(&g.second).unwrap_or_default() as i32,
                    count: g.count,
                    latest_request_time: Some(timestamp(g.extra)),
                })
                .collect(),
            as_of: Some(timestamp(totals.last_update)),
            person_counts: people
                .into_iter()
                .map(|g| PersonCount {
                    regional_group: RegionalGroup::from_str_name(&g.first).unwrap_or_default()
                        as i32,
                    count: g.count,
                    youth: g.extra,
                })
                .collect(),
        })
    }

    pub(super) fn list_countries(
        &self,
        request: tonic::Request<ListCountriesRequest>,
    ) -> Result<ListCountriesResponse, Error> {
        caller(&request, Need::Read)?;
        let wanted = request.into_inner().regional_group;
        Ok(ListCountriesResponse {
            countries: crate::domain::contact_points::accepted_countries()
                .filter(|(_, _, group)| wanted == 0 || wanted == *group as i32)
                .map(|(code, name, group)| Country {
                    country_code: code.to_owned(),
                    display_name: name.to_owned(),
                    regional_group: group as i32,
                })
                .collect(),
        })
    }

    pub(super) async fn list_tags(
        &self,
        request: tonic::Request<ListTagsRequest>,
    ) -> Result<ListTagsResponse, Error> {
        caller(&request, Need::Read)?;
        let r = request.into_inner();
        let prefix = r.prefix.trim().to_lowercase();
        let page = Page::<String>::parse(
            "ListTags",
            r.page_size,
            &r.page_token,
            &[&prefix],
            page_limits(100, 1000),
        )?;
        let after = page.after.clone().unwrap_or_default();
        let limit = page.fetch_limit();
        let (organizations, people) = with_connection!(self.db, |conn| {
            let o = conn
                .term_usage(RecordKind::Organization, "tags", &prefix, &after, limit)
                .await?;
            let p = conn
                .term_usage(RecordKind::Person, "tags", &prefix, &after, limit)
                .await?;
            (o, p)
        });
        let mut usage: std::collections::BTreeMap<String, TagUsage> = Default::default();
        for (tag, count) in organizations {
            usage
                .entry(tag.clone())
                .or_insert_with(|| TagUsage {
                    tag,
                    ..TagUsage::default()
                })
                .organization_count = count;
        }
        for (tag, count) in people {
            usage
                .entry(tag.clone())
                .or_insert_with(|| TagUsage {
                    tag,
                    ..TagUsage::default()
                })
                .person_count = count;
        }
        let mut tags: Vec<TagUsage> = usage.into_values().collect();
        let next_page_token = page.finish(&mut tags, |t| t.tag.clone());
        Ok(ListTagsResponse {
            tags,
            next_page_token,
        })
    }

    pub(super) async fn list_audit_entries(
        &self,
        request: tonic::Request<ListAuditEntriesRequest>,
    ) -> Result<ListAuditEntriesResponse, Error> {
        caller(&request, Need::Admin)?;
        let r = request.into_inner();
        check_audited(&r.resource)?;
        let trail = audit_trail(
            &self.db,
            AuditTrailQuery {
                resource: &r.resource,
                include_children: r.include_children,
                filter: &r.filter,
                page_size: r.page_size,
                page_token: &r.page_token,
                limits: page_limits(50, 1000),
                order: TrailOrder::NewestFirst,
            },
        )
        .await?;
        Ok(ListAuditEntriesResponse {
            audit_entries: trail.entries,
            next_page_token: trail.next_page_token,
        })
    }
}

/// A record that carries tags.
trait Tagged: Resource {
    fn tags_mut(&mut self) -> &mut Vec<String>;
}

impl Tagged for Organization {
    fn tags_mut(&mut self) -> &mut Vec<String> {
        &mut self.tags
    }
}

impl Tagged for Person {
    fn tags_mut(&mut self) -> &mut Vec<String> {
        &mut self.tags
    }
}

/// Renames `from` to `to` on every live record of kind `R` carrying it; returns how many.
async fn rename_tag_on<R: Tagged, C: Register + Journal + Send>(
    conn: &mut C,
    writer: Writer<'_>,
    from: &str,
    to: &str,
) -> Result<i64, Error> {
    let mut query = ListQuery::new(R::KIND);
    query.show_erased = false;
    query.conditions.push(Condition::Term {
        field: "tags".into(),
        value: from.into(),
        negated: false,
    });
    let mut renamed = 0;
    for row in conn.list(&query).await? {
        let before = Stored::<R>::decode(row)?;
        let mut after = before.clone();
        let tags = after.value.tags_mut();
        for tag in tags.iter_mut() {
            if tag == from {
                *tag = to.to_owned();
            }
        }
        tags.sort();
        tags.dedup();
        lifecycle::save(conn, writer, &before, after, "updated", Vec::new()).await?;
        renamed += 1;
    }
    Ok(renamed)
}

impl ContactsApi {
    pub(super) async fn rename_tag(
        &self,
        caller: &Caller,
        r: RenameTagRequest,
    ) -> Result<RenameTagResponse, Error> {
        let from = r.tag.trim().to_lowercase();
        if from.is_empty() {
            return Err(Error::invalid("tag", "is required"));
        }
        let mut to = vec![r.new_tag.clone()];
        let mut violations = Vec::new();
        crate::domain::contact_points::tags(&mut violations, "new_tag", &mut to);
        if !violations.is_empty() || to.len() != 1 {
            return Err(Error::invalid(
                "new_tag",
                "must be 1 to 64 letters, digits, spaces, '-', '_' or '.'",
            ));
        }
        let to = to.remove(0);
        if to == from {
            return Err(Error::invalid("new_tag", "is the tag itself"));
        }
        let writer = writer(caller, method!("RenameTag"));
        let (organizations_updated, people_updated) = write_transaction!(self.db, |conn| {
            let organizations = rename_tag_on::<Organization, _>(conn, writer, &from, &to).await?;
            let people = rename_tag_on::<Person, _>(conn, writer, &from, &to).await?;
            Ok::<_, Error>((organizations, people))
        })?;
        Ok(RenameTagResponse {
            organizations_updated,
            people_updated,
        })
    }
}
