//! Running a permission set's own operations: the calls that change its definition, one
//! after another in the order they were planned, then ProvisionPermissionSet to each
//! account it is provisioned to (several accounts at once, one request per account).
//!
//! Every call is recorded before it is sent and after it is answered. A call sent without
//! an answer recorded (the process died, the network failed) is looked up in AWS before
//! anything is sent again: the definition is read and compared with what the call does,
//! and a provisioning request made since is found by its permission set and account. So
//! each call is made once.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt};
use rusqlite::Connection;

use super::op::{OpChange, OpKind, OpState, Operation};
use super::outcome::{iam_denied, management_denied_message};
use super::report::{ExecOptions, ExecProgress, ExecReport};
use super::send::{denied, retry_delay};
use crate::aws::authoring as aws_a;
use crate::aws::changes::{self as aws_c, AsyncStatus, Status};
use crate::aws::{Clients, Session};
use crate::error::{AwsErrorKind, Error, ErrorCode, Result};
use crate::model::operation::{PermissionSetSpec, ProvisionSpec, PsCall};
use crate::store::operations;

/// A refused call (throttled, a conflicting change in progress) is sent at most this
/// many times in one run.
const MAX_ATTEMPTS: i64 = 10;

/// How far before an unanswered provisioning request was recorded AWS's clock may say it
/// was made (the laptop's clock may be off).
const CLOCK_SLACK_SECS: f64 = 15.0 * 60.0;

/// Runs the open permission-set operations, batch by batch.
pub(super) async fn run(
    conn: &mut Connection,
    session: &Session,
    clients: &HashMap<String, Clients>,
    opts: &ExecOptions,
    report: &mut ExecReport,
) -> Result<()> {
    let mut batches: BTreeMap<i64, ()> = BTreeMap::new();
    for op in operations::open(conn)? {
        if op.spec.kind().is_permission_set() {
            batches.insert(op.batch_id, ());
        }
    }
    let total = batches
        .keys()
        .map(|b| operations::list(conn, Some(*b), usize::MAX).map(|ops| ops.len()))
        .sum::<Result<usize>>()? as u32;
    let mut progress = Progress {
        opts,
        total,
        finished: 0,
    };
    for batch in batches.keys() {
        run_batch(conn, session, clients, *batch, opts, report, &mut progress).await?;
    }
    Ok(())
}

struct Progress<'a> {
    opts: &'a ExecOptions,
    total: u32,
    finished: u32,
}

impl Progress<'_> {
    fn tell(&self, in_flight: usize, report: &ExecReport) {
        if let Some(p) = &self.opts.progress {
            p(&ExecProgress {
                total: self.total,
                finished: self.finished,
                in_flight: in_flight as u32,
                failed: report.failed,
                blocked: report.blocked,
            });
        }
    }
}

/// What stops `op` for now: an earlier operation of its batch that has not succeeded.
enum Waits {
    No,
    /// Still open: the next run goes on.
    Open,
    /// Ended without succeeding: `op` is blocked until it is retried.
    Ended(Box<Operation>),
}

/// `before`: the operations of the batch that must succeed first.
fn waits_for(batch: &[Operation], before: impl Fn(&Operation) -> bool) -> Waits {
    let mut out = Waits::No;
    for o in batch
        .iter()
        .filter(|o| before(o))
        .filter(|o| !matches!(o.state, OpState::Succeeded | OpState::Skipped))
    {
        if o.state.is_open() {
            return Waits::Open;
        }
        out = Waits::Ended(Box::new(o.clone()));
    }
    out
}

fn blocked_behind(o: &Operation) -> String {
    format!(
        "waits for operation {} ({}), which ended {}: fix what it says, retry it with `hallpass ops retry`, and \
         this one follows",
        o.id,
        o.spec.describe(),
        o.state.as_str()
    )
}

