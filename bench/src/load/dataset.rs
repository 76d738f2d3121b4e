//! The organisations a benchmark works on: generated from their number alone (the same
//! organisation every run), varied like a real register (many countries and sectors, names
//! built from a large vocabulary, one in fifty a near copy of the one before, as duplicates
//! are), and loaded straight into the contacts store in large batches, or written as CSV
//! for the import.
//!
//! The million-organisation data set lives in a database of its own, `engage_bench_1m`,
//! marked with the generator's version and size, and is reused while the marker matches.

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use diesel::sql_types::{BigInt, Double, Integer};
use diesel_async::RunQueryDsl;
use engage_api::contacts::{EmailAddress, Organization};
use engage_api::types::{Sector, ThematicArea};
use engage_contacts::Contacts;
use engage_contacts::domain::organization::normalize_organization;
use engage_contacts::store::lifecycle::Resource;
use engage_contacts::store::{RecordKind, RecordRow, Register};
use engage_platform::dates::utc_date;
use engage_platform::resource::now_micros;
use engage_platform::server::migrate_service;
use engage_platform::storage::{Connection, Database, DatabaseOptions};
use prost::Message;

/// Bumped whenever [`organization`] changes, so that a stored data set is rebuilt.
pub const GENERATOR_VERSION: i32 = 1;

/// Organisations stored per batch.
const BATCH: u64 = 2_000;

/// The id of organisation `n`: a valid UUID that a SQL script can compute as well
/// (`'00000000-0000-7000-8000-' || lpad(to_hex(n), 12, '0')`).
pub fn organization_id(n: u64) -> String {
    format!("00000000-0000-7000-8000-{n:012x}")
}

const THEMES: &[&str] = &[
    "Human Rights",
    "Transparency",
    "Youth",
    "Women's",
    "Justice",
    "Anti-Corruption",
    "Environmental",
    "Migrants'",
    "Victims Support",
    "Development",
    "Community",
    "Legal Aid",
    "Health",
    "Education",
    "Press Freedom",
    "Integrity",
    "Peacebuilding",
    "Children's",
    "Civic",
    "Rural",
];

const KINDS: &[&str] = &[
    "Association",
    "Foundation",
    "Network",
    "Alliance",
    "Coalition",
    "Institute",
    "Centre",
    "Initiative",
    "Council",
    "Forum",
    "Society",
    "Union",
    "Trust",
    "League",
    "Movement",
    "Collective",
];

const SYLLABLES: &[&str] = &[
    "ka", "mu", "ti", "na", "ri", "so", "la", "be", "zu", "mo", "ne", "ta", "vi", "do", "ga", "ha",
    "ja", "ko", "li", "ma", "nu", "pe", "ra", "se", "to", "wa", "ya", "an", "el", "or",
];

/// Cities and their countries: the country filter and the search terms draw on them.
const CITIES: &[(&str, &str)] = &[
    ("Nairobi", "KE"),
    ("Mombasa", "KE"),
    ("Lagos", "NG"),
    ("Abuja", "NG"),
    ("Accra", "GH"),
    ("Dakar", "SN"),
    ("Kampala", "UG"),
    ("Dar es Salaam", "TZ"),
    ("Johannesburg", "ZA"),
    ("Cape Town", "ZA"),
    ("Cairo", "EG"),
    ("Tunis", "TN"),
    ("Casablanca", "MA"),
    ("Addis Ababa", "ET"),
    ("Kinshasa", "CD"),
    ("Lusaka", "ZM"),
    ("Harare", "ZW"),
    ("Maputo", "MZ"),
    ("Bogotá", "CO"),
    ("Medellín", "CO"),
    ("Lima", "PE"),
    ("Quito", "EC"),
    ("La Paz", "BO"),
    ("Santiago", "CL"),
    ("Buenos Aires", "AR"),
    ("São Paulo", "BR"),
    ("Rio de Janeiro", "BR"),
    ("Recife", "BR"),
    ("Mexico City", "MX"),
    ("Guadalajara", "MX"),
    ("Guatemala City", "GT"),
    ("San José", "CR"),
    ("Kingston", "JM"),
    ("Port-au-Prince", "HT"),
    ("New York", "US"),
    ("Chicago", "US"),
    ("Toronto", "CA"),
    ("London", "GB"),
    ("Manchester", "GB"),
    ("Paris", "FR"),
    ("Lyon", "FR"),
    ("Berlin", "DE"),
    ("Hamburg", "DE"),
    ("Vienna", "AT"),
    ("Rome", "IT"),
    ("Madrid", "ES"),
    ("Barcelona", "ES"),
    ("Lisbon", "PT"),
    ("Warsaw", "PL"),
    ("Bucharest", "RO"),
    ("Kyiv", "UA"),
    ("Istanbul", "TR"),
    ("Beirut", "LB"),
    ("Amman", "JO"),
    ("Baghdad", "IQ"),
    ("Tehran", "IR"),
    ("Karachi", "PK"),
    ("Lahore", "PK"),
    ("Delhi", "IN"),
    ("Mumbai", "IN"),
    ("Kolkata", "IN"),
    ("Dhaka", "BD"),
    ("Kathmandu", "NP"),
    ("Colombo", "LK"),
    ("Bangkok", "TH"),
    ("Hanoi", "VN"),
    ("Jakarta", "ID"),
    ("Surabaya", "ID"),
    ("Manila", "PH"),
    ("Kuala Lumpur", "MY"),
    ("Seoul", "KR"),
    ("Tokyo", "JP"),
    ("Sydney", "AU"),
    ("Suva", "FJ"),
    ("Port Moresby", "PG"),
    ("Almaty", "KZ"),
    ("Tashkent", "UZ"),
    ("Tbilisi", "GE"),
    ("Yerevan", "AM"),
    ("Ulaanbaatar", "MN"),
];

