//! The evaluation set of duplicate detection, without I/O: invented people and organisations
//! from many languages, some of them registered again as corrupted copies the way people
//! really re-register (a typo, a name spelt by ear, names swapped, fields left out, a date
//! typed wrong, another way of writing the address or the phone, a legal form abbreviated,
//! accents dropped). Every record knows its cluster, so the pairs to find are known.
//!
//! Deterministic: one seed gives the same set on every machine (ChaCha). Names are drawn
//! from lists of common first names, family names and invented words and recombined at
//! random: they are nobody in particular. Emails are under reserved `.example` domains.

use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::locales::{ENGLISH_FORMS, LOCALES, Locale, SYLLABLES};

/// One way a copy differs from its original.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Corruption {
    /// One letter of a name replaced, dropped, doubled or swapped with its neighbour.
    Typo,
    /// A name spelt by ear ("ph" for "f", "y" for "i", a double letter single).
    Phonetic,
    /// Given name and family name exchanged.
    SwappedNames,
    /// The given name reduced to its initial.
    Initial,
    /// One or two of email, phone, date of birth, address, website left out.
    MissingFields,
    /// Day and month swapped, or two adjacent digits of the date.
    DateDigits,
    /// The street written another way ("Street" / "St.", postal code spacing, case).
    AddressForm,
    /// The phone in national instead of international form, or the reverse, other spacing.
    PhoneFormat,
    /// Accents and other marks dropped.
    Accents,
    /// The legal form abbreviated, written in full, or dropped.
    LegalForm,
    /// The organisation registered under its acronym.
    Acronym,
    /// The website written with or without scheme and `www.`.
    WebsiteForm,
    /// Letter case changed (all capitals).
    Case,
}

impl Corruption {
    pub fn name(self) -> &'static str {
        match self {
            Corruption::Typo => "typo",
            Corruption::Phonetic => "phonetic misspelling",
            Corruption::SwappedNames => "swapped names",
            Corruption::Initial => "given name as initial",
            Corruption::MissingFields => "missing fields",
            Corruption::DateDigits => "date digits swapped",
            Corruption::AddressForm => "address written differently",
            Corruption::PhoneFormat => "phone in another format",
            Corruption::Accents => "accents dropped",
            Corruption::LegalForm => "legal form changed",
            Corruption::Acronym => "acronym as name",
            Corruption::WebsiteForm => "website written differently",
            Corruption::Case => "letter case",
        }
    }
}

/// A postal address as a CSV row gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    pub line: String,
    pub locality: String,
    pub postal_code: String,
    pub country: String,
}

/// A phone number: its digits and how it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Phone {
    /// Calling code without `+`, such as "41".
    pub calling_code: &'static str,
    /// The national trunk prefix ("0"), empty where there is none.
    pub trunk: &'static str,
    /// National significant number, digits only.
    pub number: String,
    /// Written in national form (read in the record's country).
    pub national: bool,
    /// Group separator: ' ', '-', '.' or none.
    pub separator: Option<char>,
}

impl Phone {
    /// As a person would type it.
    pub fn text(&self) -> String {
        let groups: Vec<String> = self
            .number
            .as_bytes()
            .chunks(3)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        let sep = self.separator.map(String::from).unwrap_or_default();
        let body = groups.join(&sep);
        if self.national {
            format!("{}{}", self.trunk, body)
        } else {
            format!(
                "+{}{}{}",
                self.calling_code,
                if sep.is_empty() { "" } else { " " },
                body
            )
        }
    }
}

/// A person of the evaluation set.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalPerson {
    pub cluster: usize,
    /// 0 for the original, 1.. for its copies.
    pub copy: usize,
    pub corruptions: Vec<Corruption>,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: Option<(i32, u32, u32)>,
    pub email: Option<String>,
    pub phone: Option<Phone>,
    pub country: String,
    pub address: Option<Address>,
}

/// An organisation of the evaluation set.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalOrganization {
    pub cluster: usize,
    pub copy: usize,
    pub corruptions: Vec<Corruption>,
    pub display_name: String,
    pub acronym: String,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<Phone>,
    pub country: String,
    pub address: Option<Address>,
}