async fn run_batch(
    conn: &mut Connection,
    session: &Session,
    clients: &HashMap<String, Clients>,
    batch: i64,
    opts: &ExecOptions,
    report: &mut ExecReport,
    progress: &mut Progress<'_>,
) -> Result<()> {
    let ids: Vec<i64> = operations::list(conn, Some(batch), usize::MAX)?
        .into_iter()
        .filter(|o| o.spec.kind() == OpKind::PermissionSet && o.state.is_open())
        .map(|o| o.id)
        .collect::<Vec<_>>();
    let mut sorted = ids;
    sorted.sort();
    // The definition, one call at a time.
    for id in sorted {
        let all = operations::list(conn, Some(batch), usize::MAX)?;
        let op = operations::get(conn, id)?;
        match waits_for(&all, |o| o.id < op.id) {
            Waits::Open => {
                report.remaining += 1;
                return Ok(());
            }
            Waits::Ended(o) => {
                finish(
                    conn,
                    report,
                    &op,
                    OpState::Blocked,
                    None,
                    Some((&blocked_behind(&o), ErrorCode::WaitsForEarlier)),
                )?;
                continue;
            }
            Waits::No => {}
        }
        let c = &clients[&op.spec.instance_arn];
        if !definition_call(conn, session, c, &op, report).await? {
            // Left for the next run (its outcome is unknown): nothing after it may go.
            return Ok(());
        }
        progress.finished += 1;
        progress.tell(0, report);
    }
    // Then the accounts get it.
    let all = operations::list(conn, Some(batch), usize::MAX)?;
    let mut provisions = Vec::new();
    for op in all
        .iter()
        .filter(|o| o.spec.kind() == OpKind::Provision && o.state.is_open())
    {
        match waits_for(&all, |o| o.spec.kind() != OpKind::Provision) {
            Waits::Open => {
                report.remaining += 1;
                return Ok(());
            }
            Waits::Ended(o) => {
                finish(
                    conn,
                    report,
                    op,
                    OpState::Blocked,
                    None,
                    Some((&blocked_behind(&o), ErrorCode::WaitsForEarlier)),
                )?;
            }
            Waits::No => provisions.push(op.clone()),
        }
    }
    provision_all(conn, session, clients, provisions, opts, report, progress).await
}

fn finish(
    conn: &mut Connection,
    report: &mut ExecReport,
    op: &Operation,
    state: OpState,
    result: Option<&str>,
    err: Option<(&str, ErrorCode)>,
) -> Result<()> {
    match state {
        OpState::Succeeded => report.succeeded += 1,
        OpState::Failed => report.failed += 1,
        OpState::Blocked => report.blocked += 1,
        _ => {}
    }
    if let Some((m, _)) = err {
        report.last_error = Some(m.to_owned());
    }
    operations::finish(conn, op.id, state, result, err)
}

fn spec_of(op: &Operation) -> Result<&PermissionSetSpec> {
    match &op.spec.change {
        OpChange::PermissionSet(p) => Ok(p),
        _ => Err(Error::Internal(format!(
            "operation {} is not a permission set's call",
            op.id
        ))),
    }
}

