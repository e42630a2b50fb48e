//! The executor: resumes what a previous run left, sends queued operations under the
//! limits (≤ N outstanding assignment changes per instance, one in flight per account
//! and permission set), polls asynchronous changes to a final state, and records
//! every step before and after each call.

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};
use rusqlite::Connection;
use serde::Serialize;
use ts_rs::TS;

use super::plan::{clients_for, instance_access};
use super::{grants, queue, refresh, OpKind, OpState, Operation, MAX_OUTSTANDING};
use crate::aws::provision::{self as aws_p, AsyncStatus, Change, Status, Target};
use crate::aws::{Clients, Session};
use crate::error::{AwsErrorKind, Error, Result};
use crate::model::PrincipalType;
use crate::store;

/// Identity Store changes sent at once (the rate limiter paces them further).
const DIRECT_CONCURRENCY: usize = 8;
/// A conflicting or throttled change is sent at most this many times in one run.
const MAX_ATTEMPTS: i64 = 10;

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ExecProgress {
    pub total: u32,
    pub finished: u32,
    pub in_flight: u32,
    pub failed: u32,
    pub blocked: u32,
}

pub type ExecProgressFn = Arc<dyn Fn(&ExecProgress) + Send + Sync>;

#[derive(Clone)]
pub struct ExecOptions {
    /// Outstanding assignment changes per instance, 1..=15.
    pub max_outstanding: usize,
    pub progress: Option<ExecProgressFn>,
    /// Refresh the touched part of the snapshot when the batches are done.
    pub refresh: bool,
    /// Who the expiry of time-bound grants is attributed to.
    pub actor: String,
}

