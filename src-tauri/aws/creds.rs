//! Credentials from `sts:AssumeRole`, cached and re-assumed before they expire
//! (so a long sync survives the session's end).

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
    /// The credentials and the gate's session epoch they were assumed in.
    cache: Mutex<Option<(Credentials, u64)>>,
}

impl std::fmt::Debug for AssumedRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssumedRole").finish_non_exhaustive()
    }
}

impl AssumedRole {
    pub fn new(
        sts: aws_sdk_sts::Client,
        gate: Gate,
        caller_account: String,
        role_arn: Sensitive<String>,
        external_id: Option<Sensitive<String>>,
    ) -> Self {
        Self {
            sts,
            gate,
            caller_account,
            role_arn,
            external_id,
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
        let out = self
            .gate
            .call(Service::Sts, &self.caller_account, "AssumeRole", || {
                self.sts
                    .assume_role()
                    .role_arn(self.role_arn.expose())
                    .role_session_name("hallpass")
                    .set_external_id(self.external_id.as_ref().map(|e| e.expose().clone()))
                    .send()
            })
            .await?;
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
