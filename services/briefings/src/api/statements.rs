//! Statements delivered at events, and the follow-up actions they prompt.

use engage_api::briefings::follow_up_action::Owner;
use engage_api::briefings::*;
use engage_platform::directory::Reference;
use engage_platform::field_mask::UpdateMask;
use engage_platform::identity::Need;
use engage_platform::journal::{FieldChange, RequestId};
use engage_platform::query::{Direction, FieldType};
use engage_platform::resource::{micros, now_micros, parse_child_name, timestamp};
use engage_platform::{Caller, Error, Violations};
use serde_json::json;

use super::children::{Kind, Sibling, child_query, kind_storage, stamped};
use super::listing::values::*;
use super::listing::{self, Column, KeyKind, Sort, Spec, field, today};
use super::registrations::EVENT_SESSION;
use super::{BriefingsApi, caller, changes, method, required};
use crate::domain::event::check_thematic_areas;
use crate::domain::{check_https_url, check_language, check_len, follow_up_transition, json_list};
use crate::store::{FollowUpRow, StatementRow, Store};

impl Kind for Statement {
    const COLLECTION: &'static str = "statements";
    const MESSAGE: &'static str = "Statement";
    const PREFIX: &'static str = "statement";
    const FROZEN_BY_CANCELLATION: bool = false;
    type Row = StatementRow;

    fn sibling(&self) -> Option<Sibling<'_>> {
        Some(Sibling::Session("statement.session", &self.session))
    }

    fn of_row(row: &StatementRow) -> Result<Self, Error> {
        Ok(stamped!(row))
    }

    fn to_row(
        &self,
        event_id: &str,
        id: &str,
        revision: i64,
        create_time: i64,
        now: i64,
    ) -> StatementRow {
        let mut stored = self.clone();
        stored.etag.clear();
        StatementRow {
            id: id.to_owned(),
            event_id: event_id.to_owned(),
            speaker: self.speaker.clone(),
            organization: self.organization.clone(),
            session: self.session.clone(),
            language: self.language.clone(),
            thematic_areas: json_list(&self.thematic_areas),
            title: self.title.clone(),
            deliver_time: self.deliver_time.as_ref().map(micros),
            revision,
            create_time,
            update_time: now,
            delete_time: self.delete_time.as_ref().map(micros),
            body: prost::Message::encode_to_vec(&stored),
        }
    }

    fn changes(old: &Self, new: &Self) -> Vec<FieldChange> {
        changes!(
            old,
            new,
            [
                speaker,
                organization,
                title,
                link,
                session,
                deliver_time,
                language,
                summary,
                thematic_areas,
                delete_time
            ]
        )
    }

    kind_storage!(statement, insert_statement, replace_statement);
}

impl Kind for FollowUpAction {
    const COLLECTION: &'static str = "followUpActions";
    const MESSAGE: &'static str = "FollowUpAction";
    const PREFIX: &'static str = "follow_up_action";
    const FROZEN_BY_CANCELLATION: bool = false;
    type Row = FollowUpRow;

    fn sibling(&self) -> Option<Sibling<'_>> {
        Some(Sibling::Statement(
            "follow_up_action.statement",
            &self.statement,
        ))
    }

    fn of_row(row: &FollowUpRow) -> Result<Self, Error> {
        let mut a: FollowUpAction = stamped!(row);
        a.overdue = row.due_date.as_ref().is_some_and(|due| *due < today())
            && matches!(
                FollowUpStatus::try_from(row.status),
                Ok(FollowUpStatus::Open | FollowUpStatus::InProgress)
            );
        Ok(a)
    }

    fn to_row(
        &self,
        event_id: &str,
        id: &str,
        revision: i64,
        create_time: i64,
        now: i64,
    ) -> FollowUpRow {
        let mut stored = self.clone();
        stored.etag.clear();
        stored.overdue = false;
        let owner = |f: fn(&Owner) -> Option<&String>| {
            self.owner.as_ref().and_then(f).cloned().unwrap_or_default()
        };
        FollowUpRow {
            id: id.to_owned(),
            event_id: event_id.to_owned(),
            owner_person: owner(|o| match o {
                Owner::OwnerPerson(p) => Some(p),
                _ => None,
            }),
            owner_organization: owner(|o| match o {
                Owner::OwnerOrganization(p) => Some(p),
                _ => None,
            }),
            owner_subject: owner(|o| match o {
                Owner::OwnerSubject(p) => Some(p),
                _ => None,
            }),
            statement: self.statement.clone(),
            title: self.title.clone(),
            status: self.status,
            due_date: self
                .due_date
                .as_ref()
                .map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)),
            revision,
            create_time,
            update_time: now,
            delete_time: self.delete_time.as_ref().map(micros),
            body: prost::Message::encode_to_vec(&stored),
        }
    }

    fn changes(old: &Self, new: &Self) -> Vec<FieldChange> {
        changes!(
            old,
            new,
            [
                title,
                description,
                owner,
                due_date,
                status,
                statement,
                complete_time,
                delete_time
            ]
        )
    }

    kind_storage!(follow_up, insert_follow_up, replace_follow_up);
}

