//! The rules of a signature: who the signer is (and so what "one live signature per
//! signer" compares), the snapshot taken at signing, the areas endorsed, the sign date, and
//! the review and withdrawal transitions.

use engage_api::contacts::Organization;
use engage_api::declarations::signature::Signer;
use engage_api::declarations::{
    Declaration, DeclarationArea, DeclarationStatus, IndividualSigner, RejectionReason, Signature,
    SignatureStatus, SignerContact, SignerKind, SignerSnapshot,
};
use engage_api::types::{Date, RegionalGroup, Sector};
use engage_platform::error::Violations;
use engage_platform::journal::FieldChange;
use engage_platform::{Error, Violation, regions};

use super::{audit_change as change, dates};

/// The fields UpdateSignature may name.
pub const UPDATABLE: &[&str] = &[
    "endorsed_area_ids",
    "contact",
    "hide_from_public_listing",
    "individual",
];

/// The masked changes of an UpdateSignature, with the signer and contact already checked
/// against contacts; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SignatureUpdate {
    /// The new endorsed areas; empty means all.
    pub endorsed_area_ids: Option<Vec<String>>,
    /// Whether to keep the signature out of the public listing.
    pub hide_from_public_listing: Option<bool>,
    /// The new contact (or none).
    pub contact: Option<Option<SignerContact>>,
    /// The individual's new details and snapshot.
    pub individual: Option<(Signer, SignerSnapshot)>,
}

/// Applies `update` to `current` on `declaration`; returns the new signature and the
/// audit changes. A rejected, withdrawn or redacted signature does not change; areas change
/// only while the declaration is open, and an individual's details only while pending.
pub fn apply_update(
    current: &Signature,
    declaration: &Declaration,
    update: &SignatureUpdate,
) -> Result<(Signature, Vec<FieldChange>), Error> {
    if status(current) == SignatureStatus::Rejected
        || current.withdrawal.is_some()
        || current.redact_time.is_some()
    {
        return Err(Error::FailedPrecondition {
            reason: "SIGNATURE_NOT_CHANGEABLE",
            message: format!(
                "{} is rejected, withdrawn or redacted and cannot change",
                current.name
            ),
        });
    }
    let mut next = current.clone();
    let mut changes = Vec::new();
    if let Some(requested) = &update.endorsed_area_ids {
        if declaration.status != DeclarationStatus::Open as i32 {
            return Err(Error::FailedPrecondition {
                reason: "DECLARATION_NOT_OPEN",
                message: "endorsed areas change only while the declaration is open".into(),
            });
        }
        next.endorsed_area_ids =
            endorsed_areas(requested, &declaration.areas, "signature.endorsed_area_ids")?;
        let (old, new) = (&current.endorsed_area_ids, &next.endorsed_area_ids);
        change(&mut changes, "endorsed_area_ids", old, new);
    }
    if let Some(hide) = update.hide_from_public_listing {
        next.hide_from_public_listing = hide;
        let old = current.hide_from_public_listing;
        change(&mut changes, "hide_from_public_listing", old, hide);
    }
    let email = |s: &Signature| s.contact.as_ref().map(|c| c.email.clone());
    if let Some(contact) = &update.contact {
        next.contact = contact.clone();
        change(&mut changes, "contact.email", email(current), email(&next));
    }
    if let Some((signer, snapshot)) = &update.individual {
        if !matches!(current.signer, Some(Signer::Individual(_))) {
            return Err(Error::invalid(
                "update_mask",
                "an organisation's signature has no individual to change",
            ));
        }
        if status(current) != SignatureStatus::Pending {
            return Err(Error::FailedPrecondition {
                reason: "SIGNATURE_ALREADY_REVIEWED",
                message: "an individual's details change only while the signature is pending"
                    .into(),
            });
        }
        next.signer = Some(signer.clone());
        next.snapshot = Some(snapshot.clone());
        let name = |s: &Signature| s.snapshot.as_ref().map(|x| x.display_name.clone());
        change(
            &mut changes,
            "individual.display_name",
            name(current),
            name(&next),
        );
    }
    let individual = matches!(next.signer, Some(Signer::Individual(_)));
    if individual && email(&next).unwrap_or_default().is_empty() {
        return Err(Error::invalid(
            "signature.contact.email",
            "is required for an individual signer",
        ));
    }
    Ok((next, changes))
}