impl Default for ExecOptions {
    fn default() -> Self {
        Self {
            max_outstanding: MAX_OUTSTANDING,
            progress: None,
            refresh: true,
            actor: super::actor("hallpass"),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, TS)]
#[ts(export)]
pub struct ExecReport {
    pub succeeded: u32,
    pub failed: u32,
    pub blocked: u32,
    /// Left open (e.g. the network went away); the next run resumes them.
    pub remaining: u32,
    pub expired_grants: u32,
    pub overdue_grants: u32,
    #[ts(type = "number | null")]
    pub refreshed_snapshot: Option<i64>,
    pub peak_outstanding: u32,
    pub last_error: Option<String>,
}

enum Event {
    Submitted(Result<AsyncStatus>),
    Polled(Result<AsyncStatus>),
    Direct(Result<Option<String>>),
}

type Job<'a> = Pin<Box<dyn Future<Output = (i64, Event)> + 'a>>;

fn change_of(kind: OpKind) -> Change {
    if kind == OpKind::Revoke {
        Change::Delete
    } else {
        Change::Create
    }
}

fn target_of(op: &Operation) -> Target {
    let s = &op.spec;
    Target {
        instance_arn: s.instance_arn.clone(),
        account_id: s.account_id.clone().unwrap_or_default(),
        permission_set_arn: s.permission_set_arn.clone().unwrap_or_default(),
        principal_type: s.principal_type.unwrap_or(PrincipalType::Group),
        principal_id: s.principal_id.clone().unwrap_or_default(),
    }
}

fn busy_key(op: &Operation) -> (String, String, String) {
    let t = target_of(op);
    (t.instance_arn, t.account_id, t.permission_set_arn)
}

/// The message for a denied call: which permissions the role lacks, and the fix.
fn denied(op: &Operation, e: &Error) -> String {
    let actions = match op.spec.kind {
        OpKind::Revoke => {
            "sso:DeleteAccountAssignment and sso:DescribeAccountAssignmentDeletionStatus"
        }
        OpKind::Grant => {
            "sso:CreateAccountAssignment and sso:DescribeAccountAssignmentCreationStatus"
        }
        OpKind::CreateUser => "identitystore:CreateUser",
        OpKind::AddMember => "identitystore:CreateGroupMembership",
        OpKind::RemoveMember => {
            "identitystore:DeleteGroupMembership and identitystore:ListGroupMembershipsForMember"
        }
    };
    let said = match e {
        Error::Aws {
            action: Some(a), ..
        } => format!("AWS denied {a}"),
        _ => "AWS denied the call".to_owned(),
    };
    format!(
        "{said}. The management role needs {actions}: add them to its permissions policy (the setup wizard shows the whole policy \
         policy Hallpass needs), then retry with `hallpass ops retry` or the Retry button. ({e})"
    )
}

fn retry_delay(attempts: i64) -> Duration {
    let ms = 250u64.saturating_mul(1 << attempts.clamp(0, 6)).min(10_000);
    Duration::from_millis(ms + rand::random::<u64>() % (ms / 2 + 1))
}

/// Runs every open operation to an end state (or as far as AWS lets it), then expires
/// due grants' follow-ups and refreshes the snapshot.
pub async fn execute(data_dir: &Path, session: &Session, opts: &ExecOptions) -> Result<ExecReport> {
    let mut conn = store::open(data_dir)?;
    let _lock = queue_lock(data_dir)?;
    let mut report = ExecReport::default();
    let (expired, overdue) = grants::expire_due(&mut conn, &opts.actor)?;
    report.expired_grants = expired as u32;
    report.overdue_grants = overdue as u32;

    let access = instance_access(&conn)?;
    let mut member_clients = HashMap::new();
    let mut clients: HashMap<String, Clients> = HashMap::new();
    let open = queue::open(&conn)?;
    // Also the instances of batches a stopped run finished but did not refresh.
    let earlier = queue::succeeded_in(&conn, &queue::unrefreshed_batches(&conn)?)?;
    for op in open.iter().chain(&earlier) {
        if !clients.contains_key(&op.spec.instance_arn) {
            let from = access
                .get(&op.spec.instance_arn)
                .cloned()
                .unwrap_or_default();
            let c = clients_for(session, &mut member_clients, &from).await?;
            clients.insert(op.spec.instance_arn.clone(), c);
        }
    }
    resume(&mut conn, session, &clients, &open).await?;
    let open = queue::open(&conn)?;
    run(&mut conn, session, &clients, open, opts, &mut report).await?;

    if opts.refresh {
        let batches = queue::unrefreshed_batches(&conn)?;
        if !batches.is_empty() {
            let changed = queue::succeeded_in(&conn, &batches)?;
            if !changed.is_empty() {
                report.refreshed_snapshot =
                    Some(refresh::run(&mut conn, session, &clients, &changed).await?);
            }
            queue::mark_refreshed(&conn, &batches)?;
        }
    }
    Ok(report)
}

/// One executor per data folder at a time, across processes (the app and any CLI run):
/// an OS file lock, which the OS releases if the process dies. A second executor waits
/// for the first and then finds only what is left.
fn queue_lock(data_dir: &Path) -> Result<std::fs::File> {
    let path = data_dir.join("queue.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
    file.lock()
        .map_err(|e| Error::io(format!("cannot lock {}", path.display()), e))?;
    Ok(file)
}

/// Operations sent without an answer recorded (the process died, or the network
/// failed mid-call): AWS is asked what happened before anything is sent again.
async fn resume(
    conn: &mut Connection,
    session: &Session,
    clients: &HashMap<String, Clients>,
    open: &[Operation],
) -> Result<()> {
    let gate = &session.gate;
    let unsure: Vec<&Operation> = open
        .iter()
        .filter(|o| o.state == OpState::Submitted && o.request_id.is_none())
        .collect();
    // AWS's in-progress changes of each affected instance, by target.
    let mut in_flight: HashMap<(Change, String, String, String), String> = HashMap::new();
    let mut listed = HashSet::new();
    for op in unsure.iter().filter(|o| o.spec.kind.is_assignment()) {
        let change = change_of(op.spec.kind);
        let inst = op.spec.instance_arn.clone();
        if !listed.insert((change, inst.clone())) {
            continue;
        }
        let c = &clients[&inst];
        for rid in aws_p::in_progress(c, gate, change, &inst).await? {
            let (_, target) = aws_p::describe(c, gate, change, &inst, &rid).await?;
            if let Some((account, ps, principal)) = target {
                in_flight.insert((change, account, ps, principal), rid);
            }
        }
    }
    for op in unsure {
        let c = &clients[&op.spec.instance_arn];
        let store_id = &op.spec.identity_store_id;
        let applied = match op.spec.kind {
            OpKind::Grant | OpKind::Revoke => {
                let t = target_of(op);
                let change = change_of(op.spec.kind);
                let key = (
                    change,
                    t.account_id.clone(),
                    t.permission_set_arn.clone(),
                    t.principal_id.clone(),
                );
                if let Some(rid) = in_flight.get(&key) {
                    queue::mark_in_progress(conn, op.id, rid)?;
                    continue;
                }
                aws_p::exists(c, gate, &t).await? == (change == Change::Create)
            }
            OpKind::CreateUser => {
                let name = op.spec.principal_name.clone().unwrap_or_default();
                match aws_p::find_user(c, gate, store_id, &name).await? {
                    Some(id) => {
                        queue::set_principal_id(conn, op.id, &id)?;
                        true
                    }
                    None => false,
                }
            }
            OpKind::AddMember | OpKind::RemoveMember => {
                let user = op.spec.principal_id.clone().unwrap_or_default();
                let groups = aws_p::memberships_of(c, gate, store_id, &user).await?;
                let member = groups
                    .iter()
                    .any(|(_, g)| Some(g) == op.spec.group_id.as_ref());
                member == (op.spec.kind == OpKind::AddMember)
            }
        };
        if applied {
            queue::finish(
                conn,
                op.id,
                OpState::Succeeded,
                Some("found applied when resuming"),
                None,
            )?;
        } else {
            queue::requeue(
                conn,
                op.id,
                "sent before an interruption; AWS shows it was not applied, so it is sent again",
                "resumed",
            )?;
        }
    }
    Ok(())
}

struct Limits {
    max: usize,
    outstanding: HashMap<String, usize>,
    busy: HashSet<(String, String, String)>,
    direct: usize,
    peak: usize,
}

impl Limits {
    fn fits(&self, op: &Operation) -> bool {
        if op.spec.kind.is_assignment() {
            self.outstanding
                .get(&op.spec.instance_arn)
                .copied()
                .unwrap_or(0)
                < self.max
                && !self.busy.contains(&busy_key(op))
        } else {
            self.direct < DIRECT_CONCURRENCY
        }
    }
    fn take(&mut self, op: &Operation) {
        if op.spec.kind.is_assignment() {
            let n = self
                .outstanding
                .entry(op.spec.instance_arn.clone())
                .or_default();
            *n += 1;
            self.peak = self.peak.max(*n);
            self.busy.insert(busy_key(op));
        } else {
            self.direct += 1;
        }
    }
    fn release(&mut self, op: &Operation) {
        if op.spec.kind.is_assignment() {
            if let Some(n) = self.outstanding.get_mut(&op.spec.instance_arn) {
                *n = n.saturating_sub(1);
            }
            self.busy.remove(&busy_key(op));
        } else {
            self.direct = self.direct.saturating_sub(1);
        }
    }
}

fn submit_job<'a>(c: &'a Clients, session: &'a Session, op: &Operation) -> Job<'a> {
    let id = op.id;
    let gate = &session.gate;
    let kind = op.spec.kind;
    let store_id = op.spec.identity_store_id.clone();
    let spec = op.spec.clone();
    let target = target_of(op);
    Box::pin(async move {
        let event = match kind {
            OpKind::Grant | OpKind::Revoke => {
                Event::Submitted(aws_p::submit(c, gate, change_of(kind), &target).await)
            }
            OpKind::CreateUser => {
                let Some(user) = spec.new_user.clone() else {
                    return (
                        id,
                        Event::Direct(Err(Error::InvalidInput(
                            "the operation lost its user attributes".into(),
                        ))),
                    );
                };
                let r = match aws_p::create_user(c, gate, &store_id, &user).await {
                    Err(e) if e.aws_kind() == Some(AwsErrorKind::Conflict) => {
                        aws_p::find_user(c, gate, &store_id, &user.user_name)
                            .await
                            .and_then(|found| found.ok_or(e))
                    }
                    other => other,
                };
                Event::Direct(r.map(Some))
            }
            OpKind::AddMember | OpKind::RemoveMember => {
                let group = spec.group_id.clone().unwrap_or_default();
                let user = spec.principal_id.clone().unwrap_or_default();
                let r = if kind == OpKind::AddMember {
                    aws_p::add_member(c, gate, &store_id, &group, &user).await
                } else {
                    aws_p::remove_member(c, gate, &store_id, &group, &user).await
                };
                Event::Direct(r.map(|_| None))
            }
        };
        (id, event)
    })
}

fn poll_job<'a>(
    c: &'a Clients,
    session: &'a Session,
    op: &Operation,
    request_id: String,
) -> Job<'a> {
    let id = op.id;
    let change = change_of(op.spec.kind);
    let instance = op.spec.instance_arn.clone();
    Box::pin(async move {
        let mut wait = Duration::from_millis(200);
        let mut transient = 0;
        loop {
            tokio::time::sleep(wait).await;
            match aws_p::describe(c, &session.gate, change, &instance, &request_id).await {
                Ok((s, _)) if s.status == Status::InProgress => {}
                Ok((s, _)) => return (id, Event::Polled(Ok(s))),
                Err(e)
                    if matches!(
                        e.aws_kind(),
                        Some(AwsErrorKind::Throttled | AwsErrorKind::Network)
                    ) && transient < 5 =>
                {
                    transient += 1;
                }
                Err(e) => return (id, Event::Polled(Err(e))),
            }
            wait = (wait * 3 / 2).min(Duration::from_secs(2));
        }
    })
}

