//! Sessions (agenda items) with their speakers.

use engage_api::briefings::*;
use engage_platform::directory::Reference;
use engage_platform::field_mask::UpdateMask;
use engage_platform::identity::Need;
use engage_platform::journal::{FieldChange, RequestId};
use engage_platform::query::{Direction, FieldType};
use engage_platform::resource::micros;
use engage_platform::{Caller, Error, Violations, apply_mask};
use serde_json::json;

use super::children::{Kind, child_query, kind_storage, stamped};
use super::listing::values::*;
use super::listing::{self, Column, KeyKind, Sort, Spec, field};
use super::{BriefingsApi, caller, changes, method, required};
use crate::domain::event::check_thematic_areas;
use crate::domain::{check_len, json_list};
use crate::store::{SessionRow, Store};

const UPDATABLE: &[&str] = &[
    "title",
    "description",
    "start_time",
    "end_time",
    "room",
    "speakers",
    "thematic_areas",
];

impl Kind for Session {
    const COLLECTION: &'static str = "sessions";
    const MESSAGE: &'static str = "Session";
    const PREFIX: &'static str = "session";
    const FROZEN_BY_CANCELLATION: bool = true;
    type Row = SessionRow;

    fn of_row(row: &SessionRow) -> Result<Self, Error> {
        Ok(stamped!(row))
    }

    fn to_row(
        &self,
        event_id: &str,
        id: &str,
        revision: i64,
        create_time: i64,
        now: i64,
    ) -> SessionRow {
        let mut stored = self.clone();
        stored.etag.clear();
        let people: Vec<&str> = self.speakers.iter().map(|s| s.person.as_str()).collect();
        let organizations: Vec<&str> = self
            .speakers
            .iter()
            .map(|s| s.organization.as_str())
            .filter(|o| !o.is_empty())
            .collect();
        SessionRow {
            id: id.to_owned(),
            event_id: event_id.to_owned(),
            title: self.title.clone(),
            start_time: self.start_time.as_ref().map(micros).unwrap_or_default(),
            end_time: self.end_time.as_ref().map(micros).unwrap_or_default(),
            speaker_people: json_list(&people),
            speaker_organizations: json_list(&organizations),
            thematic_areas: json_list(&self.thematic_areas),
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
                start_time,
                end_time,
                room,
                speakers,
                thematic_areas,
                delete_time
            ]
        )
    }

    kind_storage!(session, insert_session, replace_session);
}

static FIELDS: &[listing::Field] = &[
    field(
        "start_time",
        FieldType::Timestamp,
        Column::Time("start_time"),
    ),
    field("end_time", FieldType::Timestamp, Column::Time("end_time")),
    field(
        "speakers.person",
        FieldType::List,
        Column::List("speaker_people", None),
    ),
    field(
        "speakers.organization",
        FieldType::List,
        Column::List("speaker_organizations", None),
    ),
    field(
        "thematic_areas",
        FieldType::List,
        Column::List("thematic_areas", Some(thematic_area)),
    ),
    field(
        "update_time",
        FieldType::Timestamp,
        Column::Time("update_time"),
    ),
];

