//! Rows as stored and resources as the contract returns them, one conversion each way.

use diesel::prelude::*;
use engage_api::declarations::signature::Signer;
use engage_api::declarations::{
    Declaration, IndividualSigner, Signature, SignatureReview, SignatureStatusCounts,
    SignerContact, SignerKind, SignerSnapshot, Withdrawal,
};
use engage_platform::Error;
use engage_platform::resource::{etag, micros, timestamp};
use prost::Message;

use super::schema::{declarations, signatures};
use crate::domain::dates;
use crate::domain::signature::{Standing, signer_key, status};

/// One row of `declarations`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = declarations, treat_none_as_null = true)]
pub struct DeclarationRow {
    pub id: String,
    pub title: String,
    pub title_key: String,
    pub body: String,
    pub language_code: String,
    pub version: i32,
    pub previous_version: Option<String>,
    pub status: i32,
    pub content: Vec<u8>,
    pub open_time: Option<i64>,
    pub close_time: Option<i64>,
    pub planned_close_date: Option<String>,
    pub revision: i64,
    pub create_time: i64,
    pub update_time: i64,
    pub delete_time: Option<i64>,
}

/// One row of `signatures`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = signatures, treat_none_as_null = true)]
pub struct SignatureRow {
    pub id: String,
    pub declaration_id: String,
    pub signer_kind: i32,
    pub signer_key: String,
    pub standing: i32,
    pub organization: Option<String>,
    pub person: Option<String>,
    pub affiliation_organization: Option<String>,
    pub display_name: String,
    pub name_key: String,
    pub acronym: String,
    pub affiliation: String,
    pub country_code: String,
    pub regional_group: i32,
    pub sector: i32,
    pub endorsed_area_ids: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_person: Option<String>,
    pub hide_from_public_listing: bool,
    pub sign_date: String,
    pub status: i32,
    pub review: Option<Vec<u8>>,
    pub withdrawal: Option<Vec<u8>>,
    pub recorded_by: String,
    pub redact_time: Option<i64>,
    pub revision: i64,
    pub create_time: i64,
    pub update_time: i64,
}

/// Lower case without accents: the key of case- and accent-insensitive order and search.
pub fn text_key(text: &str) -> String {
    deunicode::deunicode(text).to_lowercase()
}

/// The last segment of a resource name.
pub fn id_of(name: &str) -> String {
    name.rsplit('/').next().unwrap_or_default().to_owned()
}

fn time(ts: Option<&prost_types::Timestamp>) -> Option<i64> {
    ts.map(micros)
}

