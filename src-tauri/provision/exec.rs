//! The executor: resumes what a previous run left, sends queued operations under the
//! limits (≤ N outstanding assignment changes per instance, one in flight per account),
//! polls asynchronous changes to a final state, and records
//! every step before and after each call.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use futures::stream::{FuturesUnordered, StreamExt};
use rusqlite::Connection;

use super::live_check::{clients_for, instance_access};
use super::op::{OpState, Operation, MAX_OUTSTANDING};
use super::outcome::{handle, Next};
use super::refresh;
use super::report::{ExecOptions, ExecProgress, ExecReport};
use super::resume::resume;
use super::send::{change_of, poll_job, retry_delay, submit_job, Event, Job, Limits};
use super::sweep::Sweeper;
use crate::aws::changes::{AsyncStatus, Status};
use crate::aws::{Clients, Service, Session};
use crate::error::Result;
use crate::store::operations;

/// Runs every open operation to an end state (or as far as AWS lets it), then expires
/// due grants' follow-ups and refreshes the snapshot.
pub async fn execute(
    conn: &mut Connection,
    session: &Session,
    opts: &ExecOptions,
) -> Result<ExecReport> {
    super::op::require_full(session.access)?;
    let _lock = operations::lock_queue(conn)?;
    let clock = Instant::now();
    let mut report = ExecReport::default();
    let (expired, overdue) = super::expiry::expire_due(conn, &opts.actor)?;
    report.expired_grants = expired.len() as u32;
    report.overdue_grants = overdue as u32;
    report.notices = expired.iter().map(crate::notify::expired).collect();

    let access = instance_access(conn)?;
    let mut member_clients = HashMap::new();
    let mut clients: HashMap<String, Clients> = HashMap::new();
    let open = operations::open(conn)?;
    // Also the instances of batches a stopped run finished but did not refresh.
    let earlier = operations::succeeded_in(conn, &operations::unrefreshed_batches(conn)?)?;
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
    // What this run works on, to tell afterwards how each ended.
    let worked_on: Vec<i64> = open.iter().map(|o| o.id).collect();
    resume(conn, session, &clients, &open).await?;
    // Sessions to end are denied before their revokes are sent.
    let mut sessions = super::sessions::converge(conn, session, &opts.actor).await;
    let (open, _) = operations::open(conn)?
        .into_iter()
        .partition::<Vec<_>, _>(|o| !o.spec.kind().is_permission_set());
    run(conn, session, &clients, open, opts, &mut report).await?;
    // A permission set's changes after the assignments (a deletion after its revokes).
    super::permission_sets::run(conn, session, &clients, opts, &mut report).await?;
    // The revokes that finished start their blocks' clocks; blocks whose time is over go.
    let after = super::sessions::converge(conn, session, &opts.actor).await;
    sessions.applied += after.applied;
    sessions.removed += after.removed;
    sessions.errors.extend(after.errors);
    report.sessions = Some(sessions);
    report.run_ms = clock.elapsed().as_millis() as u64;
    let clock = Instant::now();

    if opts.refresh {
        let batches = operations::unrefreshed_batches(conn)?;
        if !batches.is_empty() {
            let changed = operations::succeeded_in(conn, &batches)?;
            if !changed.is_empty() {
                report.refreshed_snapshot = Some(
                    refresh::run(conn, session, &clients, &refresh::Touched::of(&changed)).await?,
                );
            }
            operations::mark_refreshed(conn, &batches)?;
        }
    }
    report.refresh_ms = clock.elapsed().as_millis() as u64;
    report.schedules = Some(super::expiry_schedules::after_run(conn, session).await);
    let finished: Vec<Operation> = worked_on
        .iter()
        .filter_map(|id| operations::get(conn, *id).ok())
        .filter(|o| !o.state.is_open())
        .collect();
    report.notices.extend(crate::notify::of_operations(
        &finished,
        |batch| operations::batch_reason(conn, batch).ok().flatten(),
        |op| {
            op.grant_id
                .and_then(|id| crate::store::grants::by_id(conn, id).ok())
                .filter(|g| g.break_glass)
        },
    ));
    report.webhook = crate::notify::post(opts.webhook.clone(), report.notices.clone()).await;
    Ok(report)
}

