//! Rate limits per principal and class of method (read, write, stream), by GCRA.
//!
//! With Redis configured, one atomic Lua script keeps each limit in Redis, timed by Redis's
//! own clock, so the limit holds across gateway replicas. A gateway takes a few calls'
//! worth at a time for a principal who calls often (a lease), so most of that principal's
//! calls do not wait for Redis; what a lease adds to the limit is bounded (ADR 0008).
//! Without Redis, or while Redis is unreachable, each gateway limits in memory on its own: a
//! replica keeps serving (with limits per replica rather than shared) instead of refusing
//! every call because the limiter's store is down. See `docs/adr/0008-rate-limits.md`.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::permissions::MethodClass;

/// A rate: `count` calls per `period`, all of which may come at once (the burst).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Calls allowed per period.
    pub count: NonZeroU32,
    /// The period.
    pub period: Duration,
}

impl Rate {
    /// Time between two calls at the sustained rate.
    fn interval(&self) -> Duration {
        self.period / self.count.get()
    }

    /// Calls a gateway takes from Redis at once: a tenth of the burst, at most 16, so that
    /// what replicas hold unused is small beside the limit.
    fn lease_size(&self) -> u32 {
        (self.count.get() / 10).clamp(1, 16)
    }

    /// How long a lease's calls may be used: as long as they take at the sustained rate, and
    /// at least [`SHORTEST_LEASE`] so that a high limit's lease outlives the next call.
    fn lease_lifetime(&self) -> Duration {
        (self.interval() * self.lease_size()).max(SHORTEST_LEASE)
    }
}

impl FromStr for Rate {
    type Err = String;

    /// Reads `COUNT/UNIT` with UNIT `s`, `m` or `h`, for example `50/s`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (count, unit) = s
            .split_once('/')
            .ok_or_else(|| format!("{s:?}: expected COUNT/UNIT such as 50/s"))?;
        let count: u32 = count
            .trim()
            .parse()
            .map_err(|_| format!("{s:?}: COUNT is not a number"))?;
        let count =
            NonZeroU32::new(count).ok_or_else(|| format!("{s:?}: COUNT must be positive"))?;
        let period = match unit.trim() {
            "s" => Duration::from_secs(1),
            "m" => Duration::from_secs(60),
            "h" => Duration::from_secs(3600),
            other => return Err(format!("{s:?}: unit {other:?} is not s, m or h")),
        };
        Ok(Self { count, period })
    }
}

/// The rate of each class of method.
#[derive(Debug, Clone, Copy)]
pub struct RateLimits {
    /// Unary reads.
    pub read: Rate,
    /// Unary writes.
    pub write: Rate,
    /// Server-streaming calls.
    pub stream: Rate,
}

/// The default rates as the command line and environment take them (see [`RateLimits::default`]).
pub const DEFAULT_READ: &str = "1000/s";
/// See [`DEFAULT_READ`].
pub const DEFAULT_WRITE: &str = "500/s";
/// See [`DEFAULT_READ`].
pub const DEFAULT_STREAM: &str = "60/m";

impl Default for RateLimits {
    /// 1,000 reads and 500 writes a second, 60 streams a minute, per principal: above what
    /// one caller working call after call reaches (a person, or a script writing
    /// sequentially: about 1,900 reads or a few hundred writes a second on loopback with a
    /// 0.5 ms read, measured in docs/benchmarks.md), below what the system serves to many
    /// callers at once, so a runaway client with many calls in flight is stopped.
    fn default() -> Self {
        let rate = |count: u32, secs: u64| Rate {
            count: NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN),
            period: Duration::from_secs(secs),
        };
        Self {
            read: rate(1000, 1),
            write: rate(500, 1),
            stream: rate(60, 60),
        }
    }
}

impl RateLimits {
    fn of(&self, class: MethodClass) -> Rate {
        match class {
            MethodClass::Read => self.read,
            MethodClass::Write => self.write,
            MethodClass::Stream => self.stream,
        }
    }
}