static STATEMENT_FIELDS: &[listing::Field] = &[
    field("speaker", FieldType::Text, Column::Text("speaker")),
    field(
        "organization",
        FieldType::Text,
        Column::Text("organization"),
    ),
    field("session", FieldType::Text, Column::Text("session")),
    field("language", FieldType::Text, Column::Text("language")),
    field(
        "thematic_areas",
        FieldType::List,
        Column::List("thematic_areas", Some(thematic_area)),
    ),
    field(
        "deliver_time",
        FieldType::Timestamp,
        Column::Time("deliver_time"),
    ),
    field(
        "conference_session",
        FieldType::Text,
        Column::Text(EVENT_SESSION),
    ),
    field(
        "update_time",
        FieldType::Timestamp,
        Column::Time("update_time"),
    ),
];

static STATEMENT_SORTS: &[Sort<StatementRow>] = &[
    Sort {
        name: "deliver_time",
        expr: "COALESCE(deliver_time, 9223372036854775807)",
        kind: KeyKind::Number,
        key: |r| json!(r.deliver_time.unwrap_or(i64::MAX)),
    },
    Sort {
        name: "title",
        expr: "title",
        kind: KeyKind::Text,
        key: |r| json!(r.title),
    },
    Sort {
        name: "create_time",
        expr: "create_time",
        kind: KeyKind::Number,
        key: |r| json!(r.create_time),
    },
];

static STATEMENT_SPEC: Spec<StatementRow> = Spec {
    table: "statements",
    fields: STATEMENT_FIELDS,
    sorts: STATEMENT_SORTS,
    default_order: &[("create_time", Direction::Ascending)],
};

static FOLLOW_UP_FIELDS: &[listing::Field] = &[
    field(
        "status",
        FieldType::Text,
        Column::Enum("status", follow_up_status),
    ),
    field(
        "owner_person",
        FieldType::Text,
        Column::Text("owner_person"),
    ),
    field(
        "owner_organization",
        FieldType::Text,
        Column::Text("owner_organization"),
    ),
    field(
        "owner_subject",
        FieldType::Text,
        Column::Text("owner_subject"),
    ),
    field("due_date", FieldType::Date, Column::Date("due_date")),
    field("overdue", FieldType::Bool, Column::Overdue),
    field("statement", FieldType::Text, Column::Text("statement")),
    field(
        "conference_session",
        FieldType::Text,
        Column::Text(EVENT_SESSION),
    ),
    field(
        "update_time",
        FieldType::Timestamp,
        Column::Time("update_time"),
    ),
];

static FOLLOW_UP_SORTS: &[Sort<FollowUpRow>] = &[
    Sort {
        name: "due_date",
        expr: "COALESCE(due_date, '9999-99-99')",
        kind: KeyKind::Text,
        key: |r| json!(r.due_date.clone().unwrap_or_else(|| "9999-99-99".into())),
    },
    Sort {
        name: "create_time",
        expr: "create_time",
        kind: KeyKind::Number,
        key: |r| json!(r.create_time),
    },
    Sort {
        name: "update_time",
        expr: "update_time",
        kind: KeyKind::Number,
        key: |r| json!(r.update_time),
    },
    Sort {
        name: "title",
        expr: "title",
        kind: KeyKind::Text,
        key: |r| json!(r.title),
    },
];

