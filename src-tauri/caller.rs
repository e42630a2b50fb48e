//! Who this process acts as in AWS: the ARN of the base credentials when it last
//! connected. Set by `aws::connect`, read by the audit log, which records it next to
//! every row. A process-wide value, since one process acts for one person.

use std::sync::Mutex;

static LAST_CALLER: Mutex<Option<String>> = Mutex::new(None);

/// The caller's ARN, once this process has connected.
pub fn last() -> Option<String> {
    LAST_CALLER.lock().ok().and_then(|c| c.clone())
}

pub(crate) fn set(arn: &str) {
    if let Ok(mut last) = LAST_CALLER.lock() {
        *last = Some(arn.to_owned());
    }
}