/// One call on the definition, resumed or sent, to an end. False when its outcome is
/// not known yet (left for the next run).
async fn definition_call(
    conn: &mut Connection,
    session: &Session,
    c: &Clients,
    op: &Operation,
    report: &mut ExecReport,
) -> Result<bool> {
    let gate = &session.gate;
    let instance = &op.spec.instance_arn;
    let p = spec_of(op)?;
    if op.state == OpState::Submitted {
        // Sent before, with no answer recorded: did AWS apply it?
        match applied(c, session, instance, p).await {
            Ok(Some(arn)) => {
                record_created(conn, op, p, arn.as_deref())?;
                finish(
                    conn,
                    report,
                    op,
                    OpState::Succeeded,
                    Some("found applied when resuming"),
                    None,
                )?;
                return Ok(true);
            }
            Ok(None) => operations::requeue(
                conn,
                op.id,
                "sent before an interruption; AWS shows it was not applied, so it is sent again",
                ErrorCode::Resumed,
            )?,
            Err(e) => {
                report.last_error = Some(e.to_string());
                report.remaining += 1;
                return Ok(false);
            }
        }
    }
    loop {
        operations::mark_submitted(conn, op.id)?;
        let attempts = operations::get(conn, op.id)?.attempts;
        let sent = aws_a::send(
            c,
            gate,
            instance,
            p.permission_set_arn.as_deref(),
            &p.permission_set_name,
            &p.call,
        )
        .await;
        let e = match sent {
            Ok(arn) => {
                record_created(conn, op, p, arn.as_deref())?;
                let note = arn.map(|a| format!("permission set ARN {a}"));
                finish(conn, report, op, OpState::Succeeded, note.as_deref(), None)?;
                return Ok(true);
            }
            Err(e) => e,
        };
        let msg = e.to_string();
        match e.aws_kind() {
            // A conflict may be our own earlier call (attached already) or a change in
            // progress: whether it is applied is read, never assumed.
            Some(AwsErrorKind::Conflict) | Some(AwsErrorKind::NotFound)
                if !matches!(p.call, PsCall::CreatePermissionSet { .. })
                    && applied(c, session, instance, p).await?.is_some() =>
            {
                finish(
                    conn,
                    report,
                    op,
                    OpState::Succeeded,
                    Some(&format!("already in place ({msg})")),
                    None,
                )?;
                return Ok(true);
            }
            Some(AwsErrorKind::Conflict)
                if matches!(p.call, PsCall::CreatePermissionSet { .. }) =>
            {
                let why = format!(
                    "AWS already has a permission set named {} (made since the plan was shown, outside this \
                     change): nothing was created. Edit that one instead (`hallpass permission-set edit {}`). ({msg})",
                    p.permission_set_name, p.permission_set_name
                );
                finish(
                    conn,
                    report,
                    op,
                    OpState::Failed,
                    None,
                    Some((&why, e.code())),
                )?;
                return Ok(true);
            }
            Some(AwsErrorKind::Conflict)
                if matches!(p.call, PsCall::DeletePermissionSet) && attempts >= MAX_ATTEMPTS =>
            {
                let why = format!(
                    "AWS would not delete permission set {}: it still has account assignments (made since the plan, \
                     or AWS is still removing the revoked ones). See where with `hallpass show permission-sets`, then \
                     delete again with --remove-assignments. ({msg})",
                    p.permission_set_name
                );
                finish(
                    conn,
                    report,
                    op,
                    OpState::Failed,
                    None,
                    Some((&why, e.code())),
                )?;
                return Ok(true);
            }
            Some(AwsErrorKind::Throttled | AwsErrorKind::Conflict) if attempts < MAX_ATTEMPTS => {
                // Refused, so nothing was applied: safe to send again.
                operations::requeue(conn, op.id, &msg, e.code())?;
                tokio::time::sleep(retry_delay(attempts)).await;
            }
            Some(AwsErrorKind::AccessDenied) => {
                finish(
                    conn,
                    report,
                    op,
                    OpState::Blocked,
                    None,
                    Some((&denied(op, &e), e.code())),
                )?;
                return Ok(true);
            }
            // The answer never came whole: whether it was applied is unknown, so the next
            // run asks AWS before sending.
            Some(
                AwsErrorKind::Network
                | AwsErrorKind::Credentials
                | AwsErrorKind::Unavailable
                | AwsErrorKind::Throttled
                | AwsErrorKind::Conflict,
            ) => {
                report.last_error = Some(msg);
                report.remaining += 1;
                return Ok(false);
            }
            _ => {
                finish(
                    conn,
                    report,
                    op,
                    OpState::Failed,
                    None,
                    Some((&msg, e.code())),
                )?;
                return Ok(true);
            }
        }
    }
}

/// A created permission set's ARN goes to the operations after it in the batch.
fn record_created(
    conn: &Connection,
    op: &Operation,
    p: &PermissionSetSpec,
    arn: Option<&str>,
) -> Result<()> {
    if let (PsCall::CreatePermissionSet { .. }, Some(arn)) = (&p.call, arn) {
        operations::set_permission_set_arn(conn, op.batch_id, &p.permission_set_name, arn)?;
    }
    Ok(())
}

