//! Client-side rate limits per account and service (a GCRA token bucket).
//!
//! AWS's limits are per account and shared with every other tool the admin
//! runs, so the defaults stay a little below them; SDK retries are only the
//! safety net.

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
}

impl Default for Rates {
    fn default() -> Self {
        // Identity Center admin and Identity Store allow 20/s; Organizations about 1/s.
        Self {
            sso: 18.0,
            identitystore: 18.0,
            organizations: 1.0,
            sts: 10.0,
        }
    }
}

impl Rates {
    /// Parses `sso=18,identitystore=18,organizations=1,sts=10` (any subset; the rest stay default).
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
                other => {
                    return Err(Error::InvalidInput(format!(
                        "unknown service {other:?} in rates; use sso, identitystore, organizations or sts"
                    )))
                }
            }
        }
        Ok(rates)
    }
}

#[derive(Debug)]
pub struct Limiter {
    interval: Duration,
    burst: u32,
    tat: Mutex<Option<Instant>>,
}

impl Limiter {
    pub fn new(per_second: f64, burst: u32) -> Self {
        Self {
            interval: Duration::from_secs_f64(1.0 / per_second.max(0.001)),
            burst: burst.max(1),
            tat: Mutex::new(None),
        }
    }

    /// Waits until one more request may be sent.
    pub async fn acquire(&self) {
        let wait = {
            let mut tat = self.tat.lock().await;
            let now = Instant::now();
            let t = tat.map_or(now, |t| t.max(now));
            let slack = self.interval * (self.burst - 1);
            let allowed_at = t.checked_sub(slack).unwrap_or(now);
            *tat = Some(t + self.interval);
            allowed_at.saturating_duration_since(now)
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
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
}
