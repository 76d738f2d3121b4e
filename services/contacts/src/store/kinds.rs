//! How each resource of the register is kept: its sort keys, search text and terms.
//!
//! Sort columns: `sort_1` the folded display name (organisations, people), `sort_2` and
//! `sort_3` family-then-given and given-then-family names (people), `sort_4` the country.
//! Child resources use them for their dates (see each impl). Dates are kept YYYY-MM-DD so
//! that text order is date order.

use engage_api::contacts::{
    Accreditation, AccreditationState, Affiliation, ConsentRecord, DuplicateBand,
    DuplicateCandidate, DuplicateCandidateState, EcosocStatus, Interaction, Organization, Person,
    RecordType,
};
use engage_api::types::{RegionalGroup, Sector, ThematicArea};
use engage_platform::journal::FieldChange;
use serde_json::json;

use super::RecordKind;
use super::lifecycle::{Indexed, Output, Resource};
use crate::domain::text::fold;
use crate::domain::{children, dates, duplicates, organization, person};

/// The term holding duplicate-detection blocking keys.
pub const DUPLICATE_KEY: &str = "duplicate_key";

/// Longest part of a free-text field that search indexes.
const SEARCHED_FREE_TEXT: usize = 2_000;

fn enum_name<E: TryFrom<i32>>(value: i32, name: impl Fn(E) -> &'static str) -> String {
    E::try_from(value).map(name).unwrap_or_default().to_owned()
}

fn sector_name(value: i32) -> String {
    enum_name(value, |e: Sector| e.as_str_name())
}

fn regional_group_name(value: i32) -> String {
    enum_name(value, |e: RegionalGroup| e.as_str_name())
}

fn thematic_area_names(values: &[i32]) -> impl Iterator<Item = String> + '_ {
    values
        .iter()
        .map(|v| enum_name(*v, |e: ThematicArea| e.as_str_name()))
}

fn free_text(text: &str) -> String {
    text.chars().take(SEARCHED_FREE_TEXT).collect()
}

fn host_of(website: &str) -> String {
    url::Url::parse(website)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| h.trim_start_matches("www.").to_owned())
        })
        .unwrap_or_default()
}

fn date_text(date: Option<&engage_api::types::Date>) -> String {
    date.map(dates::format_date).unwrap_or_default()
}

/// What organisations and people both have and filter on.
struct ContactTerms<'a> {
    country_code: &'a str,
    regional_group: i32,
    external_id: &'a str,
    thematic_areas: &'a [i32],
    tags: &'a [String],
    emails: &'a [engage_api::contacts::EmailAddress],
    phones: &'a [engage_api::contacts::PhoneNumber],
}

/// Terms shared by organisations and people.
fn contact_terms(terms: &mut Vec<(String, String)>, contact: ContactTerms<'_>) {
    let ContactTerms {
        country_code,
        regional_group,
        external_id,
        thematic_areas,
        tags,
        emails,
        phones,
    } = contact;
    let mut add = |field: &str, value: String| {
        if !value.is_empty() {
            terms.push((field.to_owned(), value));
        }
    };
    add("country_code", country_code.to_owned());
    add("regional_group", regional_group_name(regional_group));
    add("external_id", external_id.to_owned());
    for area in thematic_area_names(thematic_areas) {
        add("thematic_areas", area);
    }
    for tag in tags {
        add("tags", tag.clone());
    }
    for email in emails {
        add("emails.address", email.address.clone());
    }
    for phone in phones {
        add("phones.e164", phone.e164.clone());
    }
}

