//! The demo data set as plain values, generated from a seed number alone: the same number
//! gives the same plan, whatever the machine. Writing it is [`super::write`]'s job.

use rand::seq::{IndexedRandom as _, SliceRandom as _};
use rand::{Rng, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

use super::names;

/// How big the data set is, relative to the full demo (1.0).
#[derive(Debug, Clone, Copy)]
pub struct Scale(pub f64);

impl Scale {
    /// `full` scaled, never below `least`.
    pub fn of(self, full: usize, least: usize) -> usize {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let scaled = (full as f64 * self.0).round() as usize;
        scaled.max(least)
    }
}

/// The conference session of the demo.
pub const CONFERENCE_SESSION: &str = "COP13";

/// An organisation to import.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgSeed {
    /// Stable id in the data set, `demo-org-0001`.
    pub external_id: String,
    /// The name.
    pub display_name: String,
    /// Initials, when the name has several capitalised words.
    pub acronym: String,
    /// Sector, as the CSV writes it (`ngo`).
    pub sector: &'static str,
    /// Country code.
    pub country_code: String,
    /// Thematic areas, CSV names.
    pub thematic_areas: Vec<&'static str>,
    /// Website.
    pub website: String,
    /// Contact email.
    pub email: String,
    /// ECOSOC status, CSV name (`special`, `none`...).
    pub ecosoc_status: &'static str,
}

/// A person to import, with a primary affiliation.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonSeed {
    /// Stable id in the data set.
    pub external_id: String,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Email.
    pub email: String,
    /// Country code.
    pub country_code: String,
    /// Whether the person is youth.
    pub youth: bool,
    /// Index of the organisation in [`Plan::organizations`].
    pub organization: usize,
    /// Job title there.
    pub title: &'static str,
    /// Languages spoken.
    pub languages: Vec<&'static str>,
}

/// An accreditation request of an organisation for the conference session.
#[derive(Debug, Clone, PartialEq)]
pub struct AccreditationSeed {
    /// The organisation's index.
    pub organization: usize,
    /// Granted (else left requested).
    pub granted: bool,
}

/// What kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventSort {
    /// The NGO briefing.
    Briefing,
    /// A side event of the conference session.
    SideEvent,
    /// The youth consultation.
    YouthConsultation,
}

/// An event with its registrations.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSeed {
    /// What kind.
    pub sort: EventSort,
    /// Title.
    pub title: String,
    /// Days from the day of seeding to the start.
    pub starts_in_days: i64,
    /// Hour of the day it starts (UTC).
    pub start_hour: i64,
    /// Seats.
    pub capacity: i32,
    /// Places on the waitlist (0: no waitlist).
    pub waitlist_capacity: i32,
    /// Organising organisations (civil society), indexes; empty: the unit organises it.
    pub organizers: Vec<usize>,
    /// People registering, indexes, in order.
    pub registrants: Vec<usize>,
}

/// A signature of the declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureSeed {
    /// The signing organisation's index.
    pub organization: usize,
    /// The areas endorsed (ids); empty: all.
    pub areas: Vec<&'static str>,
    /// Verified by an officer (else pending).
    pub verified: bool,
}

/// Where an initiative stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Proposed: roadmap being prepared.
    Proposed,
    /// Launched.
    Launched,
    /// Active: the roadmap is being carried out.
    Active,
    /// Suspended.
    Suspended,
}

/// A milestone of a roadmap.
#[derive(Debug, Clone, PartialEq)]
pub struct MilestoneSeed {
    /// Title.
    pub title: &'static str,
    /// Days from the day of seeding to the due date (negative: past).
    pub due_in_days: i64,
    /// Done (with a progress entry saying so).
    pub done: bool,
}

/// A pilot initiative.
#[derive(Debug, Clone, PartialEq)]
pub struct InitiativeSeed {
    /// Title.
    pub title: String,
    /// Country.
    pub country_code: String,
    /// Civil society partners, indexes.
    pub partners: Vec<usize>,
    /// Where it stands.
    pub stage: Stage,
    /// Its roadmap.
    pub milestones: Vec<MilestoneSeed>,
}

/// The whole demo data set.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The seed number.
    pub seed: u64,
    /// Organisations.
    pub organizations: Vec<OrgSeed>,
    /// People.
    pub people: Vec<PersonSeed>,
    /// Accreditations for [`CONFERENCE_SESSION`].
    pub accreditations: Vec<AccreditationSeed>,
    /// The NGO briefing, the side events and the youth consultation.
    pub events: Vec<EventSeed>,
    /// The declaration's title.
    pub declaration_title: String,
    /// Its signatures.
    pub signatures: Vec<SignatureSeed>,
    /// Pilot initiatives.
    pub initiatives: Vec<InitiativeSeed>,
}