const MAX_NAME: usize = 200;
const MAX_NOTE: usize = 2_000;
const MAX_EMAIL: usize = 254;

/// The four disjoint states a signature is counted in. Stored beside the review status so
/// that counts group on one small column and the database can keep one live signature per
/// signer (live = pending or verified).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum Standing {
    /// PENDING, not withdrawn.
    Pending = 1,
    /// VERIFIED, not withdrawn: a signatory.
    Verified = 2,
    /// REJECTED.
    Rejected = 3,
    /// Withdrawn, whatever its review status.
    Withdrawn = 4,
}

impl Standing {
    /// The standing of a signature with `status`, withdrawn or not.
    pub fn of(status: SignatureStatus, withdrawn: bool) -> Self {
        match (status, withdrawn) {
            (_, true) => Standing::Withdrawn,
            (SignatureStatus::Verified, false) => Standing::Verified,
            (SignatureStatus::Rejected, false) => Standing::Rejected,
            _ => Standing::Pending,
        }
    }

    /// Live: not rejected and not withdrawn.
    pub fn is_live(self) -> bool {
        matches!(self, Standing::Pending | Standing::Verified)
    }
}

/// The review status of a stored signature.
pub fn status(s: &Signature) -> SignatureStatus {
    SignatureStatus::try_from(s.status).unwrap_or(SignatureStatus::Unspecified)
}

/// What identifies a signer for the one-live-signature rule: the organisation, else the
/// person, else the contact email compared case-insensitively.
pub fn signer_key(organization: Option<&str>, person: Option<&str>, email: &str) -> String {
    match (organization, person) {
        (Some(org), _) => org.to_owned(),
        (None, Some(person)) => person.to_owned(),
        (None, None) => format!("email:{}", email.trim().to_lowercase()),
    }
}

/// The snapshot of an organisation from contacts.
pub fn organization_snapshot(org: &Organization) -> SignerSnapshot {
    SignerSnapshot {
        signer_kind: SignerKind::Organization as i32,
        display_name: org.display_name.clone(),
        acronym: org.acronym.clone(),
        affiliation: String::new(),
        country_code: org.country_code.clone(),
        regional_group: group_of(&org.country_code) as i32,
        sector: org.sector,
    }
}

/// The snapshot of an individual as given.
pub fn individual_snapshot(i: &IndividualSigner) -> SignerSnapshot {
    SignerSnapshot {
        signer_kind: SignerKind::Individual as i32,
        display_name: i.display_name.trim().to_owned(),
        acronym: String::new(),
        affiliation: i.affiliation.trim().to_owned(),
        country_code: i.country_code.clone(),
        regional_group: group_of(&i.country_code) as i32,
        sector: i.sector,
    }
}

fn group_of(country_code: &str) -> RegionalGroup {
    if country_code.is_empty() {
        RegionalGroup::Unspecified
    } else {
        regions::regional_group(country_code).unwrap_or(RegionalGroup::None)
    }
}

/// Checks an individual signer's details (`prefix` such as `signature.individual`).
pub fn check_individual(v: &mut Violations, i: &IndividualSigner, prefix: &str) {
    let name = i.display_name.trim().chars().count();
    if name == 0 {
        v.add(format!("{prefix}.display_name"), "is required");
    } else if name > MAX_NAME {
        v.add(
            format!("{prefix}.display_name"),
            format!("is {name} characters long; at most {MAX_NAME}"),
        );
    }
    if i.country_code.is_empty() {
        v.add(format!("{prefix}.country_code"), "is required");
    } else if regions::regional_group(&i.country_code).is_none() {
        v.add(
            format!("{prefix}.country_code"),
            format!(
                "{:?} is not an ISO 3166-1 alpha-2 code of a UN member or observer state (upper case)",
                i.country_code
            ),
        );
    }
    if i.affiliation.chars().count() > MAX_NAME {
        v.add(
            format!("{prefix}.affiliation"),
            format!("at most {MAX_NAME} characters"),
        );
    }
    if Sector::try_from(i.sector).is_err() {
        v.add(format!("{prefix}.sector"), "is not a sector");
    }
}

