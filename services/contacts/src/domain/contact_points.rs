//! Rules shared by organisations, people and their child records: text limits, countries,
//! email addresses, phone numbers, postal addresses, websites, tags, thematic areas,
//! languages, external ids, conference sessions and resource-name lists.
//!
//! Every check appends to a list of violations instead of stopping, so that a request with
//! several bad fields is answered with all of them at once.

use std::collections::BTreeSet;

use engage_api::contacts::{
    AddressKind, EmailAddress, EmailKind, PhoneKind, PhoneNumber, PostalAddress,
};
use engage_api::types::{RegionalGroup, ThematicArea};
use engage_platform::Violation;
use engage_platform::regions::regional_group;
use engage_platform::resource::parse_name;

use super::text::char_len;

/// Most email addresses one record holds.
pub const MAX_EMAILS: usize = 20;
/// Most phone numbers one record holds.
pub const MAX_PHONES: usize = 20;
/// Most postal addresses one record holds.
pub const MAX_ADDRESSES: usize = 10;
/// Most tags one record carries.
pub const MAX_TAGS: usize = 50;
/// Longest tag.
pub const MAX_TAG_LEN: usize = 64;
/// Longest email address (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;
/// Longest phone number as entered.
pub const MAX_PHONE_LEN: usize = 64;
/// Longest website URL.
pub const MAX_WEBSITE_LEN: usize = 2048;
/// Longest external id.
pub const MAX_EXTERNAL_ID_LEN: usize = 200;
/// Longest conference session code.
pub const MAX_SESSION_LEN: usize = 32;
/// Most street lines of a postal address.
pub const MAX_ADDRESS_LINES: usize = 5;

/// Every assigned ISO 3166-1 alpha-2 code (249). The regional-group table covers only UN
/// member and observer states; territories such as Hong Kong or Puerto Rico are valid
/// countries too and get REGIONAL_GROUP_NONE.
const ISO_3166_ALPHA2: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// The ISO 3166-1 English short names of the codes the regional-group table leaves out
/// (territories and areas that are not UN members or observers), sorted by code; checked
/// against pycountry 26.2.16 (Debian's iso-codes data).
const TERRITORY_NAMES: &[(&str, &str)] = &[
    ("AI", "Anguilla"),
    ("AQ", "Antarctica"),
    ("AS", "American Samoa"),
    ("AW", "Aruba"),
    ("AX", "Åland Islands"),
    ("BL", "Saint Barthélemy"),
    ("BM", "Bermuda"),
    ("BQ", "Bonaire, Sint Eustatius and Saba"),
    ("BV", "Bouvet Island"),
    ("CC", "Cocos (Keeling) Islands"),
    ("CK", "Cook Islands"),
    ("CW", "Curaçao"),
    ("CX", "Christmas Island"),
    ("EH", "Western Sahara"),
    ("FK", "Falkland Islands (Malvinas)"),
    ("FO", "Faroe Islands"),
    ("GF", "French Guiana"),
    ("GG", "Guernsey"),
    ("GI", "Gibraltar"),
    ("GL", "Greenland"),
    ("GP", "Guadeloupe"),
    ("GS", "South Georgia and the South Sandwich Islands"),
    ("GU", "Guam"),
    ("HK", "Hong Kong"),
    ("HM", "Heard Island and McDonald Islands"),
    ("IM", "Isle of Man"),
    ("IO", "British Indian Ocean Territory"),
    ("JE", "Jersey"),
    ("KY", "Cayman Islands"),
    ("MF", "Saint Martin (French part)"),
    ("MO", "Macao"),
    ("MP", "Northern Mariana Islands"),
    ("MQ", "Martinique"),
    ("MS", "Montserrat"),
    ("NC", "New Caledonia"),
    ("NF", "Norfolk Island"),
    ("NU", "Niue"),
    ("PF", "French Polynesia"),
    ("PM", "Saint Pierre and Miquelon"),
    ("PN", "Pitcairn"),
    ("PR", "Puerto Rico"),
    ("RE", "Réunion"),
    ("SH", "Saint Helena, Ascension and Tristan da Cunha"),
    ("SJ", "Svalbard and Jan Mayen"),
    ("SX", "Sint Maarten (Dutch part)"),
    ("TC", "Turks and Caicos Islands"),
    ("TF", "French Southern Territories"),
    ("TK", "Tokelau"),
    ("TW", "Taiwan, Province of China"),
    ("UM", "United States Minor Outlying Islands"),
    ("VG", "Virgin Islands, British"),
    ("VI", "Virgin Islands, U.S."),
    ("WF", "Wallis and Futuna"),
    ("YT", "Mayotte"),
];

