//! Changing access: plans, a persistent operation queue executed exactly once,
//! time-bound grants with reference counting, and the audit log.
//!
//! Every operation is written to SQLite before AWS is called and every state it
//! passes through is recorded, so a crash at any point resumes where it stopped.
//!
//! The modules, in reading order (each imports only modules above it or beside it,
//! never one that imports it back — `scripts/import-cycles.py` checks):
//!
//! 1. What a change is — `op` (the operation types of `model::operation`, the limits and
//!    who may run it), `duration` (how long a grant lasts).
//! 2. From a request to a plan — `request` (what is asked, the plan's shape), `names` and
//!    `resolve` (typed names to exactly one item of the newest snapshot), `expand` (an
//!    assignment request into operations), `plan` (the planner), `live_check` (the plan
//!    checked against AWS itself), `pending` (plans the window shows, kept by id).
//! 3. Writing it down — `batch` (a confirmed plan written as one unit: operations, grant
//!    requests, audit entries), `grants` (when a grant's end revokes its assignment),
//!    `expiry` (ending grants, which queues revocations). The tables themselves are
//!    `store::operations` (the queue and its state changes), `store::grants` and
//!    `store::audit` (the hash-chained log).
//! 4. Running it — `exec` (the executor), `send` (one operation's calls and the limits),
//!    `sweep` (shared status listings), `outcome` (what each answer means), `resume`
//!    (after an interruption), `report` (progress and totals), `refresh` (re-reading what
//!    a batch touched into a new snapshot).
//! 5. Beyond the queue — `expiry_schedules` (expiries enforced by AWS through EventBridge
//!    Scheduler), `sessions` (ending live sessions with a Deny in the permission set's
//!    inline policy; the statement itself is `session_policy`), `provisioning` (provisioning a permission set and waiting for it).

pub mod batch;
pub mod break_glass;
pub mod duration;
mod exec;
mod expand;
pub mod expiry;
pub mod expiry_schedules;
pub mod grants;
pub(crate) mod live_check;
mod names;
mod op;
mod outcome;
pub mod pending;
mod permission_sets;
pub mod plan;
pub mod provisioning;
pub mod refresh;
mod report;
mod request;
pub(crate) mod resolve;
mod resume;
mod send;
pub mod session_policy;
pub mod sessions;
mod sweep;

pub use exec::execute;
pub use op::{
    actor, max_outstanding, require_full, set_max_outstanding, AssignmentSpec, MembershipSpec,
    NewUser, OpChange, OpKind, OpSpec, OpState, Operation, UserSpec, MAX_OUTSTANDING,
};
pub use plan::{Plan, PlanItem, Request};
pub use report::{ExecOptions, ExecProgress, ExecReport};
