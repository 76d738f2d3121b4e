//! Who registers: a contacts person named in the request, or one found or created in
//! contacts from the registration form, and what the registration records about them.

use engage_api::briefings::{Event, NewPerson, ParticipantSnapshot, register_request};
use engage_api::contacts::contacts_service_client::ContactsServiceClient;
use engage_api::contacts::{
    Affiliation, ConsentBasis, ConsentPurpose, ConsentRecord, ConsentSource,
    CreateAffiliationRequest, CreateConsentRecordRequest, CreatePersonRequest, EmailAddress,
    Organization, Person, PhoneNumber,
};
use engage_platform::directory::Reference;
use engage_platform::resource::{now_micros, timestamp};
use engage_platform::{Caller, Error, Role};
use sha2::{Digest, Sha256};

use super::BriefingsApi;
use crate::domain::registration::check_new_person;

/// The participant of a registration as contacts knows them.
pub struct Participant {
    /// `people/{person}`, the survivor when merged.
    pub person: String,
    /// `organizations/{organization}` or empty.
    pub organization: String,
    /// What the registration records for reporting.
    pub snapshot: ParticipantSnapshot,
}

/// The snapshot of a person representing an organisation.
pub fn snapshot(person: &Person, organization: Option<&Organization>) -> ParticipantSnapshot {
    let country = match organization {
        Some(o) => o.country_code.clone(),
        None => person.country_code.clone(),
    };
    let regional_group = engage_platform::regions::regional_group(&country).map_or(0, |g| g as i32);
    ParticipantSnapshot {
        display_name: person.display_name.clone(),
        organization_display_name: organization
            .map(|o| o.display_name.clone())
            .unwrap_or_default(),
        sector: organization.map_or(0, |o| o.sector),
        country_code: country,
        regional_group,
        youth: person.youth,
        snapshot_time: Some(timestamp(now_micros())),
    }
}

