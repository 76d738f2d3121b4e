//! The CSV files of ExportSignatures: RFC 4180 with CRLF line ends, a header row, enum
//! values in lower case without their prefix, area ids joined with `;`.

use engage_api::declarations::{PublicSignature, RejectionReason, Signature, SignatureStatus};
use engage_api::types::{RegionalGroup, Sector};

use super::dates;

/// Every column of the full export, in order.
pub const FULL_HEADER: &[&str] = &[
    "signature",
    "signer_kind",
    "organization",
    "person",
    "display_name",
    "acronym",
    "affiliation",
    "country_code",
    "regional_group",
    "sector",
    "endorsed_areas",
    "sign_date",
    "status",
    "live",
    "review_time",
    "reviewer",
    "rejection_reason",
    "review_note",
    "withdrawal_date",
    "withdrawal_reason",
    "contact_name",
    "contact_email",
    "hide_from_public_listing",
    "create_time",
];

/// The columns of the public export.
pub const PUBLIC_HEADER: &[&str] = &[
    "signer_kind",
    "display_name",
    "acronym",
    "affiliation",
    "country_code",
    "regional_group",
    "sector",
    "endorsed_areas",
    "sign_date",
];

/// `SECTOR_PRIVATE_SECTOR` → `private_sector`.
fn short(name: &str, prefix: &str) -> String {
    name.strip_prefix(prefix).unwrap_or(name).to_lowercase()
}

fn date(d: Option<&engage_api::types::Date>) -> String {
    d.and_then(dates::to_date)
        .map(dates::format)
        .unwrap_or_default()
}

/// RFC 3339 in UTC, whole seconds with microseconds when present.
pub fn rfc3339(ts: Option<&prost_types::Timestamp>) -> String {
    let Some(ts) = ts else {
        return String::new();
    };
    let micros = engage_platform::resource::micros(ts);
    let day = dates::format(dates::utc_date(micros));
    let second_of_day = micros.div_euclid(1_000_000).rem_euclid(86_400);
    let fraction = micros.rem_euclid(1_000_000);
    let clock = format!(
        "{:02}:{:02}:{:02}",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    );
    if fraction == 0 {
        format!("{day}T{clock}Z")
    } else {
        format!("{day}T{clock}.{fraction:06}Z")
    }
}

fn kind_name(kind: i32) -> String {
    let kind = engage_api::declarations::SignerKind::try_from(kind).unwrap_or_default();
    short(kind.as_str_name(), "SIGNER_KIND_")
}

fn group_name(group: i32) -> String {
    short(
        RegionalGroup::try_from(group)
            .unwrap_or_default()
            .as_str_name(),
        "REGIONAL_GROUP_",
    )
}

fn sector_name(sector: i32) -> String {
    short(
        Sector::try_from(sector).unwrap_or_default().as_str_name(),
        "SECTOR_",
    )
}

/// A row of the full export.
pub fn full_record(s: &Signature) -> Vec<String> {
    use engage_api::declarations::signature::Signer;
    let snapshot = s.snapshot.clone().unwrap_or_default();
    let (organization, person) = match &s.signer {
        Some(Signer::Organization(o)) => (o.clone(), String::new()),
        Some(Signer::Individual(i)) => (String::new(), i.person.clone()),
        None => (String::new(), String::new()),
    };
    let review = s.review.clone().unwrap_or_default();
    let withdrawal = s.withdrawal.clone().unwrap_or_default();
    let contact = s.contact.clone().unwrap_or_default();
    let rejection = if review.rejection_reason == 0 {
        String::new()
    } else {
        short(
            RejectionReason::try_from(review.rejection_reason)
                .unwrap_or_default()
                .as_str_name(),
            "REJECTION_REASON_",
        )
    };
    vec![
        s.name.clone(),
        kind_name(snapshot.signer_kind),
        organization,
        person,
        snapshot.display_name,
        snapshot.acronym,
        snapshot.affiliation,
        snapshot.country_code,
        group_name(snapshot.regional_group),
        sector_name(snapshot.sector),
        s.endorsed_area_ids.join(";"),
        date(s.sign_date.as_ref()),
        short(
            SignatureStatus::try_from(s.status)
                .unwrap_or_default()
                .as_str_name(),
            "SIGNATURE_STATUS_",
        ),
        s.live.to_string(),
        rfc3339(review.time.as_ref()),
        review.actor.map(|a| a.subject).unwrap_or_default(),
        rejection,
        review.note,
        date(withdrawal.effective_date.as_ref()),
        withdrawal.reason,
        contact.display_name,
        contact.email,
        s.hide_from_public_listing.to_string(),
        rfc3339(s.create_time.as_ref()),
    ]
}

/// A row of the public export.
pub fn public_record(p: &PublicSignature) -> Vec<String> {
    vec![
        kind_name(p.signer_kind),
        p.display_name.clone(),
        p.acronym.clone(),
        p.affiliation.clone(),
        p.country_code.clone(),
        group_name(p.regional_group),
        sector_name(p.sector),
        p.endorsed_area_ids.join(";"),
        date(p.sign_date.as_ref()),
    ]
}

/// Rows as CSV bytes (CRLF line ends).
pub fn write_rows(rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        // Writing to memory cannot fail.
        let _ = writer.write_record(&row);
    }
    writer.into_inner().unwrap_or_default()
}

/// The header row.
pub fn header(columns: &[&str]) -> Vec<u8> {
    write_rows([columns.iter().map(|c| (*c).to_owned()).collect()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_and_lines_end_in_crlf() {
        let bytes = write_rows([vec!["Voices, \"of\" Youth".to_owned(), "ke".to_owned()]]);
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "\"Voices, \"\"of\"\" Youth\",ke\r\n"
        );
        assert_eq!(sector_name(Sector::PrivateSector as i32), "private_sector");
        assert_eq!(group_name(RegionalGroup::African as i32), "african");
    }

    #[test]
    fn times_are_rfc3339_utc() {
        let ts = prost_types::Timestamp {
            seconds: 1_795_651_199,
            nanos: 0,
        };
        assert_eq!(rfc3339(Some(&ts)), "2026-11-25T23:59:59Z");
        let ts = prost_types::Timestamp {
            seconds: 0,
            nanos: 5_000,
        };
        assert_eq!(rfc3339(Some(&ts)), "1970-01-01T00:00:00.000005Z");
    }
}
