//! One operation's calls as a future (send, or poll to a final state), and the limits
//! on what may be in flight at once.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use super::op::{AssignmentSpec, OpChange, OpKind, OpSpec, Operation};
use crate::aws::changes::{self as aws_c, AsyncStatus, Change, Status, Target};
use crate::aws::{Clients, Session};
use crate::error::{AwsErrorKind, Error, Result};

/// Identity Store changes sent at once (the rate limiter paces them further).
/// An instance and a kind of assignment change: what one status listing covers.
pub(super) type Key = (String, Change);

const DIRECT_CONCURRENCY: usize = 8;

pub(super) enum Event {
    Submitted(Result<AsyncStatus>),
    Polled(Result<AsyncStatus>),
    Direct(Result<Option<String>>),
    /// The instance's changes still in progress (see `sweep`), and when the listing began.
    Listed(Key, Instant, Result<Option<Vec<String>>>),
    /// The instance's SUCCEEDED changes (`None`: too many to list).
    Confirmed(Key, Instant, Result<Option<Vec<String>>>),
}

pub(super) type Job<'a> = Pin<Box<dyn Future<Output = (i64, Event)> + 'a>>;

pub(super) fn change_of(kind: OpKind) -> Change {
    if kind == OpKind::Revoke {
        Change::Delete
    } else {
        Change::Create
    }
}

/// What AWS is sent for an assignment change (`None` for other kinds).
pub(super) fn target_of(spec: &OpSpec) -> Option<Target> {
    Some(target(&spec.instance_arn, spec.assignment()?))
}

pub(super) fn target(instance_arn: &str, a: &AssignmentSpec) -> Target {
    Target {
        instance_arn: instance_arn.to_owned(),
        account_id: a.account_id.clone(),
        permission_set_arn: a.permission_set_arn.clone(),
        principal_type: a.principal_type,
        principal_id: a.principal_id.clone(),
    }
}

/// One assignment change in flight per account. AWS's quotas page (IAM Identity Center
/// quotas, "Number of IAM roles (permission sets) in the AWS account that can be updated
/// at a time: 1") does not say whether two permission sets' changes in one account clash;
/// serializing per account can only be slower, never skip a change.
fn busy_key(op: &Operation) -> Option<(String, String)> {
    let a = op.spec.assignment()?;
    Some((op.spec.instance_arn.clone(), a.account_id.clone()))
}

pub(super) struct Limits {
    max: usize,
    outstanding: HashMap<String, usize>,
    busy: HashSet<(String, String)>,
    direct: usize,
    /// The operations holding a slot now.
    held: HashSet<i64>,
    pub(super) peak: usize,
}

impl Limits {
    pub(super) fn new(max: usize) -> Self {
        Self {
            max,
            outstanding: HashMap::new(),
            busy: HashSet::new(),
            direct: 0,
            held: HashSet::new(),
            peak: 0,
        }
    }
    pub(super) fn held(&self) -> usize {
        self.held.len()
    }
    /// Whether every assignment slot of the instance is taken.
    pub(super) fn is_full(&self, instance: &str) -> bool {
        self.outstanding.get(instance).copied().unwrap_or(0) >= self.max
    }
    pub(super) fn fits(&self, op: &Operation) -> bool {
        if let Some(key) = busy_key(op) {
            self.outstanding
                .get(&op.spec.instance_arn)
                .copied()
                .unwrap_or(0)
                < self.max
                && !self.busy.contains(&key)
        } else {
            self.direct < DIRECT_CONCURRENCY
        }
    }
    pub(super) fn take(&mut self, op: &Operation) {
        if !self.held.insert(op.id) {
            return;
        }
        if let Some(key) = busy_key(op) {
            let n = self
                .outstanding
                .entry(op.spec.instance_arn.clone())
                .or_default();
            *n += 1;
            self.peak = self.peak.max(*n);
            self.busy.insert(key);
        } else {
            self.direct += 1;
        }
    }
    /// Frees the operation's slot (once; a second release does nothing).
    pub(super) fn release(&mut self, op: &Operation) {
        if !self.held.remove(&op.id) {
            return;
        }
        if let Some(key) = busy_key(op) {
            if let Some(n) = self.outstanding.get_mut(&op.spec.instance_arn) {
                *n = n.saturating_sub(1);
            }
            self.busy.remove(&key);
        } else {
            self.direct = self.direct.saturating_sub(1);
        }
    }
}

