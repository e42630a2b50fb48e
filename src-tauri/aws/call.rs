//! Every AWS call goes through the `Gate`: rate limit, count, classify, retry throttling.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};

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
}

impl Service {
    /// The IAM action prefix, which is also how operations are named in counters.
    pub fn prefix(self) -> &'static str {
        match self {
            Service::Sts => "sts",
            Service::Organizations => "organizations",
            Service::SsoAdmin => "sso",
            Service::IdentityStore => "identitystore",
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
    /// Bumped when AWS says an assumed-role session expired: every [`super::creds::AssumedRole`]
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
        mut f: F,
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
                AwsErrorKind::Throttled | AwsErrorKind::Unavailable => THROTTLE_RETRIES,
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

pub(crate) struct Classified {
    pub kind: AwsErrorKind,
    pub action: Option<String>,
    pub message: String,
    /// AWS said the (assumed-role) session's token has expired.
    pub session_expired: bool,
    /// The answer started but came cut short: the endpoint was reached, so the call is
    /// retried under the full budget (a network that is down fails at connecting).
    pub cut_short: bool,
}

/// Turns an SDK error into what the checks need: a kind, the denied action, a message.
pub(crate) fn classify<E>(operation: &str, err: SdkError<E>) -> Classified
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(se) => {
            let code = se.err().code().unwrap_or("Unknown");
            let text = se.err().message().unwrap_or("").to_owned();
            let mut kind = kind_for_code(code);
            if kind == AwsErrorKind::Service && se.raw().status().is_server_error() {
                // Any 5xx is AWS's own failure, whatever its code: worth another try.
                kind = AwsErrorKind::Unavailable;
            }
            let action = (kind == AwsErrorKind::AccessDenied)
                .then(|| denied_action(&text))
                .flatten();
            Classified {
                kind,
                action,
                message: format!("{operation} failed: {code}: {text}"),
                session_expired: matches!(code, "ExpiredToken" | "ExpiredTokenException"),
                cut_short: false,
            }
        }
        SdkError::TimeoutError(_) => Classified {
            kind: AwsErrorKind::Network,
            action: None,
            message: format!("{operation} timed out: the AWS endpoint did not answer"),
            session_expired: false,
            cut_short: false,
        },
        SdkError::DispatchFailure(d) => {
            let detail = chain(&err);
            let kind = if has_credentials_error(&err) {
                AwsErrorKind::Credentials
            } else if !d.is_user() {
                // I/O, timeouts, and "other" (a connection closed before the answer
                // came: the network dropped). A user error is a bad endpoint setting.
                AwsErrorKind::Network
            } else {
                AwsErrorKind::Service
            };
            let message = match kind {
                AwsErrorKind::Network => format!(
                    "{operation} could not reach AWS: {detail}. Check the network connection (and any proxy or AWS_ENDPOINT_URL setting)."
                ),
                _ => format!("{operation} failed: {detail}"),
            };
            Classified {
                kind,
                action: None,
                message,
                session_expired: false,
                cut_short: false,
            }
        }
        SdkError::ResponseError(_) if !has_credentials_error(&err) => {
            // The answer could not be read whole: the connection dropped mid-body ("end of
            // file before message length reached") or the body came cut short.
            let detail = chain(&err);
            Classified {
                kind: AwsErrorKind::Network,
                action: None,
                message: format!(
                    "{operation} could not reach AWS: the answer was cut short ({detail}). Check the network connection (and any proxy or AWS_ENDPOINT_URL setting)."
                ),
                session_expired: false,
                cut_short: true,
            }
        }
        _ => {
            let detail = chain(&err);
            let kind = if has_credentials_error(&err) {
                AwsErrorKind::Credentials
            } else {
                AwsErrorKind::Service
            };
            Classified {
                kind,
                action: None,
                message: format!("{operation} failed: {detail}"),
                session_expired: false,
                cut_short: false,
            }
        }
    }
}

pub(crate) fn kind_for_code(code: &str) -> AwsErrorKind {
    match code {
        "ThrottlingException"
        | "Throttling"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "SlowDown"
        | "RequestThrottled" => AwsErrorKind::Throttled,
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "AuthorizationError" => AwsErrorKind::AccessDenied,
        "ResourceNotFoundException"
        | "NoSuchEntity"
        | "NotFoundException"
        | "AccountNotFoundException" => AwsErrorKind::NotFound,
        "ConflictException" | "ResourceInUseException" => AwsErrorKind::Conflict,
        // Source: the service models' fault shapes (sso-admin and identitystore
        // InternalServerException, Organizations ServiceException, STS InternalFailure).
        "InternalServerException"
        | "InternalFailure"
        | "InternalServerError"
        | "InternalError"
        | "ServiceException"
        | "ServiceUnavailable"
        | "ServiceUnavailableException" => AwsErrorKind::Unavailable,
        "ServiceQuotaExceededException" => AwsErrorKind::QuotaExceeded,
        "ExpiredToken"
        | "ExpiredTokenException"
        | "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "SignatureDoesNotMatch"
        | "IncompleteSignature" => AwsErrorKind::Credentials,
        _ => AwsErrorKind::Service,
    }
}

/// `...is not authorized to perform: sso:ListInstances on resource...` → `sso:ListInstances`.
pub(crate) fn denied_action(message: &str) -> Option<String> {
    let rest = message.split("perform: ").nth(1)?;
    let action: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == ':' || *c == '-' || *c == '*')
        .collect();
    action.contains(':').then_some(action)
}

fn chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

fn has_credentials_error(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(s) = source {
        if s.downcast_ref::<CredentialsError>().is_some() {
            return true;
        }
        source = s.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_denied_action() {
        let m = "User: arn:aws:sts::1:assumed-role/R/s is not authorized to perform: sso:DeleteAccountAssignment on resource: x";
        assert_eq!(
            denied_action(m).as_deref(),
            Some("sso:DeleteAccountAssignment")
        );
        assert_eq!(denied_action("Access denied"), None);
    }

    #[test]
    fn classifies_codes() {
        assert_eq!(
            kind_for_code("TooManyRequestsException"),
            AwsErrorKind::Throttled
        );
        assert_eq!(kind_for_code("AccessDenied"), AwsErrorKind::AccessDenied);
        assert_eq!(kind_for_code("ExpiredToken"), AwsErrorKind::Credentials);
        assert_eq!(kind_for_code("ConflictException"), AwsErrorKind::Conflict);
        assert_eq!(kind_for_code("ValidationException"), AwsErrorKind::Service);
        assert_eq!(
            kind_for_code("InternalServerException"),
            AwsErrorKind::Unavailable
        );
        assert_eq!(kind_for_code("ServiceException"), AwsErrorKind::Unavailable);
        assert_eq!(
            kind_for_code("ServiceQuotaExceededException"),
            AwsErrorKind::QuotaExceeded
        );
    }

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