/// Sectors with their share of the register, in per cent.
const SECTORS: &[(Sector, u64)] = &[
    (Sector::Ngo, 50),
    (Sector::Academia, 10),
    (Sector::PrivateSector, 10),
    (Sector::Youth, 10),
    (Sector::Foundation, 8),
    (Sector::Media, 7),
    (Sector::Other, 5),
];

/// A stream of pseudo-random numbers from a seed (SplitMix64): the same seed, the same
/// organisation.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A made-up word of two or three syllables, capitalised: most names hold one.
fn word(draw: &mut Draw) -> String {
    let syllables = 2 + draw.below(2);
    let mut word: String = (0..syllables).map(|_| *draw.pick(SYLLABLES)).collect();
    if let Some(first) = word.get(0..1) {
        word.replace_range(0..1, &first.to_uppercase());
    }
    word
}

/// The display name of organisation `n` and where it is.
fn name_and_city(n: u64) -> (String, &'static str, &'static str) {
    let mut draw = Draw(n);
    let founder = word(&mut draw);
    let theme = draw.pick(THEMES);
    let kind = draw.pick(KINDS);
    let (city, country) = *draw.pick(CITIES);
    (format!("{founder} {theme} {kind} {city}"), city, country)
}

/// Organisation `n` as a caller would send it.
pub fn organization(n: u64) -> Organization {
    let (mut name, city, country) = name_and_city(n);
    let mut draw = Draw(n ^ 0x5EED);
    let mut country = country;
    // One in fifty is a near copy of the organisation before it: a typo, same place.
    if n % 50 == 7 && n > 0 {
        let (before, _, before_country) = name_and_city(n - 1);
        let mut chars: Vec<char> = before.chars().collect();
        let at = 1 + draw.below(chars.len().saturating_sub(2).max(1));
        let last = chars.len() - 1;
        chars.swap(at, (at + 1).min(last));
        name = chars.into_iter().collect();
        country = before_country;
    }
    let mut share = draw.below(100) as u64;
    let mut sector = Sector::Other;
    for (candidate, percent) in SECTORS {
        if share < *percent {
            sector = *candidate;
            break;
        }
        share -= percent;
    }
    let areas = 1 + draw.below(3);
    let mut thematic_areas: Vec<i32> = (0..areas).map(|_| 1 + draw.below(17) as i32).collect();
    thematic_areas.sort_unstable();
    thematic_areas.dedup();
    let acronym: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphabetic())
        .collect::<String>()
        .to_uppercase();
    let slug: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(24)
        .collect();
    let description = if draw.below(3) == 0 {
        format!(
            "Works on {} in {city} and the surrounding region.",
            ThematicArea::try_from(thematic_areas[0])
                .map(|a| a.as_str_name())
                .unwrap_or("prevention")
                .trim_start_matches("THEMATIC_AREA_")
                .replace('_', " ")
                .to_lowercase()
        )
    } else {
        String::new()
    };
    Organization {
        display_name: name,
        acronym: acronym.chars().take(12).collect(),
        sector: sector as i32,
        country_code: country.to_owned(),
        website: format!("https://{slug}.org"),
        emails: vec![EmailAddress {
            address: format!("contact{}@{slug}.org", n % 100),
            ..EmailAddress::default()
        }],
        thematic_areas,
        tags: if n.is_multiple_of(20) {
            vec!["cop12".to_owned()]
        } else {
            Vec::new()
        },
        description,
        ..Organization::default()
    }
}

