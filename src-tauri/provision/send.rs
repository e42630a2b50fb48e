//! One operation's calls as a future (send, or poll to a final state), and the limits
//! on what may be in flight at once.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use super::op::{OpKind, Operation};
use crate::aws::provision::{self as aws_p, AsyncStatus, Change, Status, Target};
use crate::aws::{Clients, Session};
use crate::error::{AwsErrorKind, Error, Result};
use crate::model::PrincipalType;

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

pub(super) fn target_of(op: &Operation) -> Target {
    let s = &op.spec;
    Target {
        instance_arn: s.instance_arn.clone(),
        account_id: s.account_id.clone().unwrap_or_default(),
        permission_set_arn: s.permission_set_arn.clone().unwrap_or_default(),
        principal_type: s.principal_type.unwrap_or(PrincipalType::Group),
        principal_id: s.principal_id.clone().unwrap_or_default(),
    }
}

/// One assignment change in flight per account. AWS's quotas page (IAM Identity Center
/// quotas, "Number of IAM roles (permission sets) in the AWS account that can be updated
/// at a time: 1") does not say whether two permission sets' changes in one account clash;
/// serializing per account can only be slower, never skip a change.
fn busy_key(op: &Operation) -> (String, String) {
    let t = target_of(op);
    (t.instance_arn, t.account_id)
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
    pub(super) fn take(&mut self, op: &Operation) {
        if !self.held.insert(op.id) {
            return;
        }
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
    /// Frees the operation's slot (once; a second release does nothing).
    pub(super) fn release(&mut self, op: &Operation) {
        if !self.held.remove(&op.id) {
            return;
        }
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

pub(super) fn submit_job<'a>(c: &'a Clients, session: &'a Session, op: &Operation) -> Job<'a> {
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

pub(super) fn poll_job<'a>(
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
    let actions = crate::setup::policies::change_actions(op.spec.kind).join(" and ");
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
