//! Every AWS call goes through the `Gate`: rate limit, count, classify, retry throttling.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};

use super::classify::classify;
use super::limiter::{Limiter, Rates};
use crate::error::{AwsErrorKind, Error, Result};

/// How many times a throttled call, or one AWS could not complete (an internal error),
/// is retried (with backoff) before the sync fails.
const THROTTLE_RETRIES: u32 = 12;
/// How many times a call that hit a network error is retried.
const NETWORK_RETRIES: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    Sts,
    Organizations,
    SsoAdmin,
    IdentityStore,
    Scheduler,
}

impl Service {
    /// The IAM action prefix, which is also how operations are named in counters.
    pub fn prefix(self) -> &'static str {
        match self {
            Service::Sts => "sts",
            Service::Organizations => "organizations",
            Service::SsoAdmin => "sso",
            Service::IdentityStore => "identitystore",
            Service::Scheduler => "scheduler",
        }
    }
}

#[derive(Clone)]
pub struct Gate {
    inner: Arc<GateInner>,
}

struct GateInner {
    rates: Rates,
    limiters: Mutex<HashMap<(String, Service), Arc<Limiter>>>,
    calls: Mutex<BTreeMap<String, u64>>,
    /// Strings that must never appear in an error message (role ARN, External ID).
    secrets: Vec<String>,
    /// Bumped when AWS says an assumed-role session expired: every assumed-role provider (`creds.rs`)
    /// of this gate then assumes its role again before its next call.
    session_epoch: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate")
            .field("rates", &self.inner.rates)
            .finish_non_exhaustive()
    }
}

impl Gate {
    pub fn new(rates: Rates, secrets: Vec<String>) -> Self {
        crate::logs::keep_out(&secrets);
        Self {
            inner: Arc::new(GateInner {
                rates,
                limiters: Mutex::new(HashMap::new()),
                calls: Mutex::new(BTreeMap::new()),
                secrets: secrets.into_iter().filter(|s| !s.is_empty()).collect(),
                session_epoch: std::sync::atomic::AtomicU64::new(0),
            }),
        }
    }

    /// Calls made so far, per `service:Operation`.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.inner
            .calls
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default()
    }

    /// The configured requests per second for a service.
    pub fn rate(&self, service: Service) -> f64 {
        let r = &self.inner.rates;
        match service {
            Service::SsoAdmin => r.sso,
            Service::IdentityStore => r.identitystore,
            Service::Organizations => r.organizations,
            Service::Sts => r.sts,
            Service::Scheduler => r.scheduler,
        }
    }

    fn limiter(&self, account: &str, service: Service) -> Arc<Limiter> {
        let mut map = match self.inner.limiters.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.entry((account.to_owned(), service))
            .or_insert_with(|| {
                let burst = if service == Service::Organizations {
                    1
                } else {
                    4
                };
                Arc::new(Limiter::new(self.rate(service), burst))
            })
            .clone()
    }

    fn count(&self, key: &str) {
        if let Ok(mut calls) = self.inner.calls.lock() {
            *calls.entry(key.to_owned()).or_default() += 1;
        }
    }

    /// Which generation of assumed-role sessions is current (see [`Gate::call`]).
    pub fn session_epoch(&self) -> u64 {
        self.inner
            .session_epoch
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Removes the role ARN and External ID from text bound for a message.
    pub fn scrub(&self, text: &str) -> String {
        crate::logs::scrub_with(text, &self.inner.secrets)
    }

    /// Runs one AWS operation under the account's rate limit for `service`,
    /// retrying throttling with backoff, and classifies a final error.
    pub async fn call<T, E, F, Fut>(
        &self,
        service: Service,
        account: &str,
        operation: &str,
        f: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = std::result::Result<T, SdkError<E>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        self.send(service, account, operation, f, true).await
    }

    /// [`Gate::call`] for a change whose every sending must be accounted for: sent again
    /// only when AWS refused it (throttled, or the session had expired), never after an
    /// answer that was lost or an internal error, where it may have been applied. The
    /// caller looks in AWS before sending it again.
    pub async fn change<T, E, F, Fut>(
        &self,
        service: Service,
        account: &str,
        operation: &str,
        f: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = std::result::Result<T, SdkError<E>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        self.send(service, account, operation, f, false).await
    }

    async fn send<T, E, F, Fut>(
        &self,
        service: Service,
        account: &str,
        operation: &str,
        mut f: F,
        retry_unknown: bool,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = std::result::Result<T, SdkError<E>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let key = format!("{}:{operation}", service.prefix());
        let limiter = self.limiter(account, service);
        let mut attempt = 0u32;
        let mut renewed = false;
        loop {
            limiter.acquire().await;
            self.count(&key);
            let epoch = self.session_epoch();
            let err = match f().await {
                Ok(v) => {
                    limiter.succeeded().await;
                    return Ok(v);
                }
                Err(e) => classify(&key, e),
            };
            if err.session_expired && !renewed {
                // The session ended early (revoked, or the clock was off): assume the
                // role again once and resend. Concurrent calls renew it only once.
                let _ = self.inner.session_epoch.compare_exchange(
                    epoch,
                    epoch + 1,
                    std::sync::atomic::Ordering::SeqCst,
                    std::sync::atomic::Ordering::SeqCst,
                );
                renewed = true;
                continue;
            }
            if err.kind == AwsErrorKind::Throttled {
                limiter.throttled().await;
            }
            let retries = match err.kind {
                AwsErrorKind::Throttled => THROTTLE_RETRIES,
                _ if !retry_unknown => 0,
                AwsErrorKind::Unavailable => THROTTLE_RETRIES,
                AwsErrorKind::Network if err.cut_short => THROTTLE_RETRIES,
                AwsErrorKind::Network => NETWORK_RETRIES,
                _ => 0,
            };
            if attempt < retries {
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
                continue;
            }
            let mut message = self.scrub(&err.message);
            if attempt > 0 {
                message = format!("{message} (gave up after {} attempts)", attempt + 1);
            }
            if err.session_expired {
                message = format!(
                    "{message}. The session expired and assuming the role again did not help: \
                     check that the base credentials are still valid (`aws sso login` for an SSO profile); \
                     the next sync assumes the role again."
                );
            }
            return Err(Error::Aws {
                kind: err.kind,
                operation: key,
                action: err.action,
                message,
            });
        }
    }
}

fn backoff(attempt: u32) -> Duration {
    let base = 100u64.saturating_mul(1 << attempt.min(6)).min(5_000);
    let jitter = rand::random::<u64>() % (base / 2 + 1);
    Duration::from_millis(base / 2 + jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_secrets_from_messages() {
        let g = Gate::new(
            Rates::default(),
            vec!["arn:aws:iam::1:role/R".into(), "ext-id".into()],
        );
        assert_eq!(
            g.scrub("denied on arn:aws:iam::1:role/R with ext-id"),
            "denied on <redacted> with <redacted>"
        );
    }
}
