//! The load benchmark's report: one row per measurement, beside its baseline and the ratio
//! to it, with the goal it is held to; written as Markdown and JSON.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use super::LoadArgs;
use super::dataset::Prepared;
use super::drive::Measured;

/// What a ratio is held to.
#[derive(Debug, Clone, Copy)]
pub enum Goal {
    /// No goal: the ratio is shown for information.
    None,
    /// The measurement reaches at least this share of the baseline's throughput.
    AtLeast(f64),
}

/// One measurement.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub scenario: String,
    pub load: String,
    /// True for a baseline itself.
    pub is_baseline: bool,
    pub measured: Measured,
    /// CPU the servers used while it ran, in cores.
    pub server_cpu_cores: Option<f64>,
    /// The servers' resident memory at its end, MiB.
    pub server_rss_mib: Option<f64>,
    pub baseline: Option<String>,
    /// The baseline's figure compared with, as shown.
    pub baseline_figure: Option<String>,
    /// The comparison, as shown ("46 % of its throughput").
    pub ratio: Option<String>,
    pub goal: Option<String>,
    pub met: Option<bool>,
}

fn ms(us: f64) -> String {
    let ms = us / 1000.0;
    if ms < 10.0 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.1}")
    }
}

fn rate(per_second: f64) -> String {
    if per_second <= 0.0 {
        String::new()
    } else if per_second >= 100.0 {
        format!("{per_second:.0}")
    } else {
        format!("{per_second:.1}")
    }
}

impl Row {
    pub fn measured(scenario: &str, load: &str, measured: &Measured) -> Self {
        Self {
            scenario: scenario.to_owned(),
            load: load.to_owned(),
            is_baseline: false,
            measured: measured.clone(),
            server_cpu_cores: None,
            server_rss_mib: None,
            baseline: None,
            baseline_figure: None,
            ratio: None,
            goal: None,
            met: None,
        }
    }

    pub fn baseline(scenario: &str, load: &str, measured: &Measured) -> Self {
        Self {
            is_baseline: true,
            ..Self::measured(scenario, load, measured)
        }
    }

    pub fn server(mut self, cores: f64, rss_mib: f64) -> Self {
        self.server_cpu_cores = Some(cores);
        self.server_rss_mib = Some(rss_mib);
        self
    }

    /// Throughput as a share of `base`'s.
    pub fn against_throughput(mut self, name: &str, base: &Measured, goal: Goal) -> Self {
        let share = self.measured.throughput / base.throughput.max(f64::EPSILON);
        self.baseline = Some(name.to_owned());
        self.baseline_figure = Some(format!("{}/s", rate(base.throughput)));
        self.ratio = Some(format!("{:.0} % of its calls/s", share * 100.0));
        if let Goal::AtLeast(least) = goal {
            self.goal = Some(format!("≥ {:.0} %", least * 100.0));
            self.met = Some(share >= least);
        }
        self
    }

    /// The median's excess over `base`'s, held to `max_us`.
    pub fn against_added_p50(mut self, name: &str, base: &Measured, max_us: u64) -> Self {
        let added = self.measured.latency_us.p50 as i64 - base.latency_us.p50 as i64;
        self.baseline = Some(name.to_owned());
        self.baseline_figure = Some(format!("p50 {} ms", ms(base.latency_us.p50 as f64)));
        self.ratio = Some(format!("{added:+} µs at p50"));
        self.goal = Some(format!("≤ {max_us} µs added at p50"));
        self.met = Some(added <= max_us as i64);
        self
    }

    /// The 95th percentile beside `base`'s, held to `max_us`.
    pub fn against_p95(mut self, name: &str, base: &Measured, max_us: u64) -> Self {
        let p95 = self.measured.latency_us.p95;
        self.baseline = Some(name.to_owned());
        self.baseline_figure = Some(format!("p95 {} ms", ms(base.latency_us.p95 as f64)));
        self.ratio = Some(format!(
            "p95 × {:.1}",
            p95 as f64 / (base.latency_us.p95 as f64).max(1.0)
        ));
        self.goal = Some(format!("p95 ≤ {} ms", max_us / 1000));
        self.met = Some(p95 <= max_us);
        self
    }

    /// A one-off operation held to `max` seconds.
    pub fn within_seconds(mut self, max: f64, seconds: f64) -> Self {
        self.goal = Some(format!("≤ {max} s"));
        self.met = Some(seconds <= max);
        self
    }

    /// A one-off operation beside a baseline that took `base` seconds.
    pub fn against_seconds(mut self, name: &str, base: f64) -> Self {
        let seconds = self.measured.latency_us.max as f64 / 1e6;
        self.baseline = Some(name.to_owned());
        self.baseline_figure = Some(format!("{base:.2} s"));
        self.ratio = Some(format!(
            "× {:.1} its time",
            seconds / base.max(f64::EPSILON)
        ));
        self
    }
}