fn some_text(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

impl Resource for Organization {
    const KIND: RecordKind = RecordKind::Organization;
    const TYPE_NAME: &'static str = "engage.contacts.v1.Organization";
    const EVENT: &'static str = "organization";
    const COLLECTION: &'static str = "organizations";
    const PARENT: Option<&'static str> = None;

    fn index(&self) -> Indexed {
        let mut terms = vec![("sector".to_owned(), sector_name(self.sector))];
        if let Ok(status) = EcosocStatus::try_from(self.ecosoc_status) {
            terms.push(("ecosoc_status".into(), status.as_str_name().into()));
        }
        contact_terms(
            &mut terms,
            ContactTerms {
                country_code: &self.country_code,
                regional_group: self.regional_group,
                external_id: &self.external_id,
                thematic_areas: &self.thematic_areas,
                tags: &self.tags,
                emails: &self.emails,
                phones: &self.phones,
            },
        );
        for key in duplicates::organization_blocking_keys(self) {
            terms.push((DUPLICATE_KEY.into(), key));
        }
        let mut searched = vec![
            self.display_name.clone(),
            self.acronym.clone(),
            host_of(&self.website),
        ];
        searched.extend(self.alternative_names.iter().cloned());
        searched.extend(self.emails.iter().map(|e| e.address.clone()));
        searched.push(free_text(&self.description));
        Indexed {
            sort: [
                fold(&self.display_name),
                String::new(),
                String::new(),
                self.country_code.clone(),
            ],
            external_id: some_text(&self.external_id),
            search_text: fold(&searched.join(" | ")),
            terms,
        }
    }

    fn attributes(&self) -> serde_json::Value {
        json!({
            "country_code": self.country_code,
            "regional_group": regional_group_name(self.regional_group),
            "sector": sector_name(self.sector),
        })
    }

    fn set_output(&mut self, output: Output) {
        self.name = output.name;
        self.etag = output.etag;
        self.create_time = output.create_time;
        self.update_time = output.update_time;
        self.delete_time = output.delete_time;
        self.merged_into = output.merged_into;
        self.merge_time = output.merge_time;
    }

    fn created(&self) -> Vec<FieldChange> {
        organization::created_organization(self)
    }

    fn changes(before: &Self, after: &Self) -> Vec<FieldChange> {
        organization::changes_organization(before, after)
    }
}

impl Resource for Person {
    const KIND: RecordKind = RecordKind::Person;
    const TYPE_NAME: &'static str = "engage.contacts.v1.Person";
    const EVENT: &'static str = "person";
    const COLLECTION: &'static str = "people";
    const PARENT: Option<&'static str> = None;

    fn index(&self) -> Indexed {
        let mut terms = Vec::new();
        contact_terms(
            &mut terms,
            ContactTerms {
                country_code: &self.country_code,
                regional_group: self.regional_group,
                external_id: &self.external_id,
                thematic_areas: &self.thematic_areas,
                tags: &self.tags,
                emails: &self.emails,
                phones: &self.phones,
            },
        );
        terms.push(("youth".into(), self.youth.to_string()));
        if let Ok(bracket) = engage_api::contacts::AgeBracket::try_from(self.age_bracket)
            && self.age_bracket != 0
        {
            terms.push(("age_bracket".into(), bracket.as_str_name().into()));
        }
        for language in &self.languages {
            terms.push(("languages".into(), language.clone()));
        }
        for key in duplicates::person_blocking_keys(self) {
            terms.push((DUPLICATE_KEY.into(), key));
        }
        let family = fold(&self.family_name);
        let given = fold(&self.given_name);
        let mut searched = vec![
            self.display_name.clone(),
            format!("{} {}", self.family_name, self.given_name),
        ];
        searched.extend(self.emails.iter().map(|e| e.address.clone()));
        searched.extend(self.phones.iter().map(|p| p.e164.clone()));
        searched.push(free_text(&self.notes));
        Indexed {
            sort: [
                fold(&self.display_name),
                format!("{family}\u{1}{given}"),
                format!("{given}\u{1}{family}"),
                self.country_code.clone(),
            ],
            external_id: some_text(&self.external_id),
            search_text: fold(&searched.join(" | ")),
            terms,
        }
    }

    fn attributes(&self) -> serde_json::Value {
        json!({
            "country_code": self.country_code,
            "regional_group": regional_group_name(self.regional_group),
        })
    }

    fn set_output(&mut self, output: Output) {
        self.name = output.name;
        self.etag = output.etag;
        self.create_time = output.create_time;
        self.update_time = output.update_time;
        self.delete_time = output.delete_time;
        self.merged_into = output.merged_into;
        self.merge_time = output.merge_time;
        self.erase_time = output.erase_time;
    }

    fn created(&self) -> Vec<FieldChange> {
        person::created_person(self)
    }

    fn changes(before: &Self, after: &Self) -> Vec<FieldChange> {
        person::changes_person(before, after)
    }
}

/// Sets the output-only fields every child resource has.
macro_rules! child_output {
    ($self:ident, $output:ident) => {
        $self.name = $output.name;
        $self.etag = $output.etag;
        $self.create_time = $output.create_time;
        $self.update_time = $output.update_time;
        $self.delete_time = $output.delete_time;
    };
}

/// Affiliations sort by start date (`sort_1`) and end date (`sort_2`).
impl Resource for Affiliation {
    const KIND: RecordKind = RecordKind::Affiliation;
    const TYPE_NAME: &'static str = "engage.contacts.v1.Affiliation";
    const EVENT: &'static str = "affiliation";
    const COLLECTION: &'static str = "affiliations";
    const PARENT: Option<&'static str> = Some("people");

    fn index(&self) -> Indexed {
        let start = date_text(self.start_date.as_ref());
        let end = date_text(self.end_date.as_ref());
        let mut terms = vec![
            ("organization".to_owned(), self.organization.clone()),
            ("primary".to_owned(), self.primary.to_string()),
        ];
        if !start.is_empty() {
            terms.push(("start_date".into(), start.clone()));
        }
        if !end.is_empty() {
            terms.push(("end_date".into(), end.clone()));
        }
        Indexed {
            sort: [start, end, String::new(), String::new()],
            terms,
            ..Indexed::default()
        }
    }

    fn attributes(&self) -> serde_json::Value {
        json!({ "organization": self.organization })
    }

    fn set_output(&mut self, output: Output) {
        child_output!(self, output);
    }

    fn created(&self) -> Vec<FieldChange> {
        children::created_affiliation(self)
    }

    fn changes(before: &Self, after: &Self) -> Vec<FieldChange> {
        children::changes_affiliation(before, after)
    }
}

/// Accreditations sort by session (`sort_1`), request date (`sort_2`), decision date
/// (`sort_3`).
impl Resource for Accreditation {
    const KIND: RecordKind = RecordKind::Accreditation;
    const TYPE_NAME: &'static str = "engage.contacts.v1.Accreditation";
    const EVENT: &'static str = "accreditation";
    const COLLECTION: &'static str = "accreditations";
    const PARENT: Option<&'static str> = Some("organizations");

    fn index(&self) -> Indexed {
        let request = date_text(self.request_date.as_ref());
        let decision = date_text(self.decision_date.as_ref());
        let state = AccreditationState::try_from(self.state)
            .unwrap_or(AccreditationState::Requested)
            .as_str_name();
        let mut terms = vec![
            (
                "conference_session".to_owned(),
                self.conference_session.clone(),
            ),
            ("state".to_owned(), state.to_owned()),
        ];
        for person in &self.representatives {
            terms.push(("representatives".into(), person.clone()));
        }
        if !request.is_empty() {
            terms.push(("request_date".into(), request.clone()));
        }
        if !decision.is_empty() {
            terms.push(("decision_date".into(), decision.clone()));
        }
        Indexed {
            sort: [
                self.conference_session.clone(),
                request,
                decision,
                String::new(),
            ],
            terms,
            ..Indexed::default()
        }
    }

    fn attributes(&self) -> serde_json::Value {
        json!({ "conference_session": self.conference_session })
    }

    fn set_output(&mut self, output: Output) {
        child_output!(self, output);
    }

    fn created(&self) -> Vec<FieldChange> {
        children::created_accreditation(self)
    }

    fn changes(before: &Self, after: &Self) -> Vec<FieldChange> {
        children::changes_accreditation(before, after)
    }
}

/// Consent records sort by given date (`sort_1`) and withdrawal date (`sort_2`).
impl Resource for ConsentRecord {
    const KIND: RecordKind = RecordKind::ConsentRecord;
    const TYPE_NAME: &'static str = "engage.contacts.v1.ConsentRecord";
    const EVENT: &'static str = "consent_record";
    const COLLECTION: &'static str = "consentRecords";
    const PARENT: Option<&'static str> = Some("people");

    fn index(&self) -> Indexed {
        use engage_api::contacts::{ConsentBasis, ConsentPurpose, ConsentSource, ConsentState};
        let given = date_text(self.given_date.as_ref());
        let withdrawn = date_text(self.withdraw_date.as_ref());
        let mut terms = vec![
            (
                "purpose".to_owned(),
                enum_name(self.purpose, |e: ConsentPurpose| e.as_str_name()),
            ),
            (
                "basis".to_owned(),
                enum_name(self.basis, |e: ConsentBasis| e.as_str_name()),
            ),
            (
                "state".to_owned(),
                enum_name(self.state, |e: ConsentState| e.as_str_name()),
            ),
            (
                "source".to_owned(),
                enum_name(self.source, |e: ConsentSource| e.as_str_name()),
            ),
        ];
        for (field, value) in [
            ("given_date", &given),
            ("withdraw_date", &withdrawn),
            ("expire_date", &date_text(self.expire_date.as_ref())),
        ] {
            if !value.is_empty() {
                terms.push((field.to_owned(), value.clone()));
            }
        }
        Indexed {
            sort: [given, withdrawn, String::new(), String::new()],
            terms,
            ..Indexed::default()
        }
    }

    fn attributes(&self) -> serde_json::Value {
        json!({})
    }

    fn set_output(&mut self, output: Output) {
        child_output!(self, output);
    }

    fn created(&self) -> Vec<FieldChange> {
        children::created_consent_record(self)
    }

    fn changes(before: &Self, after: &Self) -> Vec<FieldChange> {
        children::changes_consent_record(before, after)
    }
}

/// Interactions sort by the date they took place (`sort_1`).
impl Resource for Interaction {
    const KIND: RecordKind = RecordKind::Interaction;
    const TYPE_NAME: &'static str = "engage.contacts.v1.Interaction";
    const EVENT: &'static str = "interaction";
    const COLLECTION: &'static str = "interactions";
    const PARENT: Option<&'static str> = None;

    fn index(&self) -> Indexed {
        use engage_api::contacts::InteractionKind;
        let occur = date_text(self.occur_date.as_ref());
        let mut terms = vec![(
            "kind".to_owned(),
            enum_name(self.kind, |e: InteractionKind| e.as_str_name()),
        )];
        let mut add = |field: &str, value: &str| {
            if !value.is_empty() {
                terms.push((field.to_owned(), value.to_owned()));
            }
        };
        add("occur_date", &occur);
        add("conference_session", &self.conference_session);
        add("related_resource", &self.related_resource);
        if let Some(author) = &self.author {
            add("author.subject", &author.subject);
        }
        for person in &self.people {
            add("people", person);
        }
        for organization in &self.organizations {
            add("organizations", organization);
        }
        for area in thematic_area_names(&self.thematic_areas) {
            add("thematic_areas", &area);
        }
        Indexed {
            sort: [occur, String::new(), String::new(), String::new()],
            terms,
            ..Indexed::default()
        }
    }

    fn attributes(&self) -> serde_json::Value {
        json!({ "conference_session": self.conference_session })
    }

    fn set_output(&mut self, output: Output) {
        child_output!(self, output);
    }

    fn created(&self) -> Vec<FieldChange> {
        children::created_interaction(self)
    }

    fn changes(before: &Self, after: &Self) -> Vec<FieldChange> {
        children::changes_interaction(before, after)
    }
}

/// Duplicate candidates sort by score (`sort_1`, fixed-width so that text order is score
/// order).
impl Resource for DuplicateCandidate {
    const KIND: RecordKind = RecordKind::DuplicateCandidate;
    const TYPE_NAME: &'static str = "engage.contacts.v1.DuplicateCandidate";
    const EVENT: &'static str = "duplicate_candidate";
    const COLLECTION: &'static str = "duplicateCandidates";
    const PARENT: Option<&'static str> = None;

    fn index(&self) -> Indexed {
        let mut terms = vec![
            (
                "record_type".to_owned(),
                enum_name(self.record_type, |e: RecordType| e.as_str_name()),
            ),
            (
                "state".to_owned(),
                enum_name(self.state, |e: DuplicateCandidateState| e.as_str_name()),
            ),
            (
                "band".to_owned(),
                enum_name(self.band, |e: DuplicateBand| e.as_str_name()),
            ),
            (
                "pair".to_owned(),
                candidate_pair(&self.record_a, &self.record_b),
            ),
        ];
        // What a reviewer lists by, in one term (see `review_term`).
        let (record_type, state, band) = (
            enum_name(self.record_type, |e: RecordType| e.as_str_name()),
            enum_name(self.state, |e: DuplicateCandidateState| e.as_str_name()),
            enum_name(self.band, |e: DuplicateBand| e.as_str_name()),
        );
        terms.push((REVIEW.to_owned(), review_term(&record_type, &state, None)));
        terms.push((
            REVIEW.to_owned(),
            review_term(&record_type, &state, Some(&band)),
        ));
        for record in [&self.record_a, &self.record_b] {
            terms.push(("records".to_owned(), record.clone()));
        }
        Indexed {
            sort: [
                score_key(self.score),
                String::new(),
                String::new(),
                String::new(),
            ],
            terms,
            ..Indexed::default()
        }
    }

    fn attributes(&self) -> serde_json::Value {
        json!({ "record_type": enum_name(self.record_type, |e: RecordType| e.as_str_name()) })
    }

    fn set_output(&mut self, output: Output) {
        self.name = output.name;
    }

    fn created(&self) -> Vec<FieldChange> {
        candidate_values(&DuplicateCandidate::default(), self)
    }

    fn changes(before: &Self, after: &Self) -> Vec<FieldChange> {
        candidate_values(before, after)
    }
}

fn candidate_values(before: &DuplicateCandidate, after: &DuplicateCandidate) -> Vec<FieldChange> {
    let values = |c: &DuplicateCandidate| {
        vec![
            ("record_a", json!(c.record_a)),
            ("record_b", json!(c.record_b)),
            ("score", json!(c.score)),
            (
                "band",
                json!(enum_name(c.band, |e: DuplicateBand| e.as_str_name())),
            ),
            (
                "state",
                json!(enum_name(c.state, |e: DuplicateCandidateState| e.as_str_name())),
            ),
            ("decision_note", json!(c.decision_note)),
        ]
    };
    values(before)
        .into_iter()
        .zip(values(after))
        .filter(|((_, old), (_, new))| old != new)
        .map(|((path, old), (_, new))| FieldChange::new(path, old, new))
        .collect()
}

/// The term duplicate candidates are listed by: register, state and, optionally, band.
pub const REVIEW: &str = "review";

/// The value of the REVIEW term for a register, a state and maybe a band, as enum names
/// ("RECORD_TYPE_PERSON/DUPLICATE_CANDIDATE_STATE_OPEN/DUPLICATE_BAND_LIKELY").
pub fn review_term(record_type: &str, state: &str, band: Option<&str>) -> String {
    match band {
        Some(band) => format!("{record_type}/{state}/{band}"),
        None => format!("{record_type}/{state}"),
    }
}

/// The pair's key, the same whichever side is named first.
pub fn candidate_pair(a: &str, b: &str) -> String {
    if a <= b {
        format!("{a}|{b}")
    } else {
        format!("{b}|{a}")
    }
}

/// A score in [0, 1] as fixed-width text.
pub fn score_key(score: f64) -> String {
    format!("{:012}", (score.clamp(0.0, 1.0) * 1e9).round() as i64)
}
