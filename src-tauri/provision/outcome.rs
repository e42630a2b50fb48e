//! What one event means for its operation: record it, and say what comes next.

use rusqlite::Connection;

use super::op::{OpKind, OpState, Operation};
use super::report::ExecReport;
use super::send::{denied, target_of, Event};
use crate::aws::changes::{self as aws_c, Status};
use crate::aws::{Clients, Session};
use crate::error::{AwsErrorKind, Error, ErrorCode, Result};
use crate::store::operations;

/// A conflicting or throttled change is sent at most this many times in one run.
const MAX_ATTEMPTS: i64 = 10;

/// The IAM action a failure reason says was denied (`… is not authorized to perform: iam:CreateRole …`).
pub(super) fn iam_denied(reason: &str) -> Option<String> {
    crate::aws::denied_action(reason).filter(|a| a.starts_with("iam:"))
}

pub(super) fn management_denied_message(action: &str, reason: &str) -> String {
    format!(
        "AWS denied {action}: in the management account IAM Identity Center creates and deletes its \
         AWSReservedSSO_* roles and AWSSSO_* SAML provider with the management role's own IAM permissions. Add \
         the iam: statements of the permissions policy `hallpass policies` prints (on \
         role/aws-reserved/sso.amazonaws.com/* and saml-provider/AWSSSO_*) to the role, then retry with \
         `hallpass ops retry` or the Retry button. (AWS said: {reason})"
    )
}

/// AWS's failure reason for a change whose user or group is not in the directory.
fn principal_gone(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    r.contains("not found in directory") || r.contains("was not found in the directory")
}

fn principal_gone_message(op: &Operation, reason: &str) -> String {
    let (kind, id) = op
        .spec
        .principal()
        .map(|p| (p.0.as_str().to_lowercase(), p.1.unwrap_or("?")))
        .unwrap_or_else(|| ("principal".into(), "?"));
    format!(
        "AWS will not remove this assignment: its {} {} no longer exists in the directory (AWS said: {reason}). \
         It grants nobody access, since no one can sign in as a deleted principal. Hallpass will not send it \
         again; AWS Support can remove it if it must go.",
        kind,
        id,
    )
}

pub(super) enum Next {
    /// AWS is working on it: watch it (see `sweep`).
    Watch(String),
    Retry(i64),
    Done,
    /// Not finished and not retried in this run (unknown outcome); the next run resumes it.
    Left,
}