/// How the set is made: sizes and the share of records that are copies.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Records in all, originals and copies.
    pub records: usize,
    /// Share of originals that have copies.
    pub duplicated: f64,
    /// Share of duplicated originals with two copies rather than one.
    pub twice: f64,
    pub seed: u64,
}

impl Plan {
    /// Originals, and how many of them get one and two copies, for `records` in all.
    pub fn counts(&self) -> (usize, usize, usize) {
        // records = originals + one + 2 * two, one + two = duplicated * originals.
        let per_original = 1.0 + self.duplicated * (1.0 + self.twice);
        let originals = (self.records as f64 / per_original).round() as usize;
        let duplicated = (originals as f64 * self.duplicated).round() as usize;
        let two = (duplicated as f64 * self.twice).round() as usize;
        let two = two.min(self.records.saturating_sub(originals + duplicated));
        let one = self.records.saturating_sub(originals + 2 * two);
        (originals, one, two)
    }
}

fn pick(rng: &mut ChaCha8Rng, items: &[&'static str]) -> &'static str {
    items.choose(rng).copied().unwrap_or("")
}

fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.random_bool(p.clamp(0.0, 1.0))
}

fn invented_word(rng: &mut ChaCha8Rng) -> String {
    let n = rng.random_range(2..=3);
    let mut word: String = (0..n).map(|_| pick(rng, SYLLABLES)).collect();
    if let Some(first) = word.get(..1) {
        word = first.to_uppercase() + &word[1..];
    }
    word
}

fn digits(rng: &mut ChaCha8Rng, n: usize) -> String {
    (0..n)
        .map(|i| {
            let low = if i == 0 { 1 } else { 0 };
            char::from(b'0' + rng.random_range(low..10u8))
        })
        .collect()
}

/// Lower-case ASCII of a name, for emails and websites.
fn slug(text: &str) -> String {
    deunicode::deunicode(text)
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

fn new_phone(rng: &mut ChaCha8Rng, l: &Locale) -> Phone {
    let prefix = pick(rng, l.phone_prefixes);
    let rest = l.phone_len.saturating_sub(prefix.len());
    // The digit after the prefix is 2..9 so that no number runs into reserved ranges.
    let mut number = prefix.to_string();
    number.push(char::from(b'0' + rng.random_range(2..10u8)));
    number.push_str(&digits(rng, rest.saturating_sub(1)).replace('0', "5"));
    Phone {
        calling_code: l.calling_code,
        trunk: l.trunk,
        number,
        national: chance(rng, 0.5),
        separator: [Some(' '), Some(' '), None, Some('-'), Some('.')]
            .choose(rng)
            .copied()
            .flatten(),
    }
}

fn new_address(rng: &mut ChaCha8Rng, l: &Locale) -> Address {
    let street = pick(rng, l.streets);
    let number = rng.random_range(1..200);
    let line = if l.street_word_after {
        if l.street_word.0.starts_with(char::is_lowercase) {
            format!("{street}{} {number}", l.street_word.0)
        } else {
            format!("{number} {street} {}", l.street_word.0)
        }
    } else {
        format!("{} {street} {number}", l.street_word.0)
    };
    Address {
        line,
        locality: pick(rng, l.cities).to_string(),
        postal_code: digits(rng, l.postal_digits),
        country: l.country.to_string(),
    }
}

fn new_person(rng: &mut ChaCha8Rng, cluster: usize) -> EvalPerson {
    let l = &LOCALES[rng.random_range(0..LOCALES.len())];
    let mut given = pick(rng, l.given).to_string();
    if chance(rng, 0.12) {
        given = format!("{given} {}", pick(rng, l.given));
    }
    // The lists hold a few dozen family names each, far fewer than a real population:
    // alone they would make namesakes many times more common than they are. Some family
    // names are therefore invented.
    let mut family = if chance(rng, 0.4) {
        invented_word(rng)
    } else {
        pick(rng, l.family).to_string()
    };
    if l.double_family && chance(rng, 0.6) {
        family = format!("{family} {}", pick(rng, l.family));
    }
    let birth_date = chance(rng, 0.85).then(|| {
        (
            rng.random_range(1950..2008),
            rng.random_range(1..=12u32),
            rng.random_range(1..=28u32),
        )
    });
    let email = chance(rng, 0.6).then(|| {
        let domain = [
            "mail.example",
            "correo.example",
            "post.example",
            "web.example",
        ]
        .choose(rng)
        .copied()
        .unwrap_or("mail.example");
        format!(
            "{}.{}{}@{domain}",
            slug(&given),
            slug(&family),
            rng.random_range(1..10_000)
        )
    });
    EvalPerson {
        cluster,
        copy: 0,
        corruptions: Vec::new(),
        given_name: given,
        family_name: family,
        birth_date,
        email,
        phone: chance(rng, 0.5).then(|| new_phone(rng, l)),
        country: l.country.to_string(),
        address: chance(rng, 0.5).then(|| new_address(rng, l)),
    }
}

fn new_organization(rng: &mut ChaCha8Rng, cluster: usize) -> EvalOrganization {
    let l = &LOCALES[rng.random_range(0..LOCALES.len())];
    let kind = pick(rng, l.org_kinds);
    let mut words = vec![pick(rng, l.org_words).to_string()];
    if chance(rng, 0.5) {
        let other = pick(rng, l.org_words).to_string();
        if !words.contains(&other) {
            words.push(other);
        }
    }
    // An invented proper name (and sometimes a city) makes names unique, as real ones
    // mostly are: two unrelated organisations with one name are a different problem.
    words.push(invented_word(rng));
    if chance(rng, 0.2) {
        words.push(pick(rng, l.cities).to_string());
    }
    words.shuffle(rng);
    let mut name = format!("{kind} {}", words.join(" "));
    if chance(rng, 0.25) {
        let form = if chance(rng, 0.5) {
            pick_form(rng, l.legal_forms)
        } else {
            pick_form(rng, ENGLISH_FORMS)
        };
        name = format!("{name} {}", form.0);
    }
    let acronym = if chance(rng, 0.3) {
        acronym_of(&name)
    } else {
        String::new()
    };
    let host = format!(
        "{}.{}",
        slug(&words.join("-")),
        ["org.example", "ngo.example", "net.example"]
            .choose(rng)
            .copied()
            .unwrap_or("org.example")
    );
    let website = chance(rng, 0.6).then(|| format!("https://www.{host}"));
    let email = chance(rng, 0.5).then(|| format!("info@{host}"));
    EvalOrganization {
        cluster,
        copy: 0,
        corruptions: Vec::new(),
        display_name: name,
        acronym,
        website,
        email,
        phone: chance(rng, 0.5).then(|| new_phone(rng, l)),
        country: l.country.to_string(),
        address: chance(rng, 0.6).then(|| new_address(rng, l)),
    }
}

fn pick_form(
    rng: &mut ChaCha8Rng,
    forms: &[(&'static str, &'static str)],
) -> (&'static str, &'static str) {
    forms.choose(rng).copied().unwrap_or(("Limited", "Ltd"))
}

/// Initials of the capitalised words of a name, as organisations make their acronyms.
pub fn acronym_of(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_uppercase())
        .flat_map(|c| {
            deunicode::deunicode_char(c)
                .unwrap_or("")
                .chars()
                .collect::<Vec<_>>()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Corruptions
// ---------------------------------------------------------------------------------------------

/// One keyboard slip in a word of `text`: a letter replaced, dropped, doubled or swapped with
/// the next. Words of three letters or fewer, and the first letter, are left alone, as
/// people rarely get those wrong.
pub fn typo(rng: &mut ChaCha8Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let candidates: Vec<usize> = (1..chars.len().saturating_sub(1))
        .filter(|&i| {
            chars[i].is_alphabetic() && chars[i + 1].is_alphabetic() && chars[i - 1].is_alphabetic()
        })
        .collect();
    let Some(&i) = candidates.choose(rng) else {
        return text.to_string();
    };
    match rng.random_range(0..4) {
        0 => {
            let letters = "aeiourstnlmkd";
            let replacement = letters
                .chars()
                .filter(|c| *c != chars[i].to_ascii_lowercase())
                .collect::<Vec<_>>()
                .choose(rng)
                .copied()
                .unwrap_or('e');
            chars[i] = replacement;
        }
        1 => {
            chars.remove(i);
        }
        2 => chars.insert(i, chars[i]),
        _ => chars.swap(i, i + 1),
    }
    chars.into_iter().collect()
}

/// The spellings people mix up when they write a name they heard, each one way and back.
const SOUND_ALIKE: &[(&str, &str)] = &[
    ("ph", "f"),
    ("th", "t"),
    ("y", "i"),
    ("ck", "k"),
    ("c", "k"),
    ("z", "s"),
    ("v", "w"),
    ("ou", "u"),
    ("ss", "s"),
    ("ll", "l"),
    ("tt", "t"),
    ("nn", "n"),
    ("ei", "ai"),
    ("ie", "i"),
    ("sch", "sh"),
    ("qu", "k"),
    ("ch", "sh"),
    ("j", "y"),
    ("dt", "t"),
];

/// `text` spelt by ear: one sound-alike spelling exchanged, or a typo when there is none.
pub fn phonetic(rng: &mut ChaCha8Rng, text: &str) -> String {
    let lower = text.to_lowercase();
    let mut options: Vec<(&str, &str)> = Vec::new();
    for (a, b) in SOUND_ALIKE {
        // Not in the first letter: that is where people hear a name best.
        if lower.get(1..).is_some_and(|rest| rest.contains(a)) {
            options.push((a, b));
        }
        if lower.get(1..).is_some_and(|rest| rest.contains(b)) && b.len() > 1 {
            options.push((b, a));
        }
    }
    let Some((from, to)) = options.choose(rng).copied() else {
        return typo(rng, text);
    };
    let Some(at) = lower
        .get(1..)
        .and_then(|rest| rest.find(from))
        .map(|i| i + 1)
    else {
        return typo(rng, text);
    };
    // Byte positions of the lower-cased text match the original only for ASCII letters.
    if !text.is_char_boundary(at)
        || !text.is_char_boundary(at + from.len())
        || text.len() != lower.len()
    {
        return typo(rng, text);
    }
    format!("{}{}{}", &text[..at], to, &text[at + from.len()..])
}

/// The date with day and month swapped or two adjacent digits swapped, as typed by mistake;
/// unchanged when no such slip gives a valid date.
fn swap_date_digits(rng: &mut ChaCha8Rng, (y, m, d): (i32, u32, u32)) -> (i32, u32, u32) {
    let mut options = Vec::new();
    if m != d && d <= 12 {
        options.push((y, d, m));
    }
    let swapped_day = (d % 10) * 10 + d / 10;
    if swapped_day != d && (1..=28).contains(&swapped_day) {
        options.push((y, m, swapped_day));
    }
    let swapped_month = (m % 10) * 10 + m / 10;
    if swapped_month != m && (1..=12).contains(&swapped_month) {
        options.push((y, swapped_month, d));
    }
    let (y3, y4) = ((y / 10) % 10, y % 10);
    let swapped_year = y - y3 * 10 - y4 + y4 * 10 + y3;
    // Not into the future: a form would refuse that date.
    if y3 != y4 && (1900..=2010).contains(&swapped_year) {
        options.push((swapped_year, m, d));
    }
    options.choose(rng).copied().unwrap_or((y, m, d))
}

fn other_address_form(rng: &mut ChaCha8Rng, a: &Address) -> Address {
    let mut b = a.clone();
    let (long, short) = LOCALES
        .iter()
        .find(|l| l.country == a.country)
        .map(|l| l.street_word)
        .unwrap_or(("Street", "St."));
    match rng.random_range(0..3) {
        0 if b.line.contains(long) => b.line = b.line.replacen(long, short, 1),
        0 | 1 => b.line = b.line.to_uppercase(),
        _ => {}
    }
    // Postal codes written with a space in the middle, or the locality in capitals.
    if b.postal_code.len() > 4 && chance(rng, 0.5) {
        let (x, y) = b.postal_code.split_at(b.postal_code.len() / 2);
        b.postal_code = format!("{x} {y}");
    } else {
        b.locality = b.locality.to_uppercase();
    }
    b
}

fn other_phone_form(rng: &mut ChaCha8Rng, p: &Phone) -> Phone {
    let mut q = p.clone();
    q.national = !p.national;
    q.separator = [Some(' '), None, Some('-'), Some('.')]
        .choose(rng)
        .copied()
        .flatten();
    q
}

fn drop_accents(text: &str) -> String {
    deunicode::deunicode(text)
}

/// Kinds a person's copy may have, with how often each is drawn.
const PERSON_CORRUPTIONS: &[(Corruption, u32)] = &[
    (Corruption::Typo, 5),
    (Corruption::Phonetic, 3),
    (Corruption::SwappedNames, 2),
    (Corruption::Initial, 1),
    (Corruption::MissingFields, 4),
    (Corruption::DateDigits, 2),
    (Corruption::AddressForm, 2),
    (Corruption::PhoneFormat, 2),
    (Corruption::Accents, 3),
    (Corruption::Case, 1),
];

const ORGANIZATION_CORRUPTIONS: &[(Corruption, u32)] = &[
    (Corruption::Typo, 5),
    (Corruption::Phonetic, 2),
    (Corruption::MissingFields, 4),
    (Corruption::LegalForm, 3),
    (Corruption::Acronym, 1),
    (Corruption::AddressForm, 2),
    (Corruption::PhoneFormat, 2),
    (Corruption::WebsiteForm, 2),
    (Corruption::Accents, 3),
    (Corruption::Case, 1),
];

/// One to three distinct kinds, drawn by weight.
fn draw_kinds(rng: &mut ChaCha8Rng, table: &[(Corruption, u32)]) -> Vec<Corruption> {
    let n = match rng.random_range(0..10) {
        0..=4 => 1,
        5..=8 => 2,
        _ => 3,
    };
    let mut kinds = Vec::new();
    while kinds.len() < n {
        if let Ok(k) = table.choose_weighted(rng, |(_, w)| *w)
            && !kinds.contains(&k.0)
        {
            kinds.push(k.0);
        }
    }
    kinds.sort();
    kinds
}

/// A corrupted copy of `p`, drawn again (a few times) when no drawn kind had anything to
/// change, so that copies are rarely exact.
pub fn corrupt_person(rng: &mut ChaCha8Rng, p: &EvalPerson, copy: usize) -> EvalPerson {
    let mut q = corrupt_person_once(rng, p, copy);
    for _ in 0..5 {
        if !q.corruptions.is_empty() {
            break;
        }
        q = corrupt_person_once(rng, p, copy);
    }
    q
}

/// A corrupted copy of `o`, drawn again when nothing changed.
pub fn corrupt_organization(
    rng: &mut ChaCha8Rng,
    o: &EvalOrganization,
    copy: usize,
) -> EvalOrganization {
    let mut q = corrupt_organization_once(rng, o, copy);
    for _ in 0..5 {
        if !q.corruptions.is_empty() {
            break;
        }
        q = corrupt_organization_once(rng, o, copy);
    }
    q
}

/// A corrupted copy of `p`; only the kinds that changed something are recorded.
fn corrupt_person_once(rng: &mut ChaCha8Rng, p: &EvalPerson, copy: usize) -> EvalPerson {
    let mut q = p.clone();
    q.copy = copy;
    q.corruptions.clear();
    for kind in draw_kinds(rng, PERSON_CORRUPTIONS) {
        let before = q.clone();
        match kind {
            Corruption::Typo => {
                if chance(rng, 0.6) {
                    q.family_name = typo(rng, &q.family_name);
                } else {
                    q.given_name = typo(rng, &q.given_name);
                }
            }
            Corruption::Phonetic => {
                if chance(rng, 0.6) {
                    q.family_name = phonetic(rng, &q.family_name);
                } else {
                    q.given_name = phonetic(rng, &q.given_name);
                }
            }
            Corruption::SwappedNames => std::mem::swap(&mut q.given_name, &mut q.family_name),
            Corruption::Initial => {
                if let Some(c) = q.given_name.chars().next() {
                    q.given_name = format!("{c}.");
                }
            }
            Corruption::MissingFields => {
                let fields = rng.random_range(1..=2);
                for _ in 0..fields {
                    match rng.random_range(0..4) {
                        0 => q.email = None,
                        1 => q.phone = None,
                        2 => q.birth_date = None,
                        _ => q.address = None,
                    }
                }
            }
            Corruption::DateDigits => q.birth_date = q.birth_date.map(|d| swap_date_digits(rng, d)),
            Corruption::AddressForm => {
                q.address = q.address.as_ref().map(|a| other_address_form(rng, a))
            }
            Corruption::PhoneFormat => {
                q.phone = q.phone.as_ref().map(|ph| other_phone_form(rng, ph))
            }
            Corruption::Accents => {
                q.given_name = drop_accents(&q.given_name);
                q.family_name = drop_accents(&q.family_name);
            }
            Corruption::Case => q.family_name = q.family_name.to_uppercase(),
            _ => {}
        }
        if q != before {
            q.corruptions.push(kind);
        }
    }
    q
}

/// A corrupted copy of `o`; only the kinds that changed something are recorded.
fn corrupt_organization_once(
    rng: &mut ChaCha8Rng,
    o: &EvalOrganization,
    copy: usize,
) -> EvalOrganization {
    let mut q = o.clone();
    q.copy = copy;
    q.corruptions.clear();
    for kind in draw_kinds(rng, ORGANIZATION_CORRUPTIONS) {
        let before = q.clone();
        match kind {
            Corruption::Typo => q.display_name = typo(rng, &q.display_name),
            Corruption::Phonetic => q.display_name = phonetic(rng, &q.display_name),
            Corruption::MissingFields => {
                for _ in 0..rng.random_range(1..=2) {
                    match rng.random_range(0..4) {
                        0 => q.email = None,
                        1 => q.phone = None,
                        2 => q.website = None,
                        _ => q.address = None,
                    }
                }
            }
            Corruption::LegalForm => q.display_name = change_legal_form(rng, &q.display_name),
            Corruption::Acronym => {
                let acronym = if q.acronym.is_empty() {
                    acronym_of(&q.display_name)
                } else {
                    q.acronym.clone()
                };
                if acronym.chars().count() >= 3 {
                    q.display_name = acronym;
                    q.acronym.clear();
                }
            }
            Corruption::AddressForm => {
                q.address = q.address.as_ref().map(|a| other_address_form(rng, a))
            }
            Corruption::PhoneFormat => {
                q.phone = q.phone.as_ref().map(|ph| other_phone_form(rng, ph))
            }
            Corruption::WebsiteForm => {
                q.website = q.website.as_ref().map(|w| {
                    let bare = w.trim_start_matches("https://www.");
                    match rng.random_range(0..3) {
                        0 => bare.to_string(),
                        1 => format!("http://{bare}/"),
                        _ => format!("www.{bare}"),
                    }
                })
            }
            Corruption::Accents => q.display_name = drop_accents(&q.display_name),
            Corruption::Case => q.display_name = q.display_name.to_uppercase(),
            _ => {}
        }
        if q != before {
            q.corruptions.push(kind);
        }
    }
    q
}

/// The name with its legal form abbreviated or dropped, or with one added.
pub fn change_legal_form(rng: &mut ChaCha8Rng, name: &str) -> String {
    let all = LOCALES
        .iter()
        .flat_map(|l| l.legal_forms.iter())
        .chain(ENGLISH_FORMS.iter());
    for (long, short) in all {
        if let Some(base) = name.strip_suffix(long) {
            return if chance(rng, 0.6) {
                format!("{base}{short}")
            } else {
                base.trim_end().to_string()
            };
        }
    }
    let (_, short) = pick_form(rng, ENGLISH_FORMS);
    format!("{name} {short}")
}

// ---------------------------------------------------------------------------------------------
// The set
// ---------------------------------------------------------------------------------------------

/// Originals and copies, shuffled as they would arrive: `plan.records` people.
pub fn people(plan: &Plan) -> Vec<EvalPerson> {
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    let (originals, one, two) = plan.counts();
    let mut out = Vec::with_capacity(plan.records);
    for cluster in 0..originals {
        let original = new_person(&mut rng, cluster);
        let copies = if cluster < two {
            2
        } else if cluster < two + one {
            1
        } else {
            0
        };
        for copy in 1..=copies {
            out.push(corrupt_person(&mut rng, &original, copy));
        }
        out.push(original);
    }
    out.shuffle(&mut rng);
    out
}

/// Originals and copies, shuffled: `plan.records` organisations.
pub fn organizations(plan: &Plan) -> Vec<EvalOrganization> {
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed ^ 0x6f72_6773);
    let (originals, one, two) = plan.counts();
    let mut out = Vec::with_capacity(plan.records);
    for cluster in 0..originals {
        let original = new_organization(&mut rng, cluster);
        let copies = if cluster < two {
            2
        } else if cluster < two + one {
            1
        } else {
            0
        };
        for copy in 1..=copies {
            out.push(corrupt_organization(&mut rng, &original, copy));
        }
        out.push(original);
    }
    out.shuffle(&mut rng);
    out
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

/// A CSV cell, quoted when it must be.
fn cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn address_cells(a: Option<&Address>) -> [String; 4] {
    match a {
        Some(a) => [
            cell(&a.line),
            cell(&a.locality),
            cell(&a.postal_code),
            a.country.clone(),
        ],
        None => Default::default(),
    }
}

/// The external id that names a record's cluster and copy in the set.
pub fn external_id(prefix: &str, cluster: usize, copy: usize) -> String {
    format!("eval-{prefix}-{cluster}-{copy}")
}

pub const PERSON_HEADER: &str = "external_id,given_name,family_name,emails,phones,country_code,birth_date,address_lines,address_locality,address_postal_code,address_country_code";

pub fn person_row(p: &EvalPerson) -> String {
    let [line, locality, postal, country] = address_cells(p.address.as_ref());
    // A number in national form is read in the record's country, so it needs one.
    let phone = p.phone.as_ref().map(Phone::text).unwrap_or_default();
    [
        external_id("p", p.cluster, p.copy),
        cell(&p.given_name),
        cell(&p.family_name),
        p.email.clone().unwrap_or_default(),
        cell(&phone),
        p.country.clone(),
        p.birth_date
            .map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
            .unwrap_or_default(),
        line,
        locality,
        postal,
        country,
    ]
    .join(",")
}

pub const ORGANIZATION_HEADER: &str = "external_id,display_name,acronym,sector,country_code,website,emails,phones,address_lines,address_locality,address_postal_code,address_country_code";

pub fn organization_row(o: &EvalOrganization) -> String {
    let [line, locality, postal, country] = address_cells(o.address.as_ref());
    let phone = o.phone.as_ref().map(Phone::text).unwrap_or_default();
    [
        external_id("o", o.cluster, o.copy),
        cell(&o.display_name),
        cell(&o.acronym),
        "ngo".to_string(),
        o.country.clone(),
        o.website.clone().unwrap_or_default(),
        o.email.clone().unwrap_or_default(),
        cell(&phone),
        line,
        locality,
        postal,
        country,
    ]
    .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(7)
    }

    fn plan(records: usize) -> Plan {
        Plan {
            records,
            duplicated: 0.35,
            twice: 0.2,
            seed: 42,
        }
    }

    #[test]
    fn counts_add_up_to_the_records_asked_for() {
        for records in [10, 1_000, 10_000, 100_000] {
            let (originals, one, two) = plan(records).counts();
            assert_eq!(originals + one + 2 * two, records);
            assert!(one > two);
        }
        let people = people(&plan(1_000));
        assert_eq!(people.len(), 1_000);
        assert_eq!(organizations(&plan(1_000)).len(), 1_000);
    }

    #[test]
    fn the_same_seed_gives_the_same_set() {
        assert_eq!(people(&plan(300)), people(&plan(300)));
        assert_eq!(organizations(&plan(300)), organizations(&plan(300)));
        let other = Plan {
            seed: 43,
            ..plan(300)
        };
        assert_ne!(people(&plan(300)), people(&other));
    }

    #[test]
    fn copies_say_how_they_differ_and_originals_do_not() {
        let people = people(&plan(2_000));
        let copies: Vec<&EvalPerson> = people.iter().filter(|p| p.copy > 0).collect();
        assert!(
            people
                .iter()
                .filter(|p| p.copy == 0)
                .all(|p| p.corruptions.is_empty())
        );
        // Nearly every copy differs from its original; a few draw only kinds with nothing to
        // change (a missing phone written another way).
        let changed = copies.iter().filter(|p| !p.corruptions.is_empty()).count();
        assert!(
            changed * 10 > copies.len() * 9,
            "{changed} of {}",
            copies.len()
        );
        let kinds: std::collections::BTreeSet<Corruption> = copies
            .iter()
            .flat_map(|p| p.corruptions.iter().copied())
            .collect();
        assert!(kinds.len() >= 9, "{kinds:?}");
    }

    #[test]
    fn a_typo_changes_one_letter_and_keeps_the_first() {
        let mut rng = rng();
        for _ in 0..200 {
            let t = typo(&mut rng, "Hernández");
            assert!(t.starts_with('H'));
            assert_ne!(t, "Hernández");
            let (a, b) = (t.chars().count(), "Hernández".chars().count());
            assert!(a.abs_diff(b) <= 1, "{t}");
        }
        assert_eq!(typo(&mut rng, "Li"), "Li");
    }

    #[test]
    fn a_phonetic_spelling_sounds_alike() {
        let mut rng = rng();
        let spelt: std::collections::BTreeSet<String> =
            (0..50).map(|_| phonetic(&mut rng, "Schmidt")).collect();
        assert!(spelt.contains("Schmit"), "{spelt:?}");
        assert!(
            spelt.contains("Sshmidt") || spelt.contains("Skhmidt"),
            "{spelt:?}"
        );
        assert!(spelt.iter().all(|s| s.starts_with('S') && s != "Schmidt"));
    }

    #[test]
    fn date_slips_stay_dates_and_change_the_date() {
        let mut rng = rng();
        for date in [(1990, 3, 12), (1985, 11, 21), (2000, 1, 1), (2001, 5, 5)] {
            for _ in 0..20 {
                let (y, m, d) = swap_date_digits(&mut rng, date);
                assert!(
                    (1..=12).contains(&m) && (1..=28).contains(&d),
                    "{y}-{m}-{d}"
                );
                assert_ne!((y, m, d), date);
            }
        }
        // No slip of 1977-07-07 is another valid date.
        assert_eq!(swap_date_digits(&mut rng, (1977, 7, 7)), (1977, 7, 7));
        // Nor is 2070 a birth year.
        assert_eq!(swap_date_digits(&mut rng, (2007, 5, 5)), (2007, 5, 5));
    }

    #[test]
    fn phones_are_written_both_ways() {
        let phone = Phone {
            calling_code: "41",
            trunk: "0",
            number: "229171234".into(),
            national: true,
            separator: Some(' '),
        };
        assert_eq!(phone.text(), "0229 171 234");
        let international = Phone {
            national: false,
            separator: None,
            ..phone
        };
        assert_eq!(international.text(), "+41229171234");
    }

    #[test]
    fn generated_phones_are_valid_numbers_in_their_country() {
        use engage_contacts::domain::contact_points::parse_phone;
        let mut rng = rng();
        let mut wrong = Vec::new();
        for l in LOCALES {
            for _ in 0..30 {
                let p = new_phone(&mut rng, l);
                let e164 = format!("+{}{}", p.calling_code, p.number);
                for written in [true, false] {
                    let text = Phone {
                        national: written,
                        ..p.clone()
                    }
                    .text();
                    let region = if written { l.country } else { "" };
                    if parse_phone(&text, region).map(|p| p.e164) != Some(e164.clone()) {
                        wrong.push(format!("{text} in {}", l.country));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:?}");
    }

    #[test]
    fn legal_forms_are_abbreviated_or_dropped() {
        let mut rng = rng();
        let changed = change_legal_form(&mut rng, "Kinderhilfe Nord eingetragener Verein");
        assert!(
            changed == "Kinderhilfe Nord e.V." || changed == "Kinderhilfe Nord",
            "{changed}"
        );
        assert_eq!(acronym_of("Fundación Agua Clara"), "FAC");
    }

    #[test]
    fn rows_quote_what_must_be_quoted_and_name_their_cluster() {
        let mut p = new_person(&mut rng(), 12);
        p.given_name = "Ana, \"Nana\"".into();
        let row = person_row(&p);
        assert!(
            row.starts_with("eval-p-12-0,\"Ana, \"\"Nana\"\"\","),
            "{row}"
        );
        assert_eq!(
            row.matches(',').count() - 1,
            PERSON_HEADER.matches(',').count()
        );
        let o = new_organization(&mut rng(), 3);
        assert!(organization_row(&o).starts_with("eval-o-3-0,"));
    }
}