/// Whether AWS holds what the call does: `Some` (with the ARN, for a creation) when it
/// does. Read from AWS, never assumed.
async fn applied(
    c: &Clients,
    session: &Session,
    instance: &str,
    p: &PermissionSetSpec,
) -> Result<Option<Option<String>>> {
    let gate = &session.gate;
    let yes = |b: bool| b.then_some(None);
    let arn = match (&p.call, &p.permission_set_arn) {
        (PsCall::CreatePermissionSet { .. }, _) => {
            return Ok(
                aws_a::find_by_name(c, gate, instance, &p.permission_set_name)
                    .await?
                    .map(Some),
            )
        }
        (PsCall::DeletePermissionSet, Some(arn)) => {
            return Ok(yes(!aws_a::exists(c, gate, instance, arn).await?))
        }
        (_, Some(arn)) => arn,
        (_, None) => return Ok(None),
    };
    if matches!(
        p.call,
        PsCall::TagResource { .. } | PsCall::UntagResource { .. }
    ) {
        let now = aws_a::tags(c, gate, instance, arn).await?;
        return Ok(yes(match &p.call {
            PsCall::UntagResource { keys } => !now.iter().any(|t| keys.contains(&t.key)),
            PsCall::TagResource { tags } => tags.iter().all(|t| now.contains(t)),
            _ => false,
        }));
    }
    let now = crate::aws::sso::permission_set(c, gate, instance, arn).await?;
    let same_json = |a: &str, b: &str| match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => a.trim() == b.trim(),
    };
    Ok(yes(match &p.call {
        PsCall::UpdatePermissionSet {
            description,
            session_duration,
            relay_state,
        } => {
            description
                .as_ref()
                .is_none_or(|d| now.description.as_ref() == Some(d))
                && now
                    .session_duration
                    .as_deref()
                    .unwrap_or(crate::model::DEFAULT_SESSION_DURATION)
                    == session_duration
                && relay_state
                    .as_ref()
                    .is_none_or(|r| now.relay_state.as_ref() == Some(r))
        }
        PsCall::PutInlinePolicy { policy } => now
            .inline_policy
            .as_deref()
            .is_some_and(|p| same_json(p, policy)),
        PsCall::DeleteInlinePolicy => now.inline_policy.is_none(),
        PsCall::AttachManagedPolicy { arn } => now.managed_policies.contains(arn),
        PsCall::DetachManagedPolicy { arn } => !now.managed_policies.contains(arn),
        PsCall::AttachCustomerManagedPolicy { reference } => {
            now.customer_managed_policies.contains(reference)
        }
        PsCall::DetachCustomerManagedPolicy { reference } => {
            !now.customer_managed_policies.contains(reference)
        }
        PsCall::PutPermissionsBoundary { boundary } => {
            now.permissions_boundary.as_ref() == Some(boundary)
        }
        PsCall::DeletePermissionsBoundary => now.permissions_boundary.is_none(),
        PsCall::CreatePermissionSet { .. }
        | PsCall::DeletePermissionSet
        | PsCall::TagResource { .. }
        | PsCall::UntagResource { .. } => false,
    }))
}

fn provision_of(op: &Operation) -> Result<&ProvisionSpec> {
    match &op.spec.change {
        OpChange::Provision(p) => Ok(p),
        _ => Err(Error::Internal(format!(
            "operation {} is not a provisioning",
            op.id
        ))),
    }
}

enum Event {
    Submitted(Result<AsyncStatus>),
    Polled(Result<AsyncStatus>),
}

type Job<'a> = Pin<Box<dyn Future<Output = (i64, Event)> + 'a>>;

fn submit<'a>(
    c: &'a Clients,
    session: &'a Session,
    op: &Operation,
    after: Duration,
) -> Result<Job<'a>> {
    let (id, instance, p) = (
        op.id,
        op.spec.instance_arn.clone(),
        provision_of(op)?.clone(),
    );
    Ok(Box::pin(async move {
        tokio::time::sleep(after).await;
        let r = aws_c::reprovision(
            c,
            &session.gate,
            &instance,
            &p.permission_set_arn,
            Some(&p.account_id),
        )
        .await;
        (id, Event::Submitted(r))
    }))
}

