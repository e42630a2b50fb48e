//! Base credentials from the standard chain, the management role, member roles.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;

use super::arn::parse_role_arn;
use super::call::{Gate, Service};
use super::creds::{AssumedRole, Person};
use super::limiter::Rates;
use crate::error::{AwsErrorKind, Error, Result};
use crate::secrets::{Credentials, Sensitive};

/// The role AWS Organizations creates in every account it creates.
pub const MEMBER_ROLE: &str = "OrganizationAccountAccessRole";

/// What a connection needs.
#[derive(Debug, Clone)]
pub struct ConnectParams {
    /// The Identity Center home region.
    pub region: String,
    /// An AWS CLI profile; `None` uses the default chain (env, default profile, SSO, ...).
    pub profile: Option<String>,
    pub credentials: Credentials,
    pub rates: Rates,
    /// What this connection may do; changes are refused in read-only.
    pub access: crate::model::AccessLevel,
}

/// Who the base credentials are.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
}

/// The clients for one account's session. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Clients {
    pub account_id: String,
    pub sts: aws_sdk_sts::Client,
    pub orgs: aws_sdk_organizations::Client,
    pub sso: aws_sdk_ssoadmin::Client,
    pub ids: aws_sdk_identitystore::Client,
    /// EventBridge Scheduler, in the Identity Center region (expiry schedules).
    pub scheduler: aws_sdk_scheduler::Client,
}

/// A connection: the management role assumed, clients built once.
#[derive(Debug, Clone)]
pub struct Session {
    pub gate: Gate,
    pub region: String,
    pub partition: String,
    pub caller: CallerIdentity,
    pub management: Clients,
    /// The connection's access level: the executor refuses to change anything in read-only.
    pub access: crate::model::AccessLevel,
    /// The management-role session's name (the person running Hallpass).
    pub session_name: String,
    /// Its source identity; `None` when the role's trust policy does not allow
    /// `sts:SetSourceIdentity` (a check reports it).
    pub source_identity: Option<String>,
    /// STS from a management session without a source identity, to enter member accounts.
    member_hop: aws_sdk_sts::Client,
    base: SdkConfig,
    management_config: SdkConfig,
}

/// Loads the standard AWS configuration (env, profiles, `aws sso login` sessions).
/// The endpoint can be overridden by the SDK's standard `AWS_ENDPOINT_URL`.
async fn base_config(region: &str, profile: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        // The Gate retries (and counts, and paces) every attempt; SDK retries would
        // go around the rate limiter and the call counts.
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(30))
                .build(),
        );
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    loader.load().await
}

fn org_region(partition: &str) -> &'static str {
    match partition {
        "aws-us-gov" => "us-gov-west-1",
        "aws-cn" => "cn-northwest-1",
        _ => "us-east-1",
    }
}

fn clients(config: &SdkConfig, account_id: &str, partition: &str) -> Clients {
    let orgs_conf = aws_sdk_organizations::config::Builder::from(config)
        .region(Region::new(org_region(partition)))
        .build();
    Clients {
        account_id: account_id.to_owned(),
        sts: aws_sdk_sts::Client::new(config),
        orgs: aws_sdk_organizations::Client::from_conf(orgs_conf),
        sso: aws_sdk_ssoadmin::Client::new(config),
        ids: aws_sdk_identitystore::Client::new(config),
        scheduler: aws_sdk_scheduler::Client::new(config),
    }
}

/// Who the base credentials (the ones that assume the management role) belong to, in
/// `region`: `sts:GetCallerIdentity`, with a fix when they are missing or expired.
pub async fn base_caller(
    region: &str,
    profile: Option<&str>,
    gate: &Gate,
) -> Result<CallerIdentity> {
    caller_identity(&base_config(region, profile).await, gate, profile).await
}

/// `sts:GetCallerIdentity` on the base credentials, with a fix when they are missing or expired.
async fn caller_identity(
    base: &SdkConfig,
    gate: &Gate,
    profile: Option<&str>,
) -> Result<CallerIdentity> {
    let sts = aws_sdk_sts::Client::new(base);
    let out = gate
        .call(Service::Sts, "base", "GetCallerIdentity", || {
            sts.get_caller_identity().send()
        })
        .await
        .map_err(|e| explain_base_credentials(e, profile))?;
    Ok(CallerIdentity {
        account: out.account().unwrap_or_default().to_owned(),
        arn: out.arn().unwrap_or_default().to_owned(),
    })
}

fn explain_base_credentials(e: Error, profile: Option<&str>) -> Error {
    match e {
        Error::Aws {
            kind: AwsErrorKind::Credentials,
            operation,
            action,
            message,
        } => {
            let login = match profile {
                Some(p) => format!("aws sso login --profile {p}"),
                None => "aws sso login --profile NAME".to_owned(),
            };
            Error::Aws {
                kind: AwsErrorKind::Credentials,
                operation,
                action,
                message: format!(
                    "no valid AWS credentials{}: {message}. If you sign in through IAM Identity Center, run `{login}`; \
                     otherwise choose a profile with --profile (or AWS_PROFILE) or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.",
                    profile.map(|p| format!(" for profile {p:?}")).unwrap_or_default()
                ),
            }
        }
        other => other,
    }
}