/// Checks the contact; an individual must give one with an email.
pub fn check_contact(
    v: &mut Violations,
    contact: Option<&SignerContact>,
    individual: bool,
    prefix: &str,
) {
    let Some(c) = contact else {
        if individual {
            v.add(
                format!("{prefix}.email"),
                "is required for an individual signer, to confirm the signature",
            );
        }
        return;
    };
    if c.email.trim().is_empty() {
        if individual {
            v.add(
                format!("{prefix}.email"),
                "is required for an individual signer, to confirm the signature",
            );
        }
    } else if !valid_email(c.email.trim()) {
        v.add(
            format!("{prefix}.email"),
            format!("{:?} is not an email address", c.email),
        );
    }
    if c.display_name.chars().count() > MAX_NAME {
        v.add(
            format!("{prefix}.display_name"),
            format!("at most {MAX_NAME} characters"),
        );
    }
}

/// A plain `local@domain.tld` address of at most 254 characters.
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    email.len() <= MAX_EMAIL
        && !local.is_empty()
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && !local.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

/// The endorsed area ids in the declaration's order; empty means every area. An id the
/// declaration does not have is INVALID_ARGUMENT on its position in `field`.
pub fn endorsed_areas(
    requested: &[String],
    areas: &[DeclarationArea],
    field: &str,
) -> Result<Vec<String>, Error> {
    if requested.is_empty() {
        return Ok(areas.iter().map(|a| a.id.clone()).collect());
    }
    let unknown: Vec<Violation> = requested
        .iter()
        .enumerate()
        .filter(|(_, id)| !areas.iter().any(|a| &a.id == *id))
        .map(|(i, id)| {
            Violation::new(
                format!("{field}[{i}]"),
                format!("{id:?} is not an area of the declaration"),
            )
        })
        .collect();
    if !unknown.is_empty() {
        return Err(Error::InvalidArgument(unknown));
    }
    Ok(areas
        .iter()
        .filter(|a| requested.contains(&a.id))
        .map(|a| a.id.clone())
        .collect())
}

/// The sign date: the one given, else today; never in the future nor before the day the
/// declaration opened.
pub fn sign_date(
    given: Option<&Date>,
    opened: time::Date,
    today: time::Date,
    field: &str,
) -> Result<time::Date, Violation> {
    let Some(given) = given else {
        return Ok(today);
    };
    let date =
        dates::to_date(given).ok_or_else(|| Violation::new(field, "is not a calendar date"))?;
    if date > today {
        return Err(Violation::new(field, "is in the future"));
    }
    if date < opened {
        return Err(Violation::new(
            field,
            format!(
                "is before the declaration opened ({})",
                dates::format(opened)
            ),
        ));
    }
    Ok(date)
}

fn withdrawn(s: &Signature) -> Result<(), Error> {
    if s.withdrawal.is_some() {
        return Err(Error::FailedPrecondition {
            reason: "SIGNATURE_WITHDRAWN",
            message: format!("{} was withdrawn and can no longer be reviewed", s.name),
        });
    }
    Ok(())
}

/// PENDING → VERIFIED.
pub fn check_verify(s: &Signature, note: &str) -> Result<(), Error> {
    check_note(note, "note", false)?;
    withdrawn(s)?;
    if status(s) != SignatureStatus::Pending {
        return Err(already_reviewed(s));
    }
    Ok(())
}

/// PENDING or VERIFIED → REJECTED, with a reason and a note.
pub fn check_reject(s: &Signature, reason: i32, note: &str) -> Result<(), Error> {
    let mut v = Violations::new();
    if RejectionReason::try_from(reason).unwrap_or(RejectionReason::Unspecified)
        == RejectionReason::Unspecified
    {
        v.add("reason", "is required: say why the signature is rejected");
    }
    v.check(check_note(note, "note", true));
    v.finish()?;
    withdrawn(s)?;
    if status(s) == SignatureStatus::Rejected {
        return Err(already_reviewed(s));
    }
    Ok(())
}