fn poll<'a>(c: &'a Clients, session: &'a Session, op: &Operation, request_id: String) -> Job<'a> {
    let (id, instance) = (op.id, op.spec.instance_arn.clone());
    Box::pin(async move {
        let mut wait = Duration::from_millis(200);
        let mut transient = 0;
        loop {
            tokio::time::sleep(wait).await;
            match aws_c::reprovision_status(c, &session.gate, &instance, &request_id).await {
                Ok(s) if s.status == Status::InProgress => {}
                Err(e)
                    if matches!(
                        e.aws_kind(),
                        Some(
                            AwsErrorKind::Throttled
                                | AwsErrorKind::Network
                                | AwsErrorKind::Unavailable
                        )
                    ) && transient < 5 =>
                {
                    transient += 1;
                }
                other => return (id, Event::Polled(other)),
            }
            wait = (wait * 3 / 2).min(Duration::from_secs(3));
        }
    })
}

/// An unanswered provisioning request, found among the instance's requests made since it
/// was recorded as sent (AWS's list and describe of provisioning statuses).
async fn find_request(
    c: &Clients,
    session: &Session,
    op: &Operation,
    p: &ProvisionSpec,
) -> Result<Option<String>> {
    let gate = &session.gate;
    let instance = &op.spec.instance_arn;
    let since = crate::clock::parse_rfc3339(&op.updated_at)
        .map(|t| t.unix_timestamp() as f64)
        .unwrap_or(0.0)
        - CLOCK_SLACK_SECS;
    for rid in aws_c::provisioning_requests_since(c, gate, instance, since).await? {
        let (_, ps, account) = aws_c::provisioning_request(c, gate, instance, &rid).await?;
        if ps == p.permission_set_arn && account.as_deref() == Some(p.account_id.as_str()) {
            return Ok(Some(rid));
        }
    }
    Ok(None)
}