type Keyed = DefaultKeyedRateLimiter<String>;

/// Limits kept in this process.
struct MemoryLimits {
    read: Keyed,
    write: Keyed,
    stream: Keyed,
}

impl MemoryLimits {
    fn new(limits: &RateLimits) -> Self {
        let keyed = |rate: Rate| {
            let quota = Quota::with_period(rate.interval())
                .unwrap_or_else(|| Quota::per_second(rate.count))
                .allow_burst(rate.count);
            governor::RateLimiter::keyed(quota)
        };
        Self {
            read: keyed(limits.read),
            write: keyed(limits.write),
            stream: keyed(limits.stream),
        }
    }

    fn check(&self, subject: &str, class: MethodClass) -> Result<(), Duration> {
        let limiter = match class {
            MethodClass::Read => &self.read,
            MethodClass::Write => &self.write,
            MethodClass::Stream => &self.stream,
        };
        limiter
            .check_key(&subject.to_owned())
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// GCRA in one atomic step. KEYS[1]: the limit's key. ARGV[1]: emission interval (µs).
/// ARGV[2]: burst. ARGV[3]: calls taken at once. Returns 0 when they are allowed, else the
/// µs to wait.
const GCRA_SCRIPT: &str = r"
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local calls = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat or tat < now then tat = now end
local wait = tat + interval * (calls - 1) - interval * (burst - 1) - now
if wait > 0 then return wait end
local new_tat = tat + interval * calls
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1)
return 0
";

/// Calls taken from Redis ahead of use, per limit key. A lease lasts as long as its calls
/// take at the sustained rate (at least [`SHORTEST_LEASE`]); what is left then is dropped,
/// so an idle principal's lease cannot be saved up.
#[derive(Default)]
struct Leases {
    held: HashMap<String, Lease>,
}

struct Lease {
    left: u32,
    until: Instant,
}

/// The shortest a lease lasts. Calls used later than they were taken can exceed the burst by
/// what the rate allows in a lease's lifetime, so this stays short beside a second.
const SHORTEST_LEASE: Duration = Duration::from_millis(50);

/// Leases kept before the expired ones are swept out.
const LEASES_BEFORE_SWEEP: usize = 10_000;

impl Leases {
    /// Uses one call of the lease on `key`, if one is left and it has not run out.
    fn take(&mut self, key: &str, now: Instant) -> bool {
        match self.held.get_mut(key) {
            Some(lease) if lease.left > 0 && now < lease.until => {
                lease.left -= 1;
                true
            }
            _ => false,
        }
    }

    /// Keeps `left` calls on `key` until `until`, beside what is still held.
    fn hold(&mut self, key: String, left: u32, now: Instant, until: Instant) {
        if self.held.len() >= LEASES_BEFORE_SWEEP {
            self.held.retain(|_, lease| now < lease.until);
        }
        let lease = self.held.entry(key).or_insert(Lease { left: 0, until });
        if now >= lease.until {
            lease.left = 0;
        }
        lease.left += left;
        lease.until = lease.until.max(until);
    }
}

/// How long the limiter leaves Redis alone after failing to reach it, so that calls are
/// not each held up by a connection attempt while Redis is down.
const REDIS_RETRY_AFTER: Duration = Duration::from_secs(5);

struct RedisLimits {
    client: redis::Client,
    connection: tokio::sync::OnceCell<redis::aio::ConnectionManager>,
    unreachable_until: Mutex<Option<Instant>>,
    script: redis::Script,
    prefix: String,
    leases: Mutex<Leases>,
}

impl RedisLimits {
    fn resting(&self) -> bool {
        self.unreachable_until
            .lock()
            .map(|until| until.is_some_and(|t| Instant::now() < t))
            .unwrap_or(false)
    }

