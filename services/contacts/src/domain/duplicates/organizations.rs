//! The score of a pair of organisations.

use engage_api::contacts::{MatchKind, Organization, PostalAddress};

use crate::domain::text::fold;

use super::*;

/// Weight of a perfect name match; the name is most of the evidence.
pub(super) const ORG_NAME: f64 = 0.75;
/// Penalty of unrelated names: small, because a renamed organisation keeps its email or site.
pub(super) const ORG_NAME_DIFFERENT: f64 = -0.05;
pub(super) const ORG_COUNTRY_SAME: f64 = 0.15;
pub(super) const ORG_COUNTRY_DIFFERENT: f64 = -0.35;
pub(super) const ORG_DOMAIN_SAME: f64 = 0.35;
pub(super) const ORG_DOMAIN_DIFFERENT: f64 = -0.1;
pub(super) const EMAIL_SAME: f64 = 0.7;
pub(super) const PHONE_SAME: f64 = 0.4;
pub(super) const CONTACT_DIFFERENT: f64 = -0.03;
pub(super) const ORG_ACRONYM_SAME: f64 = 0.1;
pub(super) const ORG_ACRONYM_DIFFERENT: f64 = -0.1;
pub(super) const POSTAL_SAME: f64 = 0.1;
pub(super) const POSTAL_DIFFERENT: f64 = -0.02;
pub(super) const ADDRESS_SAME: f64 = 0.1;

/// An organisation with what its comparisons need worked out once (folded names and their
/// sounds, initials, acronym, website domain, address), so that a scan comparing it with
/// many others does not redo that work for every pair.
#[derive(Debug, Clone)]
pub struct PreparedOrganization<'a> {
    pub(super) organization: &'a Organization,
    /// The display name first, then the alternative names.
    pub(super) names: Vec<OrganizationName<'a>>,
    pub(super) acronym: String,
    pub(super) domain: Option<String>,
    pub(super) address: Option<PreparedAddress<'a>>,
}

impl<'a> PreparedOrganization<'a> {
    pub fn new(organization: &'a Organization) -> Self {
        Self {
            organization,
            names: std::iter::once(&organization.display_name)
                .chain(&organization.alternative_names)
                .map(|name| OrganizationName::new(name))
                .collect(),
            acronym: compact(&organization.acronym),
            domain: website_domain(&organization.website),
            address: primary_address(&organization.addresses).map(PreparedAddress::new),
        }
    }

    pub(super) fn display_name(&self) -> &OrganizationName<'a> {
        &self.names[0]
    }
}

pub(super) fn name_weight(c: &NameComparison) -> f64 {
    match c.kind {
        MatchKind::Different => ORG_NAME_DIFFERENT,
        MatchKind::Abbreviation => ORG_NAME * 0.6,
        _ => ORG_NAME * ramp(c.similarity, NAME_RAMP_FLOOR),
    }
}

/// What is known of a pair of organisations before the costly comparisons: the matches of
/// the fields that are cheap to compare, and the most the whole score can be.
pub(super) struct FirstLook<'a> {
    /// Acronym, website domain, emails, phones, country and postal code, in display order.
    pub(super) cheap: Vec<Compared<'a>>,
    pub(super) at_most: f64,
}