/// ProvisionPermissionSet to each account: at most `max_outstanding` requests in flight,
/// and one per account (IAM Identity Center quotas: "Number of IAM roles (permission
/// sets) in the AWS account that can be updated at a time: 1").
#[allow(clippy::too_many_arguments)]
async fn provision_all(
    conn: &mut Connection,
    session: &Session,
    clients: &HashMap<String, Clients>,
    provisions: Vec<Operation>,
    opts: &ExecOptions,
    report: &mut ExecReport,
    progress: &mut Progress<'_>,
) -> Result<()> {
    let max = opts.max_outstanding.clamp(1, super::op::MAX_OUTSTANDING);
    let mut waiting: VecDeque<Operation> = VecDeque::new();
    let mut jobs: FuturesUnordered<Job<'_>> = FuturesUnordered::new();
    let mut busy: HashSet<(String, String)> = HashSet::new();
    let mut ops: HashMap<i64, Operation> = HashMap::new();
    let account = |op: &Operation| -> (String, String) {
        let a = op.spec.account().map(|a| a.0).unwrap_or_default();
        (op.spec.instance_arn.clone(), a.to_owned())
    };
    for mut op in provisions {
        let c = &clients[&op.spec.instance_arn];
        if op.state == OpState::Submitted && op.request_id.is_none() {
            let p = provision_of(&op)?.clone();
            match find_request(c, session, &op, &p).await? {
                Some(rid) => {
                    operations::mark_in_progress(conn, op.id, &rid)?;
                    op.request_id = Some(rid);
                }
                None => operations::requeue(
                    conn,
                    op.id,
                    "sent before an interruption; AWS shows no such request, so it is sent again",
                    ErrorCode::Resumed,
                )?,
            }
        }
        match op.request_id.clone() {
            Some(rid) if busy.insert(account(&op)) => jobs.push(poll(c, session, &op, rid)),
            _ => waiting.push_back(op.clone()),
        }
        ops.insert(op.id, op);
    }
    progress.tell(jobs.len(), report);
    loop {
        let mut skipped = VecDeque::new();
        while let Some(op) = waiting.pop_front() {
            if jobs.len() >= max || busy.contains(&account(&op)) {
                skipped.push_back(op);
                continue;
            }
            busy.insert(account(&op));
            operations::mark_submitted(conn, op.id)?;
            jobs.push(submit(
                &clients[&op.spec.instance_arn],
                session,
                &op,
                Duration::ZERO,
            )?);
        }
        waiting = skipped;
        let Some((id, event)) = jobs.next().await else {
            break;
        };
        let op = ops[&id].clone();
        let c = &clients[&op.spec.instance_arn];
        let p = provision_of(&op)?;
        let status = match event {
            Event::Submitted(Ok(s)) => {
                operations::mark_in_progress(conn, id, &s.request_id)?;
                s
            }
            Event::Polled(Ok(s)) => s,
            Event::Submitted(Err(e)) => {
                let attempts = operations::get(conn, id)?.attempts;
                let msg = e.to_string();
                match e.aws_kind() {
                    // Refused (too many requests, or the account's role is being updated
                    // by another request): nothing was started; send again later.
                    Some(
                        AwsErrorKind::Throttled
                        | AwsErrorKind::Conflict
                        | AwsErrorKind::QuotaExceeded,
                    ) if attempts < MAX_ATTEMPTS => {
                        operations::requeue(conn, id, &msg, e.code())?;
                        operations::mark_submitted(conn, id)?;
                        jobs.push(submit(c, session, &op, retry_delay(attempts))?);
                        continue;
                    }
                    Some(AwsErrorKind::AccessDenied) => {
                        finish(
                            conn,
                            report,
                            &op,
                            OpState::Blocked,
                            None,
                            Some((&denied(&op, &e), e.code())),
                        )?;
                    }
                    Some(
                        AwsErrorKind::Network
                        | AwsErrorKind::Credentials
                        | AwsErrorKind::Unavailable
                        | AwsErrorKind::Throttled
                        | AwsErrorKind::Conflict
                        | AwsErrorKind::QuotaExceeded,
                    ) => {
                        report.last_error = Some(msg);
                        report.remaining += 1;
                    }
                    _ => finish(
                        conn,
                        report,
                        &op,
                        OpState::Failed,
                        None,
                        Some((&msg, e.code())),
                    )?,
                }
                busy.remove(&account(&op));
                progress.finished += 1;
                progress.tell(jobs.len(), report);
                continue;
            }
            Event::Polled(Err(e)) => {
                match e.aws_kind() {
                    Some(AwsErrorKind::AccessDenied) => finish(
                        conn,
                        report,
                        &op,
                        OpState::Blocked,
                        None,
                        Some((&denied(&op, &e), e.code())),
                    )?,
                    _ => {
                        report.last_error = Some(e.to_string());
                        report.remaining += 1;
                    }
                }
                busy.remove(&account(&op));
                continue;
            }
        };
        match status.status {
            Status::InProgress => {
                jobs.push(poll(c, session, &op, status.request_id));
                continue;
            }
            Status::Succeeded => finish(conn, report, &op, OpState::Succeeded, None, None)?,
            Status::Failed(reason) => {
                // This request is over: a retry sends a new one.
                operations::forget_request(conn, id)?;
                if let Some(action) = iam_denied(&reason) {
                    let why = management_denied_message(&action, &reason);
                    finish(
                        conn,
                        report,
                        &op,
                        OpState::Blocked,
                        None,
                        Some((&why, ErrorCode::AwsAccessDenied)),
                    )?;
                } else {
                    let why = format!(
                        "AWS could not provision permission set {} to account {} ({}); the account keeps the \
                         version it had. AWS said: {reason}. {}",
                        p.permission_set_name,
                        p.account_name.as_deref().unwrap_or("?"),
                        p.account_id,
                        if reason.contains("does not exist") || reason.contains("NoSuchEntity") {
                            "Create the customer-managed policy it names in that account (same name and path), \
                             then retry with `hallpass ops retry`."
                        } else {
                            "Fix the cause, then retry with `hallpass ops retry`."
                        }
                    );
                    finish(
                        conn,
                        report,
                        &op,
                        OpState::Failed,
                        None,
                        Some((&why, ErrorCode::AwsFailed)),
                    )?;
                }
            }
        }
        busy.remove(&account(&op));
        progress.finished += 1;
        progress.tell(jobs.len(), report);
    }
    Ok(())
}