/// Sectors with their weight in the register and their name patterns.
const SECTORS: &[(&str, u32, &[&str])] = &[
    ("ngo", 55, names::NGO_NAMES),
    ("academia", 15, names::ACADEMIA_NAMES),
    ("private_sector", 12, names::PRIVATE_NAMES),
    ("youth", 8, names::YOUTH_NAMES),
    ("foundation", 6, names::FOUNDATION_NAMES),
    ("media", 4, names::MEDIA_NAMES),
];

const THEMES: &[&str] = &[
    "trafficking_in_persons",
    "smuggling_of_migrants",
    "firearms",
    "cybercrime",
    "crimes_affecting_the_environment",
    "corruption",
];

const LANGUAGES: &[&str] = &["en", "fr", "es", "ar", "ru", "zh", "pt", "sw"];

fn pick_sector(rng: &mut ChaCha8Rng) -> (&'static str, &'static [&'static str]) {
    let total: u32 = SECTORS.iter().map(|s| s.1).sum();
    let mut roll = rng.random_range(0..total);
    for (sector, weight, patterns) in SECTORS {
        if roll < *weight {
            return (sector, patterns);
        }
        roll -= weight;
    }
    ("ngo", names::NGO_NAMES)
}

/// Distinct indexes `0..n` in a random order, `count` of them (all when fewer).
fn distinct(rng: &mut ChaCha8Rng, n: usize, count: usize) -> Vec<usize> {
    let mut all: Vec<usize> = (0..n).collect();
    all.shuffle(rng);
    all.truncate(count);
    all
}

impl Plan {
    /// The data set of `seed` at `scale`, over the countries `countries` (sorted ISO codes).
    pub fn generate(seed: u64, scale: Scale, countries: &[&str]) -> Plan {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let countries: Vec<String> = if countries.is_empty() {
            vec!["AT".to_owned()]
        } else {
            countries.iter().map(|c| (*c).to_owned()).collect()
        };
        let country = |rng: &mut ChaCha8Rng| countries.choose(rng).cloned().unwrap_or_default();

        let org_count = scale.of(3000, 12);
        let mut organizations = Vec::with_capacity(org_count);
        let mut used = std::collections::HashSet::new();
        for i in 0..org_count {
            let (sector, patterns) = pick_sector(&mut rng);
            // Names stay unique so that the register does not fill with likely duplicates.
            let display_name = loop {
                let syllables = rng.random_range(2..=3);
                let word = names::word(&mut rng, syllables);
                let pattern = patterns.choose(&mut rng).copied().unwrap_or("{}");
                let name = names::fill(pattern, &word);
                if used.insert(name.clone()) {
                    break name;
                }
            };
            let slug: String = display_name
                .to_lowercase()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(24)
                .collect();
            let theme_count = rng.random_range(1..=3);
            let mut thematic_areas: Vec<&'static str> = THEMES
                .choose_multiple(&mut rng, theme_count)
                .copied()
                .collect();
            thematic_areas.sort_unstable();
            let ecosoc_status = if sector == "ngo" {
                ["special", "general", "roster", "none", "none"]
                    .choose(&mut rng)
                    .copied()
                    .unwrap_or("none")
            } else {
                ""
            };
            organizations.push(OrgSeed {
                external_id: format!("demo-org-{:04}", i + 1),
                acronym: names::acronym(&display_name),
                display_name,
                sector,
                country_code: country(&mut rng),
                thematic_areas,
                website: format!("https://{slug}.example.org"),
                email: format!("info@{slug}.example.org"),
                ecosoc_status,
            });
        }

        let person_count = scale.of(4500, 18);
        let mut people = Vec::with_capacity(person_count);
        for i in 0..person_count {
            let organization = rng.random_range(0..organizations.len());
            let given_name = names::given_name(&mut rng);
            let family_name = names::family_name(&mut rng);
            let youth = organizations[organization].sector == "youth" || rng.random_bool(0.12);
            let language_count = rng.random_range(1..=2);
            let mut languages: Vec<&'static str> = LANGUAGES
                .choose_multiple(&mut rng, language_count)
                .copied()
                .collect();
            languages.sort_unstable();
            people.push(PersonSeed {
                external_id: format!("demo-person-{:05}", i + 1),
                email: format!(
                    "{}.{}{}@mail.example.net",
                    given_name.to_lowercase(),
                    family_name.to_lowercase(),
                    i + 1
                ),
                given_name,
                family_name,
                country_code: organizations[organization].country_code.clone(),
                youth,
                organization,
                title: if youth {
                    "Youth Delegate"
                } else {
                    names::TITLES
                        .choose(&mut rng)
                        .copied()
                        .unwrap_or("Director")
                },
                languages,
            });
        }

        let civil_society: Vec<usize> = organizations
            .iter()
            .enumerate()
            .filter(|(_, o)| matches!(o.sector, "ngo" | "youth" | "academia" | "foundation"))
            .map(|(i, _)| i)
            .collect();
        let ngos: Vec<usize> = organizations
            .iter()
            .enumerate()
            .filter(|(_, o)| o.sector == "ngo")
            .map(|(i, _)| i)
            .collect();

        let accreditations = {
            let count = scale.of(120, 3).min(ngos.len());
            let mut chosen: Vec<usize> = ngos.choose_multiple(&mut rng, count).copied().collect();
            chosen.sort_unstable();
            chosen
                .into_iter()
                .map(|organization| AccreditationSeed {
                    organization,
                    granted: rng.random_bool(0.8),
                })
                .collect()
        };

        let mut events = Vec::new();
        let briefing_size = scale.of(50, 3).min(people.len());
        events.push(EventSeed {
            sort: EventSort::Briefing,
            title: format!("NGO briefing ahead of {CONFERENCE_SESSION}"),
            starts_in_days: 10,
            start_hour: 13,
            capacity: i32::try_from(briefing_size + briefing_size / 5 + 1).unwrap_or(60),
            waitlist_capacity: 0,
            organizers: Vec::new(),
            registrants: distinct(&mut rng, people.len(), briefing_size),
        });
        let side_events = scale.of(60, 3);
        for i in 0..side_events {
            let by_civil_society = rng.random_bool(0.45) && !civil_society.is_empty();
            let capacity: i32 = rng.random_range(6..=14);
            let (waitlist_capacity, registrations) = if by_civil_society {
                // Popular: full, with people waiting.
                let waiting = rng.random_range(1..=3);
                (5, capacity + waiting)
            } else {
                (0, capacity - rng.random_range(0..=3))
            };
            let place = names::word(&mut rng, 2);
            let topic = names::SIDE_EVENT_TOPICS
                .choose(&mut rng)
                .copied()
                .unwrap_or("{}");
            let organizers = if by_civil_society {
                let count = rng.random_range(1..=2);
                let mut chosen: Vec<usize> = civil_society
                    .choose_multiple(&mut rng, count)
                    .copied()
                    .collect();
                chosen.sort_unstable();
                chosen
            } else {
                Vec::new()
            };
            let count = usize::try_from(registrations).unwrap_or(0);
            events.push(EventSeed {
                sort: EventSort::SideEvent,
                title: names::fill(topic, &place),
                // Within the dashboards' default 30-day window of upcoming events.
                starts_in_days: 21 + i64::try_from(i % 5).unwrap_or(0),
                start_hour: 8 + i64::try_from(i % 9).unwrap_or(0),
                capacity,
                waitlist_capacity,
                organizers,
                registrants: distinct(&mut rng, people.len(), count),
            });
        }
        let youth: Vec<usize> = people
            .iter()
            .enumerate()
            .filter(|(_, p)| p.youth)
            .map(|(i, _)| i)
            .collect();
        let youth_size = scale.of(30, 2).min(youth.len());
        let mut youth_registrants: Vec<usize> = youth
            .choose_multiple(&mut rng, youth_size)
            .copied()
            .collect();
        youth_registrants.shuffle(&mut rng);
        events.push(EventSeed {
            sort: EventSort::YouthConsultation,
            title: "Youth consultation on safety online".to_owned(),
            starts_in_days: 14,
            start_hour: 15,
            capacity: 40,
            waitlist_capacity: 0,
            organizers: Vec::new(),
            registrants: youth_registrants,
        });

        let verified = scale.of(150, 4);
        let pending = scale.of(20, 1);
        let signers = distinct(&mut rng, organizations.len(), verified + pending);
        let signatures = signers
            .into_iter()
            .enumerate()
            .map(|(i, organization)| SignatureSeed {
                organization,
                areas: if rng.random_bool(0.7) {
                    Vec::new()
                } else {
                    let count = rng.random_range(2..=5);
                    let mut areas: Vec<&'static str> = names::DECLARATION_AREAS
                        .choose_multiple(&mut rng, count)
                        .map(|a| a.0)
                        .collect();
                    let order = |id: &&str| {
                        names::DECLARATION_AREAS
                            .iter()
                            .position(|a| a.0 == *id)
                            .unwrap_or(0)
                    };
                    areas.sort_by_key(order);
                    areas
                },
                verified: i < verified,
            })
            .collect();

        let stages = [
            Stage::Active,
            Stage::Active,
            Stage::Launched,
            Stage::Proposed,
            Stage::Suspended,
            Stage::Active,
        ];
        let initiative_count = scale.of(6, 3).min(6);
        let mut initiatives = Vec::with_capacity(initiative_count);
        for stage in stages.iter().take(initiative_count) {
            let partner_count = rng.random_range(1..=3).min(civil_society.len());
            let partners: Vec<usize> = civil_society
                .choose_multiple(&mut rng, partner_count)
                .copied()
                .collect();
            let country_code = partners.first().map_or_else(
                || country(&mut rng),
                |p| organizations[*p].country_code.clone(),
            );
            let steps = rng.random_range(4..=names::MILESTONES.len());
            // Milestones run from a year ago to a year ahead; early ones of a working
            // initiative are done, some past ones are not: they are overdue.
            let milestones = names::MILESTONES
                .iter()
                .take(steps)
                .enumerate()
                .map(|(i, title)| {
                    let due_in_days = -300 + i64::try_from(i).unwrap_or(0) * 90;
                    let working = matches!(stage, Stage::Active | Stage::Suspended);
                    MilestoneSeed {
                        title,
                        due_in_days,
                        done: working && due_in_days < 0 && rng.random_bool(0.6),
                    }
                })
                .collect();
            initiatives.push(InitiativeSeed {
                title: format!("{} national partnership", names::word(&mut rng, 3)),
                country_code,
                partners,
                stage: *stage,
                milestones,
            });
        }

        Plan {
            seed,
            organizations,
            people,
            accreditations,
            events,
            declaration_title: format!(
                "Civil society declaration of {} on organized crime",
                names::word(&mut rng, 3)
            ),
            signatures,
            initiatives,
        }
    }

    /// The organisations as the CSV the import takes.
    pub fn organizations_csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record([
            "external_id",
            "display_name",
            "acronym",
            "sector",
            "country_code",
            "website",
            "emails",
            "thematic_areas",
            "ecosoc_status",
            "tags",
        ])?;
        for o in &self.organizations {
            writer.write_record([
                o.external_id.as_str(),
                &o.display_name,
                &o.acronym,
                o.sector,
                &o.country_code,
                &o.website,
                &o.email,
                &o.thematic_areas.join(";"),
                o.ecosoc_status,
                "demo",
            ])?;
        }
        writer.into_inner().map_err(|e| e.into_error().into())
    }

    /// The people as the CSV the import takes, each with a primary affiliation.
    pub fn people_csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record([
            "external_id",
            "given_name",
            "family_name",
            "emails",
            "country_code",
            "languages",
            "youth",
            "organization_external_id",
            "title",
            "tags",
        ])?;
        for p in &self.people {
            writer.write_record([
                p.external_id.as_str(),
                &p.given_name,
                &p.family_name,
                &p.email,
                &p.country_code,
                &p.languages.join(";"),
                if p.youth { "true" } else { "false" },
                &self.organizations[p.organization].external_id,
                p.title,
                "demo",
            ])?;
        }
        writer.into_inner().map_err(|e| e.into_error().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COUNTRIES: &[&str] = &["AR", "BR", "DE", "KE", "TH"];

    #[test]
    fn the_same_number_gives_the_same_data_set() {
        let a = Plan::generate(7, Scale(0.05), COUNTRIES);
        let b = Plan::generate(7, Scale(0.05), COUNTRIES);
        assert_eq!(a, b);
        let c = Plan::generate(8, Scale(0.05), COUNTRIES);
        assert_ne!(a.organizations, c.organizations);
    }

    #[test]
    fn the_full_demo_has_the_promised_shape() {
        let plan = Plan::generate(1, Scale(1.0), COUNTRIES);
        assert_eq!(plan.organizations.len(), 3000);
        let side_events: Vec<_> = plan
            .events
            .iter()
            .filter(|e| e.sort == EventSort::SideEvent)
            .collect();
        assert_eq!(side_events.len(), 60);
        assert!(side_events.iter().any(|e| !e.organizers.is_empty()));
        assert!(
            side_events
                .iter()
                .any(|e| e.registrants.len() > usize::try_from(e.capacity).unwrap_or(0))
        );
        assert_eq!(plan.signatures.iter().filter(|s| s.verified).count(), 150);
        assert!(
            plan.events
                .iter()
                .any(|e| e.sort == EventSort::Briefing && e.registrants.len() == 50)
        );
        assert!(
            plan.initiatives
                .iter()
                .any(|i| i.milestones.iter().any(|m| m.due_in_days < 0 && !m.done))
        );
    }
}