/// Whether `code` (upper case) is an assigned ISO 3166-1 alpha-2 code.
pub fn is_country_code(code: &str) -> bool {
    ISO_3166_ALPHA2.binary_search(&code).is_ok()
}

/// Every country code the register accepts, in code order, with its name and regional group:
/// UN members and observers with their group, other ISO 3166-1 codes with
/// REGIONAL_GROUP_NONE. ListCountries lists exactly these, so a picker built from it offers
/// every code a record may carry.
pub fn accepted_countries() -> impl Iterator<Item = (&'static str, &'static str, RegionalGroup)> {
    ISO_3166_ALPHA2.iter().map(|&code| {
        let name = engage_platform::regions::country_name(code)
            .or_else(|| {
                TERRITORY_NAMES
                    .binary_search_by_key(&code, |(c, _)| c)
                    .ok()
                    .map(|i| TERRITORY_NAMES[i].1)
            })
            .unwrap_or(code);
        (
            code,
            name,
            regional_group(code).unwrap_or(RegionalGroup::None),
        )
    })
}

/// Trims `value` in place.
pub(crate) fn trim(value: &mut String) {
    let trimmed = value.trim();
    if trimmed.len() != value.len() {
        *value = trimmed.to_owned();
    }
}

/// Trims `value` and checks it holds at most `max` characters (code points), and is not
/// empty when `required`.
pub(crate) fn text(
    out: &mut Vec<Violation>,
    field: &str,
    value: &mut String,
    required: bool,
    max: usize,
) {
    trim(value);
    let len = char_len(value);
    if required && len == 0 {
        out.push(Violation::new(field, "is required"));
    } else if len > max {
        out.push(Violation::new(
            field,
            format!("must be at most {max} characters, not {len}"),
        ));
    }
}

/// Checks that a list holds at most `max` entries.
pub(crate) fn count(out: &mut Vec<Violation>, field: &str, len: usize, max: usize, what: &str) {
    if len > max {
        out.push(Violation::new(
            field,
            format!("at most {max} {what} are allowed, not {len}"),
        ));
    }
}

/// Checks that an enum field holds a value the contract defines; `required` also refuses 0
/// (the UNSPECIFIED value).
pub(crate) fn enum_value<E: TryFrom<i32>>(
    out: &mut Vec<Violation>,
    field: &str,
    value: i32,
    required: bool,
) {
    if E::try_from(value).is_err() {
        out.push(Violation::new(
            field,
            format!("{value} is not a known value"),
        ));
    } else if required && value == 0 {
        out.push(Violation::new(field, "is required"));
    }
}

/// Trims and upper-cases a country code and checks it is an assigned ISO 3166-1 code.
/// Returns its UN regional group: UNSPECIFIED when empty or invalid, NONE for a territory
/// outside the UN regional groups.
pub fn country(
    out: &mut Vec<Violation>,
    field: &str,
    value: &mut String,
    required: bool,
) -> RegionalGroup {
    *value = value.trim().to_uppercase();
    if value.is_empty() {
        if required {
            out.push(Violation::new(field, "is required"));
        }
        return RegionalGroup::Unspecified;
    }
    if value.len() != 2 || !is_country_code(value) {
        out.push(Violation::new(
            field,
            format!("\"{value}\" is not an ISO 3166-1 alpha-2 country code"),
        ));
        return RegionalGroup::Unspecified;
    }
    regional_group(value).unwrap_or(RegionalGroup::None)
}

/// Whether `address` is an addr-spec as the register accepts it: one `@`, a non-empty local
/// part, a domain of non-empty dot-separated labels with at least one dot, no white space.
pub fn is_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !address.chars().any(|c| c.is_whitespace() || c.is_control())
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
}