static SORTS: &[Sort<SessionRow>] = &[
    Sort {
        name: "start_time",
        expr: "start_time",
        kind: KeyKind::Number,
        key: |r| json!(r.start_time),
    },
    Sort {
        name: "end_time",
        expr: "end_time",
        kind: KeyKind::Number,
        key: |r| json!(r.end_time),
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

static SPEC: Spec<SessionRow> = Spec {
    table: "sessions",
    fields: FIELDS,
    sorts: SORTS,
    default_order: &[("start_time", Direction::Ascending)],
};

/// Checks a session's own fields and its times against its event's.
fn check_session(session: &Session, event: &Event) -> Result<(), Error> {
    let mut v = Violations::new();
    let title = session.title.trim();
    if title.is_empty() || title.chars().count() > 300 {
        v.add("session.title", "is required, 1 to 300 characters");
    }
    check_len(&mut v, "session.description", &session.description, 10_000);
    check_len(&mut v, "session.room", &session.room, 100);
    check_thematic_areas(&mut v, "session.thematic_areas", &session.thematic_areas);
    if session.speakers.len() > 50 {
        v.add("session.speakers", "at most 50 speakers");
    }
    let mut seen = std::collections::HashSet::new();
    for (i, speaker) in session.speakers.iter().enumerate() {
        if !seen.insert(speaker.person.as_str()) {
            v.add(format!("session.speakers[{i}].person"), "appears twice");
        }
    }
    let (event_start, event_end) = (
        event.start_time.as_ref().map(micros).unwrap_or_default(),
        event.end_time.as_ref().map(micros).unwrap_or_default(),
    );
    match (
        session.start_time.as_ref().map(micros),
        session.end_time.as_ref().map(micros),
    ) {
        (None, _) => v.add("session.start_time", "is required"),
        (_, None) => v.add("session.end_time", "is required"),
        (Some(s), Some(e)) => {
            if s < event_start || s > event_end {
                v.add(
                    "session.start_time",
                    "must be within the event's start and end",
                );
            }
            if e <= s {
                v.add("session.end_time", "must be after start_time");
            } else if e > event_end {
                v.add("session.end_time", "must not be after the event's end");
            }
        }
    }
    v.finish()
}

impl BriefingsApi {
    /// Checks the speakers with contacts: survivors for merged records, display names copied.
    async fn resolve_speakers(
        &self,
        caller: &Caller,
        speakers: &mut [Speaker],
    ) -> Result<(), Error> {
        if speakers.is_empty() {
            return Ok(());
        }
        let people: Vec<Reference> = speakers
            .iter()
            .enumerate()
            .map(|(i, s)| Reference::new(format!("session.speakers[{i}].person"), s.person.clone()))
            .collect();
        let directory = self.directory(caller)?;
        let found = directory.people(&people).await?;
        for (speaker, person) in speakers.iter_mut().zip(found) {
            speaker.person = person.name;
            speaker.display_name = person.display_name;
        }
        let organizations: Vec<(usize, Reference)> = speakers
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.organization.is_empty())
            .map(|(i, s)| {
                (
                    i,
                    Reference::new(
                        format!("session.speakers[{i}].organization"),
                        s.organization.clone(),
                    ),
                )
            })
            .collect();
        let references: Vec<Reference> = organizations.iter().map(|(_, r)| r.clone()).collect();
        let found = directory.organizations(&references).await?;
        for ((i, _), organization) in organizations.iter().zip(found) {
            speakers[*i].organization = organization.name;
            speakers[*i].organization_display_name = organization.display_name;
        }
        for speaker in speakers.iter_mut().filter(|s| s.organization.is_empty()) {
            speaker.organization_display_name.clear();
        }
        Ok(())
    }

    pub(super) async fn get_session(
        &self,
        request: tonic::Request<GetSessionRequest>,
    ) -> Result<GetSessionResponse, Error> {
        let session = self.get_child::<Session, _>(request, |r| &r.name).await?;
        Ok(GetSessionResponse {
            session: Some(session),
        })
    }

    pub(super) async fn list_sessions(
        &self,
        request: tonic::Request<ListSessionsRequest>,
    ) -> Result<ListSessionsResponse, Error> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        let (sessions, next_page_token, total_size) = self
            .list_children::<Session>(&caller, &SPEC, child_query!(r, false, ""))
            .await?;
        Ok(ListSessionsResponse {
            sessions,
            next_page_token,
            total_size,
        })
    }

    pub(super) async fn create_session(
        &self,
        request: tonic::Request<CreateSessionRequest>,
    ) -> Result<CreateSessionResponse, Error> {
        let caller = caller(&request, Need::Write)?;
        let r = request.into_inner();
        let request_id = RequestId::parse(&r.request_id, &r)?;
        let mut session = required(r.session.clone(), "session")?;
        session.title = session.title.trim().to_owned();
        self.resolve_speakers(&caller, &mut session.speakers)
            .await?;
        let session = Session {
            name: String::new(),
            etag: String::new(),
            delete_time: None,
            ..session
        };
        let created = self
            .create_child(
                &caller,
                &r.parent,
                method!("CreateSession"),
                &request_id,
                session,
                check_session,
            )
            .await?;
        Ok(CreateSessionResponse {
            session: Some(created),
        })
    }

    pub(super) async fn update_session(
        &self,
        request: tonic::Request<UpdateSessionRequest>,
    ) -> Result<UpdateSessionResponse, Error> {
        let caller = caller(&request, Need::Write)?;
        let r = request.into_inner();
        let mask = UpdateMask::parse(r.update_mask.as_ref(), UPDATABLE)?;
        let mut patch = required(r.session, "session")?;
        patch.title = patch.title.trim().to_owned();
        if mask.contains("speakers") {
            self.resolve_speakers(&caller, &mut patch.speakers).await?;
        }
        let (name, sent_etag) = (patch.name.clone(), patch.etag.clone());
        let updated = self
            .update_child(
                &caller,
                &name,
                &sent_etag,
                method!("UpdateSession"),
                |session: &mut Session, event| {
                    let mut patch = patch.clone();
                    apply_mask!(
                        mask,
                        session,
                        patch,
                        [
                            title,
                            description,
                            start_time,
                            end_time,
                            room,
                            speakers,
                            thematic_areas
                        ]
                    );
                    check_session(session, event)
                },
            )
            .await?;
        Ok(UpdateSessionResponse {
            session: Some(updated),
        })
    }

    pub(super) async fn delete_session(
        &self,
        request: tonic::Request<DeleteSessionRequest>,
    ) -> Result<DeleteSessionResponse, Error> {
        let caller = caller(&request, Need::Write);
        let r = request.into_inner();
        let session = self
            .delete_child::<Session>(caller, &r.name, &r.etag, true, method!("DeleteSession"))
            .await?;
        Ok(DeleteSessionResponse {
            session: Some(session),
        })
    }

    pub(super) async fn undelete_session(
        &self,
        request: tonic::Request<UndeleteSessionRequest>,
    ) -> Result<UndeleteSessionResponse, Error> {
        let caller = caller(&request, Need::Write);
        let r = request.into_inner();
        let session = self
            .delete_child::<Session>(caller, &r.name, &r.etag, false, method!("UndeleteSession"))
            .await?;
        Ok(UndeleteSessionResponse {
            session: Some(session),
        })
    }
}
