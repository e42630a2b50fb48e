//! Credentials from `sts:AssumeRole`, cached and re-assumed before they expire
//! (so a long sync survives the session's end).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{self, error::CredentialsError, ProvideCredentials};
use aws_credential_types::Credentials;
use tokio::sync::Mutex;

use super::call::{Gate, Service};
use crate::error::{Error, Result};
use crate::secrets::Sensitive;

/// Re-assume when fewer than this many seconds of the session are left.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

pub struct AssumedRole {
    sts: aws_sdk_sts::Client,
    gate: Gate,
    /// The account whose credentials call AssumeRole (for its rate limit).
    caller_account: String,
    role_arn: Sensitive<String>,
    external_id: Option<Sensitive<String>>,
    /// Who runs Hallpass, as CloudTrail shows it: the session's name, and its source
    /// identity when the role's trust policy allows `sts:SetSourceIdentity`.
    person: Person,
    /// The credentials and the gate's session epoch they were assumed in.
    cache: Mutex<Option<(Credentials, u64)>>,
}

impl std::fmt::Debug for AssumedRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssumedRole").finish_non_exhaustive()
    }
}

/// The person behind a session, in the characters STS takes for `RoleSessionName` and
/// `SourceIdentity` (`[\w+=,.@-]`, 2 to 64 characters; STS API reference, AssumeRole).
#[derive(Debug, Clone)]
pub struct Person {
    pub session_name: String,
    /// Asked for on this session; `None` for sessions that must not carry one.
    pub source_identity: Option<String>,
    /// Set when the role's trust policy refused the source identity and the session was
    /// assumed without it (shared with the session, for the checks to report).
    pub refused: Arc<AtomicBool>,
}

impl Person {
    /// The OS user and host running Hallpass. `with_source_identity`: ask STS to stamp the
    /// session with it (it then persists into every session chained from this one).
    pub fn current(with_source_identity: bool) -> Self {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".into());
        let host = gethostname::gethostname().to_string_lossy().into_owned();
        let who = sanitize(&format!("{user}@{host}"));
        Person {
            session_name: sanitize(&format!("hallpass.{who}")),
            source_identity: with_source_identity.then_some(who),
            refused: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// Only `[A-Za-z0-9_+=,.@-]`, at most 64 characters, at least 2.
pub fn sanitize(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    while out.len() < 2 {
        out.push('-');
    }
    out
}

impl AssumedRole {
    pub fn new(
        sts: aws_sdk_sts::Client,
        gate: Gate,
        caller_account: String,
        role_arn: Sensitive<String>,
        external_id: Option<Sensitive<String>>,
        person: Person,
    ) -> Self {
        Self {
            sts,
            gate,
            caller_account,
            role_arn,
            external_id,
            person,
            cache: Mutex::new(None),
        }
    }

    /// Valid credentials: cached, or freshly assumed.
    pub async fn credentials(&self) -> Result<Credentials> {
        let mut cache = self.cache.lock().await;
        let epoch = self.gate.session_epoch();
        if let Some((c, assumed_in)) = cache.as_ref() {
            let fresh = c
                .expiry()
                .is_none_or(|exp| exp > SystemTime::now() + REFRESH_MARGIN);
            if fresh && *assumed_in == epoch {
                return Ok(c.clone());
            }
        }
        let creds = self.assume().await?;
        *cache = Some((creds.clone(), epoch));
        Ok(creds)
    }

    async fn assume(&self) -> Result<Credentials> {
        let source = self
            .person
            .source_identity
            .clone()
            .filter(|_| !self.person.refused.load(Ordering::SeqCst));
        let out = match self.call(source.clone()).await {
            // A trust policy from before Hallpass set a source identity allows
            // sts:AssumeRole but not sts:SetSourceIdentity: the session is still assumed
            // (named after the person), and the checks say what to add.
            Err(e)
                if source.is_some()
                    && e.aws_kind() == Some(crate::error::AwsErrorKind::AccessDenied) =>
            {
                let out = self.call(None).await.map_err(|_| e)?;
                self.person.refused.store(true, Ordering::SeqCst);
                crate::logs::warn(
                    "the management role's trust policy does not allow sts:SetSourceIdentity: CloudTrail shows \
                     the session name only",
                );
                out
            }
            other => other?,
        };
        let c = out.credentials().ok_or_else(|| Error::Aws {
            kind: crate::error::AwsErrorKind::Service,
            operation: "sts:AssumeRole".into(),
            action: None,
            message: "sts:AssumeRole answered without credentials".into(),
        })?;
        let expiry = SystemTime::try_from(*c.expiration()).ok();
        Ok(Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_owned()),
            expiry,
            "hallpass-assume-role",
        ))
    }
}

impl AssumedRole {
    async fn call(
        &self,
        source_identity: Option<String>,
    ) -> Result<aws_sdk_sts::operation::assume_role::AssumeRoleOutput> {
        self.gate
            .call(Service::Sts, &self.caller_account, "AssumeRole", || {
                self.sts
                    .assume_role()
                    .role_arn(self.role_arn.expose())
                    .role_session_name(&self.person.session_name)
                    .set_source_identity(source_identity.clone())
                    .set_external_id(self.external_id.as_ref().map(|e| e.expose().clone()))
                    .send()
            })
            .await
    }
}

impl ProvideCredentials for AssumedRole {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(async move {
            self.credentials()
                .await
                .map_err(|e| CredentialsError::provider_error(e.to_string()))
        })
    }
}
