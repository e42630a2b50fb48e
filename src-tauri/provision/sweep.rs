//! Watching asynchronous assignment changes with shared listings instead of one
//! `Describe…Status` per change.
//!
//! Per instance and kind of change, one `List…Status` (IN_PROGRESS) shows which of the
//! changes in flight AWS still works on; every other one has probably ended, so its slot
//! is freed at once (should AWS still count it, a send is refused with
//! `ServiceQuotaExceededException` and sent again later). Success is only ever what AWS
//! reports: an ended change is succeeded when a listing of SUCCEEDED requests names it.
//! Any change that listing does not name — failed, still in progress (status listings may
//! lag a just-accepted request), or beyond the pages read — is described one by one and
//! polled to its final state.
//!
//! When to list: when a slot is needed (all taken, or nothing else to send) and AWS
//! should have finished one by now, judged by the shortest time a change took so far;
//! otherwise about once a second, for progress. Listings and sends share one rate
//! limit, so the gap between listings is chosen to send the most changes per second
//! (see `urgent_gap`).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use super::send::{Event, Job, Key};
use crate::aws::changes::{self as aws_c, Change, ListedStatus};
use crate::aws::{Clients, Session};
use crate::error::Result;

/// Gap between listings while a slot is wanted, before any change was seen to end.
const FIRST_GAP: Duration = Duration::from_millis(200);
/// Gap between listings otherwise (progress).
const CALM_GAP: Duration = Duration::from_secs(1);
/// Gap between two confirmations of ended changes while others are still in flight
/// (they share the rate limit with sends, which matter more then).
const CONFIRM_GAP: Duration = Duration::from_secs(3);
/// The share of the rate sends and listings may plan to use together.
const HEADROOM: f64 = 0.9;
/// Pages of SUCCEEDED history read to confirm ended changes; the rest are described.
const SUCCEEDED_PAGES: usize = 3;

#[derive(Debug, Clone)]
pub(super) struct Watched {
    pub(super) op: i64,
    pub(super) request_id: String,
    since: Instant,
    /// When the listing that showed it ended had started.
    ended_by: Option<Instant>,
}

#[derive(Default)]
struct Entry {
    watched: Vec<Watched>,
    ended: Vec<Watched>,
    listing: bool,
    confirming: bool,
    last_list: Option<Instant>,
    last_confirm: Option<Instant>,
}

pub(super) struct Sweeper {
    entries: HashMap<Key, Entry>,
    /// The shortest time from sending a change to seeing it ended, so far.
    shortest: Option<Duration>,
    /// Identity Center calls per second, and changes allowed in flight per instance.
    rate: f64,
    max: usize,
}

/// The gap between listings that sends the most changes per second, given how long
/// AWS takes with one (`hold`), the calls per second allowed and the changes allowed
/// in flight. With a listing every `g` seconds and `s` sends per second, each slot is
/// busy for about `hold + g/2 + w` per change, where `w` is the wait for the rate
/// limiter at utilisation `u = (1/g + s) / rate` (a queue with constant service time:
/// `w = u / (2·rate·(1 − u))`), and sends can use at most `0.9·rate − 1/g` calls per second.
pub(super) fn urgent_gap(hold: Duration, rate: f64, max: usize) -> Duration {
    let hold = hold.as_secs_f64();
    let sends = |g: f64| {
        // Leave a tenth of the rate free: near saturation every send waits behind a listing.
        let budget = HEADROOM * rate - 1.0 / g;
        if budget <= 0.0 {
            return 0.0;
        }
        let mut s = (max as f64 / (hold + g / 2.0)).min(budget);
        for _ in 0..20 {
            let u = ((1.0 / g + s) / rate).min(0.99);
            let wait = u / (2.0 * rate * (1.0 - u));
            s = (max as f64 / (hold + g / 2.0 + wait)).min(budget);
        }
        s
    };
    let best = (5..=200).map(|i| i as f64 * 0.01).fold(0.05f64, |best, g| {
        if sends(g) > sends(best) {
            g
        } else {
            best
        }
    });
    Duration::from_secs_f64(best)
}

/// What a listing of changes in progress settled.
pub(super) struct Listed {
    /// Ended: their slots are free; the outcome is confirmed later.
    pub(super) ended: Vec<Watched>,
    /// The listing failed: read each one's status instead.
    pub(super) describe: Vec<Watched>,
}

/// What to do with ended changes once confirmed.
pub(super) struct Confirmed {
    pub(super) succeeded: Vec<Watched>,
    /// Failed, or not known: read each one's status.
    pub(super) describe: Vec<Watched>,
}