pub(super) fn first_look<'a>(
    a: &'a PreparedOrganization,
    b: &'a PreparedOrganization,
) -> FirstLook<'a> {
    let (oa, ob) = (a.organization, b.organization);
    let cheap = vec![
        compare_acronyms(a, b),
        compare_domains(a, b),
        compare_sets(
            "emails",
            oa.emails.iter().map(|e| e.address.as_str()),
            ob.emails.iter().map(|e| e.address.as_str()),
            EMAIL_SAME,
        ),
        compare_sets(
            "phones",
            oa.phones.iter().map(|p| p.e164.as_str()),
            ob.phones.iter().map(|p| p.e164.as_str()),
            PHONE_SAME,
        ),
        compare_countries(
            &oa.country_code,
            &ob.country_code,
            ORG_COUNTRY_SAME,
            ORG_COUNTRY_DIFFERENT,
        ),
        compare_postal_codes(a.address.as_ref(), b.address.as_ref()),
    ];
    // The best name pair earns the name's weight; the edit similarity can raise an open
    // comparison's similarity no higher than the bound of its length difference.
    let mut name_at_most = f64::NEG_INFINITY;
    for name_a in &a.names {
        for name_b in &b.names {
            let weight = match check_organization_names(name_a, &a.acronym, name_b, &b.acronym) {
                NameCheck::Settled(c) => name_weight(&c),
                NameCheck::Open {
                    by_words,
                    same_sound,
                } => {
                    let at_most =
                        by_words.max(whole_similarity_at_most(&name_a.tokens, &name_b.tokens));
                    name_weight(&open_name_comparison(at_most, same_sound))
                }
            };
            // The name's weight is that of the display names or of a better pair.
            name_at_most = name_at_most.max(weight);
        }
    }
    let line_at_most = address_line_at_most(a.address.as_ref(), b.address.as_ref());
    let at_most = cheap.iter().map(|m| m.weight).sum::<f64>() + name_at_most + line_at_most;
    FirstLook { cheap, at_most }
}

/// Scores a pair of organisations from their names, acronyms, website domains, emails,
/// phones, countries and primary addresses.
pub fn score_organizations(a: &Organization, b: &Organization) -> Scored {
    score_prepared_organizations(&PreparedOrganization::new(a), &PreparedOrganization::new(b))
}

/// `score_organizations` of two prepared organisations.
pub fn score_prepared_organizations(a: &PreparedOrganization, b: &PreparedOrganization) -> Scored {
    let look = first_look(a, b);
    score_after_first_look(a, b, look)
}

/// `score_organizations` of two prepared organisations when it reaches `lowest`; `None`,
/// without the costly comparisons, when it certainly does not.
pub fn score_prepared_organizations_reaching(
    a: &PreparedOrganization,
    b: &PreparedOrganization,
    lowest: f64,
) -> Option<Scored> {
    let look = first_look(a, b);
    if look.at_most.clamp(0.0, 1.0) < lowest {
        return None;
    }
    let scored = score_after_first_look(a, b, look);
    (scored.score >= lowest).then_some(scored)
}

pub(super) fn score_after_first_look<'a>(
    a: &'a PreparedOrganization,
    b: &'a PreparedOrganization,
    look: FirstLook<'a>,
) -> Scored {
    let mut matches = Vec::with_capacity(look.cheap.len() + 3);
    let (display_a, display_b) = (a.display_name(), b.display_name());
    let display = compare_organization_names(display_a, &a.acronym, display_b, &b.acronym);
    let display_weight = name_weight(&display);
    // The best pair involving an alternative name, when it beats the display names.
    let mut best_alternative: Option<(NameComparison, f64, &str, &str)> = None;
    for (i, name_a) in a.names.iter().enumerate() {
        for (j, name_b) in b.names.iter().enumerate() {
            if i == 0 && j == 0 {
                continue;
            }
            let c = compare_organization_names(name_a, &a.acronym, name_b, &b.acronym);
            let w = name_weight(&c);
            if best_alternative
                .as_ref()
                .is_none_or(|(_, bw, _, _)| w > *bw)
            {
                best_alternative = Some((c, w, name_a.written, name_b.written));
            }
        }
    }
    match best_alternative {
        Some((c, w, value_a, value_b)) if w > display_weight => {
            matches.push(field_match(
                "display_name",
                display.kind,
                display.similarity,
                0.0,
                display_a.written,
                display_b.written,
            ));
            matches.push(field_match(
                "alternative_names",
                c.kind,
                c.similarity,
                w,
                value_a,
                value_b,
            ));
        }
        other => {
            matches.push(field_match(
                "display_name",
                display.kind,
                display.similarity,
                display_weight,
                display_a.written,
                display_b.written,
            ));
            if let Some((c, _, value_a, value_b)) = other {
                matches.push(field_match(
                    "alternative_names",
                    c.kind,
                    c.similarity,
                    0.0,
                    value_a,
                    value_b,
                ));
            }
        }
    }
    matches.extend(look.cheap);
    matches.push(compare_address_lines(
        a.address.as_ref(),
        b.address.as_ref(),
    ));
    finish(matches)
}

