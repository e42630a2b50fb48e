//! Several organizations on one machine: each has its own data folder and its own
//! keychain entry, so connecting a second one never replaces the first.

use crate::common::*;
use serde_json::Value;

/// `hallpass` with the secrets from the keychain (not the environment), against `url`.
fn cmd(env: &Env, url: &str) -> std::process::Command {
    let mut c = env.command();
    c.env_remove("HALLPASS_ROLE_ARN")
        .env_remove("HALLPASS_EXTERNAL_ID")
        .env("AWS_ENDPOINT_URL", url);
    c
}

fn ok(mut c: std::process::Command, args: &[&str]) -> String {
    let out = c.args(args).output().unwrap();
    assert!(
        out.status.success(),
        "hallpass {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Removes both folders' keychain entries however the test ends.
struct Cleanup<'a>(&'a Env, String);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let _ = cmd(self.0, &self.1).arg("disconnect").output();
        let _ = cmd(self.0, &self.1)
            .args(["--org", "sandbox", "disconnect"])
            .output();
    }
}

#[test]
fn two_organizations_keep_their_own_connections_and_folders() {
    let (ha, hb) = (Harness::start(), Harness::start());
    let (a, b) = (ha.seed("small"), hb.seed("small"));
    assert_ne!(a.organization_id, b.organization_id);
    // The second organization's role wants another External ID.
    let second_id = "second-organization-external-id-77";
    hb.mutate(serde_json::json!({ "kind": "set_external_id", "region": REGION, "external_id": second_id }));
    let env = Env::new(&ha, &a);
    let _cleanup = Cleanup(&env, ha.url.clone());

    ok(
        cmd(&env, &ha.url),
        &[
            "connect",
            "--role-arn",
            &a.role_arn,
            "--external-id",
            EXTERNAL_ID,
        ],
    );
    let out = cmd(&env, &hb.url)
        .args(["--org", "sandbox", "sync"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("no organization \"sandbox\""),
        "{err}"
    );
    ok(cmd(&env, &ha.url), &["orgs", "add", "sandbox"]);
    ok(
        cmd(&env, &hb.url),
        &[
            "--org",
            "sandbox",
            "connect",
            "--role-arn",
            &b.role_arn,
            "--external-id",
            second_id,
        ],
    );

    // Each syncs with its own stored connection: the second did not replace the first.
    ok(cmd(&env, &ha.url), &["sync"]);
    ok(cmd(&env, &hb.url), &["--org", "sandbox", "sync"]);
    let orgs: Value = serde_json::from_str(&ok(cmd(&env, &ha.url), &["orgs", "--json"])).unwrap();
    let by_name = |n: &str| {
        orgs.as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == n)
            .unwrap_or_else(|| panic!("{orgs:#}"))
            .clone()
    };
    assert_eq!(
        by_name("default")["organization_id"],
        a.organization_id.as_str()
    );
    assert_eq!(
        by_name("sandbox")["organization_id"],
        b.organization_id.as_str()
    );
    assert_eq!(by_name("sandbox")["connected"], true);
    let sandbox_dir = env.data_dir().join("orgs").join("sandbox");
    assert!(sandbox_dir.join("hallpass.db").exists());
    let listed = ok(cmd(&env, &ha.url), &["--org", "sandbox", "orgs"]);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with('*') && l.contains("sandbox")),
        "{listed}"
    );

    // Forgetting one leaves the other connected.
    ok(cmd(&env, &hb.url), &["--org", "sandbox", "disconnect"]);
    let out = cmd(&env, &hb.url)
        .args(["--org", "sandbox", "sync"])
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "the sandbox has no connection any more"
    );
    ok(cmd(&env, &ha.url), &["sync"]);

    // A bad name is refused with what a name may be.
    let out = cmd(&env, &ha.url)
        .args(["orgs", "add", "../escape"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("lowercase letters"),
        "{err}"
    );
}

/// The single keychain entry of earlier versions belongs to the folder that was connected:
/// it moves into that folder's own entry on first use, and a new folder does not take it.
#[test]
fn the_connection_of_an_earlier_version_moves_into_its_folders_own_entry() {
    use hallpass::secrets::{Credentials, Keychain, SecretStore, Sensitive};
    let legacy = Keychain::with_service("hallpass");
    let creds = Credentials {
        role_arn: Sensitive::new("arn:aws:iam::123456789012:role/HallpassManagementRole".into()),
        external_id: Sensitive::new("an-external-id-from-an-earlier-version".into()),
    };
    legacy.save(&creds).unwrap();

    let fresh = tempfile::tempdir().unwrap();
    let conn = hallpass::store::open(fresh.path()).unwrap();
    assert!(
        Keychain::for_folder(&conn)
            .unwrap()
            .load()
            .unwrap()
            .is_none(),
        "a folder that was never connected does not take it"
    );

    let connected = tempfile::tempdir().unwrap();
    let conn = hallpass::store::open(connected.path()).unwrap();
    hallpass::store::set_setting(&conn, "region", REGION).unwrap();
    let own = Keychain::for_folder(&conn).unwrap();
    let moved = own.load().unwrap().expect("adopted");
    assert_eq!(moved.external_id, creds.external_id);
    assert!(legacy.load().unwrap().is_none(), "the old entry is gone");
    assert_eq!(own.load().unwrap().unwrap().role_arn, creds.role_arn);
    own.delete().unwrap();
}