/// A request id for a call to contacts derived from the registration's own, so that a
/// retried registration does not create twice; none when the registration has none.
fn derived_request_id(request_id: Option<&str>, purpose: &str) -> String {
    let Some(request_id) = request_id else {
        return String::new();
    };
    let digest = Sha256::digest(format!("{request_id}/{purpose}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

fn contacts_error(status: tonic::Status, field: &str) -> Error {
    match status.code() {
        tonic::Code::InvalidArgument => Error::invalid(field, status.message().to_owned()),
        tonic::Code::PermissionDenied => Error::PermissionDenied {
            reason: "CONTACTS_REFUSED",
            message: format!("contacts refused: {}", status.message()),
        },
        _ => Error::Unavailable(format!("contacts: {} {}", status.code(), status.message())),
    }
}

/// Who adds a registration form's person to contacts. An event's registration managers
/// (organisers' staff) register participants without a role that may edit the register, so
/// the briefings service adds the person itself, with the officer role, under a subject that
/// names the staff member it acted for: contacts' audit trail shows both.
fn registration_desk(caller: &Caller) -> Caller {
    let mut desk = Caller::new(
        format!("briefings-registration:{}", caller.subject),
        &[Role::CsuOfficer],
    );
    desk.display_name = format!("event registration for {}", caller.subject);
    desk
}

impl BriefingsApi {
    pub(super) fn contacts(
        &self,
        caller: &Caller,
    ) -> Result<ContactsServiceClient<engage_platform::identity::ServiceChannel>, Error> {
        Ok(ContactsServiceClient::new(self.peers.calling_as(
            "contacts",
            &self.key,
            caller.clone(),
        )?))
    }

    /// The organisation named by a registration, checked with contacts.
    pub(super) async fn organization(
        &self,
        caller: &Caller,
        name: &str,
        field: &str,
    ) -> Result<Option<Organization>, Error> {
        if name.is_empty() {
            return Ok(None);
        }
        let found = self
            .directory(caller)?
            .organizations(&[Reference::new(field, name)])
            .await?;
        Ok(found.into_iter().next())
    }

    /// The participant of a registration.
    pub(super) async fn participant(
        &self,
        caller: &Caller,
        event: &Event,
        who: Option<register_request::Participant>,
        organization: &str,
        request_id: Option<&str>,
    ) -> Result<Participant, Error> {
        let organization = self
            .organization(caller, organization, "organization")
            .await?;
        let person = match who {
            None => {
                return Err(Error::invalid(
                    "person",
                    "is required: name a contacts person or fill in new_person",
                ));
            }
            Some(register_request::Participant::Person(name)) => self
                .directory(caller)?
                .people(&[Reference::new("person", name)])
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| Error::invalid("person", "does not exist in contacts"))?,
            Some(register_request::Participant::NewPerson(mut form)) => {
                check_new_person(&mut form)?;
                self.find_or_create(caller, event, &form, organization.as_ref(), request_id)
                    .await?
            }
        };
        Ok(Participant {
            person: person.name.clone(),
            organization: organization
                .as_ref()
                .map(|o| o.name.clone())
                .unwrap_or_default(),
            snapshot: snapshot(&person, organization.as_ref()),
        })
    }

    /// The person of a registration form: the contacts person with the same email, or a new
    /// one, with the form's consent and (when an organisation is named) affiliation.
    async fn find_or_create(
        &self,
        caller: &Caller,
        event: &Event,
        form: &NewPerson,
        organization: Option<&Organization>,
        request_id: Option<&str>,
    ) -> Result<Person, Error> {
        let mut contacts = self.contacts(&registration_desk(caller))?;
        let person = Person {
            given_name: form.given_name.clone(),
            family_name: form.family_name.clone(),
            emails: vec![EmailAddress {
                address: form.email.clone(),
                primary: true,
                ..Default::default()
            }],
            phones: if form.phone.is_empty() {
                Vec::new()
            } else {
                vec![PhoneNumber {
                    original_text: form.phone.clone(),
                    primary: true,
                    ..Default::default()
                }]
            },
            country_code: form.country_code.clone(),
            youth: form.youth,
            languages: if form.preferred_language.is_empty() {
                Vec::new()
            } else {
                vec![form.preferred_language.clone()]
            },
            ..Default::default()
        };
        // Contacts looks the email up and creates the person in one step, so that a form
        // sent twice at the same moment (a double click) finds one person, not two.
        let person = contacts
            .create_person(CreatePersonRequest {
                person: Some(person),
                request_id: derived_request_id(request_id, "person"),
                find_by_email: true,
                ..Default::default()
            })
            .await
            .map_err(|s| contacts_error(s, "new_person"))?
            .into_inner()
            .person
            .ok_or_else(|| Error::Internal("contacts answered no person".into()))?;
        let today = time::OffsetDateTime::now_utc().date();
        let consent = ConsentRecord {
            purpose: ConsentPurpose::EventCommunications as i32,
            basis: ConsentBasis::Consent as i32,
            given_date: Some(engage_api::types::Date {
                year: today.year(),
                month: i32::from(u8::from(today.month())),
                day: i32::from(today.day()),
            }),
            source: ConsentSource::EventRegistration as i32,
            source_detail: event.name.clone(),
            ..Default::default()
        };
        contacts
            .create_consent_record(CreateConsentRecordRequest {
                parent: person.name.clone(),
                consent_record: Some(consent),
                request_id: derived_request_id(request_id, "consent"),
            })
            .await
            .map_err(|s| contacts_error(s, "new_person.consent_given"))?;
        if let Some(organization) = organization
            && person.primary_organization != organization.name
        {
            let affiliation = Affiliation {
                organization: organization.name.clone(),
                title: form.job_title.clone(),
                current: true,
                ..Default::default()
            };
            // An affiliation that exists already is refused by contacts; the registration
            // goes ahead either way.
            let answer = contacts
                .create_affiliation(CreateAffiliationRequest {
                    parent: person.name.clone(),
                    affiliation: Some(affiliation),
                    request_id: derived_request_id(request_id, "affiliation"),
                })
                .await;
            if let Err(status) = answer
                && !matches!(
                    status.code(),
                    tonic::Code::AlreadyExists | tonic::Code::FailedPrecondition
                )
            {
                return Err(contacts_error(status, "organization"));
            }
        }
        Ok(person)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_organisation_decides_country_and_sector() {
        let person = Person {
            display_name: "Ana".into(),
            country_code: "AR".into(),
            youth: true,
            ..Default::default()
        };
        let alone = snapshot(&person, None);
        assert_eq!((alone.country_code.as_str(), alone.sector), ("AR", 0));
        assert_eq!(
            alone.regional_group,
            engage_api::types::RegionalGroup::LatinAmericanCaribbean as i32
        );
        let org = Organization {
            display_name: "NGO".into(),
            country_code: "KE".into(),
            sector: 1,
            ..Default::default()
        };
        let with = snapshot(&person, Some(&org));
        assert_eq!((with.country_code.as_str(), with.sector), ("KE", 1));
        assert!(with.youth);
    }

    #[test]
    fn derived_request_ids_are_stable_uuids() {
        let a = derived_request_id(Some("x"), "person");
        assert_eq!(a, derived_request_id(Some("x"), "person"));
        assert_ne!(a, derived_request_id(Some("x"), "consent"));
        assert!(uuid::Uuid::try_parse(&a).is_ok());
        assert_eq!(derived_request_id(None, "person"), "");
    }
}