async fn run(
    conn: &mut Connection,
    session: &Session,
    clients: &HashMap<String, Clients>,
    open: Vec<Operation>,
    opts: &ExecOptions,
    report: &mut ExecReport,
) -> Result<()> {
    let mut limits = Limits {
        max: opts.max_outstanding.clamp(1, MAX_OUTSTANDING),
        outstanding: HashMap::new(),
        busy: HashSet::new(),
        direct: 0,
        peak: 0,
    };
    let total = open.len() as u32;
    let mut ops: HashMap<i64, Operation> = HashMap::new();
    let mut pending: VecDeque<i64> = VecDeque::new();
    let mut not_before: HashMap<i64, Instant> = HashMap::new();
    let mut jobs: FuturesUnordered<Job<'_>> = FuturesUnordered::new();
    let mut finished = 0u32;
    for op in open {
        let c = &clients[&op.spec.instance_arn];
        match (&op.state, &op.request_id) {
            (OpState::InProgress, Some(rid)) | (OpState::Queued, Some(rid))
                if op.spec.kind.is_assignment() =>
            {
                limits.take(&op);
                jobs.push(poll_job(c, session, &op, rid.clone()));
            }
            _ => pending.push_back(op.id),
        }
        ops.insert(op.id, op);
    }
    let progress = |finished: u32, jobs: usize, report: &ExecReport| {
        if let Some(p) = &opts.progress {
            p(&ExecProgress {
                total,
                finished,
                in_flight: jobs as u32,
                failed: report.failed,
                blocked: report.blocked,
            });
        }
    };
    progress(0, jobs.len(), report);
    loop {
        // Start everything that fits now, in queue order.
        let now = Instant::now();
        let mut skipped = VecDeque::new();
        while let Some(id) = pending.pop_front() {
            let op = &ops[&id];
            let ready = not_before.get(&id).is_none_or(|t| *t <= now);
            if !ready || !limits.fits(op) {
                skipped.push_back(id);
                continue;
            }
            queue::mark_submitted(conn, id)?;
            limits.take(op);
            jobs.push(submit_job(&clients[&op.spec.instance_arn], session, op));
        }
        pending = skipped;
        if jobs.is_empty() {
            let Some(next) = pending
                .iter()
                .filter_map(|id| not_before.get(id))
                .min()
                .copied()
            else {
                break;
            };
            tokio::time::sleep_until(next.into()).await;
            continue;
        }
        let next_retry = pending
            .iter()
            .filter_map(|id| not_before.get(id))
            .min()
            .copied();
        let (id, event) = match next_retry {
            Some(t) => tokio::select! {
                e = jobs.next() => match e { Some(e) => e, None => continue },
                _ = tokio::time::sleep_until(t.into()) => continue,
            },
            None => match jobs.next().await {
                Some(e) => e,
                None => continue,
            },
        };
        let op = ops[&id].clone();
        let c = &clients[&op.spec.instance_arn];
        let outcome = handle(conn, session, c, &op, event, report).await?;
        match outcome {
            Next::Poll(rid) => jobs.push(poll_job(c, session, &op, rid)),
            Next::Retry(attempts) => {
                limits.release(&op);
                not_before.insert(id, Instant::now() + retry_delay(attempts));
                pending.push_back(id);
            }
            Next::Done => {
                limits.release(&op);
                finished += 1;
            }
            Next::Left => {
                limits.release(&op);
                report.remaining += 1;
            }
        }
        progress(finished, jobs.len(), report);
    }
    report.peak_outstanding = limits.peak as u32;
    Ok(())
}

