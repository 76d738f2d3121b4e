//! Declarations: create (optionally as the next version of another), read, list, update
//! under the freeze rules, delete and undelete, open and close.

use engage_api::declarations::*;
use engage_platform::field_mask::UpdateMask;
use engage_platform::journal::{FieldChange, RequestId};
use engage_platform::query::Direction;
use engage_platform::resource::{check_etag, new_id, now_micros, parse_name, timestamp};
use engage_platform::{Caller, Error, idempotent_write, with_connection};

use super::{
    DeclarationsApi, Journaled, change, declaration_of, listing, method, request_id, require_etag,
    required, total,
};
use crate::domain::declaration::{
    UPDATABLE, apply_update, assign_area_ids, check_close, check_content, check_open,
    check_previous, status,
};
use crate::domain::filters::{self, DECLARATION_FIELDS, DECLARATION_ORDER};
use crate::store::rows::{DeclarationRow, status_counts};
use crate::store::{Store, declaration_keys};

/// Area ids and titles, as the audit trail records the areas.
fn area_summary(areas: &[DeclarationArea]) -> Vec<(String, String)> {
    areas
        .iter()
        .map(|a| (a.id.clone(), a.title.clone()))
        .collect()
}

fn languages(d: &Declaration) -> Vec<String> {
    d.translations
        .iter()
        .map(|t| t.language_code.clone())
        .collect()
}

/// The audit changes between two versions of a declaration.
fn changes_between(before: &Declaration, after: &Declaration) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    change(&mut changes, "title", &before.title, &after.title);
    change(&mut changes, "text", &before.text, &after.text);
    change(
        &mut changes,
        "language_code",
        &before.language_code,
        &after.language_code,
    );
    change(
        &mut changes,
        "areas",
        area_summary(&before.areas),
        area_summary(&after.areas),
    );
    if before.translations != after.translations {
        changes.push(FieldChange::new(
            "translations",
            serde_json::json!(languages(before)),
            serde_json::json!(languages(after)),
        ));
    }
    let date = |d: &Declaration| {
        d.planned_close_date
            .as_ref()
            .map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))
    };
    change(
        &mut changes,
        "planned_close_date",
        date(before),
        date(after),
    );
    change(
        &mut changes,
        "status",
        status(before).as_str_name(),
        status(after).as_str_name(),
    );
    change(
        &mut changes,
        "delete_time",
        before.delete_time.is_some(),
        after.delete_time.is_some(),
    );
    changes
}

impl DeclarationsApi {
    pub(super) async fn get_declaration(&self, name: &str) -> Result<Declaration, Error> {
        let row = self.declaration_row(name, "name").await?;
        Ok(with_connection!(self.db, |conn| declaration_of(conn, &row).await?))
    }

    pub(super) async fn list_declarations(
        &self,
        r: ListDeclarationsRequest,
    ) -> Result<ListDeclarationsResponse, Error> {
        let clauses = filters::clauses(&r.filter, DECLARATION_FIELDS)?;
        let order = filters::order(
            &r.order_by,
            DECLARATION_ORDER,
            ("create_time", Direction::Descending),
        )?;
        let deleted = if r.show_deleted { "deleted" } else { "" };
        let (page, listing) = listing(
            "ListDeclarations",
            r.page_size,
            &r.page_token,
            &[&r.filter, &r.order_by, deleted],
            order,
        )?;
        let (mut rows, count) = with_connection!(self.db, |conn| {
            let rows = conn
                .list_declarations(&clauses, r.show_deleted, &listing)
                .await?;
            let count = conn.count_declarations(&clauses, r.show_deleted).await?;
            (rows, count)
        });
        let next_page_token = page.finish(&mut rows, |row| {
            (declaration_keys(&listing.order, row), row.id.clone())
        });
        let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
        let (counts, next) = with_connection!(self.db, |conn| {
            (
                conn.standing_counts(&ids).await?,
                conn.next_versions(&ids).await?,
            )
        });
        let declarations = rows
            .iter()
            .map(|row| {
                let own = counts
                    .iter()
                    .filter(|(d, _, _)| *d == row.id)
                    .map(|(_, s, n)| (*s, *n));
                let following = next
                    .iter()
                    .find(|(p, _)| *p == row.id)
                    .map(|(_, n)| n.as_str());
                row.resource(status_counts(own), following)
            })
            .collect::<Result<_, _>>()?;
        Ok(ListDeclarationsResponse {
            declarations,
            next_page_token,
            total_size: total(count),
        })
    }

