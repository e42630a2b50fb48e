//! Client-side rate limits per account and service (a GCRA token bucket).
//!
//! The defaults are AWS's own per-account rates, so a sync runs at the floor
//! AWS allows. Those limits are shared with every other tool the admin runs,
//! so the limiter adapts: each throttled answer slows it down (by a quarter,
//! down to a quarter of the configured rate, with no burst), and successes
//! bring it back up gradually.

use std::time::Duration;

use tokio::time::Instant;

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::error::{Error, Result};

/// Requests per second for each service Hallpass calls.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    pub sso: f64,
    pub identitystore: f64,
    pub organizations: f64,
    pub sts: f64,
    pub scheduler: f64,
}

impl Default for Rates {
    fn default() -> Self {
        // Identity Center admin and Identity Store allow 20/s; Organizations about 1/s.
        Self {
            sso: 20.0,
            identitystore: 20.0,
            organizations: 1.0,
            sts: 10.0,
            // EventBridge Scheduler's schedule operations allow 50 requests per second
            // (EventBridge Scheduler quotas); Hallpass writes a handful per run.
            scheduler: 10.0,
        }
    }
}

impl Rates {
    /// Parses `sso=20,identitystore=20,organizations=1,sts=10` (any subset; the rest stay default).
    pub fn parse(spec: &str) -> Result<Self> {
        let mut rates = Rates::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').ok_or_else(|| {
                Error::InvalidInput(format!(
                    "rate {part:?} is not NAME=PER_SECOND (e.g. sso=18,organizations=1)"
                ))
            })?;
            let value: f64 = value
                .trim()
                .parse()
                .ok()
                .filter(|v: &f64| *v > 0.0 && v.is_finite())
                .ok_or_else(|| {
                    Error::InvalidInput(format!(
                        "rate for {name} must be a positive number, got {value:?}"
                    ))
                })?;
            match name.trim() {
                "sso" => rates.sso = value,
                "identitystore" => rates.identitystore = value,
                "organizations" => rates.organizations = value,
                "sts" => rates.sts = value,
                "scheduler" => rates.scheduler = value,
                other => {
                    return Err(Error::InvalidInput(format!(
                        "unknown service {other:?} in rates; use sso, identitystore, organizations, sts or scheduler"
                    )))
                }
            }
        }
        Ok(rates)
    }
}

#[derive(Debug)]
pub struct Limiter {
    /// The configured pace: one request per `base`.
    base: Duration,
    burst: u32,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The current pace; longer than `base` after throttling.
    interval: Duration,
    /// GCRA's theoretical arrival time of the next request.
    tat: Option<Instant>,
}

/// How far throttling may slow a limiter: to a quarter of its configured rate.
const MAX_SLOWDOWN: u32 = 4;

impl Limiter {
    pub fn new(per_second: f64, burst: u32) -> Self {
        let base = Duration::from_secs_f64(1.0 / per_second.max(0.001));
        Self {
            base,
            burst: burst.max(1),
            state: Mutex::new(State {
                interval: base,
                tat: None,
            }),
        }
    }

    /// Waits until one more request may be sent.
    pub async fn acquire(&self) {
        let wait = {
            let mut st = self.state.lock().await;
            let now = Instant::now();
            let t = st.tat.map_or(now, |t| t.max(now));
            // No burst while slowed down by throttling.
            let burst = if st.interval > self.base {
                1
            } else {
                self.burst
            };
            let slack = st.interval * (burst - 1);
            let allowed_at = t.checked_sub(slack).unwrap_or(now);
            st.tat = Some(t + st.interval);
            allowed_at.saturating_duration_since(now)
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// AWS throttled a request: slow down by a quarter.
    pub async fn throttled(&self) {
        let mut st = self.state.lock().await;
        st.interval = st.interval.mul_f64(1.25).min(self.base * MAX_SLOWDOWN);
        let next = Instant::now() + st.interval;
        st.tat = Some(st.tat.map_or(next, |t| t.max(next)));
    }

    /// A request went through: win back 2 % of the pace lost to throttling.
    pub async fn succeeded(&self) {
        let mut st = self.state.lock().await;
        if st.interval > self.base {
            st.interval = st.interval.mul_f64(0.98).max(self.base);
        }
    }

    /// Requests per second it currently allows.
    pub async fn rate(&self) -> f64 {
        1.0 / self.state.lock().await.interval.as_secs_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_partial_rate_specs() {
        let r = Rates::parse("sso=5, organizations=0.5").unwrap();
        assert_eq!(r.sso, 5.0);
        assert_eq!(r.organizations, 0.5);
        assert_eq!(r.identitystore, Rates::default().identitystore);
        assert!(Rates::parse("sso").is_err());
        assert!(Rates::parse("sso=-1").is_err());
        assert!(Rates::parse("ec2=3").is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn limiter_allows_burst_then_paces() {
        let l = Limiter::new(10.0, 3);
        let start = tokio::time::Instant::now();
        for _ in 0..3 {
            l.acquire().await;
        }
        assert!(
            start.elapsed() < Duration::from_millis(5),
            "burst is immediate"
        );
        for _ in 0..10 {
            l.acquire().await;
        }
        // 10 more at 10/s take about a second.
        let e = start.elapsed();
        assert!(
            e >= Duration::from_millis(900) && e < Duration::from_millis(1200),
            "{e:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_slows_the_limiter_and_successes_bring_it_back() {
        let l = Limiter::new(20.0, 4);
        for _ in 0..3 {
            l.throttled().await;
        }
        let slowed = l.rate().await;
        assert!((slowed - 20.0 / 1.25f64.powi(3)).abs() < 0.01, "{slowed}");
        // Never below a quarter of the configured rate.
        for _ in 0..50 {
            l.throttled().await;
        }
        assert!((l.rate().await - 5.0).abs() < 0.01);
        // While slowed there is no burst: 5 requests take 4 intervals of 200 ms.
        let start = tokio::time::Instant::now();
        for _ in 0..5 {
            l.acquire().await;
        }
        let e = start.elapsed();
        assert!(e >= Duration::from_millis(950), "{e:?}");
        for _ in 0..200 {
            l.succeeded().await;
        }
        assert_eq!(l.rate().await, 20.0, "back to the configured rate");
    }
}
