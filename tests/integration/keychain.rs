//! The keychain round trip against a real Secret Service (run inside the test
//! session that scripts/test sets up: dbus-run-session + gnome-keyring).

use hallpass::secrets::{Credentials, Keychain, SecretStore, Sensitive};

#[test]
fn role_arn_and_external_id_round_trip_through_the_os_keychain() {
    let store = Keychain::with_service(format!("hallpass-test-{}", std::process::id()));
    assert!(store.load().expect("keychain reachable").is_none());
    let creds = Credentials {
        role_arn: Sensitive::new("arn:aws:iam::123456789012:role/HallpassManagementRole".into()),
        external_id: Sensitive::new("round-trip-external-id-0123456789".into()),
    };
    store.save(&creds).expect("save to keychain");
    let loaded = store.load().unwrap().expect("stored credentials");
    assert_eq!(loaded.role_arn, creds.role_arn);
    assert_eq!(loaded.external_id, creds.external_id);
    // A second connection overwrites the first.
    let newer = Credentials {
        role_arn: Sensitive::new("arn:aws:iam::210987654321:role/Other".into()),
        external_id: Sensitive::new("another-external-id-9876543210".into()),
    };
    store.save(&newer).unwrap();
    assert_eq!(store.load().unwrap().unwrap().role_arn, newer.role_arn);
    store.delete().unwrap();
    assert!(store.load().unwrap().is_none());
    store.delete().expect("deleting twice is fine");
}

use std::path::Path;

use crate::common::*;

/// Removes the product's keychain entry when the test ends, however it ends: the
/// real-window tests that run after it in the same session expect a first run.
struct Disconnect<'a>(&'a Env);

impl Drop for Disconnect<'_> {
    fn drop(&mut self) {
        let _ = keychain_cmd(self.0).arg("disconnect").output();
    }
}

/// `hallpass` with the secrets coming from the keychain, as a user runs it.
fn keychain_cmd(env: &Env) -> std::process::Command {
    let mut cmd = env.command();
    cmd.env_remove("HALLPASS_ROLE_ARN")
        .env_remove("HALLPASS_EXTERNAL_ID");
    cmd
}

fn run_ok(env: &Env, args: &[&str], outputs: &mut Vec<(String, String)>) -> String {
    let out = keychain_cmd(env).args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "hallpass {args:?}: {stdout}\n{stderr}"
    );
    outputs.push((format!("{args:?}"), format!("{stdout}\n{stderr}")));
    stdout
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Finds `needle` in `haystack` as bytes (the database is binary).
fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// An assumed-role access key as STS issues them (`ASIA` and 16 more).
fn has_session_key(haystack: &[u8]) -> bool {
    haystack.windows(20).any(|w| {
        w.starts_with(b"ASIA")
            && w[4..]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    })
}

