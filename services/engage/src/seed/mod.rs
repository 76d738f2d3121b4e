//! `engage seed` and `engage dev --seed`: a generated, realistic demo data set written
//! through the API, the same for the same seed number ([`plan`] generates, [`write`] sends).

pub mod names;
pub mod plan;
pub mod write;

use std::io::Write;
use std::time::Instant;

use crate::cli::connection::{Connection, Gateway};
use crate::cli::failure::Failure;
pub use plan::{Plan, Scale};
pub use write::{Lanes, Written};

/// `engage seed`.
#[derive(Debug, Clone, clap::Args)]
pub struct SeedArgs {
    /// The seed number: the same number gives the same data set.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The size relative to the full demo (1.0: 3,000 organisations, 4,500 people, 60 side
    /// events, 150 verified signatures...); 0.02 makes a small set for tests.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Calls in flight at most.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
}

/// The demo's plan for `args`, over every country the platform knows, in code order.
pub fn plan(args: &SeedArgs) -> Plan {
    let mut countries = engage_platform::regions::country_codes();
    countries.sort_unstable();
    Plan::generate(args.seed, Scale(args.scale.max(0.0)), &countries)
}

/// Generates the data set and writes it over `lanes`; progress lines go to `err`.
pub async fn seed_over(
    args: &SeedArgs,
    channels: Vec<Gateway>,
    err: &mut dyn Write,
) -> Result<Written, write::SeedError> {
    let started = Instant::now();
    let plan = plan(args);
    let lanes = Lanes::new(channels, args.concurrency);
    let mut progress = |line: &str| {
        let _ = writeln!(
            err,
            "seeded {line}  ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
    };
    write::write(&plan, &lanes, &mut progress).await
}

/// `engage seed`: writes the data set and prints what was written.
pub async fn seed(
    args: SeedArgs,
    connection: &Connection,
    as_json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let written = seed_over(&args, vec![connection.channel.clone()], err)
        .await
        .map_err(|e| Failure::from_status(&e.action, &connection.endpoint, &e.status))?;
    let text = report(&args, &written, as_json);
    out.write_all(text.as_bytes())
        .map_err(|e| Failure::other(format!("writing the output: {e}")))
}

/// What was written, as lines of `what: count`, or one JSON object.
pub fn report(args: &SeedArgs, w: &Written, as_json: bool) -> String {
    let rows: [(&str, usize); 13] = [
        ("organizations", w.organizations),
        ("people", w.people),
        ("accreditations", w.accreditations),
        ("accreditations_granted", w.accreditations_granted),
        ("events", w.events),
        ("civil_society_side_events", w.civil_society_side_events),
        ("registered", w.registered),
        ("waitlisted", w.waitlisted),
        ("signatures_verified", w.signatures_verified),
        ("signatures_pending", w.signatures_pending),
        ("initiatives", w.initiatives),
        ("milestones", w.milestones),
        ("overdue_milestones", w.overdue_milestones),
    ];
    if as_json {
        let mut object = serde_json::Map::new();
        object.insert("seed".into(), args.seed.into());
        for (key, count) in rows {
            object.insert(key.into(), count.into());
        }
        format!("{}\n", serde_json::Value::Object(object))
    } else {
        let mut text = format!("demo data set {} written:\n", args.seed);
        for (key, count) in rows {
            text.push_str(&format!("  {:<26} {count}\n", key.replace('_', " ")));
        }
        text
    }
}