    pub(super) async fn create_declaration(
        &self,
        caller: &Caller,
        r: CreateDeclarationRequest,
    ) -> Result<CreateDeclarationResponse, Error> {
        const METHOD: &str = method!("CreateDeclaration");
        let rid = request_id(&r.request_id, &r)?;
        let mut d = required(r.declaration, "declaration")?;
        d.title = d.title.trim().to_owned();
        assign_area_ids(&mut d.areas);
        check_content(&d, "declaration")?;
        let previous_id = if d.previous_version.is_empty() {
            None
        } else {
            Some(
                parse_name(
                    "declarations",
                    &d.previous_version,
                    "declaration.previous_version",
                )?
                .to_owned(),
            )
        };
        idempotent_write!(self.db, METHOD, &rid, |conn| {
            let version = match &previous_id {
                None => 1,
                Some(id) => {
                    let previous = match conn.declaration(id).await? {
                        Some(row) => declaration_of(conn, &row).await?,
                        None => {
                            return Err(Error::FailedPrecondition {
                                reason: "INVALID_PREVIOUS_VERSION",
                                message: format!("{} does not exist", d.previous_version),
                            });
                        }
                    };
                    check_previous(&previous, !previous.next_version.is_empty())?;
                    previous.version + 1
                }
            };
            let now = Some(timestamp(now_micros()));
            let draft = Declaration {
                name: format!("declarations/{}", new_id()),
                version,
                status: DeclarationStatus::Draft as i32,
                create_time: now,
                update_time: now,
                ..d.clone()
            };
            let row = DeclarationRow::of(&draft, 1);
            conn.insert_declaration(&row).await?;
            let created = declaration_of(conn, &row).await?;
            let mut changes = changes_between(&Declaration::default(), &created);
            change(&mut changes, "version", 0, created.version);
            change(
                &mut changes,
                "previous_version",
                "",
                &created.previous_version,
            );
            Journaled {
                caller,
                method: METHOD,
                verb: "created",
                changes,
                request_id: rid.as_ref(),
            }
            .declaration(conn, &created)
            .await?;
            Ok::<_, Error>(CreateDeclarationResponse {
                declaration: Some(created),
            })
        })
    }

    /// Changes a declaration under its etag: `edit` returns the new version, which is
    /// saved with its event (`declaration.{verb}`) and audit entry.
    #[allow(
        clippy::too_many_arguments,
        reason = "one helper for six write methods"
    )]
    async fn change_declaration(
        &self,
        caller: &Caller,
        method: &'static str,
        (name, field): (&str, &str),
        etag: &str,
        rid: Option<RequestId>,
        verb: &'static str,
        edit: impl Fn(&Declaration) -> Result<Declaration, Error> + Send + Sync,
    ) -> Result<Declaration, Error> {
        let id = parse_name("declarations", name, field)?.to_owned();
        idempotent_write!(self.db, method, &rid, |conn| {
            let Some(row) = conn.declaration(&id).await? else {
                return Err(Error::not_found(name));
            };
            check_etag(etag, row.revision, name)?;
            let current = declaration_of(conn, &row).await?;
            let mut next = edit(&current)?;
            next.update_time = Some(timestamp(now_micros()));
            let next_row = DeclarationRow::of(&next, row.revision + 1);
            if !conn.update_declaration(&next_row, row.revision).await? {
                return Err(Error::StaleEtag {
                    resource: name.to_owned(),
                });
            }
            let saved = declaration_of(conn, &next_row).await?;
            let changes = changes_between(&current, &saved);
            Journaled {
                caller,
                method,
                verb,
                changes,
                request_id: rid.as_ref(),
            }
            .declaration(conn, &saved)
            .await?;
            Ok::<_, Error>(saved)
        })
    }

    pub(super) async fn update_declaration(
        &self,
        caller: &Caller,
        r: UpdateDeclarationRequest,
    ) -> Result<Declaration, Error> {
        let patch = required(r.declaration, "declaration")?;
        let mask = UpdateMask::parse(r.update_mask.as_ref(), UPDATABLE)?;
        require_etag(&patch.etag, "declaration.etag")?;
        self.change_declaration(
            caller,
            method!("UpdateDeclaration"),
            (&patch.name, "declaration.name"),
            &patch.etag,
            None,
            "updated",
            |current| {
                let mut patch = patch.clone();
                patch.title = patch.title.trim().to_owned();
                apply_update(current, patch, &mask)
            },
        )
        .await
    }

    pub(super) async fn set_deleted(
        &self,
        caller: &Caller,
        name: &str,
        etag: &str,
        deleted: bool,
    ) -> Result<Declaration, Error> {
        require_etag(etag, "etag")?;
        let (method, verb) = if deleted {
            (method!("DeleteDeclaration"), "deleted")
        } else {
            (method!("UndeleteDeclaration"), "undeleted")
        };
        self.change_declaration(
            caller,
            method,
            (name, "name"),
            etag,
            None,
            verb,
            |current| {
                let mut next = current.clone();
                match (deleted, current.delete_time.is_some()) {
                    (true, true) => return Err(Error::not_found(&current.name)),
                    (false, false) => {
                        return Err(Error::AlreadyExists {
                            resource: current.name.clone(),
                        });
                    }
                    (true, false) if status(current) == DeclarationStatus::Open => {
                        return Err(Error::FailedPrecondition {
                            reason: "DECLARATION_OPEN",
                            message: format!(
                                "{} is open for signature: close it first",
                                current.name
                            ),
                        });
                    }
                    (true, false) => next.delete_time = Some(timestamp(now_micros())),
                    (false, true) => next.delete_time = None,
                }
                Ok(next)
            },
        )
        .await
    }

    /// Opens (DRAFT → OPEN) or closes (OPEN → CLOSED) a declaration for signature.
    pub(super) async fn set_open(
        &self,
        caller: &Caller,
        (name, etag, id): (&str, &str, &str),
        request: &impl prost::Message,
        open: bool,
    ) -> Result<Declaration, Error> {
        let rid = request_id(id, request)?;
        let (method, verb) = if open {
            (method!("OpenDeclaration"), "opened")
        } else {
            (method!("CloseDeclaration"), "closed")
        };
        self.change_declaration(caller, method, (name, "name"), etag, rid, verb, |current| {
            let mut next = current.clone();
            let now = Some(timestamp(now_micros()));
            if open {
                check_open(current)?;
                next.status = DeclarationStatus::Open as i32;
                next.open_time = now;
            } else {
                check_close(current)?;
                next.status = DeclarationStatus::Closed as i32;
                next.close_time = now;
            }
            Ok(next)
        })
        .await
    }
}