enum Next {
    Poll(String),
    Retry(i64),
    Done,
    /// Not finished and not retried in this run (unknown outcome); the next run resumes it.
    Left,
}

async fn handle(
    conn: &mut Connection,
    session: &Session,
    c: &Clients,
    op: &Operation,
    event: Event,
    report: &mut ExecReport,
) -> Result<Next> {
    let attempts = queue::get(conn, op.id)?.attempts;
    let mut done =
        |conn: &mut Connection, state: OpState, result: Option<&str>, err: Option<(&str, &str)>| {
            match state {
                OpState::Succeeded => report.succeeded += 1,
                OpState::Failed => report.failed += 1,
                OpState::Blocked => report.blocked += 1,
                _ => {}
            }
            if let Some((m, _)) = err {
                report.last_error = Some(m.to_owned());
            }
            queue::finish(conn, op.id, state, result, err).map(|_| Next::Done)
        };
    let status = match event {
        Event::Submitted(Ok(s)) => {
            queue::mark_in_progress(conn, op.id, &s.request_id)?;
            if s.status == Status::InProgress {
                return Ok(Next::Poll(s.request_id));
            }
            s
        }
        Event::Polled(Ok(s)) => s,
        Event::Direct(Ok(result)) => {
            if let (OpKind::CreateUser, Some(id)) = (op.spec.kind, &result) {
                queue::set_principal_id(conn, op.id, id)?;
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
        Event::Submitted(Err(e)) | Event::Direct(Err(e)) => {
            let msg = e.to_string();
            return match e.aws_kind() {
                Some(AwsErrorKind::Throttled | AwsErrorKind::Conflict)
                    if attempts < MAX_ATTEMPTS =>
                {
                    // AWS refused this attempt, so nothing was applied: safe to send again.
                    queue::requeue(conn, op.id, &msg, e.code())?;
                    Ok(Next::Retry(attempts))
                }
                Some(AwsErrorKind::AccessDenied) => done(
                    conn,
                    OpState::Blocked,
                    None,
                    Some((&denied(op, &e), e.code())),
                ),
                Some(AwsErrorKind::Network | AwsErrorKind::Credentials) => {
                    report.last_error = Some(msg);
                    Ok(Next::Left)
                }
                _ => done(conn, OpState::Failed, None, Some((&msg, e.code()))),
            };
        }
    };
    match status.status {
        Status::Succeeded => done(conn, OpState::Succeeded, None, None),
        Status::InProgress => Ok(Next::Poll(status.request_id)),
        Status::Failed(reason) => {
            // A revocation of something already gone, or a grant of something already
            // there, reached its goal anyway.
            let t = target_of(op);
            let present = aws_p::exists(c, &session.gate, &t).await?;
            if present == (op.spec.kind == OpKind::Grant) {
                done(
                    conn,
                    OpState::Succeeded,
                    Some(&format!("already in place ({reason})")),
                    None,
                )
            } else {
                done(
                    conn,
                    OpState::Failed,
                    None,
                    Some((&format!("AWS could not apply it: {reason}"), "aws-failed")),
                )
            }
        }
    }
}