pub(super) fn submit_job<'a>(c: &'a Clients, session: &'a Session, op: &Operation) -> Job<'a> {
    let id = op.id;
    let gate = &session.gate;
    let kind = op.spec.kind();
    let spec = op.spec.clone();
    Box::pin(async move {
        let event = match &spec.change {
            OpChange::Grant(a) | OpChange::Revoke(a) => {
                let t = target(&spec.instance_arn, a);
                Event::Submitted(aws_c::submit(c, gate, change_of(kind), &t).await)
            }
            OpChange::CreateUser(u) => {
                let store_id = &u.identity_store_id;
                let r = match aws_c::create_user(c, gate, store_id, &u.new_user).await {
                    Err(e) if e.aws_kind() == Some(AwsErrorKind::Conflict) => {
                        aws_c::find_user(c, gate, store_id, &u.new_user.user_name)
                            .await
                            .and_then(|found| found.ok_or(e))
                    }
                    other => other,
                };
                Event::Direct(r.map(Some))
            }
            // Run one after another by `permission_sets`, never by the assignment executor.
            OpChange::PermissionSet(_) | OpChange::Provision(_) => {
                Event::Direct(Err(Error::Internal(format!(
                    "operation {id} is a permission set's change, which `permission_sets` runs"
                ))))
            }
            OpChange::AddMember(m) => Event::Direct(
                aws_c::add_member(c, gate, &m.identity_store_id, &m.group_id, &m.principal_id)
                    .await
                    .map(|_| None),
            ),
            OpChange::RemoveMember(m) => Event::Direct(
                aws_c::remove_member(c, gate, &m.identity_store_id, &m.group_id, &m.principal_id)
                    .await
                    .map(|_| None),
            ),
        };
        (id, event)
    })
}

pub(super) fn poll_job<'a>(
    c: &'a Clients,
    session: &'a Session,
    op: &Operation,
    request_id: String,
) -> Job<'a> {
    let id = op.id;
    let change = change_of(op.spec.kind());
    let instance = op.spec.instance_arn.clone();
    Box::pin(async move {
        let mut wait = Duration::from_millis(200);
        let mut transient = 0;
        loop {
            tokio::time::sleep(wait).await;
            match aws_c::describe(c, &session.gate, change, &instance, &request_id).await {
                Ok((s, _)) if s.status == Status::InProgress => {}
                Ok((s, _)) => return (id, Event::Polled(Ok(s))),
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
                Err(e) => return (id, Event::Polled(Err(e))),
            }
            wait = (wait * 3 / 2).min(Duration::from_secs(2));
        }
    })
}

/// The message for a denied call: which permissions the role lacks, and the fix.
pub(super) fn denied(op: &Operation, e: &Error) -> String {
    let actions = match &op.spec.change {
        OpChange::PermissionSet(p) => format!("sso:{}", p.call.action()),
        _ => crate::setup::policies::change_actions(op.spec.kind()).join(" and "),
    };
    let said = match e {
        Error::Aws {
            action: Some(a), ..
        } => format!("AWS denied {a}"),
        _ => "AWS denied the call".to_owned(),
    };
    format!(
        "{said}. The management role needs {actions}: add them to its permissions policy (the setup wizard and \
         `hallpass policies` show the whole policy Hallpass needs), then retry with `hallpass ops retry` or the Retry button. ({e})"
    )
}

pub(super) fn retry_delay(attempts: i64) -> Duration {
    let ms = 250u64.saturating_mul(1 << attempts.clamp(0, 6)).min(10_000);
    Duration::from_millis(ms + rand::random::<u64>() % (ms / 2 + 1))
}