/// The store's row and terms of organisation `n`, as CreateOrganization would write them.
fn stored(n: u64, created: i64) -> Result<(RecordRow, Vec<(String, String)>)> {
    let mut value = organization(n);
    normalize_organization(&mut value, "organization", utc_date(created))
        .map_err(|v| anyhow!("organisation {n} is refused: {v:?}"))?;
    let indexed = value.index();
    let [sort_1, sort_2, sort_3, sort_4] = indexed.sort;
    let row = RecordRow {
        id: organization_id(n),
        kind: RecordKind::Organization as i32,
        parent_id: None,
        revision: 1,
        sort_1,
        sort_2,
        sort_3,
        sort_4,
        external_id: indexed.external_id,
        search_text: indexed.search_text,
        search_seq: None,
        merged_into: None,
        merge_time: None,
        erase_time: None,
        create_time: created,
        update_time: created,
        delete_time: None,
        body: value.encode_to_vec(),
    };
    Ok((row, indexed.terms))
}

/// Stores organisations `range` in the contacts database `url` (already migrated), in
/// batches, on two connections (one on SQLite).
pub async fn store(url: &str, range: Range<u64>) -> Result<()> {
    let database = Database::open(&DatabaseOptions::new(url)).await?;
    // Creation times one millisecond apart, oldest first, ending now.
    let base = now_micros() - i64::try_from(range.end)? * 1_000;
    let next = Arc::new(AtomicU64::new(range.start));
    let mut tasks = tokio::task::JoinSet::new();
    // SQLite numbers search rows from the largest so far: one writer only.
    let writers = match database.backend() {
        engage_platform::storage::Backend::Postgres => 2,
        engage_platform::storage::Backend::Sqlite => 1,
    };
    for _ in 0..writers {
        let database = database.clone();
        let next = next.clone();
        let end = range.end;
        tasks.spawn(async move {
            let mut conn = database.connection().await?;
            loop {
                let first = next.fetch_add(BATCH, Ordering::Relaxed);
                if first >= end {
                    return Ok::<(), anyhow::Error>(());
                }
                let rows = (first..(first + BATCH).min(end))
                    .map(|n| stored(n, base + i64::try_from(n).unwrap_or(0) * 1_000))
                    .collect::<Result<Vec<_>>>()?;
                match &mut conn {
                    Connection::Postgres(c) => (**c).insert_many(&rows).await?,
                    Connection::Sqlite(c) => (**c).insert_many(&rows).await?,
                }
            }
        });
    }
    for outcome in tasks.join_all().await {
        outcome?;
    }
    Ok(())
}

/// An enum value as an import file writes it: `SECTOR_NGO` is `ngo`.
fn short(name: &str, prefix: &str) -> String {
    name.trim_start_matches(prefix).to_lowercase()
}

/// Organisations `range` as an import file: header, then one row each.
pub fn csv(range: Range<u64>) -> Vec<u8> {
    let mut out = String::from(
        "display_name,acronym,sector,country_code,website,emails,thematic_areas,tags,description\n",
    );
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for n in range {
        let o = organization(n);
        let areas: Vec<String> = o
            .thematic_areas
            .iter()
            .filter_map(|a| ThematicArea::try_from(*a).ok())
            .map(|a| short(a.as_str_name(), "THEMATIC_AREA_"))
            .collect();
        let emails: Vec<&str> = o.emails.iter().map(|e| e.address.as_str()).collect();
        let sector = short(
            Sector::try_from(o.sector).map_or("SECTOR_OTHER", |s| s.as_str_name()),
            "SECTOR_",
        );
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            quote(&o.display_name),
            quote(&o.acronym),
            sector,
            o.country_code,
            o.website,
            emails.join(";"),
            areas.join(";"),
            o.tags.join(";"),
            quote(&o.description),
        ));
    }
    out.into_bytes()
}

/// A prepared data set, and how long it took to prepare when it was loaded.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Prepared {
    pub url: String,
    pub organizations: u64,
    pub load_seconds: f64,
    /// True when this run found it ready from an earlier run.
    pub reused: bool,
}

#[derive(diesel::QueryableByName)]
struct Marker {
    #[diesel(sql_type = Integer)]
    generator: i32,
    #[diesel(sql_type = BigInt)]
    organizations: i64,
    #[diesel(sql_type = Double)]
    load_seconds: f64,
}

async fn marker(url: &str) -> Option<Marker> {
    let database = Database::open(&DatabaseOptions::new(url)).await.ok()?;
    let mut conn = database.connection().await.ok()?;
    let query =
        diesel::sql_query("SELECT generator, organizations, load_seconds FROM bench_dataset");
    match &mut conn {
        Connection::Postgres(c) => query.get_result(&mut **c).await.ok(),
        Connection::Sqlite(c) => query.get_result(&mut **c).await.ok(),
    }
}

