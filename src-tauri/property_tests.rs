//! Property tests of the parsers that read what people paste or files they are sent:
//! role ARNs, External IDs, policy documents, source-of-truth matrices and shared
//! snapshot files. None may panic, each accepts exactly what its rule says, and what
//! it refuses is refused with a message that says what to do.

use proptest::prelude::*;
use serde_json::Value;

use crate::checks::lint::{lint, PolicyKind};
use crate::checks::Severity;
use crate::error::Error;
use crate::review::{matrix, share};
use crate::setup::{parse_role_arn, validate_external_id};

fn valid_role_arn() -> impl Strategy<Value = (String, String, String, String)> {
    (
        prop::sample::select(vec!["aws", "aws-us-gov", "aws-cn"]),
        "[0-9]{12}",
        prop::collection::vec("[a-zA-Z0-9+=,.@_-]{1,12}", 0..3),
        "[a-zA-Z0-9+=,.@_-]{1,64}",
    )
        .prop_map(|(partition, account, path, name)| {
            let path: String = path.iter().map(|p| format!("{p}/")).collect();
            let arn = format!("arn:{partition}:iam::{account}:role/{path}{name}");
            (arn, partition.to_owned(), account, name)
        })
}

/// Any JSON value, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,20}".prop_map(Value::String),
        prop::sample::select(vec![
            "sts:AssumeRole",
            "Allow",
            "Deny",
            "*",
            "sts:ExternalId",
            "2012-10-17",
            "arn:aws:iam::123456789012:root",
        ])
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "Version",
                    "Statement",
                    "Effect",
                    "Action",
                    "NotAction",
                    "Resource",
                    "Principal",
                    "AWS",
                    "Condition",
                    "StringEquals",
                    "sts:ExternalId",
                    "Sid",
                    "x",
                ]),
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