    fn mark_unreachable(&self) {
        if let Ok(mut until) = self.unreachable_until.lock() {
            *until = Some(Instant::now() + REDIS_RETRY_AFTER);
        }
    }

    async fn connection(&self) -> Result<redis::aio::ConnectionManager, redis::RedisError> {
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_response_timeout(Some(Duration::from_millis(500)))
            .set_number_of_retries(1);
        self.connection
            .get_or_try_init(|| {
                redis::aio::ConnectionManager::new_with_config(self.client.clone(), config)
            })
            .await
            .cloned()
    }

    /// Takes `calls` at once: 0 when allowed, else the µs to wait; `Err` when Redis could
    /// not answer.
    async fn take(&self, key: &str, rate: Rate, calls: u32) -> Result<u64, redis::RedisError> {
        let mut connection = self.connection().await?;
        let interval = u64::try_from(rate.interval().as_micros()).unwrap_or(u64::MAX);
        self.script
            .key(key)
            .arg(interval)
            .arg(rate.count.get())
            .arg(calls)
            .invoke_async(&mut connection)
            .await
    }

    /// One call under `rate`: from this gateway's lease when it holds one, otherwise a new
    /// lease from Redis, or a single call when the limit has less than a lease left.
    async fn check(&self, key: String, rate: Rate) -> Result<u64, redis::RedisError> {
        if self
            .leases
            .lock()
            .is_ok_and(|mut leases| leases.take(&key, Instant::now()))
        {
            return Ok(0);
        }
        let size = rate.lease_size();
        if size > 1 && self.take(&key, rate, size).await? == 0 {
            let now = Instant::now();
            if let Ok(mut leases) = self.leases.lock() {
                leases.hold(key, size - 1, now, now + rate.lease_lifetime());
            }
            return Ok(0);
        }
        self.take(&key, rate, 1).await
    }
}

/// Checks calls against the limits.
#[derive(Clone)]
pub struct RateLimiter {
    limits: RateLimits,
    memory: Arc<MemoryLimits>,
    redis: Option<Arc<RedisLimits>>,
}

impl RateLimiter {
    /// Limits kept in memory.
    pub fn in_memory(limits: RateLimits) -> Self {
        Self {
            limits,
            memory: Arc::new(MemoryLimits::new(&limits)),
            redis: None,
        }
    }

    /// Limits kept in Redis at `url`, under keys starting with `prefix`. Only a malformed
    /// URL is an error: the gateway starts even when Redis is down, and limits in memory
    /// until Redis answers again.
    pub fn with_redis(
        limits: RateLimits,
        url: &str,
        prefix: &str,
    ) -> Result<Self, redis::RedisError> {
        Ok(Self {
            limits,
            memory: Arc::new(MemoryLimits::new(&limits)),
            redis: Some(Arc::new(RedisLimits {
                client: redis::Client::open(url)?,
                connection: tokio::sync::OnceCell::new(),
                unreachable_until: Mutex::new(None),
                script: redis::Script::new(GCRA_SCRIPT),
                prefix: prefix.to_owned(),
                leases: Mutex::new(Leases::default()),
            })),
        })
    }