async fn run(
    conn: &mut Connection,
    session: &Session,
    clients: &HashMap<String, Clients>,
    open: Vec<Operation>,
    opts: &ExecOptions,
    report: &mut ExecReport,
) -> Result<()> {
    let max = opts.max_outstanding.clamp(1, MAX_OUTSTANDING);
    let mut limits = Limits::new(max);
    let total = open.len() as u32;
    let mut ops: HashMap<i64, Operation> = HashMap::new();
    let mut pending: VecDeque<i64> = VecDeque::new();
    let mut not_before: HashMap<i64, Instant> = HashMap::new();
    let mut jobs: FuturesUnordered<Job<'_>> = FuturesUnordered::new();
    // Sends (and direct changes) in flight.
    let mut sending = 0usize;
    let mut sweeper = Sweeper::new(session.gate.rate(Service::SsoAdmin), max);
    let mut finished = 0u32;
    for op in open {
        match (&op.state, &op.request_id) {
            (OpState::InProgress, Some(rid)) | (OpState::Queued, Some(rid))
                if op.spec.kind().is_assignment() =>
            {
                limits.take(&op);
                let change = change_of(op.spec.kind());
                sweeper.watch(&op.spec.instance_arn, change, op.id, rid.clone());
            }
            _ => pending.push_back(op.id),
        }
        ops.insert(op.id, op);
    }
    let progress = |finished: u32, limits: &Limits, report: &ExecReport| {
        if let Some(p) = &opts.progress {
            p(&ExecProgress {
                total,
                finished,
                in_flight: limits.held() as u32,
                failed: report.failed,
                blocked: report.blocked,
            });
        }
    };
    progress(0, &limits, report);
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
            operations::mark_submitted(conn, id)?;
            limits.take(op);
            jobs.push(submit_job(&clients[&op.spec.instance_arn], session, op));
            sending += 1;
        }
        pending = skipped;
        // A slot is wanted where all are taken, or anywhere once nothing else is left to send.
        // Sends waiting for the rate limiter go first: a listing now would only delay them.
        let idle = pending.is_empty();
        let wants_slot = |instance: &str| sending == 0 && (idle || limits.is_full(instance));
        jobs.extend(sweeper.start(clients, session, &wants_slot));
        let next_retry = pending.iter().filter_map(|id| not_before.get(id)).min();
        let wake = [next_retry.copied(), sweeper.next_due(&wants_slot)]
            .into_iter()
            .flatten()
            .min();
        if jobs.is_empty() {
            match wake {
                Some(t) => {
                    tokio::time::sleep_until(t.into()).await;
                    continue;
                }
                // Nothing in flight and nothing due: done (anything unsettled is resumed
                // by the next run).
                None => break,
            }
        }
        let (id, event) = match wake {
            Some(t) => tokio::select! {
                e = jobs.next() => match e { Some(e) => e, None => continue },
                _ = tokio::time::sleep_until(t.into()) => continue,
            },
            None => match jobs.next().await {
                Some(e) => e,
                None => continue,
            },
        };
        let settled: Vec<(i64, Event)> = match event {
            Event::Listed(key, started, result) => {
                let listed = sweeper.listed(&key, started, result);
                for w in &listed.ended {
                    limits.release(&ops[&w.op]);
                }
                for w in listed.describe {
                    let op = &ops[&w.op];
                    jobs.push(poll_job(&clients[&key.0], session, op, w.request_id));
                }
                progress(finished, &limits, report);
                continue;
            }
            Event::Confirmed(key, started, result) => {
                let confirmed = sweeper.confirmed(&key, started, result);
                for w in confirmed.describe {
                    let op = &ops[&w.op];
                    jobs.push(poll_job(&clients[&key.0], session, op, w.request_id));
                }
                confirmed
                    .succeeded
                    .into_iter()
                    .map(|w| (w.op, succeeded(w.request_id)))
                    .collect()
            }
            other => {
                if matches!(other, Event::Submitted(_) | Event::Direct(_)) {
                    sending -= 1;
                }
                vec![(id, other)]
            }
        };
        for (id, event) in settled {
            let op = ops[&id].clone();
            let c = &clients[&op.spec.instance_arn];
            match handle(conn, session, c, &op, event, report).await? {
                Next::Watch(rid) => {
                    sweeper.watch(&op.spec.instance_arn, change_of(op.spec.kind()), id, rid)
                }
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
        }
        progress(finished, &limits, report);
    }
    report.peak_outstanding = limits.peak as u32;
    Ok(())
}

fn succeeded(request_id: String) -> Event {
    Event::Polled(Ok(AsyncStatus {
        request_id,
        status: Status::Succeeded,
    }))
}
