//! The trust policy Hallpass generates is accepted for every shape of caller IAM knows:
//! IAM Identity Center roles with and without the region segment in their path, roles
//! of your own with a path (which the session ARN drops), and nobody else. The harness
//! evaluates the policy like IAM (principal ARNs with paths, ArnLike on aws:PrincipalArn,
//! sts:ExternalId).

use crate::common::*;
use serde_json::{json, Value};

/// Base credentials that are a session of `role_arn` (as `aws sso login` would give).
struct SessionCreds {
    arn: String,
    key: String,
    secret: String,
    token: String,
}

fn assume(h: &Harness, role_arn: &str) -> SessionCreds {
    let conf = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new(REGION))
        .endpoint_url(&h.url)
        .credentials_provider(aws_credential_types::Credentials::new(
            "AKIAHALLPASSTESTKEY1",
            "hallpass-test-secret-access-key",
            None,
            None,
            "test",
        ))
        .build();
    let sts = aws_sdk_sts::Client::from_conf(conf);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let out = rt
        .block_on(
            sts.assume_role()
                .role_arn(role_arn)
                .role_session_name("alice@example.com")
                .send(),
        )
        .expect("the base identity may assume the caller role");
    let c = out.credentials().unwrap();
    SessionCreds {
        arn: out.assumed_role_user().unwrap().arn().to_owned(),
        key: c.access_key_id().to_owned(),
        secret: c.secret_access_key().to_owned(),
        token: c.session_token().to_owned(),
    }
}

/// `hallpass sync` as the session `who`; its output and whether it succeeded.
fn sync_as(env: &Env, who: &SessionCreds) -> (bool, String) {
    let out = env
        .command()
        .env("AWS_ACCESS_KEY_ID", &who.key)
        .env("AWS_SECRET_ACCESS_KEY", &who.secret)
        .env("AWS_SESSION_TOKEN", &who.token)
        .args(["sync"])
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn the_generated_trust_policy_admits_every_shape_of_the_caller_and_no_one_else() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    let role = |name: &str, path: &str| -> String {
        h.mutate(
            json!({ "kind": "create_role", "region": REGION, "role_name": name, "path": path }),
        )["role_arn"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let sso_plain = role(
        "AWSReservedSSO_AdministratorAccess_0123456789abcdef",
        "/aws-reserved/sso.amazonaws.com/",
    );
    let sso_regional = role(
        "AWSReservedSSO_PlatformAdmin_fedcba9876543210",
        "/aws-reserved/sso.amazonaws.com/eu-west-1/",
    );
    let pathed = role("DeployAdmin", "/ops/team/");
    let other = role(
        "AWSReservedSSO_ReadOnly_00112233aabbccdd",
        "/aws-reserved/sso.amazonaws.com/",
    );

    for caller_role in [&sso_plain, &sso_regional, &pathed] {
        let me = assume(&h, caller_role);
        assert!(
            !me.arn.contains("/ops/") && !me.arn.contains("aws-reserved"),
            "a session ARN drops the role's path: {}",
            me.arn
        );
        // What the wizard and `hallpass policies` give this admin, pasted into IAM.
        let docs = env.json(&[
            "policies",
            "--caller",
            &me.arn,
            "--external-id",
            EXTERNAL_ID,
        ]);
        let trust: &Value = &docs["trust_policy"];
        assert!(
            docs["permissions_policy"]["Statement"].is_array(),
            "{docs:#}"
        );
        assert!(
            docs.get("external_id").is_none(),
            "the given one is not repeated"
        );
        h.mutate(
            json!({ "kind": "set_trust_policy", "region": REGION, "document": trust.to_string() }),
        );

        let (ok, out) = sync_as(&env, &me);
        assert!(
            ok,
            "{caller_role} is admitted by its own policy: {out}\n{trust:#}"
        );

        // Someone else in the same account is not.
        let stranger = assume(&h, &other);
        let (ok, out) = sync_as(&env, &stranger);
        assert!(
            !ok,
            "{other} must not be admitted by {caller_role}'s policy"
        );
        assert!(out.contains("AssumeRole"), "{out}");
    }

    // The External ID is still required.
    let me = assume(&h, &sso_plain);
    let docs = env.json(&[
        "policies",
        "--caller",
        &me.arn,
        "--external-id",
        "another-external-id",
    ]);
    h.mutate(json!({ "kind": "set_trust_policy", "region": REGION, "document": docs["trust_policy"].to_string() }));
    let (ok, _) = sync_as(&env, &me);
    assert!(
        !ok,
        "the External ID in the policy differs from the one Hallpass sends"
    );
}

#[test]
fn policies_without_an_external_id_generate_one_and_refuse_a_bad_caller() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    let out = env
        .command()
        .env_remove("HALLPASS_EXTERNAL_ID")
        .args([
            "policies",
            "--caller",
            "arn:aws:iam::111122223333:user/alice",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let docs: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ext = docs["external_id"].as_str().unwrap();
    assert!(ext.len() >= 32, "{ext}");
    assert_eq!(
        docs["trust_policy"]["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
        ext
    );
    assert_eq!(
        docs["trust_policy"]["Statement"][0]["Principal"]["AWS"],
        "arn:aws:iam::111122223333:user/alice"
    );
    // Without --caller: who the base credentials are.
    let docs = env.json(&["policies"]);
    assert!(
        docs["caller"].as_str().unwrap().contains(":123456789012:"),
        "{docs:#}"
    );

    let out = env.run(&["policies", "--caller", "alice"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not the ARN of an IAM user, role or role session"),
        "{err}"
    );
}

/// GovCloud (and China) credentials are not valid in the commercial partition: who the
/// base credentials are is asked in each partition in turn (not assumed to be us-east-1),
/// and the policies come out in the credentials' partition.
#[test]
fn policies_for_govcloud_credentials_are_in_their_partition() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    h.config(json!({ "key_partitions": { "AKIAHALLPASSTESTKEY1": "aws-us-gov" } }));
    let docs = env.json(&["policies", "--external-id", EXTERNAL_ID]);
    let caller = docs["caller"].as_str().unwrap();
    assert!(caller.starts_with("arn:aws-us-gov:"), "{docs:#}");
    assert!(
        h.counters()
            .get("harness:wrong_partition")
            .copied()
            .unwrap_or(0)
            >= 1,
        "the commercial partition refused the GovCloud key first"
    );
    let text = docs["permissions_policy"].to_string();
    assert!(
        text.contains("arn:aws-us-gov:iam::*:role/OrganizationAccountAccessRole"),
        "{text}"
    );
    assert!(
        text.contains("arn:aws-us-gov:iam::*:role/aws-reserved/sso.amazonaws.com/*"),
        "{text}"
    );
    assert!(!text.contains("arn:aws:"), "{text}");
    let trust = docs["trust_policy"].to_string();
    assert!(trust.contains("arn:aws-us-gov:"), "{trust}");
}