    /// `Ok` when `subject` may make one more call of `class` now, otherwise how long to wait.
    pub async fn check(&self, subject: &str, class: MethodClass) -> Result<(), Duration> {
        let Some(redis) = &self.redis else {
            return self.memory.check(subject, class);
        };
        if redis.resting() {
            return self.memory.check(subject, class);
        }
        let key = format!("{}:{}:{}", redis.prefix, class.as_str(), subject);
        match redis.check(key, self.limits.of(class)).await {
            Ok(0) => Ok(()),
            Ok(wait) => Err(Duration::from_micros(wait)),
            Err(error) => {
                tracing::warn!(%error, "Redis unreachable for rate limits; limiting in memory");
                redis.mark_unreachable();
                self.memory.check(subject, class)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(read: &str) -> RateLimits {
        RateLimits {
            read: read.parse().unwrap(),
            write: "1/s".parse().unwrap(),
            stream: "1/s".parse().unwrap(),
        }
    }

    #[test]
    fn rates_parse_and_refuse_nonsense() {
        let r: Rate = "50/s".parse().unwrap();
        assert_eq!((r.count.get(), r.period), (50, Duration::from_secs(1)));
        assert_eq!(
            "600/m".parse::<Rate>().unwrap().interval(),
            Duration::from_millis(100)
        );
        for bad in ["", "50", "0/s", "x/s", "5/d"] {
            assert!(bad.parse::<Rate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_lease_serves_its_calls_until_it_runs_out_or_expires() {
        let rate: Rate = "100/s".parse().unwrap();
        assert_eq!(rate.lease_size(), 10);
        assert_eq!("3/s".parse::<Rate>().unwrap().lease_size(), 1);
        assert_eq!("1000/s".parse::<Rate>().unwrap().lease_size(), 16);
        assert_eq!(rate.lease_lifetime(), Duration::from_millis(100));
        assert_eq!(
            "100000/s".parse::<Rate>().unwrap().lease_lifetime(),
            SHORTEST_LEASE
        );

        let mut leases = Leases::default();
        let now = Instant::now();
        let until = now + Duration::from_millis(100);
        assert!(!leases.take("ana", now), "nothing held yet");
        leases.hold("ana".into(), 2, now, until);
        assert!(leases.take("ana", now));
        assert!(leases.take("ana", now));
        assert!(!leases.take("ana", now), "two calls held, two used");
        assert!(!leases.take("ben", now), "a lease is per key");

        leases.hold("ana".into(), 3, now, until);
        assert!(
            !leases.take("ana", until),
            "what is left is dropped when the lease runs out"
        );
        let later = until + Duration::from_millis(1);
        leases.hold("ana".into(), 1, later, later + Duration::from_millis(100));
        assert!(leases.take("ana", later));
        assert!(
            !leases.take("ana", later),
            "an expired lease's calls are not added to a new one"
        );
    }

    #[test]
    fn the_command_line_defaults_are_the_default_limits() {
        let limits = RateLimits::default();
        let parsed = |s: &str| s.parse::<Rate>().unwrap();
        assert_eq!(parsed(DEFAULT_READ), limits.read);
        assert_eq!(parsed(DEFAULT_WRITE), limits.write);
        assert_eq!(parsed(DEFAULT_STREAM), limits.stream);
    }

    /// A script creating records one after another is never refused, however fast the
    /// server answers; a client firing far more at once is.
    #[tokio::test]
    async fn default_limits_let_sequential_writes_through_and_stop_a_runaway() {
        let limiter = RateLimiter::in_memory(RateLimits::default());
        for call in 0..400 {
            assert!(
                limiter.check("script", MethodClass::Write).await.is_ok(),
                "write {call} refused"
            );
        }
        let mut refused = 0;
        for _ in 0..400 {
            refused += usize::from(limiter.check("script", MethodClass::Write).await.is_err());
        }
        assert!(refused > 0, "a runaway client is never stopped");
        for call in 0..900 {
            assert!(
                limiter.check("reader", MethodClass::Read).await.is_ok(),
                "read {call} refused"
            );
        }
    }

    #[tokio::test]
    async fn memory_limits_allow_the_burst_then_say_how_long_to_wait() {
        let limiter = RateLimiter::in_memory(limits("3/s"));
        for _ in 0..3 {
            assert!(limiter.check("ana", MethodClass::Read).await.is_ok());
        }
        let wait = limiter.check("ana", MethodClass::Read).await.unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(334),
            "{wait:?}"
        );
        assert!(
            limiter.check("ben", MethodClass::Read).await.is_ok(),
            "per principal"
        );
        assert!(
            limiter.check("ana", MethodClass::Write).await.is_ok(),
            "per class"
        );
    }
}
