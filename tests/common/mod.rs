//! Test support: the emulator harness (moto + our gap-fillers) on a free loopback
//! port, its scenarios' ground truth, and running the real `hallpass` binary at it.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub mod proxy;

use serde::Deserialize;
use serde_json::{json, Value};

/// The External ID the scenarios' trust policies require.
pub const EXTERNAL_ID: &str = "hallpass-test-external-id-4f9c2a7d1b";
pub const REGION: &str = "eu-north-1";
/// Fast client-side rates: the emulator has no limits unless a test sets some.
pub const FAST_RATES: &str = "sso=2000,identitystore=2000,organizations=2000,sts=2000";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Python with the emulator's packages (HALLPASS_PYTHON, else .venv, else python3).
pub fn python() -> PathBuf {
    if let Ok(p) = std::env::var("HALLPASS_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = repo().join(".venv/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

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
        let resp = ureq::post(&format!("{}/_harness/{path}", self.url))
            .send_json(body)
            .unwrap_or_else(|e| match e {
                ureq::Error::Status(_, r) => {
                    panic!("harness {path}: {}", r.into_string().unwrap_or_default())
                }
                other => panic!("harness {path}: {other}"),
            });
        resp.into_json().expect("harness answers JSON")
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
            .into_json()
            .expect("assumed JSON")
    }

    pub fn counters(&self) -> BTreeMap<String, u64> {
        ureq::get(&format!("{}/_harness/counters", self.url))
            .call()
            .expect("counters")
            .into_json()
            .expect("counters JSON")
    }

    /// The emulator's state as an independent client (boto3) reads it: users,
    /// memberships and assignments of the management instance and of the
    /// instances held by `members`. Every assignment appears once per listing.
    pub fn inspect(&self, members: &[&str]) -> Inspected {
        self.inspect_only(members, &[])
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
pub struct TruthAccount {
    pub id: String,
    pub name: String,
    pub parent_id: String,
    pub email: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthOu {
    pub id: String,
    pub name: String,
    pub parent_id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthInstance {
    pub instance_arn: String,
    pub identity_store_id: String,
    pub owner_account_id: String,
    pub region: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthPermissionSet {
    pub instance_arn: String,
    pub arn: String,
    pub name: String,
    pub description: String,
    pub session_duration: String,
    pub relay_state: Option<String>,
    pub inline_policy: Option<String>,
    pub managed_policies: Vec<String>,
    pub customer_managed_policies: Vec<String>,
    pub permissions_boundary: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthUser {
    pub identity_store_id: String,
    pub user_id: String,
    pub user_name: String,
    pub display_name: String,
    pub given_name: String,
    pub family_name: String,
    pub email: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthGroup {
    pub identity_store_id: String,
    pub group_id: String,
    pub display_name: String,
    pub description: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct TruthMembership {
    pub identity_store_id: String,
    pub group_id: String,
    pub user_id: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct TruthAssignment {
    pub instance_arn: String,
    pub account_id: String,
    pub permission_set_arn: String,
    pub principal_type: String,
    pub principal_id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InspectedUser {
    pub identity_store_id: String,
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

#[derive(Debug, Clone, Deserialize)]
pub struct Truth {
    pub management_account_id: String,
    pub organization_id: String,
    pub root_id: String,
    pub role_arn: String,
    pub ous: Vec<TruthOu>,
    pub accounts: Vec<TruthAccount>,
    /// The organization instance.
    pub instances: Vec<TruthInstance>,
    /// Account instances in member accounts (applications only).
    #[serde(default)]
    pub account_instances: Vec<TruthInstance>,
    pub unreachable_accounts: Vec<String>,
    pub delegated_admins: Vec<String>,
    pub permission_sets: Vec<TruthPermissionSet>,
    pub users: Vec<TruthUser>,
    pub groups: Vec<TruthGroup>,
    pub memberships: Vec<TruthMembership>,
    pub assignments: Vec<TruthAssignment>,
}

impl Truth {
    pub fn group_id(&self, name: &str) -> String {
        let g = self.groups.iter().find(|g| g.display_name == name);
        g.unwrap_or_else(|| panic!("no group {name}"))
            .group_id
            .clone()
    }
    pub fn user_id(&self, name: &str) -> String {
        let u = self.users.iter().find(|u| u.user_name == name);
        u.unwrap_or_else(|| panic!("no user {name}"))
            .user_id
            .clone()
    }
    pub fn ps_arn(&self, name: &str) -> String {
        let p = self.permission_sets.iter().find(|p| p.name == name);
        p.unwrap_or_else(|| panic!("no permission set {name}"))
            .arn
            .clone()
    }
    pub fn ps_name(&self, arn: &str) -> String {
        let p = self.permission_sets.iter().find(|p| p.arn == arn);
        p.unwrap_or_else(|| panic!("no permission set {arn}"))
            .name
            .clone()
    }
    pub fn account_id(&self, name: &str) -> String {
        let a = self.accounts.iter().find(|a| a.name == name);
        a.unwrap_or_else(|| panic!("no account {name}")).id.clone()
    }
    pub fn account_name(&self, id: &str) -> String {
        let a = self.accounts.iter().find(|a| a.id == id);
        a.unwrap_or_else(|| panic!("no account {id}")).name.clone()
    }
    pub fn group_name(&self, id: &str) -> String {
        let g = self.groups.iter().find(|g| g.group_id == id);
        g.unwrap_or_else(|| panic!("no group {id}"))
            .display_name
            .clone()
    }

    pub fn assignment_set(&self) -> BTreeSet<TruthAssignment> {
        self.assignments.iter().cloned().collect()
    }
}

/// A seeded emulator, its ground truth, and a data folder synced from it once.
pub struct World {
    pub h: Harness,
    pub truth: Truth,
    pub env: Env,
}

impl World {
    pub fn synced(scenario: &str) -> Self {
        let h = Harness::start();
        let truth = h.seed(scenario);
        let env = Env::new(&h, &truth);
        env.ok(&["sync"]);
        World { h, truth, env }
    }

    /// The provisioning queue as `hallpass ops --json` lists it.
    pub fn ops(&self) -> Vec<Value> {
        self.env
            .json(&["ops"])
            .as_array()
            .expect("ops list")
            .clone()
    }
}

/// A data folder and the environment to run `hallpass` against the harness.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub url: String,
    pub role_arn: String,
    pub external_id: String,
    pub rates: String,
    /// The Identity Center home region the commands run with.
    pub region: String,
}

impl Env {
    pub fn new(harness: &Harness, truth: &Truth) -> Self {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
            url: harness.url.clone(),
            role_arn: truth.role_arn.clone(),
            external_id: EXTERNAL_ID.to_owned(),
            rates: FAST_RATES.to_owned(),
            region: REGION.to_owned(),
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hallpass"));
        cmd.env("AWS_ENDPOINT_URL", &self.url)
            .env("AWS_ACCESS_KEY_ID", "AKIAHALLPASSTESTKEY1")
            .env("AWS_SECRET_ACCESS_KEY", "hallpass-test-secret-access-key")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", self.dir.path().join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.dir.path().join("no-aws-credentials"),
            )
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .env("HALLPASS_DATA_DIR", self.dir.path())
            .env("HALLPASS_REGION", &self.region)
            .env("HALLPASS_ROLE_ARN", &self.role_arn)
            .env("HALLPASS_EXTERNAL_ID", &self.external_id)
            .env("HALLPASS_RATES", &self.rates);
        cmd
    }

    /// Runs `hallpass ARGS` to completion.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run hallpass")
    }

    /// Runs `hallpass ARGS`, which must succeed.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "hallpass {args:?} failed:\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(&all)).expect("JSON output")
    }

    pub fn db(&self) -> rusqlite::Connection {
        hallpass::store::open(self.data_dir()).expect("open store")
    }

    pub fn db_size(&self) -> u64 {
        let db = hallpass::store::db_path(self.data_dir());
        let wal = db.with_extension("db-wal");
        std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0)
            + std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0)
    }
}

/// A snapshot's memberships in the ground truth's terms.
pub fn snapshot_memberships(conn: &rusqlite::Connection, snap: i64) -> BTreeSet<TruthMembership> {
    hallpass::store::queries::memberships(conn, snap)
        .unwrap()
        .into_iter()
        .map(|m| TruthMembership {
            identity_store_id: m.identity_store_id,
            group_id: m.group_id,
            user_id: m.user_id,
        })
        .collect()
}

/// A snapshot's assignments in the ground truth's terms.
pub fn snapshot_assignments(conn: &rusqlite::Connection, snap: i64) -> BTreeSet<TruthAssignment> {
    hallpass::store::queries::assignments(conn, snap)
        .unwrap()
        .into_iter()
        .map(|a| TruthAssignment {
            instance_arn: a.instance_arn,
            account_id: a.account_id,
            permission_set_arn: a.permission_set_arn,
            principal_type: a.principal_type.as_str().to_owned(),
            principal_id: a.principal_id,
        })
        .collect()
}