fn already_reviewed(s: &Signature) -> Error {
    Error::FailedPrecondition {
        reason: "SIGNATURE_ALREADY_REVIEWED",
        message: format!("{} is already {}", s.name, status(s).as_str_name()),
    }
}

/// Records a withdrawal of a PENDING or VERIFIED signature; returns the effective date.
pub fn check_withdraw(
    s: &Signature,
    reason: &str,
    effective: Option<&Date>,
    today: time::Date,
) -> Result<time::Date, Error> {
    check_note(reason, "reason", true)?;
    if s.withdrawal.is_some() {
        return Err(Error::FailedPrecondition {
            reason: "SIGNATURE_ALREADY_WITHDRAWN",
            message: format!("{} is already withdrawn", s.name),
        });
    }
    if status(s) == SignatureStatus::Rejected {
        return Err(Error::FailedPrecondition {
            reason: "SIGNATURE_REJECTED",
            message: format!("{} was rejected: there is nothing to withdraw", s.name),
        });
    }
    let Some(given) = effective else {
        return Ok(today);
    };
    let date = dates::to_date(given)
        .ok_or_else(|| Error::invalid("effective_date", "is not a calendar date"))?;
    if date > today {
        return Err(Error::invalid("effective_date", "is in the future"));
    }
    let signed = s.sign_date.as_ref().and_then(dates::to_date);
    if signed.is_some_and(|signed| date < signed) {
        return Err(Error::invalid(
            "effective_date",
            "is before the signature's sign_date",
        ));
    }
    Ok(date)
}