fn some(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

fn decode<M: Message + Default>(bytes: &[u8], what: &str) -> Result<M, Error> {
    M::decode(bytes).map_err(|e| Error::Internal(format!("stored {what} does not decode: {e}")))
}

impl DeclarationRow {
    /// The row of declaration `d` (with its name, status and times) at `revision`.
    pub fn of(d: &Declaration, revision: i64) -> Self {
        let content = Declaration {
            areas: d.areas.clone(),
            translations: d.translations.clone(),
            ..Default::default()
        };
        Self {
            id: id_of(&d.name),
            title: d.title.clone(),
            title_key: text_key(&d.title),
            body: d.text.clone(),
            language_code: d.language_code.clone(),
            version: d.version,
            previous_version: some(&d.previous_version).map(|p| id_of(&p)),
            status: d.status,
            content: content.encode_to_vec(),
            open_time: time(d.open_time.as_ref()),
            close_time: time(d.close_time.as_ref()),
            planned_close_date: d
                .planned_close_date
                .as_ref()
                .and_then(dates::to_date)
                .map(dates::format),
            revision,
            create_time: time(d.create_time.as_ref()).unwrap_or_default(),
            update_time: time(d.update_time.as_ref()).unwrap_or_default(),
            delete_time: time(d.delete_time.as_ref()),
        }
    }

    /// The declaration, with its signature counts and the version that follows it.
    pub fn resource(
        &self,
        counts: SignatureStatusCounts,
        next_version: Option<&str>,
    ) -> Result<Declaration, Error> {
        let content: Declaration = decode(&self.content, "declaration content")?;
        Ok(Declaration {
            name: format!("declarations/{}", self.id),
            title: self.title.clone(),
            text: self.body.clone(),
            language_code: self.language_code.clone(),
            version: self.version,
            previous_version: self
                .previous_version
                .as_ref()
                .map(|p| format!("declarations/{p}"))
                .unwrap_or_default(),
            next_version: next_version
                .map(|n| format!("declarations/{n}"))
                .unwrap_or_default(),
            areas: content.areas,
            translations: content.translations,
            status: self.status,
            open_time: self.open_time.map(timestamp),
            close_time: self.close_time.map(timestamp),
            planned_close_date: self
                .planned_close_date
                .as_deref()
                .and_then(dates::parse)
                .map(dates::from_date),
            signature_counts: Some(counts),
            etag: etag(self.revision),
            create_time: Some(timestamp(self.create_time)),
            update_time: Some(timestamp(self.update_time)),
            delete_time: self.delete_time.map(timestamp),
        })
    }
}

impl SignatureRow {
    /// The row of signature `s` (with its name, snapshot, review and times) at `revision`.
    pub fn of(s: &Signature, revision: i64) -> Self {
        let snapshot = s.snapshot.clone().unwrap_or_default();
        let contact = s.contact.clone().unwrap_or_default();
        let (organization, individual) = match &s.signer {
            Some(Signer::Organization(o)) => (some(o), IndividualSigner::default()),
            Some(Signer::Individual(i)) => (None, i.clone()),
            None => (None, IndividualSigner::default()),
        };
        let person = some(&individual.person);
        let id = id_of(&s.name);
        let standing = Standing::of(status(s), s.withdrawal.is_some());
        // A redacted individual is nobody in particular: it no longer blocks anyone.
        let key = if s.redact_time.is_some() && organization.is_none() {
            format!("redacted:{id}")
        } else {
            signer_key(organization.as_deref(), person.as_deref(), &contact.email)
        };
        Self {
            declaration_id: s.name.split('/').nth(1).unwrap_or_default().to_owned(),
            id,
            signer_kind: snapshot.signer_kind,
            signer_key: key,
            standing: standing as i32,
            organization,
            person,
            affiliation_organization: some(&individual.affiliation_organization),
            name_key: text_key(&snapshot.display_name),
            display_name: snapshot.display_name,
            acronym: snapshot.acronym,
            affiliation: snapshot.affiliation,
            country_code: snapshot.country_code,
            regional_group: snapshot.regional_group,
            sector: snapshot.sector,
            endorsed_area_ids: s.endorsed_area_ids.join(";"),
            contact_name: contact.display_name,
            contact_email: contact.email,
            contact_person: some(&contact.person),
            hide_from_public_listing: s.hide_from_public_listing,
            sign_date: s
                .sign_date
                .as_ref()
                .and_then(dates::to_date)
                .map(dates::format)
                .unwrap_or_default(),
            status: s.status,
            review: s.review.as_ref().map(Message::encode_to_vec),
            withdrawal: s.withdrawal.as_ref().map(Message::encode_to_vec),
            recorded_by: s
                .recorded_by
                .as_ref()
                .map(|a| a.subject.clone())
                .unwrap_or_default(),
            redact_time: time(s.redact_time.as_ref()),
            revision,
            create_time: time(s.create_time.as_ref()).unwrap_or_default(),
            update_time: time(s.update_time.as_ref()).unwrap_or_default(),
        }
    }

    /// The endorsed area ids.
    pub fn areas(&self) -> Vec<String> {
        self.endorsed_area_ids
            .split(';')
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The signature with every field (the caller clears the contact where it must).
    pub fn resource(&self) -> Result<Signature, Error> {
        let kind = SignerKind::try_from(self.signer_kind).unwrap_or_default();
        let signer = match kind {
            SignerKind::Organization => {
                Signer::Organization(self.organization.clone().unwrap_or_default())
            }
            _ => Signer::Individual(IndividualSigner {
                display_name: self.display_name.clone(),
                country_code: self.country_code.clone(),
                affiliation: self.affiliation.clone(),
                affiliation_organization: self.affiliation_organization.clone().unwrap_or_default(),
                person: self.person.clone().unwrap_or_default(),
                sector: self.sector,
            }),
        };
        let contact = (!self.contact_email.is_empty()
            || !self.contact_name.is_empty()
            || self.contact_person.is_some())
        .then(|| SignerContact {
            display_name: self.contact_name.clone(),
            email: self.contact_email.clone(),
            person: self.contact_person.clone().unwrap_or_default(),
        });
        let review: Option<SignatureReview> = match &self.review {
            Some(bytes) => Some(decode(bytes, "review")?),
            None => None,
        };
        let withdrawal: Option<Withdrawal> = match &self.withdrawal {
            Some(bytes) => Some(decode(bytes, "withdrawal")?),
            None => None,
        };
        Ok(Signature {
            name: format!(
                "declarations/{}/signatures/{}",
                self.declaration_id, self.id
            ),
            signer: Some(signer),
            snapshot: Some(self.snapshot()),
            endorsed_area_ids: self.areas(),
            contact,
            hide_from_public_listing: self.hide_from_public_listing,
            sign_date: dates::parse(&self.sign_date).map(dates::from_date),
            status: self.status,
            review,
            withdrawal,
            live: self.standing <= Standing::Verified as i32,
            recorded_by: Some(engage_api::types::Actor {
                subject: self.recorded_by.clone(),
                display_name: String::new(),
            }),
            redact_time: self.redact_time.map(timestamp),
            etag: etag(self.revision),
            create_time: Some(timestamp(self.create_time)),
            update_time: Some(timestamp(self.update_time)),
        })
    }

    fn snapshot(&self) -> SignerSnapshot {
        SignerSnapshot {
            signer_kind: self.signer_kind,
            display_name: self.display_name.clone(),
            acronym: self.acronym.clone(),
            affiliation: self.affiliation.clone(),
            country_code: self.country_code.clone(),
            regional_group: self.regional_group,
            sector: self.sector,
        }
    }

    /// The fields a public page may show.
    pub fn public(&self) -> engage_api::declarations::PublicSignature {
        engage_api::declarations::PublicSignature {
            signer_kind: self.signer_kind,
            display_name: self.display_name.clone(),
            acronym: self.acronym.clone(),
            affiliation: self.affiliation.clone(),
            country_code: self.country_code.clone(),
            regional_group: self.regional_group,
            sector: self.sector,
            endorsed_area_ids: self.areas(),
            sign_date: dates::parse(&self.sign_date).map(dates::from_date),
        }
    }
}

/// Counts per standing as the contract's four figures.
pub fn status_counts(rows: impl IntoIterator<Item = (i32, i64)>) -> SignatureStatusCounts {
    let mut counts = SignatureStatusCounts::default();
    for (standing, n) in rows {
        let n = i32::try_from(n).unwrap_or(i32::MAX);
        match standing {
            1 => counts.pending += n,
            2 => counts.verified += n,
            3 => counts.rejected += n,
            _ => counts.withdrawn += n,
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use engage_api::declarations::SignatureStatus;

    #[test]
    fn a_signature_survives_the_round_trip_through_its_row() {
        let s = Signature {
            name: "declarations/d1/signatures/s1".into(),
            signer: Some(Signer::Individual(IndividualSigner {
                display_name: "Amina Diallo".into(),
                country_code: "SN".into(),
                affiliation: "Université Cheikh Anta Diop".into(),
                person: "people/p1".into(),
                ..Default::default()
            })),
            snapshot: Some(SignerSnapshot {
                signer_kind: SignerKind::Individual as i32,
                display_name: "Amina Diallo".into(),
                affiliation: "Université Cheikh Anta Diop".into(),
                country_code: "SN".into(),
                regional_group: 1,
                ..Default::default()
            }),
            endorsed_area_ids: vec!["prevention".into(), "victims".into()],
            contact: Some(SignerContact {
                email: "amina@example.org".into(),
                ..Default::default()
            }),
            sign_date: Some(dates::from_date(dates::parse("2026-11-20").unwrap())),
            status: SignatureStatus::Pending as i32,
            live: true,
            recorded_by: Some(engage_api::types::Actor {
                subject: "officer".into(),
                display_name: String::new(),
            }),
            etag: etag(1),
            create_time: Some(timestamp(5)),
            update_time: Some(timestamp(5)),
            ..Default::default()
        };
        let row = SignatureRow::of(&s, 1);
        assert_eq!(row.signer_key, "people/p1");
        assert_eq!(row.declaration_id, "d1");
        assert_eq!(row.resource().unwrap(), s);
    }
}