fn says_what_to_do(e: &Error) -> bool {
    matches!(e, Error::InvalidInput(m) if m.len() > 20)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_valid_role_arn_is_accepted_with_its_parts((arn, partition, account, name) in valid_role_arn()) {
        let parsed = parse_role_arn(&arn).unwrap();
        prop_assert_eq!(parsed.partition, partition);
        prop_assert_eq!(parsed.account_id, account);
        prop_assert_eq!(parsed.name, name);
    }

    #[test]
    fn a_role_arn_with_one_character_spoiled_is_refused_with_the_fix(
        (arn, ..) in valid_role_arn(),
        at in any::<prop::sample::Index>(),
        bad in prop::sample::select(vec![' ', '\n', '\t', '#', '*', '"', '\u{e9}', '\u{200b}', ';']),
    ) {
        let mut chars: Vec<char> = arn.chars().collect();
        let i = at.index(chars.len());
        chars[i] = bad;
        let spoiled: String = chars.into_iter().collect();
        let err = parse_role_arn(&spoiled).unwrap_err();
        prop_assert!(says_what_to_do(&err), "{err}");
        prop_assert!(err.to_string().contains("arn:aws:iam::123456789012:role/"), "{err}");
    }

    #[test]
    fn role_arns_of_other_services_and_resources_are_refused(
        service in prop::sample::select(vec!["s3", "sts", "ec2", "sso", "organizations", "lambda"]),
        kind in prop::sample::select(vec!["user", "group", "policy", "instance-profile", "assumed-role"]),
        account in "[0-9]{12}",
    ) {
        for arn in [
            format!("arn:aws:{service}::{account}:role/X"),
            format!("arn:aws:iam::{account}:{kind}/X"),
            format!("arn:aws:iam:us-east-1:{account}:role/X"),
        ] {
            let err = parse_role_arn(&arn).unwrap_err();
            prop_assert!(says_what_to_do(&err), "{arn}: {err}");
        }
    }

    #[test]
    fn any_text_as_a_role_arn_never_panics(text in "\\PC{0,200}") {
        if let Err(e) = parse_role_arn(&text) {
            prop_assert!(says_what_to_do(&e), "{e}");
        }
    }

    #[test]
    fn an_external_id_is_accepted_exactly_when_aws_would(text in prop_oneof![
        "[a-zA-Z0-9+=,.@:/_-]{0,1300}",
        "[a-zA-Z0-9+=,.@:/_ \\t-]{0,40}",
        "\\PC{0,40}",
    ]) {
        let aws_accepts = (2..=1224).contains(&text.len())
            && text.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@:/-_".contains(c));
        match validate_external_id(&text) {
            Ok(()) => prop_assert!(aws_accepts, "{text:?} accepted"),
            Err(e) => {
                prop_assert!(!aws_accepts, "{text:?} refused: {e}");
                prop_assert!(says_what_to_do(&e), "{e}");
                if text.len() > 8 {
                    prop_assert!(!e.to_string().contains(&text), "the message repeats the whole secret: {e}");
                }
            }
        }
    }

    #[test]
    fn any_json_as_a_policy_gets_findings_and_never_panics(
        doc in json_value(),
        kind in prop::sample::select(vec![PolicyKind::Trust, PolicyKind::Permissions]),
    ) {
        let text = doc.to_string();
        let findings = lint(kind, &text, Some("an-external-id-1234"), crate::model::AccessLevel::Full);
        for f in &findings {
            prop_assert!(!f.title.is_empty() && !f.fix.is_empty(), "{f:?}");
        }
        if !doc.is_object() {
            prop_assert!(findings.iter().any(|f| f.severity == Severity::Error), "{text}: {findings:?}");
        }
    }

    #[test]
    fn any_text_as_a_policy_never_panics(text in "\\PC{0,400}") {
        let findings = lint(PolicyKind::Permissions, &text, None, crate::model::AccessLevel::Full);
        if serde_json::from_str::<Value>(&text).is_err() {
            prop_assert_eq!(findings.len(), 1);
            prop_assert_eq!(&findings[0].title, "The policy is not valid JSON");
        }
    }

    #[test]
    fn any_text_as_a_matrix_is_parsed_or_refused_with_what_to_write(text in prop_oneof![
        "\\PC{0,300}",
        // Near misses: the matrix's own keys, misspelt and mis-indented.
        prop::collection::vec(prop::sample::select(vec![
            "assignments:\n", "  - group: platform\n", "  - user: ada\n", "    permission_set: ReadOnly\n",
            "    permision_set: ReadOnly\n", "    ous: [_root_]\n", "    accounts: [111111111111]\n",
            "    ou: [Workloads]\n", "   group: x\n", "assignment:\n", "    ous: Workloads\n", "- \n", ": :\n",
        ]), 0..8).prop_map(|lines| lines.concat()),
    ]) {
        match matrix::parse(&text) {
            Ok(m) => {
                for e in &m.assignments {
                    prop_assert!(e.group.is_some() != e.user.is_some());
                    prop_assert!(!(e.ous.is_empty() && e.accounts.is_empty()));
                }
                // What was read writes back and reads back the same.
                let again = matrix::parse(&matrix::to_yaml(&m).unwrap()).unwrap();
                prop_assert_eq!(again, m);
            }
            Err(e) => prop_assert!(says_what_to_do(&e), "{e}"),
        }
    }
}

proptest! {
    // Each case opens a database: fewer of them.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_as_a_shared_snapshot_are_refused_and_nothing_is_stored(bytes in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..400),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        json_value().prop_map(|v| {
            serde_json::json!({ "format": "hallpass-snapshot", "version": 1, "snapshot": v.clone(), "data": v })
                .to_string()
                .into_bytes()
        }),
    ]) {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::store::open(dir.path()).unwrap();
        let err = share::import_bytes(&mut conn, &bytes, "shared.json").unwrap_err();
        prop_assert!(says_what_to_do(&err), "{err}");
        prop_assert!(crate::store::snapshots::list(&conn).unwrap().is_empty());
    }
}
