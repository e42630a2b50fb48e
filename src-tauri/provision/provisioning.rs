//! Provisioning a permission set to accounts and waiting for AWS to finish it: after a
//! permission set changes, the roles in the accounts hold the new version only once it is
//! provisioned there (CreateAccountAssignment API reference).

use std::time::{Duration, Instant};

use crate::aws::changes::{self as aws_c, Status};
use crate::aws::{Clients, Gate};
use crate::error::{Error, Result};
use crate::store::audit;

/// Where a provisioning request is written down: the audit log's action and target, and
/// what it is about.
pub(crate) struct Audited<'a> {
    pub conn: &'a rusqlite::Connection,
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub about: &'a audit::Subject<'a>,
}

impl Audited<'_> {
    fn step(&self, result: &str, detail: &str) -> Result<()> {
        audit::append_about(
            self.conn,
            self.actor,
            None,
            None,
            self.action,
            self.target,
            self.about,
            None,
            result,
            Some(detail),
        )
    }
}

/// How long to wait for AWS before giving up (the request keeps running in AWS).
const TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Provisions `ps` to `account` (every account it is provisioned to, when none) and polls
/// until AWS reports an end. The audit log gets the request as soon as AWS accepted it and
/// how it ended (`succeeded`, or `failed` with AWS's reason). Returns the request id and
/// how it ended.
pub(crate) async fn provision_and_wait(
    c: &Clients,
    gate: &Gate,
    instance: &str,
    ps: &str,
    ps_name: &str,
    account: Option<&str>,
    log: &Audited<'_>,
) -> Result<(String, Status)> {
    let started = aws_c::reprovision(c, gate, instance, ps, account).await?;
    log.step("submitted", &started.request_id)?;
    let clock = Instant::now();
    let mut wait = Duration::from_millis(200);
    let mut status = started.status;
    while status == Status::InProgress {
        if clock.elapsed() > TIMEOUT {
            return Err(Error::InvalidInput(format!(
                "AWS is still provisioning {ps_name} after {} minutes (request {}); check again later with `hallpass check`",
                TIMEOUT.as_secs() / 60,
                started.request_id
            )));
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 3 / 2).min(Duration::from_secs(3));
        status = aws_c::reprovision_status(c, gate, instance, &started.request_id)
            .await?
            .status;
    }
    match &status {
        Status::Failed(reason) => log.step("failed", reason)?,
        _ => log.step("succeeded", &started.request_id)?,
    }
    Ok((started.request_id, status))
}
