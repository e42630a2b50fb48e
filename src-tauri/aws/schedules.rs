//! EventBridge Scheduler: the one-time schedules that end time-bound access in AWS itself,
//! so an expiry happens even when no Hallpass is running.
//!
//! Each schedule lives in Hallpass's own group in the Identity Center region of the
//! management account, fires once at an `at()` time (EventBridge Scheduler user guide,
//! "Schedule types": one-time schedules, 60-second precision) and calls the revoking API
//! directly as a universal target (`arn:PARTITION:scheduler:::aws-sdk:ssoadmin:
//! deleteAccountAssignment`, "Using universal targets") with the execution role the admin
//! created (`EXECUTION_ROLE`). A schedule is kept after it ran (ActionAfterCompletion
//! NONE) so that the next sync can tell it fired; Hallpass deletes it then.

use aws_sdk_scheduler::types::{
    ActionAfterCompletion, FlexibleTimeWindow, FlexibleTimeWindowMode, RetryPolicy, ScheduleState,
    Target,
};

use super::call::Service;
use super::{paginate, Clients, Gate};
use crate::error::{AwsErrorKind, Error, Result};

/// Hallpass's schedule group.
pub const GROUP: &str = "hallpass";
/// The execution role's name in the management account.
pub const EXECUTION_ROLE: &str = "HallpassExpiry";
/// AWS's message when the execution role cannot be assumed by the scheduler.
const ROLE_REFUSED: &str = "must allow AWS EventBridge Scheduler to assume the role";

/// What one schedule does when it fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// `ssoadmin:deleteAccountAssignment` or `identitystore:deleteGroupMembership`.
    pub api: &'static str,
    /// The API's request parameters, as JSON.
    pub input: String,
}

/// The execution role's ARN in the management account.
pub fn execution_role_arn(partition: &str, management_account: &str) -> String {
    format!("arn:{partition}:iam::{management_account}:role/{EXECUTION_ROLE}")
}

/// `at(yyyy-mm-ddThh:mm:ss)` in UTC for an RFC 3339 time.
pub fn at_expression(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "at({:04}-{:02}-{:02}T{:02}:{:02}:{:02})",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Makes Hallpass's schedule group unless it exists.
pub async fn ensure_group(c: &Clients, gate: &Gate) -> Result<()> {
    let found = gate
        .call(
            Service::Scheduler,
            &c.account_id,
            "GetScheduleGroup",
            || c.scheduler.get_schedule_group().name(GROUP).send(),
        )
        .await;
    match found {
        Ok(_) => Ok(()),
        Err(e) if e.aws_kind() == Some(AwsErrorKind::NotFound) => {
            match gate
                .call(
                    Service::Scheduler,
                    &c.account_id,
                    "CreateScheduleGroup",
                    || c.scheduler.create_schedule_group().name(GROUP).send(),
                )
                .await
            {
                Ok(_) => Ok(()),
                // Made by another Hallpass in the meantime.
                Err(e) if e.aws_kind() == Some(AwsErrorKind::Conflict) => Ok(()),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

/// Writes schedule `name` to fire at `at`: created, or updated when it exists.
pub async fn put(
    c: &Clients,
    gate: &Gate,
    partition: &str,
    name: &str,
    at: time::OffsetDateTime,
    what: &Revocation,
    description: &str,
) -> Result<()> {
    let target = Target::builder()
        .arn(format!("arn:{partition}:scheduler:::aws-sdk:{}", what.api))
        .role_arn(execution_role_arn(partition, &c.account_id))
        .input(&what.input)
        // AWS's most patient retry: a revocation that meets throttling or a busy account
        // is tried again for up to a day (RetryPolicy: at most 185 attempts, 86,400 s).
        .retry_policy(
            RetryPolicy::builder()
                .maximum_retry_attempts(185)
                .maximum_event_age_in_seconds(86_400)
                .build(),
        )
        .build()
        .map_err(|e| Error::Internal(format!("a schedule target: {e}")))?;
    let window = FlexibleTimeWindow::builder()
        .mode(FlexibleTimeWindowMode::Off)
        .build()
        .map_err(|e| Error::Internal(format!("a schedule window: {e}")))?;
    let expression = at_expression(at);
    let created = gate
        .call(Service::Scheduler, &c.account_id, "CreateSchedule", || {
            c.scheduler
                .create_schedule()
                .name(name)
                .group_name(GROUP)
                .schedule_expression(&expression)
                .schedule_expression_timezone("UTC")
                .flexible_time_window(window.clone())
                .target(target.clone())
                .action_after_completion(ActionAfterCompletion::None)
                .state(ScheduleState::Enabled)
                .description(description)
                .send()
        })
        .await;
    let result = match created {
        Err(e) if e.aws_kind() == Some(AwsErrorKind::Conflict) => gate
            .call(Service::Scheduler, &c.account_id, "UpdateSchedule", || {
                c.scheduler
                    .update_schedule()
                    .name(name)
                    .group_name(GROUP)
                    .schedule_expression(&expression)
                    .schedule_expression_timezone("UTC")
                    .flexible_time_window(window.clone())
                    .target(target.clone())
                    .action_after_completion(ActionAfterCompletion::None)
                    .state(ScheduleState::Enabled)
                    .description(description)
                    .send()
            })
            .await
            .map(|_| ()),
        other => other.map(|_| ()),
    };
    result.map_err(|e| explain_role(e, partition, &c.account_id))
}

/// A refused execution role, said with the fix.
fn explain_role(e: Error, partition: &str, account: &str) -> Error {
    match e {
        Error::Aws {
            kind,
            operation,
            action,
            message,
        } if message.contains(ROLE_REFUSED) => Error::Aws {
            kind,
            operation,
            action,
            message: format!(
                "AWS EventBridge Scheduler cannot use the expiry role {}: create it in the management account \
                 with the trust and permissions policies `hallpass policies --expiry` prints. Until then expiries \
                 happen only while Hallpass runs. (AWS said: {message})",
                execution_role_arn(partition, account)
            ),
        },
        other => other,
    }
}

/// Deletes schedule `name`; one already gone is fine.
pub async fn delete(c: &Clients, gate: &Gate, name: &str) -> Result<()> {
    match gate
        .call(Service::Scheduler, &c.account_id, "DeleteSchedule", || {
            c.scheduler
                .delete_schedule()
                .name(name)
                .group_name(GROUP)
                .send()
        })
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if e.aws_kind() == Some(AwsErrorKind::NotFound) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The names of every schedule in Hallpass's group (none when the group does not exist).
pub async fn list(c: &Clients, gate: &Gate) -> Result<Vec<String>> {
    let listed = paginate(|token| async move {
        let out = gate
            .call(Service::Scheduler, &c.account_id, "ListSchedules", || {
                c.scheduler
                    .list_schedules()
                    .group_name(GROUP)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        let names = out
            .schedules()
            .iter()
            .filter_map(|s| s.name().map(str::to_owned))
            .collect();
        Ok((names, out.next_token().map(str::to_owned)))
    })
    .await;
    match listed {
        Err(e) if e.aws_kind() == Some(AwsErrorKind::NotFound) => Ok(vec![]),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_at_expression_is_utc_to_the_second() {
        let t = time::macros::datetime!(2026-12-01 17:05:09 +01:00);
        assert_eq!(at_expression(t), "at(2026-12-01T16:05:09)");
        assert_eq!(
            execution_role_arn("aws-us-gov", "111111111111"),
            "arn:aws-us-gov:iam::111111111111:role/HallpassExpiry"
        );
    }
}
