//! Plans waiting for the person's confirmation, kept on the Rust side. The window gets a
//! plan to show and an unguessable id; confirming sends back the id only, so what is
//! queued is exactly what Hallpass planned and checked, never something the web view
//! made up or edited (ids, ARNs, the "already done" flag, expiry, audit names).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// How long a plan stays good: AWS may have changed since it was checked live.
pub const TTL: Duration = Duration::from_secs(15 * 60);
/// At most this many plans wait at once; the oldest goes first.
const KEPT: usize = 32;

/// Plans (or other confirmable changes) by id, each usable once.
pub struct Pending<T> {
    kept: Mutex<Kept<T>>,
    ttl: Duration,
}

struct Kept<T> {
    /// Insertion order: which plan is the oldest.
    next: u64,
    items: HashMap<String, (Instant, u64, T)>,
}

impl<T> Default for Pending<T> {
    fn default() -> Self {
        Self::with_ttl(TTL)
    }
}

impl<T> Pending<T> {
    pub fn with_ttl(ttl: Duration) -> Self {
        Self {
            kept: Mutex::new(Kept {
                next: 0,
                items: HashMap::new(),
            }),
            ttl,
        }
    }

    /// Keeps `item` and returns its id: 128 random bits from the OS, as hex.
    pub fn keep(&self, item: T) -> Result<String> {
        let id = crate::random::hex(16)?;
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        let ttl = self.ttl;
        kept.items.retain(|_, (at, _, _)| at.elapsed() < ttl);
        while kept.items.len() >= KEPT {
            let oldest = kept
                .items
                .iter()
                .min_by_key(|(_, (_, seq, _))| *seq)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => kept.items.remove(&k),
                None => break,
            };
        }
        let seq = kept.next;
        kept.next += 1;
        kept.items.insert(id.clone(), (Instant::now(), seq, item));
        Ok(id)
    }

    /// Takes the item kept under `id`: once only, and only while it is fresh.
    pub fn take(&self, id: &str) -> Result<T> {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        match kept.items.remove(id) {
            Some((at, _, item)) if at.elapsed() < self.ttl => Ok(item),
            Some(_) => Err(Error::InvalidInput(format!(
                "this plan is older than {} minutes and AWS may have changed since it was checked: plan the change again",
                self.ttl.as_secs() / 60
            ))),
            None => Err(Error::InvalidInput(
                "there is no such plan waiting: it was applied or discarded already, or it did not come from Hallpass. \
                 Plan the change again."
                    .into(),
            )),
        }
    }

    /// Drops every waiting plan (another organization was opened).
    pub fn clear(&self) {
        self.kept
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .items
            .clear();
    }

    /// Drops a plan the person cancelled.
    pub fn discard(&self, id: &str) {
        self.kept
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .items
            .remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_is_taken_once_by_its_id_and_nothing_else_is_accepted() {
        let p = Pending::default();
        let id = p.keep("grant").unwrap();
        assert_eq!(id.len(), 32);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(p.keep("other").unwrap(), id, "ids are not reused");
        assert!(p.take("0".repeat(32).as_str()).is_err(), "a forged id");
        assert_eq!(p.take(&id).unwrap(), "grant");
        let again = p.take(&id).unwrap_err().to_string();
        assert!(again.contains("no such plan"), "{again}");
    }

    #[test]
    fn a_stale_plan_is_refused_and_the_oldest_make_room() {
        let p = Pending::with_ttl(Duration::ZERO);
        let id = p.keep(1).unwrap();
        let err = p.take(&id).unwrap_err().to_string();
        assert!(err.contains("plan the change again"), "{err}");

        let p = Pending::default();
        let first = p.keep(0).unwrap();
        let ids: Vec<String> = (1..=KEPT).map(|i| p.keep(i).unwrap()).collect();
        assert!(p.take(&first).is_err(), "the oldest was dropped");
        assert_eq!(p.take(&ids[KEPT - 1]).unwrap(), KEPT);
    }
}