/// Connects: base credentials, then the management role with the External ID.
pub async fn connect(params: &ConnectParams) -> Result<Session> {
    let role = parse_role_arn(params.credentials.role_arn.expose())?;
    // The role ARN, the External ID, and the session ARN that names the role
    // (`arn:aws:sts::ACCOUNT:assumed-role/NAME/...`) never reach a message.
    let gate = Gate::new(
        params.rates,
        vec![
            params.credentials.role_arn.expose().clone(),
            params.credentials.external_id.expose().clone(),
            format!(
                "arn:{}:sts::{}:assumed-role/{}",
                role.partition, role.account_id, role.name
            ),
        ],
    );
    let base = base_config(&params.region, params.profile.as_deref()).await;
    let caller = caller_identity(&base, &gate, params.profile.as_deref()).await?;
    crate::caller::set(&caller.arn);
    // The session is named after the person and carries their source identity, so that
    // CloudTrail in the organization shows who acted through Hallpass.
    let person = Person::current(true);
    let refused = person.refused.clone();
    let provider = AssumedRole::new(
        aws_sdk_sts::Client::new(&base),
        gate.clone(),
        caller.account.clone(),
        params.credentials.role_arn.clone(),
        Some(params.credentials.external_id.clone()),
        person.clone(),
    );
    provider.credentials().await.map_err(|e| match e {
        Error::Aws { kind: AwsErrorKind::AccessDenied, operation, action, message } => Error::Aws {
            kind: AwsErrorKind::AccessDenied,
            operation,
            action,
            message: format!(
                "could not assume the management role: {message}. Check that the External ID matches the trust \
                 policy's sts:ExternalId exactly (no spaces around it), that the trust policy allows your principal \
                 ({}) to call sts:AssumeRole, and that the ARN names the role in the management account.",
                caller.arn
            ),
        },
        other => other,
    })?;
    let config = base
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        // The provider caches the session itself and renews it when AWS says it
        // expired; an SDK cache in front would keep handing out the dead one.
        .identity_cache(aws_config::identity::IdentityCache::no_cache())
        .build();
    let management = clients(&config, &role.account_id, &role.partition);
    // Member accounts are entered from a second management-role session without a source
    // identity: a source identity persists into chained sessions, and the member role's
    // trust policy (OrganizationAccountAccessRole, as AWS Organizations creates it) does
    // not allow sts:SetSourceIdentity. Assumed only when a member account is entered.
    let hop = AssumedRole::new(
        aws_sdk_sts::Client::new(&base),
        gate.clone(),
        caller.account.clone(),
        params.credentials.role_arn.clone(),
        Some(params.credentials.external_id.clone()),
        Person::current(false),
    );
    let hop_config = base
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(hop))
        .identity_cache(aws_config::identity::IdentityCache::no_cache())
        .build();
    let source_identity = person
        .source_identity
        .filter(|_| !refused.load(std::sync::atomic::Ordering::SeqCst));
    Ok(Session {
        gate,
        region: params.region.clone(),
        partition: role.partition,
        caller,
        management,
        access: params.access,
        session_name: person.session_name,
        source_identity,
        member_hop: aws_sdk_sts::Client::new(&hop_config),
        base,
        management_config: config,
    })
}

impl Session {
    /// Other regions where the management role sees an Identity Center instance.
    pub async fn other_instance_regions(&self) -> Vec<String> {
        super::regions::regions_with_instance(
            &self.management_config,
            &self.gate,
            &self.management.account_id,
            &self.partition,
            Some(&self.region),
        )
        .await
    }

    /// Enters a member account through `OrganizationAccountAccessRole`, from the management session.
    pub async fn enter_member(&self, account_id: &str) -> Result<Clients> {
        let arn = format!(
            "arn:{}:iam::{account_id}:role/{MEMBER_ROLE}",
            self.partition
        );
        let provider = AssumedRole::new(
            self.member_hop.clone(),
            self.gate.clone(),
            self.management.account_id.clone(),
            Sensitive::new(arn),
            None,
            super::creds::Person::current(false),
        );
        provider.credentials().await?;
        let config = self
            .base
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            // The provider caches the session itself and renews it when AWS says it
            // expired; an SDK cache in front would keep handing out the dead one.
            .identity_cache(aws_config::identity::IdentityCache::no_cache())
            .build();
        Ok(clients(&config, account_id, &self.partition))
    }
}

/// Who the base credentials are, and a configuration in their partition. Asks STS in the
/// region the AWS configuration names, then in one region of each partition: GovCloud and
/// China credentials are invalid in the commercial partition and the other way round.
pub async fn base_identity(
    profile: Option<&str>,
    gate: &Gate,
) -> Result<(SdkConfig, CallerIdentity)> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    let configured = loader.load().await.region().map(|r| r.to_string());
    let mut first_error = None;
    for region in super::regions::identity_probe_regions(configured.as_deref()) {
        let base = base_config(&region, profile).await;
        match caller_identity(&base, gate, profile).await {
            Ok(caller) => return Ok((base, caller)),
            // Unknown credentials here may be valid in another partition.
            Err(e) if e.aws_kind() == Some(AwsErrorKind::Credentials) => {
                first_error.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    Err(first_error.unwrap_or_else(|| {
        Error::NotConnected("could not tell who the base credentials are".into())
    }))
}

/// Finds the Identity Center region with the base credentials alone (the setup wizard's
/// "detect"), among the regions of the credentials' partition.
pub async fn detect_region(
    profile: Option<&str>,
    rates: Rates,
) -> Result<(CallerIdentity, Vec<String>)> {
    let gate = Gate::new(rates, vec![]);
    let (base, caller) = base_identity(profile, &gate).await?;
    let partition = caller.arn.split(':').nth(1).unwrap_or("aws").to_owned();
    let regions =
        super::regions::regions_with_instance(&base, &gate, &caller.account, &partition, None)
            .await;
    Ok((caller, regions))
}