/// Trims and lower-cases email addresses and checks them, their kinds, their number and
/// that at most one is primary.
pub(crate) fn emails(out: &mut Vec<Violation>, prefix: &str, emails: &mut [EmailAddress]) {
    let field = format!("{prefix}.emails");
    count(out, &field, emails.len(), MAX_EMAILS, "email addresses");
    for (i, email) in emails.iter_mut().enumerate() {
        let path = format!("{field}[{i}]");
        email.address = email.address.trim().to_lowercase();
        let address_field = format!("{path}.address");
        let len = char_len(&email.address);
        if email.address.is_empty() {
            out.push(Violation::new(address_field, "is required"));
        } else if len > MAX_EMAIL_LEN {
            out.push(Violation::new(
                address_field,
                format!("must be at most {MAX_EMAIL_LEN} characters, not {len}"),
            ));
        } else if !is_email(&email.address) {
            out.push(Violation::new(
                address_field,
                format!("\"{}\" is not an email address", email.address),
            ));
        }
        enum_value::<EmailKind>(out, &format!("{path}.kind"), email.kind, false);
    }
    at_most_one_primary(
        out,
        &field,
        emails.iter().map(|e| e.primary),
        "email address",
    );
}

fn at_most_one_primary(
    out: &mut Vec<Violation>,
    field: &str,
    primaries: impl Iterator<Item = bool>,
    what: &str,
) {
    if primaries.filter(|p| *p).count() > 1 {
        out.push(Violation::new(
            field,
            format!("at most one {what} may be primary"),
        ));
    }
}

/// A phone number read from what a user typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedPhone {
    /// E.164 form, such as "+41229171234".
    pub e164: String,
    /// Extension digits, empty when none.
    pub extension: String,
}

/// Reads a phone number; one without a `+` or international prefix is read in
/// `default_country` (an ISO code, may be empty). `None` when the text is not a number the
/// phone-number library recognises as valid for its country: a merely "possible" length is
/// not enough, so typing slips are caught before they are stored.
pub fn parse_phone(text: &str, default_country: &str) -> Option<ParsedPhone> {
    let region = default_country.parse::<phonenumber::country::Id>().ok();
    let number = phonenumber::parse(region, text).ok()?;
    if !phonenumber::is_valid(&number) {
        return None;
    }
    let e164 = number.format().mode(phonenumber::Mode::E164).to_string();
    let extension = number
        .extension()
        .map(|e| e.chars().filter(char::is_ascii_digit).collect())
        .unwrap_or_default();
    Some(ParsedPhone { e164, extension })
}

/// Trims phone numbers, parses them (in `default_country` when written without a `+`),
/// fills `e164` and `extension`, and checks kinds, number and the single primary.
pub(crate) fn phones(
    out: &mut Vec<Violation>,
    prefix: &str,
    phones: &mut [PhoneNumber],
    default_country: &str,
) {
    let field = format!("{prefix}.phones");
    // An invalid country is reported on its own field; numbers are then read as if none
    // was given rather than blamed on a country that does not exist.
    let default_country = if is_country_code(default_country) {
        default_country
    } else {
        ""
    };
    count(out, &field, phones.len(), MAX_PHONES, "phone numbers");
    for (i, phone) in phones.iter_mut().enumerate() {
        let path = format!("{field}[{i}]");
        let text_field = format!("{path}.original_text");
        let before = out.len();
        text(
            out,
            &text_field,
            &mut phone.original_text,
            true,
            MAX_PHONE_LEN,
        );
        phone.e164.clear();
        phone.extension.clear();
        if out.len() == before {
            match parse_phone(&phone.original_text, default_country) {
                Some(parsed) => {
                    phone.e164 = parsed.e164;
                    phone.extension = parsed.extension;
                }
                None => out.push(Violation::new(
                    text_field,
                    format!(
                        "\"{}\" is not a valid phone number{}",
                        phone.original_text,
                        if default_country.is_empty() {
                            " (write it with + and the country code, or set the country)".to_owned()
                        } else {
                            format!(" in {default_country}")
                        }
                    ),
                )),
            }
        }
        enum_value::<PhoneKind>(out, &format!("{path}.kind"), phone.kind, false);
    }
    at_most_one_primary(
        out,
        &field,
        phones.iter().map(|p| p.primary),
        "phone number",
    );
}

