//! Running the real `hallpass` binary at the emulator: a data folder with its environment,
//! and a seeded, synced world.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use super::{Harness, Truth, EXTERNAL_ID, FAST_RATES, REGION};

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

    /// A time-bound grant to a group, applied: `hallpass grant --group G --permission-set P
    /// --account A --expires E [--reason R] --yes --json`.
    pub fn grant_for(
        &self,
        group: &str,
        ps: &str,
        account: &str,
        expires: &str,
        reason: Option<&str>,
    ) -> Value {
        let mut args = vec![
            "grant",
            "--group",
            group,
            "--permission-set",
            ps,
            "--account",
            account,
            "--expires",
            expires,
            "--yes",
        ];
        if let Some(r) = reason {
            args.extend(["--reason", r]);
        }
        self.json(&args)
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

impl World {
    /// A (account name, account id, permission set name, arn) the group does not have yet.
    pub fn free(&self, group: &str, skip: usize) -> (String, String, String, String) {
        let gid = self.truth.group_id(group);
        let main = &self
            .truth
            .instances
            .iter()
            .find(|i| i.owner_account_id == self.truth.management_account_id)
            .unwrap()
            .instance_arn;
        let mut free = Vec::new();
        for acct in self
            .truth
            .accounts
            .iter()
            .filter(|a| a.name.starts_with("acct-"))
        {
            for ps in self
                .truth
                .permission_sets
                .iter()
                .filter(|p| &p.instance_arn == main)
            {
                let taken = self.truth.assignments.iter().any(|a| {
                    a.account_id == acct.id
                        && a.permission_set_arn == ps.arn
                        && a.principal_id == gid
                });
                if !taken {
                    free.push((
                        acct.name.clone(),
                        acct.id.clone(),
                        ps.name.clone(),
                        ps.arn.clone(),
                    ));
                }
            }
        }
        free.swap_remove(skip)
    }
}
