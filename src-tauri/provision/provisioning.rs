//! Provisioning a permission set to accounts and waiting for AWS to finish it: after a
//! permission set changes, the roles in the accounts hold the new version only once it is
//! provisioned there (CreateAccountAssignment API reference).

use std::time::{Duration, Instant};

use crate::aws::changes::{self as aws_c, Status};
use crate::aws::{Clients, Gate};
use crate::error::{Error, Result};

/// How long to wait for AWS before giving up (the request keeps running in AWS).
const TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Provisions `ps` to `account` (every account it is provisioned to, when none) and polls
/// until AWS reports an end; `submitted` hears the request id as soon as AWS accepted it.
/// Returns the request id and how it ended.
pub async fn provision_and_wait(
    c: &Clients,
    gate: &Gate,
    instance: &str,
    ps: &str,
    ps_name: &str,
    account: Option<&str>,
    submitted: impl FnOnce(&str) -> Result<()>,
) -> Result<(String, Status)> {
    let started = aws_c::reprovision(c, gate, instance, ps, account).await?;
    submitted(&started.request_id)?;
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
    Ok((started.request_id, status))
}