/// Trims postal addresses (dropping blank street lines) and checks their limits, countries,
/// kinds, number and the single primary.
pub(crate) fn addresses(out: &mut Vec<Violation>, prefix: &str, addresses: &mut [PostalAddress]) {
    let field = format!("{prefix}.addresses");
    count(
        out,
        &field,
        addresses.len(),
        MAX_ADDRESSES,
        "postal addresses",
    );
    for (i, address) in addresses.iter_mut().enumerate() {
        let path = format!("{field}[{i}]");
        enum_value::<AddressKind>(out, &format!("{path}.kind"), address.kind, false);
        for line in &mut address.address_lines {
            trim(line);
        }
        address.address_lines.retain(|l| !l.is_empty());
        let lines_field = format!("{path}.address_lines");
        if address.address_lines.is_empty() {
            out.push(Violation::new(
                &lines_field,
                "at least one street line is required",
            ));
        }
        count(
            out,
            &lines_field,
            address.address_lines.len(),
            MAX_ADDRESS_LINES,
            "street lines",
        );
        for (j, line) in address.address_lines.iter_mut().enumerate() {
            text(out, &format!("{lines_field}[{j}]"), line, false, 200);
        }
        text(
            out,
            &format!("{path}.locality"),
            &mut address.locality,
            false,
            100,
        );
        text(
            out,
            &format!("{path}.region"),
            &mut address.region,
            false,
            100,
        );
        text(
            out,
            &format!("{path}.postal_code"),
            &mut address.postal_code,
            false,
            20,
        );
        country(
            out,
            &format!("{path}.country_code"),
            &mut address.country_code,
            true,
        );
    }
    at_most_one_primary(
        out,
        &field,
        addresses.iter().map(|a| a.primary),
        "postal address",
    );
}

/// Trims a website, adds `https://` when no scheme is given and checks it is an absolute
/// `http` or `https` URL with a host, at most 2,048 characters. Credentials in the URL are
/// refused: they are never a public website, and "mailto:a@b.org" would otherwise pass as
/// `https://mailto:a@b.org`.
pub(crate) fn website(out: &mut Vec<Violation>, field: &str, value: &mut String) {
    trim(value);
    if value.is_empty() {
        return;
    }
    if !value.contains("://") {
        *value = format!("https://{value}");
    }
    let len = char_len(value);
    if len > MAX_WEBSITE_LEN {
        out.push(Violation::new(
            field,
            format!("must be at most {MAX_WEBSITE_LEN} characters, not {len}"),
        ));
        return;
    }
    match url::Url::parse(value) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.host_str().is_some_and(|h| !h.is_empty())
                && url.username().is_empty()
                && url.password().is_none() => {}
        _ => out.push(Violation::new(
            field,
            format!("\"{value}\" is not an http or https web address"),
        )),
    }
}

/// Whether `tag` (already lower case) holds only letters, digits, space, `-`, `_` and `.`.
fn is_tag(tag: &str) -> bool {
    tag.chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'))
}

/// Trims and lower-cases tags, checks them, removes duplicates and sorts them.
pub(crate) fn tags(out: &mut Vec<Violation>, prefix: &str, tags: &mut Vec<String>) {
    let field = format!("{prefix}.tags");
    let mut kept = BTreeSet::new();
    for (i, tag) in tags.iter().enumerate() {
        let tag = tag.trim().to_lowercase();
        let path = format!("{field}[{i}]");
        let len = char_len(&tag);
        if len == 0 {
            out.push(Violation::new(path, "must not be empty"));
        } else if len > MAX_TAG_LEN {
            out.push(Violation::new(
                path,
                format!("must be at most {MAX_TAG_LEN} characters, not {len}"),
            ));
        } else if !is_tag(&tag) {
            out.push(Violation::new(
                path,
                format!("\"{tag}\" may hold only letters, digits, space, '-', '_' and '.'"),
            ));
        } else {
            kept.insert(tag);
        }
    }
    count(out, &field, kept.len(), MAX_TAGS, "tags");
    *tags = kept.into_iter().collect();
}

