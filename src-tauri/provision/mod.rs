//! Changing access: plans, a persistent operation queue executed exactly once,
//! time-bound grants with reference counting, and the audit log.
//!
//! Every operation is written to SQLite before AWS is called and every state it
//! passes through is recorded, so a crash at any point resumes where it stopped.

pub mod audit;
pub mod batch;
pub mod duration;
mod exec;
pub mod expiry;
pub mod grants;
mod items;
mod jobs;
pub(crate) mod live;
mod names;
mod op;
mod outcome;
pub mod pending;
pub mod plan;
pub mod queue;
pub mod refresh;
mod report;
mod request;
pub(crate) mod resolve;
mod resume;
mod sweep;

pub use exec::execute;
pub use op::{
    actor, max_outstanding, require_full, set_max_outstanding, NewUser, OpKind, OpSpec, OpState,
    Operation, MAX_OUTSTANDING,
};
pub use plan::{Plan, PlanItem, Request};
pub use report::{ExecOptions, ExecProgress, ExecReport};