impl Sweeper {
    pub(super) fn new(rate: f64, max: usize) -> Self {
        Self {
            entries: HashMap::new(),
            shortest: None,
            rate,
            max,
        }
    }

    pub(super) fn watch(&mut self, instance: &str, change: Change, op: i64, request_id: String) {
        self.entries
            .entry((instance.to_owned(), change))
            .or_default()
            .watched
            .push(Watched {
                op,
                request_id,
                since: Instant::now(),
                ended_by: None,
            });
    }

    /// When the listing or confirmation of `key` is next due.
    fn due(
        &self,
        key: &Key,
        e: &Entry,
        now: Instant,
        wants_slot: &dyn Fn(&str) -> bool,
    ) -> Option<Instant> {
        let mut next: Option<Instant> = None;
        let mut consider = |t: Instant| next = Some(next.map_or(t, |n| n.min(t)));
        if !e.listing && !e.watched.is_empty() {
            let after = |gap| e.last_list.map_or(now, |t| t + gap);
            consider(after(CALM_GAP));
            if wants_slot(&key.0) {
                let gap = self
                    .shortest
                    .map_or(FIRST_GAP, |h| urgent_gap(h, self.rate, self.max));
                let oldest = e.watched.iter().map(|w| w.since).min();
                if let Some(oldest) = oldest {
                    consider(after(gap).max(oldest + self.shortest.unwrap_or_default()));
                }
            }
        }
        if !e.confirming && !e.ended.is_empty() {
            if e.watched.is_empty() {
                consider(now);
            } else {
                consider(e.last_confirm.map_or(now, |t| t + CONFIRM_GAP));
            }
        }
        next
    }

    /// The earliest time anything is due.
    pub(super) fn next_due(&self, wants_slot: &dyn Fn(&str) -> bool) -> Option<Instant> {
        let now = Instant::now();
        self.entries
            .iter()
            .filter_map(|(k, e)| self.due(k, e, now, wants_slot))
            .min()
    }

    /// The listings and confirmations due now, as jobs.
    pub(super) fn start<'a>(
        &mut self,
        clients: &'a HashMap<String, Clients>,
        session: &'a Session,
        wants_slot: &dyn Fn(&str) -> bool,
    ) -> Vec<Job<'a>> {
        let now = Instant::now();
        let due: Vec<Key> = self
            .entries
            .iter()
            .filter(|(k, e)| self.due(k, e, now, wants_slot).is_some_and(|t| t <= now))
            .map(|(k, _)| k.clone())
            .collect();
        let mut jobs = Vec::new();
        for key in due {
            let Some(c) = clients.get(&key.0) else {
                continue;
            };
            let Some(e) = self.entries.get_mut(&key) else {
                continue;
            };
            if !e.listing && !e.watched.is_empty() {
                e.listing = true;
                e.last_list = Some(now);
                jobs.push(list_job(c, session, key.clone(), ListedStatus::InProgress));
            }
            if !e.confirming && !e.ended.is_empty() {
                e.confirming = true;
                e.last_confirm = Some(now);
                jobs.push(list_job(c, session, key.clone(), ListedStatus::Succeeded));
            }
        }
        jobs
    }

    /// A listing of what AWS still has in progress came back: the watched changes sent
    /// before it started and not in it have ended.
    pub(super) fn listed(
        &mut self,
        key: &Key,
        started: Instant,
        in_progress: Result<Option<Vec<String>>>,
    ) -> Listed {
        let mut out = Listed {
            ended: vec![],
            describe: vec![],
        };
        let Some(e) = self.entries.get_mut(key) else {
            return out;
        };
        e.listing = false;
        let Ok(Some(ids)) = in_progress else {
            out.describe = std::mem::take(&mut e.watched);
            return out;
        };
        let ids: HashSet<String> = ids.into_iter().collect();
        let (mut ended, still): (Vec<Watched>, Vec<Watched>) = std::mem::take(&mut e.watched)
            .into_iter()
            .partition(|w| w.since <= started && !ids.contains(&w.request_id));
        e.watched = still;
        let now = Instant::now();
        for w in &mut ended {
            w.ended_by = Some(started);
            let took = now.duration_since(w.since);
            self.shortest = Some(self.shortest.map_or(took, |s| s.min(took)));
        }
        e.ended.extend(ended.iter().cloned());
        out.ended = ended;
        out
    }

    /// The SUCCEEDED listing came back: the ended changes it names succeeded; every other
    /// one is described (AWS has not said it succeeded).
    pub(super) fn confirmed(
        &mut self,
        key: &Key,
        started: Instant,
        succeeded: Result<Option<Vec<String>>>,
    ) -> Confirmed {
        let mut out = Confirmed {
            succeeded: vec![],
            describe: vec![],
        };
        let Some(e) = self.entries.get_mut(key) else {
            return out;
        };
        e.confirming = false;
        // Only changes known to have ended before this listing started are settled by it.
        let (settle, keep): (Vec<Watched>, Vec<Watched>) = std::mem::take(&mut e.ended)
            .into_iter()
            .partition(|w| w.ended_by.is_some_and(|t| t <= started));
        e.ended = keep;
        // A history too long to list (`Ok(None)`) or a failed listing confirms nothing.
        let ids: HashSet<String> = match succeeded {
            Ok(Some(ids)) => ids.into_iter().collect(),
            _ => HashSet::new(),
        };
        for w in settle {
            if ids.contains(&w.request_id) {
                out.succeeded.push(w);
            } else {
                out.describe.push(w);
            }
        }
        out
    }
}

