//! The topics a subscriber can ask for: the resource types each producing service writes
//! events about, with their event types, as the services' contracts define them.

/// The services whose outboxes feed the change feed, in the order they are replayed.
pub const PRODUCERS: [&str; 4] = ["contacts", "initiatives", "declarations", "briefings"];

const LIFECYCLE: &[&str] = &["created", "updated", "deleted", "undeleted"];

/// One topic of the catalogue.
#[derive(Debug)]
pub struct TopicSpec {
    /// The producing service.
    pub service: &'static str,
    /// The resource message's name, such as `Organization`.
    pub resource_type: &'static str,
    /// The protobuf package of the message.
    pub package: &'static str,
    /// The resource in the outbox's event types, such as `organization`.
    pub event_prefix: &'static str,
    /// The verbs its events can have, beyond the lifecycle ones where they apply.
    pub verbs: &'static [&'static str],
    /// Whether it has the lifecycle verbs (created, updated, deleted, undeleted).
    pub lifecycle: bool,
    /// What the resources are.
    pub description: &'static str,
    /// The SubscriptionFilter fields its changes can match.
    pub filterable: &'static [&'static str],
}

impl TopicSpec {
    /// The full message name carried in `ChangeEvent.resource`.
    pub fn message_type(&self) -> String {
        format!("{}.{}", self.package, self.resource_type)
    }

    /// The event types on the wire, such as `contacts.organization.created`.
    pub fn event_types(&self) -> Vec<String> {
        let lifecycle = if self.lifecycle { LIFECYCLE } else { &[] };
        lifecycle
            .iter()
            .chain(self.verbs)
            .map(|verb| format!("{}.{}.{verb}", self.service, self.event_prefix))
            .collect()
    }
}

const PLACE: &[&str] = &["country_codes", "regional_groups"];
const PLACE_AND_SECTOR: &[&str] = &["country_codes", "regional_groups", "sectors"];
const INITIATIVE: &[&str] = &["country_codes", "regional_groups", "initiatives"];
const INITIATIVE_ONLY: &[&str] = &["initiatives"];

macro_rules! topic {
    ($service:literal, $package:literal, $type:literal, $prefix:literal, $lifecycle:literal,
     [$($verb:literal),*], $filterable:expr, $description:literal) => {
        TopicSpec {
            service: $service,
            resource_type: $type,
            package: $package,
            event_prefix: $prefix,
            verbs: &[$($verb),*],
            lifecycle: $lifecycle,
            description: $description,
            filterable: $filterable,
        }
    };
}

/// Every topic.
pub static TOPICS: &[TopicSpec] = &[
    topic!(
        "contacts",
        "engage.contacts.v1",
        "Organization",
        "organization",
        true,
        ["merged"],
        PLACE_AND_SECTOR,
        "Organisations the unit works with: NGOs, governments, agencies, companies."
    ),
    topic!(
        "contacts",
        "engage.contacts.v1",
        "Person",
        "person",
        true,
        ["merged", "erased"],
        PLACE,
        "People the unit works with; a youth person's date of birth is shown to admins only."
    ),
    topic!(
        "contacts",
        "engage.contacts.v1",
        "Affiliation",
        "affiliation",
        true,
        ["moved"],
        &[],
        "A person's role at an organisation."
    ),
    topic!(
        "contacts",
        "engage.contacts.v1",
        "Accreditation",
        "accreditation",
        true,
        ["moved"],
        &[],
        "Accreditations of people and organisations to conference sessions."
    ),
    topic!(
        "contacts",
        "engage.contacts.v1",
        "ConsentRecord",
        "consent_record",
        true,
        ["moved"],
        &[],
        "Consents people gave or withdrew, with their lawful basis."
    ),
    topic!(
        "contacts",
        "engage.contacts.v1",
        "Interaction",
        "interaction",
        true,
        ["moved"],
        &[],
        "Meetings, calls and messages with organisations and people."
    ),
    topic!(
        "contacts",
        "engage.contacts.v1",
        "DuplicateCandidate",
        "duplicate_candidate",
        false,
        ["created", "updated", "decided"],
        &[],
        "Pairs of records that may be the same organisation or person, and their review."
    ),
    topic!(
        "initiatives",
        "engage.initiatives.v1",
        "Initiative",
        "initiative",
        true,
        ["launched", "activated", "suspended", "resumed", "completed"],
        INITIATIVE,
        "Country pilot initiatives and their status."
    ),
    topic!(
        "initiatives",
        "engage.initiatives.v1",
        "Milestone",
        "milestone",
        true,
        [],
        INITIATIVE_ONLY,
        "Milestones of an initiative's roadmap."
    ),
    topic!(
        "initiatives",
        "engage.initiatives.v1",
        "ProgressEntry",
        "progress_entry",
        false,
        ["created"],
        INITIATIVE_ONLY,
        "Entries of an initiative's progress log."
    ),
    topic!(
        "declarations",
        "engage.declarations.v1",
        "Declaration",
        "declaration",
        true,
        ["opened", "closed"],
        &[],
        "Declarations open for signature."
    ),
    topic!(
        "declarations",
        "engage.declarations.v1",
        "Signature",
        "signature",
        false,
        [
            "created",
            "updated",
            "verified",
            "rejected",
            "withdrawn",
            "redacted"
        ],
        PLACE_AND_SECTOR,
        "Signatures of declarations and their review."
    ),
    topic!(
        "briefings",
        "engage.briefings.v1",
        "Event",
        "event",
        true,
        ["published", "closed", "reopened", "cancelled"],
        PLACE,
        "Briefings and side events."
    ),
    topic!(
        "briefings",
        "engage.briefings.v1",
        "Session",
        "session",
        true,
        [],
        &[],
        "Sessions of an event's agenda."
    ),
    topic!(
        "briefings",
        "engage.briefings.v1",
        "Registration",
        "registration",
        false,
        [
            "registered",
            "waitlisted",
            "promoted",
            "updated",
            "cancelled",
            "checked_in",
            "no_show"
        ],
        PLACE_AND_SECTOR,
        "Registrations of participants for events."
    ),
    topic!(
        "briefings",
        "engage.briefings.v1",
        "Statement",
        "statement",
        true,
        [],
        &[],
        "Statements delivered at events."
    ),
    topic!(
        "briefings",
        "engage.briefings.v1",
        "FollowUpAction",
        "follow_up_action",
        true,
        [],
        &[],
        "Follow-up actions agreed at events."
    ),
];

/// Whether `service` produces changes.
pub fn is_producer(service: &str) -> bool {
    PRODUCERS.contains(&service)
}

/// The topic of `service` named `resource_type`, if there is one.
pub fn find(service: &str, resource_type: &str) -> Option<&'static TopicSpec> {
    TOPICS
        .iter()
        .find(|t| t.service == service && t.resource_type == resource_type)
}

/// The short resource type of a full message name: `Organization` for
/// `engage.contacts.v1.Organization`.
pub fn short_type(message_type: &str) -> &str {
    message_type.rsplit('.').next().unwrap_or(message_type)
}