/// The machine and the run's settings.
#[derive(Debug, Clone, Serialize)]
pub struct Setting {
    pub date: String,
    pub cores: usize,
    pub memory_gib: f64,
    pub cpu: String,
    pub load_average_before: String,
    pub load_average_after: String,
    pub database: String,
    pub duration_s: u64,
    pub warmup_s: u64,
    pub concurrency: usize,
    pub list_concurrency: usize,
    pub seed: u64,
    pub organizations: u64,
    pub import_rows: u64,
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn proc_field(file: &str, key: &str) -> Option<String> {
    std::fs::read_to_string(file).ok().and_then(|text| {
        text.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
    })
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub setting: Setting,
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
    pub data_set: Option<Prepared>,
}

impl Report {
    pub fn new(args: &LoadArgs) -> Self {
        let date = std::process::Command::new("date")
            .args(["-u", "+%Y-%m-%d %H:%M UTC"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        let memory_gib = proc_field("/proc/meminfo", "MemTotal")
            .and_then(|v| v.trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
        Self {
            setting: Setting {
                date,
                cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
                memory_gib,
                cpu: proc_field("/proc/cpuinfo", "model name").unwrap_or_default(),
                load_average_before: load_average(),
                load_average_after: String::new(),
                database: format!("{:?}", args.database).to_lowercase(),
                duration_s: args.duration,
                warmup_s: args.warmup,
                concurrency: args.concurrency,
                list_concurrency: args.list_concurrency,
                seed: args.seed,
                organizations: args.organizations,
                import_rows: args.import_rows,
            },
            rows: Vec::new(),
            notes: Vec::new(),
            data_set: None,
        }
    }

    /// The pgbench single-row insert of this run, if it ran.
    pub fn insert_baseline(&self) -> Option<&Measured> {
        self.rows
            .iter()
            .find(|r| r.is_baseline && r.scenario.contains("single-row insert"))
            .map(|r| &r.measured)
    }

    pub fn markdown(&self) -> String {
        let s = &self.setting;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Load\n\n{}, {} cores ({}), {:.0} GiB; load average {} before the run and {} \
             after. Database: {}. Each scenario: {} s of warm-up, then {} s measured; closed \
             loops at {} callers ({} for listing and search).\n",
            s.date,
            s.cores,
            s.cpu,
            s.memory_gib,
            s.load_average_before,
            s.load_average_after,
            s.database,
            s.warmup_s,
            s.duration_s,
            s.concurrency,
            s.list_concurrency
        );
        out.push_str(
            "| scenario | load | calls/s | p50 ms | p90 ms | p95 ms | p99 ms | max ms | errors | \
             server CPU (cores) | server RSS MiB | baseline | baseline figure | ratio | goal | met |\n\
             | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | --- | --- |\n",
        );
        for row in &self.rows {
            let l = &row.measured.latency_us;
            let name = if row.is_baseline {
                format!("{} (baseline)", row.scenario)
            } else {
                row.scenario.clone()
            };
            let opt = |v: &Option<String>| v.clone().unwrap_or_default();
            let _ = writeln!(
                out,
                "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                row.load,
                rate(row.measured.throughput),
                ms(l.p50 as f64),
                ms(l.p90 as f64),
                ms(l.p95 as f64),
                ms(l.p99 as f64),
                ms(l.max as f64),
                row.measured.errors,
                row.server_cpu_cores
                    .map(|c| format!("{c:.2}"))
                    .unwrap_or_default(),
                row.server_rss_mib
                    .map(|m| format!("{m:.0}"))
                    .unwrap_or_default(),
                opt(&row.baseline),
                opt(&row.baseline_figure),
                opt(&row.ratio),
                opt(&row.goal),
                match row.met {
                    Some(true) => "yes",
                    Some(false) => "**no**",
                    None => "",
                },
            );
        }
        let errors: Vec<String> = self
            .rows
            .iter()
            .filter_map(|r| {
                r.measured
                    .first_error
                    .as_ref()
                    .map(|e| format!("{} ({}): {e}", r.scenario, r.load))
            })
            .collect();
        if !self.notes.is_empty() || !errors.is_empty() {
            out.push('\n');
        }
        for note in self.notes.iter().chain(&errors) {
            let _ = writeln!(out, "- {note}");
        }
        out
    }

    /// Writes the report and prints it.
    pub fn write(&mut self, dir: &Path) -> Result<()> {
        let markdown = self.save(dir)?;
        println!("{markdown}");
        Ok(())
    }

    /// Writes the report as it stands (Markdown, JSON, and `report.md` with the other
    /// benchmarks' latest reports) and returns its Markdown.
    pub fn save(&mut self, dir: &Path) -> Result<String> {
        self.setting.load_average_after = load_average();
        let markdown = self.markdown();
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("load.md"), &markdown)?;
        std::fs::write(dir.join("load.json"), serde_json::to_string_pretty(self)?)?;
        // The other benchmarks' latest reports join this one in `report.md`.
        let mut whole = markdown.clone();
        for other in ["feeds.md", "summary.md"] {
            if let Ok(text) = std::fs::read_to_string(dir.join(other)) {
                whole.push('\n');
                whole.push_str(&text);
            }
        }
        std::fs::write(dir.join("report.md"), whole)?;
        Ok(markdown)
    }
}