pub(super) fn compare_acronyms<'a>(
    a: &'a PreparedOrganization,
    b: &'a PreparedOrganization,
) -> Compared<'a> {
    let (acr_a, acr_b) = (&a.acronym, &b.acronym);
    let (written_a, written_b) = (&a.organization.acronym, &b.organization.acronym);
    let (shown_a, shown_b) = (written_a.as_str(), written_b.as_str());
    match (acr_a.is_empty(), acr_b.is_empty()) {
        (false, false) if written_a == written_b => field_match(
            "acronym",
            MatchKind::Exact,
            1.0,
            ORG_ACRONYM_SAME,
            shown_a,
            shown_b,
        ),
        (false, false) if acr_a == acr_b => field_match(
            "acronym",
            MatchKind::Normalized,
            1.0,
            ORG_ACRONYM_SAME,
            shown_a,
            shown_b,
        ),
        (false, false) => field_match(
            "acronym",
            MatchKind::Different,
            strsim::jaro_winkler(acr_a, acr_b),
            ORG_ACRONYM_DIFFERENT,
            shown_a,
            shown_b,
        ),
        // One side has an acronym: compare it with the other's initials.
        (false, true) if *acr_a == b.display_name().initials => field_match(
            "acronym",
            MatchKind::Abbreviation,
            0.9,
            ORG_ACRONYM_SAME,
            shown_a,
            b.organization.display_name.as_str(),
        ),
        (true, false) if *acr_b == a.display_name().initials => field_match(
            "acronym",
            MatchKind::Abbreviation,
            0.9,
            ORG_ACRONYM_SAME,
            a.organization.display_name.as_str(),
            shown_b,
        ),
        _ => missing("acronym", shown_a, shown_b),
    }
}

pub(super) fn compare_domains<'a>(
    a: &'a PreparedOrganization,
    b: &'a PreparedOrganization,
) -> Compared<'a> {
    match (&a.domain, &b.domain) {
        (Some(da), Some(db)) if da == db => {
            let shared = SHARED_HOSTS.contains(&da.as_str());
            let (kind, weight) = if shared {
                (MatchKind::Exact, 0.0)
            } else {
                (MatchKind::Exact, ORG_DOMAIN_SAME)
            };
            field_match("website_domain", kind, 1.0, weight, da, db)
        }
        (Some(da), Some(db)) => {
            let similarity = strsim::jaro_winkler(da, db);
            field_match(
                "website_domain",
                MatchKind::Different,
                similarity,
                ORG_DOMAIN_DIFFERENT,
                da,
                db,
            )
        }
        (da, db) => missing(
            "website_domain",
            da.as_deref().unwrap_or_default(),
            db.as_deref().unwrap_or_default(),
        ),
    }
}

pub(super) fn compare_sets<'x>(
    field: &'static str,
    a: impl Iterator<Item = &'x str>,
    b: impl Iterator<Item = &'x str>,
    weight: f64,
) -> Compared<'x> {
    let a: Vec<&str> = a.filter(|v| !v.is_empty()).collect();
    let b: Vec<&str> = b.filter(|v| !v.is_empty()).collect();
    if a.is_empty() || b.is_empty() {
        return missing(field, shown_list(&a), shown_list(&b));
    }
    match a.iter().find(|v| b.contains(v)) {
        Some(shared) => field_match(field, MatchKind::Exact, 1.0, weight, *shared, *shared),
        None => field_match(
            field,
            MatchKind::Different,
            0.0,
            CONTACT_DIFFERENT,
            shown_list(&a),
            shown_list(&b),
        ),
    }
}