pub(super) async fn handle(
    conn: &mut Connection,
    session: &Session,
    c: &Clients,
    op: &Operation,
    event: Event,
    report: &mut ExecReport,
) -> Result<Next> {
    let attempts = operations::get(conn, op.id)?.attempts;
    let mut done = |conn: &mut Connection,
                    state: OpState,
                    result: Option<&str>,
                    err: Option<(&str, ErrorCode)>| {
        match state {
            OpState::Succeeded => report.succeeded += 1,
            OpState::Failed => report.failed += 1,
            OpState::Blocked => report.blocked += 1,
            _ => {}
        }
        if let Some((m, _)) = err {
            report.last_error = Some(m.to_owned());
        }
        operations::finish(conn, op.id, state, result, err).map(|_| Next::Done)
    };
    let status = match event {
        Event::Submitted(Ok(s)) => {
            operations::mark_in_progress(conn, op.id, &s.request_id)?;
            if s.status == Status::InProgress {
                return Ok(Next::Watch(s.request_id));
            }
            s
        }
        Event::Polled(Ok(s)) => s,
        Event::Direct(Ok(result)) => {
            if let (OpKind::CreateUser, Some(id)) = (op.spec.kind(), &result) {
                operations::set_principal_id(conn, op.id, id)?;
            }
            let note = result.map(|id| format!("user id {id}"));
            return done(conn, OpState::Succeeded, note.as_deref(), None);
        }
        Event::Polled(Err(e)) => {
            // The change is with AWS; only its status could not be read.
            return match e.aws_kind() {
                Some(AwsErrorKind::AccessDenied) => done(
                    conn,
                    OpState::Blocked,
                    None,
                    Some((&denied(op, &e), e.code())),
                ),
                _ => {
                    report.last_error = Some(e.to_string());
                    Ok(Next::Left)
                }
            };
        }
        Event::Listed(..) | Event::Confirmed(..) => {
            return Err(Error::Internal(
                "a listing of the instance's changes was taken for one operation's event".into(),
            ))
        }
        Event::Submitted(Err(e)) | Event::Direct(Err(e)) => {
            let msg = e.to_string();
            return match e.aws_kind() {
                Some(AwsErrorKind::Throttled | AwsErrorKind::Conflict)
                    if attempts < MAX_ATTEMPTS =>
                {
                    // AWS refused this attempt, so nothing was applied: safe to send again.
                    operations::requeue(conn, op.id, &msg, e.code())?;
                    Ok(Next::Retry(attempts))
                }
                // Too many assignment changes outstanding in the instance (AWS's quota of
                // concurrent operations): nothing was applied; wait and send again, and
                // never call it failed — what is not sent in this run waits, queued, for
                // the next.
                Some(AwsErrorKind::QuotaExceeded) if op.spec.kind().is_assignment() => {
                    operations::requeue(conn, op.id, &msg, e.code())?;
                    if attempts < MAX_ATTEMPTS {
                        Ok(Next::Retry(attempts))
                    } else {
                        report.last_error = Some(msg);
                        Ok(Next::Left)
                    }
                }
                Some(AwsErrorKind::AccessDenied) => done(
                    conn,
                    OpState::Blocked,
                    None,
                    Some((&denied(op, &e), e.code())),
                ),
                // The answer never came whole, or AWS kept failing inside: whether the
                // change was applied is unknown, so the next run asks AWS before sending.
                Some(
                    AwsErrorKind::Network | AwsErrorKind::Credentials | AwsErrorKind::Unavailable,
                ) => {
                    report.last_error = Some(msg);
                    Ok(Next::Left)
                }
                _ => done(conn, OpState::Failed, None, Some((&msg, e.code()))),
            };
        }
    };
    match status.status {
        Status::Succeeded => done(conn, OpState::Succeeded, None, None),
        Status::InProgress => Ok(Next::Watch(status.request_id)),
        Status::Failed(reason) => {
            // A revocation of something already gone, or a grant of something already
            // there, reached its goal anyway.
            let t = target_of(&op.spec).ok_or_else(|| {
                Error::Internal(format!(
                    "AWS reported an assignment status for operation {}, which is not an assignment change",
                    op.id
                ))
            })?;
            let present = aws_c::exists(c, &session.gate, &t).await?;
            if present == (op.spec.kind() == OpKind::Grant) {
                done(
                    conn,
                    OpState::Succeeded,
                    Some(&format!("already in place ({reason})")),
                    None,
                )
            } else if let Some(action) = iam_denied(&reason) {
                // In the management account Identity Center acts with the caller's own IAM
                // permissions: AWS ends the change FAILED naming the IAM action it lacked.
                // Fixable by the admin, so blocked (retried with `ops retry`, which sends a
                // new request: this one is over), not failed.
                operations::forget_request(conn, op.id)?;
                done(
                    conn,
                    OpState::Blocked,
                    None,
                    Some((
                        &management_denied_message(&action, &reason),
                        ErrorCode::AwsAccessDenied,
                    )),
                )
            } else if op.spec.kind() == OpKind::Revoke && principal_gone(&reason) {
                // AWS will not remove the assignment of a user or group deleted from the
                // directory (it ends the request FAILED with "… was not found in directory").
                // Final: sending it again gives the same answer.
                done(
                    conn,
                    OpState::Failed,
                    None,
                    Some((
                        &principal_gone_message(op, &reason),
                        ErrorCode::AwsPrincipalGone,
                    )),
                )
            } else {
                done(
                    conn,
                    OpState::Failed,
                    None,
                    Some((
                        &format!("AWS could not apply it: {reason}"),
                        ErrorCode::AwsFailed,
                    )),
                )
            }
        }
    }
}