/// Checks thematic areas, removes duplicates and puts them in enum order.
pub(crate) fn thematic_areas(out: &mut Vec<Violation>, prefix: &str, areas: &mut Vec<i32>) {
    let field = format!("{prefix}.thematic_areas");
    for (i, area) in areas.iter().enumerate() {
        let path = format!("{field}[{i}]");
        match ThematicArea::try_from(*area) {
            Ok(ThematicArea::Unspecified) => out.push(Violation::new(
                path,
                "THEMATIC_AREA_UNSPECIFIED is not a thematic area",
            )),
            Ok(_) => {}
            Err(_) => out.push(Violation::new(
                path,
                format!("{area} is not a known thematic area"),
            )),
        }
    }
    let kept: BTreeSet<i32> = areas.iter().copied().collect();
    *areas = kept.into_iter().collect();
}

/// Most languages one person lists.
pub const MAX_LANGUAGES: usize = 20;
/// Longest language tag.
pub const MAX_LANGUAGE_LEN: usize = 35;

/// Canonicalises the case of BCP 47 language tags ("pt-br" → "pt-BR") and removes
/// duplicates, keeping the given order (the first is the preferred language).
pub(crate) fn languages(out: &mut Vec<Violation>, prefix: &str, languages: &mut Vec<String>) {
    let field = format!("{prefix}.languages");
    let mut kept: Vec<String> = Vec::with_capacity(languages.len());
    for (i, language) in languages.iter().enumerate() {
        let path = format!("{field}[{i}]");
        let language = language.trim();
        let len = char_len(language);
        if len == 0 {
            out.push(Violation::new(path, "must not be empty"));
        } else if len > MAX_LANGUAGE_LEN {
            out.push(Violation::new(
                path,
                format!("must be at most {MAX_LANGUAGE_LEN} characters, not {len}"),
            ));
        } else {
            match language_tags::LanguageTag::parse(language) {
                Ok(tag) => {
                    let tag = tag.into_string();
                    if !kept.contains(&tag) {
                        kept.push(tag);
                    }
                }
                Err(e) => out.push(Violation::new(
                    path,
                    format!("\"{language}\" is not a BCP 47 language tag: {e}"),
                )),
            }
        }
    }
    count(out, &field, kept.len(), MAX_LANGUAGES, "languages");
    *languages = kept;
}

/// Trims an external id and checks it is at most 200 printable characters (empty means
/// none). Its uniqueness needs the database and is checked by the caller.
pub(crate) fn external_id(out: &mut Vec<Violation>, field: &str, value: &mut String) {
    text(out, field, value, false, MAX_EXTERNAL_ID_LEN);
    if value.chars().any(char::is_control) {
        out.push(Violation::new(field, "must hold only printable characters"));
    }
}

/// Trims and upper-cases a conference session code such as "COP12" and checks it is 1 to 32
/// characters of `A`-`Z`, `0`-`9`, `.`, `-`, `_`, starting with a letter or digit.
pub(crate) fn conference_session(
    out: &mut Vec<Violation>,
    field: &str,
    value: &mut String,
    required: bool,
) {
    *value = value.trim().to_uppercase();
    if value.is_empty() {
        if required {
            out.push(Violation::new(field, "is required"));
        }
        return;
    }
    let well_formed = value.len() <= MAX_SESSION_LEN
        && value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'));
    if !well_formed {
        out.push(Violation::new(
            field,
            format!(
                "\"{value}\" must be 1 to {MAX_SESSION_LEN} characters of A-Z, 0-9, '.', '-', '_', starting with a letter or digit"
            ),
        ));
    }
}