pub(super) fn compare_countries<'a>(
    a: &'a str,
    b: &'a str,
    same: f64,
    different: f64,
) -> Compared<'a> {
    if a.is_empty() || b.is_empty() {
        missing("country_code", a, b)
    } else if a == b {
        field_match("country_code", MatchKind::Exact, 1.0, same, a, b)
    } else {
        field_match("country_code", MatchKind::Different, 0.0, different, a, b)
    }
}

/// A primary postal address with its postal code compacted and its street lines and
/// locality folded into words.
#[derive(Debug, Clone)]
pub(super) struct PreparedAddress<'a> {
    pub(super) address: &'a PostalAddress,
    pub(super) postal_code: String,
    pub(super) line: String,
    pub(super) folded: String,
    pub(super) words: Words,
}

impl<'a> PreparedAddress<'a> {
    pub(super) fn new(address: &'a PostalAddress) -> Self {
        let mut parts = address.address_lines.clone();
        if !address.locality.is_empty() {
            parts.push(address.locality.clone());
        }
        let line = parts.join(", ");
        Self {
            address,
            postal_code: compact_postal_code(&address.postal_code),
            folded: fold(&line),
            words: Words::new(words(&line)),
            line,
        }
    }
}

/// Compares the postal codes of the primary addresses, with the country.
pub(super) fn compare_postal_codes<'a>(
    a: Option<&'a PreparedAddress>,
    b: Option<&'a PreparedAddress>,
) -> Compared<'a> {
    let (Some(pa), Some(pb)) = (a, b) else {
        let shown =
            |x: Option<&'a PreparedAddress>| x.map_or("", |p| p.address.postal_code.as_str());
        return missing("postal_code", shown(a), shown(b));
    };
    let (written_a, written_b) = (&pa.address.postal_code, &pb.address.postal_code);
    if pa.postal_code.is_empty() || pb.postal_code.is_empty() {
        missing("postal_code", written_a.as_str(), written_b.as_str())
    } else if pa.postal_code == pb.postal_code && pa.address.country_code == pb.address.country_code
    {
        let kind = if written_a == written_b {
            MatchKind::Exact
        } else {
            MatchKind::Normalized
        };
        field_match(
            "postal_code",
            kind,
            1.0,
            POSTAL_SAME,
            written_a.as_str(),
            written_b.as_str(),
        )
    } else {
        field_match(
            "postal_code",
            MatchKind::Different,
            0.0,
            POSTAL_DIFFERENT,
            written_a.as_str(),
            written_b.as_str(),
        )
    }
}

/// Compares the street lines and locality of the primary addresses.
pub(super) fn compare_address_lines<'a>(
    a: Option<&'a PreparedAddress>,
    b: Option<&'a PreparedAddress>,
) -> Compared<'a> {
    let (Some(pa), Some(pb)) = (a, b) else {
        return missing("addresses", "", "");
    };
    let (line_a, line_b) = (pa.line.as_str(), pb.line.as_str());
    if pa.folded.is_empty() || pb.folded.is_empty() {
        missing("addresses", line_a, line_b)
    } else if pa.folded == pb.folded {
        let kind = if line_a == line_b {
            MatchKind::Exact
        } else {
            MatchKind::Normalized
        };
        field_match("addresses", kind, 1.0, ADDRESS_SAME, line_a, line_b)
    } else {
        let similarity = name_similarity(&pa.words, &pb.words);
        if similarity >= 0.9 {
            field_match(
                "addresses",
                MatchKind::Fuzzy,
                similarity,
                ADDRESS_SAME * ramp(similarity, 0.9),
                line_a,
                line_b,
            )
        } else {
            field_match(
                "addresses",
                MatchKind::Different,
                similarity,
                0.0,
                line_a,
                line_b,
            )
        }
    }
}

/// The most `compare_address_lines` can weigh, without comparing the lines word by word.
pub(super) fn address_line_at_most(
    a: Option<&PreparedAddress>,
    b: Option<&PreparedAddress>,
) -> f64 {
    match (a, b) {
        (Some(pa), Some(pb)) if !pa.folded.is_empty() && !pb.folded.is_empty() => ADDRESS_SAME,
        _ => 0.0,
    }
}
