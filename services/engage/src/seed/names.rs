//! Invented names: syllables and words combined by the seeded generator. None is a real
//! person's name by design; organisation names pair an invented word with a generic form.

use rand::Rng;
use rand::seq::IndexedRandom as _;

const ONSETS: &[&str] = &[
    "b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "kr", "tr",
    "sh", "th", "ch", "y", "w", "h",
];
const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ei", "ou", "ia", "eo"];
const CODAS: &[&str] = &["", "", "", "n", "l", "r", "s", "m", "th", "x", "nd", "sk"];

/// An invented word of `syllables` syllables, capitalised: `Velarin`, `Tousk`.
pub fn word<R: Rng>(rng: &mut R, syllables: usize) -> String {
    let mut text = String::new();
    for i in 0..syllables {
        text.push_str(ONSETS.choose(rng).copied().unwrap_or("m"));
        text.push_str(VOWELS.choose(rng).copied().unwrap_or("a"));
        if i + 1 == syllables {
            text.push_str(CODAS.choose(rng).copied().unwrap_or(""));
        }
    }
    capitalise(&text)
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// An invented given name.
pub fn given_name<R: Rng>(rng: &mut R) -> String {
    let syllables = rng.random_range(2..=3);
    word(rng, syllables)
}

/// An invented family name.
pub fn family_name<R: Rng>(rng: &mut R) -> String {
    let syllables = rng.random_range(2..=4);
    word(rng, syllables)
}

/// Patterns of organisation names by sector: `{}` is the invented word.
pub const NGO_NAMES: &[&str] = &[
    "{} Foundation for Justice",
    "Association {}",
    "{} Women's Network",
    "{} Human Rights Watchers",
    "Centre {} for Victims' Support",
    "{} Alliance against Trafficking",
    "{} Community Action",
    "Friends of {}",
    "{} Legal Aid Society",
    "{} Coalition for Transparency",
];
/// Academic patterns.
pub const ACADEMIA_NAMES: &[&str] = &[
    "University of {}",
    "{} Institute of Criminology",
    "{} School of Law",
    "{} Centre for Security Studies",
    "{} Research Institute",
];
/// Private sector patterns.
pub const PRIVATE_NAMES: &[&str] = &[
    "{} Logistics",
    "{} Bank",
    "{} Shipping Lines",
    "{} Data Systems",
    "{} Compliance Partners",
    "{} Mining Group",
];
/// Youth patterns.
pub const YOUTH_NAMES: &[&str] = &[
    "{} Youth Forum",
    "Young Voices of {}",
    "{} Student Union",
    "{} Youth for Peace",
];
/// Foundation patterns.
pub const FOUNDATION_NAMES: &[&str] = &["{} Trust", "{} Family Foundation", "{} Fund"];
/// Media patterns.
pub const MEDIA_NAMES: &[&str] = &[
    "{} Investigative Journalism Network",
    "The {} Herald",
    "{} Radio",
];

/// Fills a name pattern.
pub fn fill(pattern: &str, word: &str) -> String {
    pattern.replacen("{}", word, 1)
}

/// The acronym of a name: its capitalised words' initials, when there are two or more.
pub fn acronym(name: &str) -> String {
    let initials: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_uppercase())
        .collect();
    if initials.chars().count() >= 2 {
        initials
    } else {
        String::new()
    }
}

/// Job titles of people at organisations.
pub const TITLES: &[&str] = &[
    "Director",
    "Programme Officer",
    "Policy Adviser",
    "Researcher",
    "Legal Officer",
    "Communications Lead",
    "Project Coordinator",
    "Executive Secretary",
    "Youth Delegate",
    "Board Member",
];

/// Topics of side events, combined with an invented place or network name.
pub const SIDE_EVENT_TOPICS: &[&str] = &[
    "Protecting victims of trafficking in {}",
    "Smuggling routes through {}: what civil society sees",
    "Firearms control lessons from {}",
    "Cybercrime and young people in {}",
    "Environmental crime in the {} basin",
    "Corruption and procurement: the {} experience",
    "Witness protection partnerships in {}",
    "Community policing and trust in {}",
];

/// Milestone titles of a pilot initiative's roadmap, in order.
pub const MILESTONES: &[&str] = &[
    "Map the civil society partners",
    "Agree the terms of reference with the government",
    "Hold the national launch workshop",
    "Train the focal points",
    "Draft the joint action plan",
    "Run the public consultation",
    "Publish the first progress report",
    "Review the roadmap with all partners",
];

/// The declaration's eight areas: id, title and the thematic area's enum name.
pub const DECLARATION_AREAS: &[(&str, &str, &str)] = &[
    (
        "prevention",
        "Prevention",
        "THEMATIC_AREA_TRAFFICKING_IN_PERSONS",
    ),
    (
        "victims",
        "Protection of victims",
        "THEMATIC_AREA_TRAFFICKING_IN_PERSONS",
    ),
    (
        "migrants",
        "Rights of smuggled migrants",
        "THEMATIC_AREA_SMUGGLING_OF_MIGRANTS",
    ),
    ("firearms", "Firearms control", "THEMATIC_AREA_FIREARMS"),
    ("cyber", "Safety online", "THEMATIC_AREA_CYBERCRIME"),
    (
        "environment",
        "Crimes against the environment",
        "THEMATIC_AREA_CRIMES_AFFECTING_THE_ENVIRONMENT",
    ),
    (
        "integrity",
        "Integrity and anti-corruption",
        "THEMATIC_AREA_CORRUPTION",
    ),
    ("participation", "Civil society participation", ""),
];

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng as _;

    #[test]
    fn words_are_invented_capitalised_and_repeatable() {
        let mut a = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut b = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let first = word(&mut a, 3);
        assert_eq!(first, word(&mut b, 3));
        assert!(
            first.chars().next().is_some_and(char::is_uppercase),
            "{first}"
        );
        assert_eq!(acronym("University of Velar"), "UV");
    }
}