static FOLLOW_UP_SPEC: Spec<FollowUpRow> = Spec {
    table: "follow_up_actions",
    fields: FOLLOW_UP_FIELDS,
    sorts: FOLLOW_UP_SORTS,
    default_order: &[("due_date", Direction::Ascending)],
};

const STATEMENT_UPDATABLE: &[&str] = &[
    "speaker",
    "organization",
    "title",
    "link",
    "session",
    "deliver_time",
    "language",
    "summary",
    "thematic_areas",
];

const FOLLOW_UP_UPDATABLE: &[&str] = &[
    "title",
    "description",
    "owner_person",
    "owner_organization",
    "owner_subject",
    "due_date",
    "status",
    "statement",
];

/// Whether `child` (such as a statement's session) names a resource of the same event.
fn check_same_event(v: &mut Violations, field: &str, child: &str, collection: &str, event: &Event) {
    if child.is_empty() {
        return;
    }
    match parse_child_name("events", collection, child, field) {
        Ok((event_id, _)) if event.name == format!("events/{event_id}") => {}
        Ok(_) => v.add(
            field,
            format!("must be one of the {collection} of {}", event.name),
        ),
        Err(violation) => v.add(violation.field, violation.description),
    }
}

fn check_statement(s: &Statement, event: &Event) -> Result<(), Error> {
    let mut v = Violations::new();
    let title = s.title.trim();
    if title.is_empty() || title.chars().count() > 300 {
        v.add("statement.title", "is required, 1 to 300 characters");
    }
    if !s.link.is_empty() && !check_https_url(&s.link) {
        v.add(
            "statement.link",
            "must be an absolute https URL of at most 2,048 characters",
        );
    }
    check_same_event(&mut v, "statement.session", &s.session, "sessions", event);
    if let Some(t) = &s.deliver_time {
        let (start, end) = (
            event.start_time.as_ref().map(micros).unwrap_or_default(),
            event.end_time.as_ref().map(micros).unwrap_or_default(),
        );
        if micros(t) < start || micros(t) > end {
            v.add(
                "statement.deliver_time",
                "must be within the event's start and end",
            );
        }
    }
    if !s.language.is_empty() && !check_language(&s.language) {
        v.add("statement.language", "is not a BCP 47 tag");
    }
    check_len(&mut v, "statement.summary", &s.summary, 5_000);
    check_thematic_areas(&mut v, "statement.thematic_areas", &s.thematic_areas);
    v.finish()
}

fn check_follow_up(a: &FollowUpAction, event: &Event) -> Result<(), Error> {
    let mut v = Violations::new();
    let title = a.title.trim();
    if title.is_empty() || title.chars().count() > 300 {
        v.add("follow_up_action.title", "is required, 1 to 300 characters");
    }
    check_len(
        &mut v,
        "follow_up_action.description",
        &a.description,
        5_000,
    );
    match &a.owner {
        None => v.add(
            "follow_up_action.owner_person",
            "an owner is required: a person, an organisation or a subject",
        ),
        Some(Owner::OwnerSubject(s)) if s.trim().is_empty() => {
            v.add("follow_up_action.owner_subject", "must not be empty")
        }
        _ => {}
    }
    if let Some(d) = &a.due_date {
        let valid = u8::try_from(d.month)
            .ok()
            .and_then(|m| time::Month::try_from(m).ok())
            .and_then(|m| {
                time::Date::from_calendar_date(d.year, m, u8::try_from(d.day).ok()?).ok()
            });
        if valid.is_none() {
            v.add("follow_up_action.due_date", "is not a calendar date");
        }
    }
    if FollowUpStatus::try_from(a.status).is_err() {
        v.add(
            "follow_up_action.status",
            "is not a FOLLOW_UP_STATUS_ value",
        );
    }
    check_same_event(
        &mut v,
        "follow_up_action.statement",
        &a.statement,
        "statements",
        event,
    );
    v.finish()
}