/// A review note or a reason: at most 2,000 characters, and not blank when required.
pub fn check_note(note: &str, field: &str, required: bool) -> Result<(), Violation> {
    if required && note.trim().is_empty() {
        return Err(Violation::new(field, "is required"));
    }
    if note.chars().count() > MAX_NOTE {
        return Err(Violation::new(
            field,
            format!("at most {MAX_NOTE} characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use engage_api::declarations::Withdrawal;

    fn area(id: &str) -> DeclarationArea {
        DeclarationArea {
            id: id.into(),
            title: id.into(),
            ..Default::default()
        }
    }

    fn day(y: i32, m: i32, d: i32) -> time::Date {
        dates::to_date(&Date {
            year: y,
            month: m,
            day: d,
        })
        .unwrap()
    }

    fn pending() -> Signature {
        Signature {
            name: "declarations/d/signatures/s".into(),
            status: SignatureStatus::Pending as i32,
            sign_date: Some(dates::from_date(day(2026, 11, 10))),
            ..Default::default()
        }
    }

    #[test]
    fn areas_default_to_all_and_keep_the_declarations_order() {
        let areas = [area("prevention"), area("victims"), area("justice")];
        assert_eq!(
            endorsed_areas(&[], &areas, "f").unwrap(),
            ["prevention", "victims", "justice"]
        );
        let picked = endorsed_areas(&["justice".into(), "prevention".into()], &areas, "f");
        assert_eq!(picked.unwrap(), ["prevention", "justice"]);
        let refused =
            endorsed_areas(&["justice".into(), "sports".into()], &areas, "f").unwrap_err();
        match refused {
            Error::InvalidArgument(v) => assert_eq!(v[0].field, "f[1]"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn signers_are_identified_by_organisation_then_person_then_email() {
        assert_eq!(
            signer_key(Some("organizations/1"), Some("people/2"), "a@b.org"),
            "organizations/1"
        );
        assert_eq!(signer_key(None, Some("people/2"), "a@b.org"), "people/2");
        assert_eq!(signer_key(None, None, " Ana@B.org "), "email:ana@b.org");
    }

    #[test]
    fn emails_are_checked_plainly() {
        assert!(valid_email("ana@ngo.org"));
        for bad in [
            "ana",
            "ana@",
            "@ngo.org",
            "ana@ngo",
            "a na@ngo.org",
            "ana@ngo..org",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn sign_dates_lie_between_opening_and_today() {
        let (opened, today) = (day(2026, 11, 1), day(2026, 11, 25));
        assert_eq!(sign_date(None, opened, today, "d").unwrap(), today);
        let early = dates::from_date(day(2026, 10, 31));
        assert!(sign_date(Some(&early), opened, today, "d").is_err());
        let late = dates::from_date(day(2026, 11, 26));
        assert!(sign_date(Some(&late), opened, today, "d").is_err());
    }

    #[test]
    fn review_and_withdrawal_follow_the_state_machine() {
        let today = day(2026, 11, 25);
        let s = pending();
        assert!(check_verify(&s, "confirmed by email").is_ok());
        assert!(check_reject(&s, 0, "x").is_err(), "a reason is required");
        assert!(check_reject(&s, RejectionReason::NotEligible as i32, "").is_err());
        assert!(check_reject(&s, RejectionReason::NotEligible as i32, "government").is_ok());

        let mut verified = s.clone();
        verified.status = SignatureStatus::Verified as i32;
        let again = check_verify(&verified, "").unwrap_err();
        assert!(matches!(
            again,
            Error::FailedPrecondition {
                reason: "SIGNATURE_ALREADY_REVIEWED",
                ..
            }
        ));
        assert!(check_withdraw(&verified, "asked by email", None, today).is_ok());

        let mut gone = verified.clone();
        gone.withdrawal = Some(Withdrawal::default());
        for refused in [
            check_verify(&gone, "").unwrap_err(),
            check_reject(&gone, RejectionReason::Other as i32, "x").unwrap_err(),
        ] {
            assert!(matches!(
                refused,
                Error::FailedPrecondition {
                    reason: "SIGNATURE_WITHDRAWN",
                    ..
                }
            ));
        }
        assert!(matches!(
            check_withdraw(&gone, "again", None, today).unwrap_err(),
            Error::FailedPrecondition {
                reason: "SIGNATURE_ALREADY_WITHDRAWN",
                ..
            }
        ));
        let mut rejected = s;
        rejected.status = SignatureStatus::Rejected as i32;
        assert!(matches!(
            check_withdraw(&rejected, "x", None, today).unwrap_err(),
            Error::FailedPrecondition {
                reason: "SIGNATURE_REJECTED",
                ..
            }
        ));
        let before_signing = dates::from_date(day(2026, 11, 9));
        assert!(check_withdraw(&verified, "x", Some(&before_signing), today).is_err());
    }

    #[test]
    fn updates_follow_the_signature_and_declaration_state() {
        let declaration = Declaration {
            status: DeclarationStatus::Open as i32,
            areas: vec![area("prevention"), area("victims")],
            ..Default::default()
        };
        let mut s = pending();
        s.signer = Some(Signer::Organization("organizations/1".into()));
        let all_areas = SignatureUpdate {
            endorsed_area_ids: Some(vec![]),
            hide_from_public_listing: Some(true),
            ..Default::default()
        };
        let (next, changes) = apply_update(&s, &declaration, &all_areas).unwrap();
        assert_eq!(next.endorsed_area_ids, ["prevention", "victims"]);
        let paths: Vec<_> = changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["endorsed_area_ids", "hide_from_public_listing"]);

        let closed = Declaration {
            status: DeclarationStatus::Closed as i32,
            ..declaration.clone()
        };
        let refused = apply_update(&s, &closed, &all_areas).unwrap_err();
        assert!(matches!(
            refused,
            Error::FailedPrecondition {
                reason: "DECLARATION_NOT_OPEN",
                ..
            }
        ));
        let mut withdrawn = s.clone();
        withdrawn.withdrawal = Some(Withdrawal::default());
        assert!(apply_update(&withdrawn, &declaration, &all_areas).is_err());
        let individual = SignatureUpdate {
            individual: Some((
                Signer::Individual(IndividualSigner::default()),
                SignerSnapshot::default(),
            )),
            ..Default::default()
        };
        assert_eq!(
            apply_update(&s, &declaration, &individual)
                .unwrap_err()
                .code(),
            tonic::Code::InvalidArgument,
            "an organisation has no individual"
        );
    }

    #[test]
    fn standing_is_one_of_four() {
        assert_eq!(
            Standing::of(SignatureStatus::Verified, true),
            Standing::Withdrawn
        );
        assert!(Standing::of(SignatureStatus::Pending, false).is_live());
        assert!(!Standing::of(SignatureStatus::Rejected, false).is_live());
    }
}
