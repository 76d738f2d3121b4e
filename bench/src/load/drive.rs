//! The load itself: a closed loop (N callers, each sending its next call when the last one
//! answered) for throughput, and an open loop (calls sent at a fixed rate, whether or not
//! earlier ones answered) for latency under load.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::stats::Latency;

/// What a run of calls measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Measured {
    /// Calls answered within the measured time (after the warm-up).
    pub calls: u64,
    /// Calls that failed within the measured time.
    pub errors: u64,
    /// Calls per second over the measured time.
    pub throughput: f64,
    /// Latencies of the successful calls, in microseconds.
    pub latency_us: Latency,
    /// The first failure, to say why.
    pub first_error: Option<String>,
}

/// How long to load: `warmup` first (not measured), then `duration`.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub warmup: Duration,
    pub duration: Duration,
}

struct Worker {
    latencies: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// `concurrency` callers, each calling `call(n)` (n counts its calls across callers) in a
/// loop for the warm-up and the measured time.
pub async fn closed<F, Fut, E>(concurrency: usize, timing: Timing, call: F) -> Measured
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    E: std::fmt::Display,
{
    let call = Arc::new(call);
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let start = Instant::now();
    let measured_from = start + timing.warmup;
    let end = measured_from + timing.duration;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let call = call.clone();
        let counter = counter.clone();
        tasks.spawn(async move {
            let mut worker = Worker {
                latencies: Vec::new(),
                errors: 0,
                first_error: None,
            };
            loop {
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let outcome = call(n).await;
                let answered = Instant::now();
                if sent < measured_from || answered > end {
                    continue;
                }
                match outcome {
                    Ok(()) => worker.latencies.push(micros(answered - sent)),
                    Err(e) => {
                        worker.errors += 1;
                        worker.first_error.get_or_insert_with(|| e.to_string());
                    }
                }
            }
            worker
        });
    }
    let workers = tasks.join_all().await;
    collect(workers, timing.duration)
}

/// Calls `call(n)` `rate` times a second for the warm-up and the measured time, each call
/// timed from the moment it was due (so a stalled server shows in the latency instead of
/// slowing the load down).
pub async fn open<F, Fut, E>(rate: f64, timing: Timing, call: F) -> Measured
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    let call = Arc::new(call);
    let period = Duration::from_secs_f64(1.0 / rate.max(1.0));
    let start = tokio::time::Instant::now();
    let measured_from = start + timing.warmup;
    let end = measured_from + timing.duration;
    let mut ticks = tokio::time::interval_at(start, period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = tokio::task::JoinSet::new();
    let mut worker = Worker {
        latencies: Vec::new(),
        errors: 0,
        first_error: None,
    };
    let mut n = 0u64;
    loop {
        let due = ticks.tick().await;
        if due >= end {
            break;
        }
        let measured = due >= measured_from;
        let future = call(n);
        n += 1;
        tasks.spawn(async move {
            let outcome = future.await;
            let taken = micros(tokio::time::Instant::now() - due);
            (measured, outcome.map(|()| taken).map_err(|e| e.to_string()))
        });
        // Answered calls are noted as we go so that a long run does not hold every task.
        while let Some(done) = tasks.try_join_next() {
            note(&mut worker, done);
        }
    }
    // Calls still running are awaited: the late ones are the point of an open loop.
    while let Some(done) = tasks.join_next().await {
        note(&mut worker, done);
    }
    collect(vec![worker], timing.duration)
}

type Answer = (bool, Result<u64, String>);

fn note(worker: &mut Worker, done: Result<Answer, tokio::task::JoinError>) {
    match done {
        Ok((false, _)) => {}
        Ok((true, Ok(taken))) => worker.latencies.push(taken),
        Ok((true, Err(e))) => {
            worker.errors += 1;
            worker.first_error.get_or_insert(e);
        }
        Err(e) => {
            worker.errors += 1;
            worker.first_error.get_or_insert_with(|| e.to_string());
        }
    }
}

fn collect(workers: Vec<Worker>, duration: Duration) -> Measured {
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for worker in workers {
        latencies.extend(worker.latencies);
        errors += worker.errors;
        if first_error.is_none() {
            first_error = worker.first_error;
        }
    }
    let calls = latencies.len() as u64;
    Measured {
        calls,
        errors,
        throughput: calls as f64 / duration.as_secs_f64(),
        latency_us: Latency::of(latencies),
        first_error,
    }
}

impl Measured {
    /// One operation that took `taken` and handled `items` (rows imported, candidates
    /// found), `errors` of which failed.
    pub fn once(taken: Duration, items: u64, errors: u64) -> Self {
        Measured {
            calls: items,
            errors,
            throughput: items as f64 / taken.as_secs_f64().max(f64::EPSILON),
            latency_us: Latency::of(vec![micros(taken)]),
            first_error: None,
        }
    }
}