impl BriefingsApi {
    /// Checks a statement's speaker and organisation with contacts.
    async fn resolve_statement(&self, caller: &Caller, s: &mut Statement) -> Result<(), Error> {
        let directory = self.directory(caller)?;
        if s.speaker.is_empty() {
            return Err(Error::invalid("statement.speaker", "is required"));
        }
        let person = directory
            .people(&[Reference::new("statement.speaker", s.speaker.clone())])
            .await?
            .remove(0);
        s.speaker = person.name;
        s.speaker_display_name = person.display_name;
        s.organization_display_name.clear();
        if !s.organization.is_empty() {
            let organization = directory
                .organizations(&[Reference::new(
                    "statement.organization",
                    s.organization.clone(),
                )])
                .await?
                .remove(0);
            s.organization = organization.name;
            s.organization_display_name = organization.display_name;
        }
        Ok(())
    }

    /// Checks a follow-up action's owner with contacts and copies its display name.
    async fn resolve_owner(&self, caller: &Caller, a: &mut FollowUpAction) -> Result<(), Error> {
        let directory = self.directory(caller)?;
        match &mut a.owner {
            Some(Owner::OwnerPerson(name)) => {
                let person = directory
                    .people(&[Reference::new(
                        "follow_up_action.owner_person",
                        name.clone(),
                    )])
                    .await?
                    .remove(0);
                *name = person.name;
                a.owner_display_name = person.display_name;
            }
            Some(Owner::OwnerOrganization(name)) => {
                let organization = directory
                    .organizations(&[Reference::new(
                        "follow_up_action.owner_organization",
                        name.clone(),
                    )])
                    .await?
                    .remove(0);
                *name = organization.name;
                a.owner_display_name = organization.display_name;
            }
            Some(Owner::OwnerSubject(subject)) => {
                a.owner_display_name =
                    if *subject == caller.subject && !caller.display_name.is_empty() {
                        caller.display_name.clone()
                    } else {
                        subject.clone()
                    };
            }
            None => {}
        }
        Ok(())
    }

    pub(super) async fn get_statement(
        &self,
        request: tonic::Request<GetStatementRequest>,
    ) -> Result<GetStatementResponse, Error> {
        let statement = self.get_child::<Statement, _>(request, |r| &r.name).await?;
        Ok(GetStatementResponse {
            statement: Some(statement),
        })
    }

