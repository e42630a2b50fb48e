//! The bad input corpus: each input is refused with a message that names the problem and
//! the fix, and nothing stored changes.

use crate::common::*;

/// Everything a user could lose: settings, snapshot entries, the queue, the audit log,
/// reviews, and the newest snapshot's content.
fn stored(env: &Env) -> String {
    let conn = env.db();
    let rows = |sql: &str| -> String {
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        stmt.query_map([], |r| {
            Ok((0..n)
                .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                .collect::<Vec<_>>()
                .join("|"))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect::<Vec<_>>()
        .join("\n")
    };
    let newest = hallpass::store::snapshots::latest_complete(&conn).unwrap();
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        rows("SELECT key, value FROM settings ORDER BY key"),
        rows("SELECT * FROM snapshots ORDER BY id"),
        rows("SELECT * FROM operations ORDER BY id"),
        rows("SELECT * FROM audit ORDER BY id"),
        rows("SELECT * FROM reviews ORDER BY id"),
        newest
            .map(
                |s| serde_json::to_string(&hallpass::store::queries::org_data(&conn, s).unwrap())
                    .unwrap()
            )
            .unwrap_or_default()
    )
}

#[test]
fn bad_input_is_refused_with_the_problem_and_the_fix_and_nothing_stored_changes() {
    let w = World::synced("small");
    let env = &w.env;
    let files = tempfile::tempdir().unwrap();
    let file = |name: &str, bytes: &[u8]| -> String {
        let p = files.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    };
    let good_arn = w.truth.role_arn.clone();
    let long_id = "x".repeat(1300);
    let huge_policy = format!(
        "{{\"Version\":\"2012-10-17\",\"Statement\":[{}]}}",
        vec!["{\"Effect\":\"Allow\",\"Action\":\"sso:*\",\"Resource\":\"*\"}"; 60_000].join(",")
    );
    let exported = files.path().join("good.hallpass.json");
    env.ok(&["export-snapshot", "--out", exported.to_str().unwrap()]);
    let good_file = std::fs::read(&exported).unwrap();
    let newer_file = String::from_utf8(good_file.clone()).unwrap().replacen(
        "\"version\":1,",
        "\"version\":99,",
        1,
    );
    assert!(
        newer_file.as_bytes() != &good_file[..],
        "the version field is where expected"
    );

    let connect = |arn: &str, id: &str| -> Vec<String> {
        [
            "connect",
            "--role-arn",
            arn,
            "--external-id",
            id,
            "--region",
            REGION,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let grant = |extra: &[&str]| -> Vec<String> {
        ["grant", "--yes"]
            .iter()
            .chain(extra)
            .map(|s| s.to_string())
            .collect()
    };
    let corpus: Vec<(Vec<String>, &[&str])> = vec![
        // Role ARNs: malformed, other partitions, other services, other resources.
        (connect("arn:aws:iam::12345:role/X", EXTERNAL_ID), &["not 12 digits", "IAM console"]),
        (connect("arn:aws-xx:iam::123456789012:role/X", EXTERNAL_ID), &["unknown AWS partition", "aws-us-gov"]),
        (connect("arn:aws:s3:::my-bucket", EXTERNAL_ID), &["\"s3\" service", "not an IAM role"]),
        (connect("arn:aws:iam::123456789012:user/bob", EXTERNAL_ID), &["names a \"user\"", "role"]),
        (connect("arn:aws:iam:us-east-1:123456789012:role/X", EXTERNAL_ID), &["no region"]),
        (connect(&format!(" {good_arn}"), EXTERNAL_ID), &["spaces or line breaks"]),
        (connect("HallpassManagementRole", EXTERNAL_ID), &["not an ARN"]),
        // External IDs: too short, too long, whitespace, illegal characters.
        (connect(&good_arn, "a"), &["2 to 1224 characters", "has 1"]),
        (connect(&good_arn, &long_id), &["2 to 1224 characters", "has 1300"]),
        (connect(&good_arn, " leading-space-id"), &["spaces or line breaks", "never match"]),
        (connect(&good_arn, "semi;colon-id"), &["contains ';'", "+=,.@:/-_"]),
        (connect(&good_arn, "tab\tinside"), &["contains '\\t'"]),
        // Regions.
        (
            ["connect", "--role-arn", &good_arn, "--external-id", EXTERNAL_ID, "--region", "Europe"]
                .map(str::to_owned)
                .to_vec(),
            &["not an AWS region name", "eu-north-1"],
        ),
        // Policies: invalid JSON, not a policy, far too big.
        (
            vec!["lint-policy".into(), "--permissions".into(), file("bad.json", b"{\"Version\": \"2012-10-17\", \"Statement\": [")],
            &["not valid JSON", "Copy the whole document"],
        ),
        (
            vec!["lint-policy".into(), "--trust".into(), file("list.json", b"[1, 2, 3]")],
            &["no Statement"],
        ),
        (
            vec!["lint-policy".into(), "--permissions".into(), file("huge.json", huge_policy.as_bytes())],
            &["characters"],
        ),
        // Names that do not exist.
        (grant(&["--group", "no-such-team", "--permission-set", "ReadOnly", "--account", "acct-01"]), &["unknown group \"no-such-team\"", "hallpass sync"]),
        (grant(&["--user", "nobody", "--permission-set", "ReadOnly", "--account", "acct-01", "--reason", "on call"]), &["unknown user \"nobody\""]),
        (grant(&["--group", "team-empty", "--permission-set", "NoSuchSet", "--account", "acct-01"]), &["unknown permission set \"NoSuchSet\""]),
        (grant(&["--group", "team-empty", "--permission-set", "ReadOnly", "--account", "acct-99"]), &["unknown account \"acct-99\"", "Did you mean \"acct-09\""]),
        (grant(&["--group", "team-empty", "--permission-set", "ReadOnly", "--ou", "NoSuchOu"]), &["unknown OU \"NoSuchOu\""]),
        (
            ["grant", "--group", "team-empty", "--permission-set", "ReadOnly", "--account", "acct-01", "--expires", "forever", "--yes"]
                .map(str::to_owned)
                .to_vec(),
            &["\"forever\" is not a duration", "8h"],
        ),
        // Matrices with typos.
        (
            vec!["drift".into(), "--matrix".into(), file("typo.yaml", b"assignments:\n  - group: team-web\n    permision_set: ReadOnly\n    ous: [_root_]\n")],
            &["line 3", "unknown field `permision_set`", "Expected"],
        ),
        (
            vec!["drift".into(), "--matrix".into(), file("nogroup.yaml", b"assignments:\n  - permission_set: ReadOnly\n    ous: [_root_]\n")],
            &["entry 1 names no group"],
        ),
        (
            vec![
                "drift".into(),
                "--matrix".into(),
                file("unknown.yaml", b"assignments:\n  - group: team-web\n    permission_set: ReadOnly\n    accounts: [acct-nope]\n"),
                "--reconcile".into(),
                "--yes".into(),
            ],
            &["unknown name", "fix them first", "acct-nope", "hallpass sync"],
        ),
        // Snapshot files: cut short, foreign, from a newer Hallpass.
        (
            vec!["import-snapshot".into(), file("cut.json", &good_file[..good_file.len() / 2])],
            &["cut short", "copy it again"],
        ),
        (
            vec!["import-snapshot".into(), file("photo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")],
            &["not a Hallpass snapshot file", "export-snapshot"],
        ),
        (
            vec!["import-snapshot".into(), file("other.json", b"{\"format\": \"something-else\", \"version\": 1}")],
            &["not a Hallpass snapshot file"],
        ),
        (
            vec!["import-snapshot".into(), file("newer.json", newer_file.as_bytes())],
            &["newer Hallpass", "update Hallpass"],
        ),
    ];

    let before = stored(env);
    for (args, wanted) in &corpus {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = env.run(&args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let shown: Vec<&str> = args
            .iter()
            .map(|a| if a.len() > 80 { "<long>" } else { a })
            .collect();
        assert!(!out.status.success(), "{shown:?} was accepted: {text}");
        for w in *wanted {
            assert!(
                text.contains(w),
                "{shown:?}: the message lacks {w:?}:\n{text}"
            );
        }
        assert!(!text.contains("panicked"), "{shown:?}: {text}");
        assert_eq!(stored(env), before, "{shown:?} changed what is stored");
    }
}

/// `connect` takes the External ID from HALLPASS_EXTERNAL_ID or a prompt that does not echo
/// (a flag shows in `ps` and the shell's history). With neither, and no terminal to prompt
/// at, it is refused with where to give it, and nothing is stored.
#[test]
fn connect_without_an_external_id_and_no_terminal_says_where_to_give_it() {
    let w = World::synced("small");
    let before = stored(&w.env);
    let out = w
        .env
        .command()
        .env_remove("HALLPASS_EXTERNAL_ID")
        .stdin(std::process::Stdio::null())
        .args([
            "connect",
            "--role-arn",
            &w.truth.role_arn,
            "--region",
            REGION,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no External ID given") && err.contains("HALLPASS_EXTERNAL_ID"),
        "{err}"
    );
    assert_eq!(stored(&w.env), before);
}

/// Account names are not unique in AWS Organizations. A name that fits two accounts is
/// refused — by grants, access reviews and `explain` — listing both with their ids, and
/// nothing is sent; the id works.
#[test]
fn an_ambiguous_account_name_is_refused_with_the_candidates() {
    let w = World::synced("small");
    let twin = w.h.mutate(
        serde_json::json!({ "kind": "create_account", "region": REGION,
                                  "name": "acct-01", "email": "aws+twin@example.com" }),
    )["account_id"]
        .as_str()
        .unwrap()
        .to_owned();
    w.env.ok(&["sync"]);
    let first = w.truth.account_id("acct-01");
    let before = w.h.counters();
    for args in [
        vec![
            "grant",
            "--group",
            "team-empty",
            "--permission-set",
            "ReadOnly",
            "--account",
            "acct-01",
            "--yes",
        ],
        vec!["review", "start", "--account", "acct-01"],
        vec!["explain", "--user", "user01", "--account", "acct-01"],
    ] {
        let out = w.env.run(&args);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("fits 2 accounts") && err.contains(&first) && err.contains(&twin),
            "{args:?}: {err}"
        );
    }
    assert_eq!(
        before.get("sso:CreateAccountAssignment"),
        w.h.counters().get("sso:CreateAccountAssignment"),
        "nothing was sent"
    );
    let out = w.env.json(&[
        "grant",
        "--group",
        "team-empty",
        "--permission-set",
        "ReadOnly",
        "--account",
        &twin,
        "--yes",
    ]);
    assert_eq!(out["report"]["succeeded"], 1, "{out:#}");
}