/// Trims resource names of `collection` (such as `people/{uuid}`) and checks their form and
/// number. Repeats are refused when `refuse_repeats`, silently removed otherwise. Whether
/// the records exist needs the database and is checked by the caller.
pub(crate) fn resource_names(
    out: &mut Vec<Violation>,
    field: &str,
    names: &mut Vec<String>,
    collection: &str,
    max: usize,
    refuse_repeats: bool,
) {
    let mut kept: Vec<String> = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let path = format!("{field}[{i}]");
        let name = name.trim();
        if let Err(v) = parse_name(collection, name, &path) {
            out.push(v);
        } else if kept.iter().any(|k| k == name) {
            if refuse_repeats {
                out.push(Violation::new(path, format!("{name} is listed twice")));
            }
        } else {
            kept.push(name.to_owned());
        }
    }
    count(out, field, kept.len(), max, "entries");
    *names = kept;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(out: &[Violation]) -> Vec<&str> {
        out.iter().map(|v| v.field.as_str()).collect()
    }

    #[test]
    fn the_iso_table_is_sorted_and_complete() {
        assert_eq!(ISO_3166_ALPHA2.len(), 249);
        assert!(ISO_3166_ALPHA2.windows(2).all(|w| w[0] < w[1]));
        for code in engage_platform::regions::country_codes() {
            assert!(is_country_code(code), "{code}");
        }
    }

    #[test]
    fn every_accepted_code_is_listed_with_a_name() {
        let listed: Vec<_> = accepted_countries().collect();
        assert_eq!(listed.len(), 249);
        assert!(
            listed.iter().all(|(code, name, _)| name != code),
            "a code without a name"
        );
        assert!(TERRITORY_NAMES.windows(2).all(|w| w[0].0 < w[1].0));
        let none: Vec<_> = listed
            .iter()
            .filter(|(_, _, g)| *g == RegionalGroup::None)
            .map(|(c, _, _)| *c)
            .collect();
        assert_eq!(none.len(), 54);
        for code in ["HK", "PR", "GL"] {
            assert!(none.contains(&code), "{code}");
        }
        assert!(listed.contains(&("CH", "Switzerland", RegionalGroup::WesternEuropeanOthers)));
        assert!(listed.contains(&("HK", "Hong Kong", RegionalGroup::None)));
    }

    #[test]
    fn countries_are_upper_cased_and_grouped() {
        let mut out = Vec::new();
        let mut code = " ch ".to_owned();
        assert_eq!(
            country(&mut out, "f", &mut code, false),
            RegionalGroup::WesternEuropeanOthers
        );
        assert_eq!(code, "CH");
        let mut hk = "hk".to_owned();
        assert_eq!(country(&mut out, "f", &mut hk, false), RegionalGroup::None);
        assert!(out.is_empty());
        let mut xx = "XX".to_owned();
        country(&mut out, "organization.country_code", &mut xx, false);
        assert_eq!(fields(&out), ["organization.country_code"]);
    }

    #[test]
    fn swiss_numbers_in_both_forms_give_one_e164() {
        let international = parse_phone("+41 22 917 1234", "CH").unwrap();
        let national = parse_phone("022 917 12 34", "CH").unwrap();
        assert_eq!(international.e164, "+41229171234");
        assert_eq!(national.e164, "+41229171234");
        assert_eq!(
            parse_phone("+41 22 917 1234", "").unwrap().e164,
            "+41229171234"
        );
    }

    #[test]
    fn extensions_are_kept_as_digits() {
        let parsed = parse_phone("+41 22 917 1234 ext. 5", "").unwrap();
        assert_eq!(parsed.e164, "+41229171234");
        assert_eq!(parsed.extension, "5");
    }

    #[test]
    fn unparseable_phones_are_refused() {
        assert_eq!(parse_phone("call me", "CH"), None);
        assert_eq!(parse_phone("022 917 12 34", ""), None);
        let mut out = Vec::new();
        let mut list = vec![PhoneNumber {
            original_text: "12".into(),
            ..Default::default()
        }];
        phones(&mut out, "person", &mut list, "CH");
        assert_eq!(fields(&out), ["person.phones[0].original_text"]);
    }

    #[test]
    fn emails_are_lower_cased_and_checked() {
        let mut out = Vec::new();
        let mut list = vec![
            EmailAddress {
                address: " Info@Example.ORG ".into(),
                primary: true,
                ..Default::default()
            },
            EmailAddress {
                address: "not an email".into(),
                ..Default::default()
            },
            EmailAddress {
                address: "a@localhost".into(),
                ..Default::default()
            },
        ];
        emails(&mut out, "organization", &mut list);
        assert_eq!(list[0].address, "info@example.org");
        assert_eq!(
            fields(&out),
            [
                "organization.emails[1].address",
                "organization.emails[2].address"
            ]
        );
    }

    #[test]
    fn two_primary_emails_are_refused() {
        let mut out = Vec::new();
        let email = EmailAddress {
            address: "a@b.org".into(),
            primary: true,
            ..Default::default()
        };
        emails(&mut out, "person", &mut [email.clone(), email]);
        assert_eq!(fields(&out), ["person.emails"]);
    }

    #[test]
    fn websites_get_a_scheme_and_must_be_web_addresses() {
        let mut out = Vec::new();
        let mut site = " www.example.org ".to_owned();
        website(&mut out, "w", &mut site);
        assert_eq!(site, "https://www.example.org");
        let mut mailto = "mailto:a@b.org".to_owned();
        website(&mut out, "organization.website", &mut mailto);
        assert_eq!(out.len(), 1);
        out.clear();
        let mut ftp = "ftp://example.org".to_owned();
        website(&mut out, "organization.website", &mut ftp);
        let mut long = format!("https://example.org/{}", "a".repeat(2048));
        website(&mut out, "organization.website", &mut long);
        assert_eq!(
            fields(&out),
            ["organization.website", "organization.website"]
        );
    }

    #[test]
    fn tags_are_lower_cased_deduplicated_and_sorted() {
        let mut out = Vec::new();
        let mut list = vec![
            "Donor".to_owned(),
            "donor ".to_owned(),
            "cop12-side-event".into(),
        ];
        tags(&mut out, "organization", &mut list);
        assert!(out.is_empty());
        assert_eq!(list, ["cop12-side-event", "donor"]);
        let mut bad = vec!["a,b".to_owned(), " ".to_owned(), "x".repeat(65)];
        tags(&mut out, "person", &mut bad);
        assert_eq!(
            fields(&out),
            ["person.tags[0]", "person.tags[1]", "person.tags[2]"]
        );
    }

    #[test]
    fn thematic_areas_are_deduplicated_in_enum_order() {
        let mut out = Vec::new();
        let mut areas = vec![
            ThematicArea::Corruption as i32,
            ThematicArea::TraffickingInPersons as i32,
            ThematicArea::Corruption as i32,
        ];
        thematic_areas(&mut out, "organization", &mut areas);
        assert!(out.is_empty());
        assert_eq!(
            areas,
            [
                ThematicArea::TraffickingInPersons as i32,
                ThematicArea::Corruption as i32
            ]
        );
        thematic_areas(&mut out, "organization", &mut vec![0, 999]);
        assert_eq!(
            fields(&out),
            [
                "organization.thematic_areas[0]",
                "organization.thematic_areas[1]"
            ]
        );
    }

    #[test]
    fn languages_are_canonicalised_and_deduplicated_in_order() {
        let mut out = Vec::new();
        let mut list = vec![
            "EN".to_owned(),
            "pt-br".into(),
            "en".into(),
            "es-419".into(),
        ];
        languages(&mut out, "person", &mut list);
        assert!(out.is_empty());
        assert_eq!(list, ["en", "pt-BR", "es-419"]);
        languages(&mut out, "person", &mut vec!["en_US".to_owned()]);
        assert_eq!(fields(&out), ["person.languages[0]"]);
    }

    #[test]
    fn sessions_are_upper_cased_and_checked() {
        let mut out = Vec::new();
        let mut session = " cop12 ".to_owned();
        conference_session(&mut out, "s", &mut session, true);
        assert_eq!(session, "COP12");
        assert!(out.is_empty());
        conference_session(
            &mut out,
            "accreditation.conference_session",
            &mut "-COP".into(),
            true,
        );
        conference_session(
            &mut out,
            "accreditation.conference_session",
            &mut String::new(),
            true,
        );
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn addresses_need_a_street_and_a_country() {
        let mut out = Vec::new();
        let mut list = vec![PostalAddress {
            address_lines: vec![" ".into()],
            postal_code: "1".repeat(21),
            ..Default::default()
        }];
        addresses(&mut out, "organization", &mut list);
        assert_eq!(
            fields(&out),
            [
                "organization.addresses[0].address_lines",
                "organization.addresses[0].postal_code",
                "organization.addresses[0].country_code"
            ]
        );
    }
}