#[test]
fn a_full_run_leaves_no_secret_in_the_database_logs_exports_or_shared_files() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    let mut outputs = vec![];
    let wrong_external_id = "a-mistyped-external-id-77";

    // The External ID from HALLPASS_EXTERNAL_ID, not a flag that would show in `ps` and
    // the shell's history.
    let connected = keychain_cmd(&env)
        .env("HALLPASS_EXTERNAL_ID", EXTERNAL_ID)
        .args(["connect", "--role-arn", &truth.role_arn, "--region", REGION])
        .output()
        .unwrap();
    assert!(
        connected.status.success(),
        "{}",
        String::from_utf8_lossy(&connected.stderr)
    );
    let _cleanup = Disconnect(&env);
    run_ok(&env, &["sync"], &mut outputs);
    for change in ["grant", "revoke"] {
        let args = [
            change,
            "--group",
            "team-empty",
            "--permission-set",
            "ReadOnly",
        ];
        let target = ["--account", "acct-01", "--yes"];
        run_ok(&env, &[&args[..], &target[..]].concat(), &mut outputs);
    }
    run_ok(
        &env,
        &[
            "user",
            "create",
            "--user-name",
            "new.hire",
            "--given-name",
            "New",
            "--family-name",
            "Hire",
            "--email",
            "new.hire@example.com",
            "--yes",
        ],
        &mut outputs,
    );
    // A failed sync (a mistyped External ID for one run) and a failed connection check.
    let failed = keychain_cmd(&env)
        .args(["sync", "--external-id", wrong_external_id])
        .output()
        .unwrap();
    assert!(!failed.status.success());
    outputs.push((
        "failed sync".into(),
        String::from_utf8_lossy(&failed.stderr).into_owned(),
    ));
    let checks = keychain_cmd(&env).args(["check"]).output().unwrap();
    outputs.push((
        "check".into(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&checks.stdout),
            String::from_utf8_lossy(&checks.stderr)
        ),
    ));
    run_ok(&env, &["sync"], &mut outputs);

    let exports = env.data_dir().join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    let shared = tempfile::tempdir().unwrap();
    let shared_file = shared.path().join("snapshot.hallpass.json");
    run_ok(
        &env,
        &["export-snapshot", "--out", shared_file.to_str().unwrap()],
        &mut outputs,
    );
    run_ok(
        &env,
        &[
            "export-access-matrix",
            "--out",
            exports.join("matrix.csv").to_str().unwrap(),
        ],
        &mut outputs,
    );
    run_ok(
        &env,
        &[
            "drift",
            "--export",
            exports.join("matrix.yaml").to_str().unwrap(),
        ],
        &mut outputs,
    );
    let review: serde_json::Value = serde_json::from_str(&run_ok(
        &env,
        &["review", "start", "--account", "acct-01", "--json"],
        &mut outputs,
    ))
    .unwrap();
    let id = review["id"].to_string();
    for format in ["csv", "json", "html"] {
        let out = exports.join(format!("review.{format}"));
        run_ok(
            &env,
            &[
                "review",
                "export",
                &id,
                "--format",
                format,
                "--out",
                out.to_str().unwrap(),
            ],
            &mut outputs,
        );
    }
    run_ok(&env, &["audit", "--json"], &mut outputs);
    run_ok(&env, &["snapshots", "--json"], &mut outputs);

    let secrets = [
        ("the role ARN", truth.role_arn.as_str()),
        ("the External ID", EXTERNAL_ID),
        ("the mistyped External ID", wrong_external_id),
        ("the AWS access key id", "AKIAHALLPASSTESTKEY1"),
        (
            "the AWS secret access key",
            "hallpass-test-secret-access-key",
        ),
    ];
    let mut scanned = files(env.data_dir());
    scanned.push(shared_file);
    let names: Vec<String> = scanned.iter().map(|p| p.display().to_string()).collect();
    for wanted in [
        "hallpass.db",
        "hallpass.log",
        "matrix.csv",
        "review.html",
        "snapshot.hallpass.json",
    ] {
        assert!(
            names.iter().any(|n| n.ends_with(wanted)),
            "{wanted} was written: {names:?}"
        );
    }
    let log = std::fs::read_to_string(env.data_dir().join("logs/hallpass.log")).unwrap();
    assert!(
        log.contains("written as snapshot"),
        "the log records the syncs: {log}"
    );
    assert!(log.contains("failed"), "and the failed one: {log}");
    for path in &scanned {
        let bytes = std::fs::read(path).unwrap();
        for (what, value) in secrets {
            assert!(
                !contains(&bytes, value),
                "{what} found in {}",
                path.display()
            );
        }
        assert!(
            !has_session_key(&bytes),
            "an assumed-role key found in {}",
            path.display()
        );
    }
    for (command, text) in &outputs {
        for (what, value) in secrets {
            assert!(!text.contains(value), "{what} printed by {command}: {text}");
        }
        assert!(
            !has_session_key(text.as_bytes()),
            "an assumed-role key printed by {command}"
        );
    }
}