fn list_job<'a>(c: &'a Clients, session: &'a Session, key: Key, status: ListedStatus) -> Job<'a> {
    Box::pin(async move {
        let started = Instant::now();
        let pages = if status == ListedStatus::InProgress {
            usize::MAX
        } else {
            SUCCEEDED_PAGES
        };
        let result = aws_c::requests(c, &session.gate, key.1, &key.0, status, pages).await;
        let event = if status == ListedStatus::InProgress {
            Event::Listed(key, started, result)
        } else {
            Event::Confirmed(key, started, result)
        };
        (0, event)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(ws: &[Watched]) -> Vec<i64> {
        let mut v: Vec<i64> = ws.iter().map(|w| w.op).collect();
        v.sort();
        v
    }

    #[test]
    fn a_listing_ends_what_aws_no_longer_works_on_and_only_a_succeeded_listing_settles_it() {
        let key: Key = ("inst".into(), Change::Create);
        let mut s = Sweeper::new(20.0, 15);
        for (op, rid) in [(1, "r1"), (2, "r2"), (3, "r3")] {
            s.watch("inst", Change::Create, op, rid.into());
        }
        let started = Instant::now();
        std::thread::sleep(Duration::from_millis(2));
        // Sent after the listing began: the listing cannot speak for it.
        s.watch("inst", Change::Create, 4, "r4".into());
        let listed = s.listed(&key, started, Ok(Some(vec!["r2".into()])));
        assert_eq!(ids(&listed.ended), vec![1, 3], "r2 is still in progress");
        assert!(listed.describe.is_empty());

        // AWS lists r1 as SUCCEEDED; r3 is not there (failed, or still in progress
        // behind a lagging listing): only AWS's word counts, so r3 is described.
        let confirmed = s.confirmed(
            &key,
            Instant::now(),
            Ok(Some(vec!["r1".into(), "old".into()])),
        );
        assert_eq!(ids(&confirmed.succeeded), vec![1]);
        assert_eq!(ids(&confirmed.describe), vec![3]);

        // A listing that fails hands every watched change to Describe, one by one.
        let listed = s.listed(
            &key,
            Instant::now(),
            Err(crate::error::Error::Store("down".into())),
        );
        assert_eq!(ids(&listed.describe), vec![2, 4]);
        assert!(listed.ended.is_empty());
    }

    #[test]
    fn a_history_too_long_to_list_means_describing_each() {
        let key: Key = ("inst".into(), Change::Delete);
        let mut s = Sweeper::new(20.0, 15);
        s.watch("inst", Change::Delete, 7, "r7".into());
        let listed = s.listed(&key, Instant::now(), Ok(Some(vec![])));
        assert_eq!(ids(&listed.ended), vec![7]);
        let confirmed = s.confirmed(&key, Instant::now(), Ok(None));
        assert!(confirmed.succeeded.is_empty());
        assert_eq!(ids(&confirmed.describe), vec![7]);
    }

    #[test]
    fn the_listing_gap_leaves_most_calls_to_sends_when_changes_are_quick() {
        // AWS done in 0.5 s at 20 calls/s: sends are bound by the rate, so listings are rare.
        let quick = urgent_gap(Duration::from_millis(500), 20.0, 15);
        // AWS takes 2 s: slots are the bound, so listings come often to free them early.
        let slow = urgent_gap(Duration::from_secs(2), 20.0, 15);
        assert!(quick > slow, "{quick:?} vs {slow:?}");
        assert!(slow <= Duration::from_millis(200), "{slow:?}");
        assert!(quick >= Duration::from_millis(250), "{quick:?}");
    }
}
