//! The emulator: moto and our gap-fillers (tests/harness/server.py) on a free loopback
//! port, its test hooks (scenarios, faults, counters), and the independent boto3 reading
//! of its state.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde::Deserialize;
use serde_json::{json, Value};

use super::{python, repo, Truth, TruthAssignment, TruthMembership, EXTERNAL_ID, REGION};

pub struct Harness {
    child: Child,
    pub url: String,
}

impl Harness {
    pub fn start() -> Self {
        let mut child = Command::new(python())
            .arg(repo().join("tests/harness/server.py"))
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the emulator harness (python3 with moto[server]; run scripts/test to install it)");
        let stdout = child.stdout.take().expect("harness stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read harness banner");
        let url = line
            .strip_prefix("HARNESS_READY ")
            .unwrap_or_else(|| panic!("harness did not start: {line:?}"))
            .trim()
            .to_owned();
        Harness { child, url }
    }

    fn post(&self, path: &str, body: Value) -> Value {
        let mut resp = ureq::post(&format!("{}/_harness/{path}", self.url))
            .config()
            .http_status_as_error(false)
            .build()
            .send_json(body)
            .unwrap_or_else(|e| panic!("harness {path}: {e}"));
        if !resp.status().is_success() {
            panic!(
                "harness {path}: {}",
                resp.body_mut().read_to_string().unwrap_or_default()
            );
        }
        resp.body_mut().read_json().expect("harness answers JSON")
    }

    /// Seeds a scenario (`small` or `large`) and returns its ground truth.
    pub fn seed(&self, name: &str) -> Truth {
        self.seed_in(name, REGION)
    }

    /// Seeds a scenario with its Identity Center instance in `region` (and the organization
    /// in that region's partition: `us-gov-…` is AWS GovCloud, `cn-…` China).
    pub fn seed_in(&self, name: &str, region: &str) -> Truth {
        let truth = self.post(
            "scenario",
            json!({ "name": name, "external_id": EXTERNAL_ID, "region": region, "seed": 42 }),
        );
        serde_json::from_value(truth).expect("ground truth")
    }

    /// An Identity Center admin client of another tool, straight at the emulator (test
    /// credentials of the management account).
    pub fn sso_admin_client(&self) -> aws_sdk_ssoadmin::Client {
        let conf = aws_sdk_ssoadmin::Config::builder()
            .behavior_version(aws_sdk_ssoadmin::config::BehaviorVersion::latest())
            .region(aws_sdk_ssoadmin::config::Region::new(REGION))
            .endpoint_url(&self.url)
            .credentials_provider(aws_credential_types::Credentials::for_tests())
            .build();
        aws_sdk_ssoadmin::Client::from_conf(conf)
    }

    pub fn config(&self, cfg: Value) {
        self.post("config", cfg);
    }

    pub fn mutate(&self, change: Value) -> Value {
        self.post("mutate", change)
    }

    /// Every AssumeRole that succeeded: role ARN, session name, source identity.
    pub fn assumed(&self) -> Vec<Value> {
        ureq::get(&format!("{}/_harness/assumed", self.url))
            .call()
            .expect("assumed")
            .body_mut()
            .read_json()
            .expect("assumed JSON")
    }

    /// Every EventBridge Scheduler schedule in the emulator, as GetSchedule shows it.
    pub fn schedules(&self) -> Vec<Value> {
        self.get("schedules")
    }

    /// Every schedule the emulator ran: name, time, target and result.
    pub fn scheduler_runs(&self) -> Vec<Value> {
        self.get("scheduler_runs")
    }

    /// A user signs in to the AWS access portal and takes role credentials for a permission
    /// set on an account: the session's id (None when the portal refuses: no access).
    pub fn portal_session(&self, user_id: &str, account_id: &str, ps_arn: &str) -> Option<String> {
        let out = self.post(
            "portal/credentials",
            json!({ "user_id": user_id, "account_id": account_id, "permission_set_arn": ps_arn }),
        );
        out["session_id"].as_str().map(str::to_owned)
    }

    /// Whether a request made with that session is allowed now.
    pub fn portal_allows(&self, session: &str) -> bool {
        let out = self.post("portal/call", json!({ "session_id": session }));
        out["allowed"].as_bool().expect("portal call answer")
    }

    /// The inline policy the permission set's role in the account holds now (as last
    /// provisioned there).
    pub fn role_policy(&self, ps_arn: &str, account_id: &str) -> String {
        let out = self.post(
            "role_policy",
            json!({ "permission_set_arn": ps_arn, "account_id": account_id }),
        );
        out["policy"].as_str().unwrap_or_default().to_owned()
    }

    fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        ureq::get(&format!("{}/_harness/{path}", self.url))
            .call()
            .unwrap_or_else(|e| panic!("harness {path}: {e}"))
            .body_mut()
            .read_json()
            .unwrap_or_else(|e| panic!("harness {path}: {e}"))
    }

    pub fn counters(&self) -> BTreeMap<String, u64> {
        ureq::get(&format!("{}/_harness/counters", self.url))
            .call()
            .expect("counters")
            .body_mut()
            .read_json()
            .expect("counters JSON")
    }

    /// The emulator's state as an independent client (boto3) reads it: users,
    /// memberships and assignments of the management instance and of the
    /// instances held by `members`. Every assignment appears once per listing.
    pub fn inspect(&self, members: &[&str]) -> Inspected {
        self.inspect_only(members, &[])
    }

    /// The permission set named `name` as an independent client (boto3) reads it: fields,
    /// policies, tags, the accounts it is provisioned to and the outdated ones (`arn` is
    /// null when there is none).
    pub fn permission_set(&self, name: &str) -> Value {
        let out = Command::new(python())
            .arg(repo().join("tests/harness/inspect_permission_set.py"))
            .arg(&self.url)
            .arg(REGION)
            .arg(name)
            .output()
            .expect("run the boto3 inspector");
        assert!(
            out.status.success(),
            "inspector failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("inspector JSON")
    }

    /// [`Harness::inspect`] with only these permission sets' assignments listed.
    pub fn inspect_only(&self, members: &[&str], permission_sets: &[&str]) -> Inspected {
        let out = Command::new(python())
            .arg(repo().join("tests/harness/inspect_state.py"))
            .arg(&self.url)
            .arg(REGION)
            .args(members)
            .args(permission_sets.iter().flat_map(|p| ["--permission-set", p]))
            .output()
            .expect("run the boto3 inspector");
        assert!(
            out.status.success(),
            "inspector failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("inspector JSON")
    }

    pub fn reset_counters(&self) {
        self.post("counters/reset", json!({}));
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct InspectedUser {
    pub user_id: String,
    pub user_name: String,
    pub display_name: Option<String>,
    pub emails: Vec<String>,
}

/// What the boto3 inspector saw.
#[derive(Debug, Clone, Deserialize)]
pub struct Inspected {
    pub users: Vec<InspectedUser>,
    pub memberships: Vec<TruthMembership>,
    pub assignments: Vec<TruthAssignment>,
}

impl Inspected {
    /// How many times AWS lists this (account, permission set, principal).
    pub fn assignment_count(&self, account: &str, ps: &str, principal: &str) -> usize {
        self.assignments
            .iter()
            .filter(|a| {
                a.account_id == account && a.permission_set_arn == ps && a.principal_id == principal
            })
            .count()
    }

    pub fn is_member(&self, group: &str, user: &str) -> bool {
        self.memberships
            .iter()
            .any(|m| m.group_id == group && m.user_id == user)
    }
}