    pub(super) async fn list_statements(
        &self,
        request: tonic::Request<ListStatementsRequest>,
    ) -> Result<ListStatementsResponse, Error> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        let (statements, next_page_token, total_size) = self
            .list_children::<Statement>(&caller, &STATEMENT_SPEC, child_query!(r, true, ""))
            .await?;
        Ok(ListStatementsResponse {
            statements,
            next_page_token,
            total_size,
        })
    }

    pub(super) async fn create_statement(
        &self,
        request: tonic::Request<CreateStatementRequest>,
    ) -> Result<CreateStatementResponse, Error> {
        let caller = caller(&request, Need::Write)?;
        let r = request.into_inner();
        let request_id = RequestId::parse(&r.request_id, &r)?;
        let mut statement = required(r.statement.clone(), "statement")?;
        statement.title = statement.title.trim().to_owned();
        self.resolve_statement(&caller, &mut statement).await?;
        let statement = Statement {
            name: String::new(),
            etag: String::new(),
            delete_time: None,
            ..statement
        };
        let created = self
            .create_child(
                &caller,
                &r.parent,
                method!("CreateStatement"),
                &request_id,
                statement,
                check_statement,
            )
            .await?;
        Ok(CreateStatementResponse {
            statement: Some(created),
        })
    }

    pub(super) async fn update_statement(
        &self,
        request: tonic::Request<UpdateStatementRequest>,
    ) -> Result<UpdateStatementResponse, Error> {
        let caller = caller(&request, Need::Write)?;
        let r = request.into_inner();
        let mask = UpdateMask::parse(r.update_mask.as_ref(), STATEMENT_UPDATABLE)?;
        let mut patch = required(r.statement, "statement")?;
        patch.title = patch.title.trim().to_owned();
        let (name, sent_etag) = (patch.name.clone(), patch.etag.clone());
        let current = self
            .get_child::<Statement, _>(
                tonic_request(&caller, GetStatementRequest { name: name.clone() }),
                |r| &r.name,
            )
            .await?;
        let mut merged = current.clone();
        engage_platform::apply_mask!(
            mask,
            merged,
            patch,
            [
                speaker,
                organization,
                title,
                link,
                session,
                deliver_time,
                language,
                summary,
                thematic_areas
            ]
        );
        if mask.contains("speaker") || mask.contains("organization") {
            self.resolve_statement(&caller, &mut merged).await?;
        }
        let updated = self
            .update_child(
                &caller,
                &name,
                &sent_etag,
                method!("UpdateStatement"),
                |s: &mut Statement, event| {
                    let etag = s.etag.clone();
                    *s = Statement {
                        etag,
                        delete_time: s.delete_time,
                        create_time: s.create_time,
                        ..merged.clone()
                    };
                    check_statement(s, event)
                },
            )
            .await?;
        Ok(UpdateStatementResponse {
            statement: Some(updated),
        })
    }

    pub(super) async fn delete_statement(
        &self,
        request: tonic::Request<DeleteStatementRequest>,
    ) -> Result<DeleteStatementResponse, Error> {
        let caller = caller(&request, Need::Write);
        let r = request.into_inner();
        let statement = self
            .delete_child::<Statement>(caller, &r.name, &r.etag, true, method!("DeleteStatement"))
            .await?;
        Ok(DeleteStatementResponse {
            statement: Some(statement),
        })
    }

    pub(super) async fn undelete_statement(
        &self,
        request: tonic::Request<UndeleteStatementRequest>,
    ) -> Result<UndeleteStatementResponse, Error> {
        let caller = caller(&request, Need::Write);
        let r = request.into_inner();
        let statement = self
            .delete_child::<Statement>(
                caller,
                &r.name,
                &r.etag,
                false,
                method!("UndeleteStatement"),
            )
            .await?;
        Ok(UndeleteStatementResponse {
            statement: Some(statement),
        })
    }

    pub(super) async fn get_follow_up_action(
        &self,
        request: tonic::Request<GetFollowUpActionRequest>,
    ) -> Result<GetFollowUpActionResponse, Error> {
        let action = self
            .get_child::<FollowUpAction, _>(request, |r| &r.name)
            .await?;
        Ok(GetFollowUpActionResponse {
            follow_up_action: Some(action),
        })
    }

    pub(super) async fn list_follow_up_actions(
        &self,
        request: tonic::Request<ListFollowUpActionsRequest>,
    ) -> Result<ListFollowUpActionsResponse, Error> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        let day = today();
        let (follow_up_actions, next_page_token, total_size) = self
            .list_children::<FollowUpAction>(&caller, &FOLLOW_UP_SPEC, child_query!(r, true, &day))
            .await?;
        Ok(ListFollowUpActionsResponse {
            follow_up_actions,
            next_page_token,
            total_size,
        })
    }

    pub(super) async fn create_follow_up_action(
        &self,
        request: tonic::Request<CreateFollowUpActionRequest>,
    ) -> Result<CreateFollowUpActionResponse, Error> {
        let caller = caller(&request, Need::Write)?;
        let r = request.into_inner();
        let request_id = RequestId::parse(&r.request_id, &r)?;
        let mut action = required(r.follow_up_action.clone(), "follow_up_action")?;
        action.title = action.title.trim().to_owned();
        if action.status == FollowUpStatus::Unspecified as i32 {
            action.status = FollowUpStatus::Open as i32;
        }
        self.resolve_owner(&caller, &mut action).await?;
        let action = FollowUpAction {
            name: String::new(),
            etag: String::new(),
            delete_time: None,
            complete_time: (action.status == FollowUpStatus::Done as i32)
                .then(|| timestamp(now_micros())),
            ..action
        };
        let created = self
            .create_child(
                &caller,
                &r.parent,
                method!("CreateFollowUpAction"),
                &request_id,
                action,
                check_follow_up,
            )
            .await?;
        Ok(CreateFollowUpActionResponse {
            follow_up_action: Some(created),
        })
    }

    pub(super) async fn update_follow_up_action(
        &self,
        request: tonic::Request<UpdateFollowUpActionRequest>,
    ) -> Result<UpdateFollowUpActionResponse, Error> {
        let caller = caller(&request, Need::Write)?;
        let r = request.into_inner();
        let mask = UpdateMask::parse(r.update_mask.as_ref(), FOLLOW_UP_UPDATABLE)?;
        let owners = ["owner_person", "owner_organization", "owner_subject"];
        if owners.iter().filter(|o| mask.contains(o)).count() > 1 {
            return Err(Error::invalid(
                "update_mask",
                "name at most one of the owner fields",
            ));
        }
        let mut patch = required(r.follow_up_action, "follow_up_action")?;
        patch.title = patch.title.trim().to_owned();
        let owner_masked = owners.iter().any(|o| mask.contains(o));
        if owner_masked {
            let wanted = matches!(
                (&patch.owner, owners.iter().find(|o| mask.contains(o))),
                (Some(Owner::OwnerPerson(_)), Some(&"owner_person"))
                    | (
                        Some(Owner::OwnerOrganization(_)),
                        Some(&"owner_organization")
                    )
                    | (Some(Owner::OwnerSubject(_)), Some(&"owner_subject"))
            );
            if !wanted {
                return Err(Error::invalid(
                    "follow_up_action.owner_person",
                    "set the owner field the update mask names",
                ));
            }
            self.resolve_owner(&caller, &mut patch).await?;
        }
        let (name, sent_etag) = (patch.name.clone(), patch.etag.clone());
        let updated = self
            .update_child(
                &caller,
                &name,
                &sent_etag,
                method!("UpdateFollowUpAction"),
                |a: &mut FollowUpAction, event| {
                    let patch = patch.clone();
                    if mask.contains("title") {
                        a.title = patch.title;
                    }
                    if mask.contains("description") {
                        a.description = patch.description;
                    }
                    if owner_masked {
                        a.owner = patch.owner;
                        a.owner_display_name = patch.owner_display_name;
                    }
                    if mask.contains("due_date") {
                        a.due_date = patch.due_date;
                    }
                    if mask.contains("statement") {
                        a.statement = patch.statement;
                    }
                    if mask.contains("status") {
                        let from =
                            FollowUpStatus::try_from(a.status).unwrap_or(FollowUpStatus::Open);
                        let to = match FollowUpStatus::try_from(patch.status) {
                            Ok(FollowUpStatus::Unspecified) => FollowUpStatus::Open,
                            Ok(to) => to,
                            Err(_) => {
                                return Err(Error::invalid(
                                    "follow_up_action.status",
                                    "is not a FOLLOW_UP_STATUS_ value",
                                ));
                            }
                        };
                        follow_up_transition(from, to)?;
                        if to == FollowUpStatus::Done && from != FollowUpStatus::Done {
                            a.complete_time = Some(timestamp(now_micros()));
                        } else if to != FollowUpStatus::Done {
                            a.complete_time = None;
                        }
                        a.status = to as i32;
                    }
                    check_follow_up(a, event)
                },
            )
            .await?;
        Ok(UpdateFollowUpActionResponse {
            follow_up_action: Some(updated),
        })
    }

    pub(super) async fn delete_follow_up_action(
        &self,
        request: tonic::Request<DeleteFollowUpActionRequest>,
    ) -> Result<DeleteFollowUpActionResponse, Error> {
        let caller = caller(&request, Need::Write);
        let r = request.into_inner();
        let action = self
            .delete_child::<FollowUpAction>(
                caller,
                &r.name,
                &r.etag,
                true,
                method!("DeleteFollowUpAction"),
            )
            .await?;
        Ok(DeleteFollowUpActionResponse {
            follow_up_action: Some(action),
        })
    }

    pub(super) async fn undelete_follow_up_action(
        &self,
        request: tonic::Request<UndeleteFollowUpActionRequest>,
    ) -> Result<UndeleteFollowUpActionResponse, Error> {
        let caller = caller(&request, Need::Write);
        let r = request.into_inner();
        let action = self
            .delete_child::<FollowUpAction>(
                caller,
                &r.name,
                &r.etag,
                false,
                method!("UndeleteFollowUpAction"),
            )
            .await?;
        Ok(UndeleteFollowUpActionResponse {
            follow_up_action: Some(action),
        })
    }
}

/// A request carrying an already verified caller, for reusing a read handler.
fn tonic_request<T>(caller: &Caller, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request
        .extensions_mut()
        .insert(std::sync::Arc::new(caller.clone()));
    request
}