async fn execute(url: &str, statements: &[String]) -> Result<()> {
    let database = Database::open(&DatabaseOptions::new(url)).await?;
    let mut conn = database.connection().await?;
    for sql in statements {
        match &mut conn {
            Connection::Postgres(c) => diesel::sql_query(sql).execute(&mut **c).await?,
            Connection::Sqlite(c) => diesel::sql_query(sql).execute(&mut **c).await?,
        };
    }
    Ok(())
}

/// The PostgreSQL server's URL with database `name`.
pub fn postgres_url(name: &str) -> String {
    let admin = engage_platform::testkit::postgres_admin_url();
    match admin.rsplit_once('/') {
        Some((server, _)) if server.contains("://") && !server.ends_with('/') => {
            format!("{server}/{name}")
        }
        _ => format!("{admin}/{name}"),
    }
}

/// The data set of `organizations` organisations at `url` (`postgres` names a database on
/// the test server, otherwise a SQLite file), loaded now unless an earlier run left it
/// complete.
pub async fn prepare(url: &str, postgres: bool, organizations: u64) -> Result<Prepared> {
    if let Some(found) = marker(url).await
        && found.generator == GENERATOR_VERSION
        && u64::try_from(found.organizations).ok() == Some(organizations)
    {
        // A schema changed since the data set was stored migrates it here rather than at the
        // servers' start, then leaves it as autovacuum would: statistics and visibility map
        // (index-only counts read the latter). Both are quick when nothing changed.
        migrate_service::<Contacts>(url)
            .await
            .map_err(|e| anyhow!("migrating {url}: {e}"))?;
        if postgres {
            execute(url, &["VACUUM ANALYZE".to_owned()]).await?;
        }
        return Ok(Prepared {
            url: url.to_owned(),
            organizations,
            load_seconds: found.load_seconds,
            reused: true,
        });
    }
    eprintln!("load: storing {organizations} organisations in {url} (kept for later runs)…");
    let started = Instant::now();
    if postgres {
        let name = url.rsplit('/').next().context("a database name")?;
        let admin = engage_platform::testkit::postgres_admin_url();
        execute(
            &admin,
            &[
                format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                format!("CREATE DATABASE \"{name}\""),
            ],
        )
        .await?;
    } else {
        let path = url.trim_start_matches("sqlite://");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
    migrate_service::<Contacts>(url)
        .await
        .map_err(|e| anyhow!("migrating {url}: {e}"))?;
    if postgres {
        // A trigram index is built far faster once over all rows than row by row.
        execute(url, &["DROP INDEX records_search".to_owned()]).await?;
    }
    store(url, 0..organizations).await?;
    if postgres {
        execute(
            url,
            &[
                "CREATE INDEX records_search ON records USING gin (search_text gin_trgm_ops)"
                    .to_owned(),
                // As autovacuum leaves a settled register: statistics and visibility map.
                "VACUUM ANALYZE".to_owned(),
            ],
        )
        .await?;
    }
    let load_seconds = started.elapsed().as_secs_f64();
    execute(
        url,
        &[
            "CREATE TABLE bench_dataset (generator INTEGER NOT NULL, organizations BIGINT NOT \
             NULL, load_seconds DOUBLE PRECISION NOT NULL)"
                .to_owned(),
            format!(
                "INSERT INTO bench_dataset VALUES ({GENERATOR_VERSION}, {organizations}, \
                 {load_seconds})"
            ),
        ],
    )
    .await?;
    if marker(url).await.is_none() {
        bail!("the data set's marker was not written");
    }
    Ok(Prepared {
        url: url.to_owned(),
        organizations,
        load_seconds,
        reused: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organisation_is_the_same_every_run_and_valid() {
        for n in [0, 1, 7, 57, 999_999] {
            assert_eq!(organization(n), organization(n));
            assert!(stored(n, now_micros()).is_ok(), "organisation {n}");
        }
        assert!(engage_platform::resource::is_valid_id(&organization_id(
            999_999
        )));
    }

    #[test]
    fn one_in_fifty_is_a_near_copy_of_the_one_before() {
        let copy = organization(57).display_name;
        let original = organization(56).display_name;
        assert_ne!(copy, original);
        assert_eq!(copy.len(), original.len());
    }

    #[test]
    fn the_import_file_has_a_row_per_organisation() {
        let file = String::from_utf8(csv(0..10)).unwrap_or_default();
        assert_eq!(file.lines().count(), 11);
    }
}
