//! Setting up a connection: the role ARN and External ID rules, External ID generation,
//! the policy documents, the stored connection, and the step-by-step connection test.

pub mod check;
pub mod connection;
pub mod policies;
pub mod profiles;

use rand::RngExt;

use crate::error::{Error, Result};

use crate::aws::arn::PARTITIONS;
pub use crate::aws::arn::{parse_role_arn, RoleArn};

/// Checks that `arn` names an identity that can run Hallpass: an IAM user or role
/// (`arn:aws:iam::123456789012:user/alice`, `…:role/path/Name`) or a role session
/// (`arn:aws:sts::123456789012:assumed-role/Name/session`).
pub fn validate_caller_arn(arn: &str) -> Result<()> {
    let fix = "Give the ARN `aws sts get-caller-identity` prints for the credentials that will run \
               Hallpass, e.g. arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice.";
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && PARTITIONS.contains(&parts[1])
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && match parts[2] {
            "iam" => parts[5].starts_with("user/") || parts[5].starts_with("role/"),
            "sts" => parts[5].starts_with("assumed-role/") && parts[5].matches('/').count() == 2,
            _ => false,
        }
        && !arn.chars().any(char::is_whitespace);
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "{arn:?} is not the ARN of an IAM user, role or role session. {fix}"
        )))
    }
}

/// Checks an External ID against what `sts:AssumeRole` accepts (2–1224 characters of
/// letters, digits and `+=,.@:/-_`), refusing surrounding whitespace, which would
/// never match the trust policy.
pub fn validate_external_id(id: &str) -> Result<()> {
    let fix = "Copy it exactly as it appears in the trust policy's sts:ExternalId condition.";
    if id.trim() != id {
        return Err(Error::InvalidInput(format!(
            "the External ID has spaces or line breaks around it, so it would never match the trust policy. {fix}"
        )));
    }
    if id.len() < 2 || id.len() > 1224 {
        return Err(Error::InvalidInput(format!(
            "the External ID must be 2 to 1224 characters long; this one has {}. {fix}",
            id.len()
        )));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "+=,.@:/-_".contains(*c)))
    {
        return Err(Error::InvalidInput(format!(
            "the External ID contains {bad:?}, which AWS does not accept (letters, digits and +=,.@:/-_ only). {fix}"
        )));
    }
    Ok(())
}

/// A new External ID: 40 random characters from letters and digits (about 238 bits).
pub fn generate_external_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..40)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_role_arns() {
        let r = parse_role_arn("arn:aws:iam::123456789012:role/HallpassManagementRole").unwrap();
        assert_eq!(r.account_id, "123456789012");
        assert_eq!(r.name, "HallpassManagementRole");
        let r = parse_role_arn("arn:aws-us-gov:iam::123456789012:role/team/ops/Hallpass").unwrap();
        assert_eq!(r.partition, "aws-us-gov");
        assert_eq!(r.name, "Hallpass");
    }

    #[test]
    fn refuses_other_arns_with_the_reason() {
        let cases = [
            (" arn:aws:iam::123456789012:role/X", "spaces"),
            ("arn:aws:s3:::bucket", "\"s3\" service"),
            ("arn:aws:iam::123456789012:user/alice", "\"user\""),
            ("arn:aws:iam::12345:role/X", "12 digits"),
            ("arn:azure:iam::123456789012:role/X", "partition"),
            ("arn:aws:iam:us-east-1:123456789012:role/X", "no region"),
            (
                "arn:aws:iam::123456789012:role/Bad Name",
                "not a valid IAM role name",
            ),
            ("HallpassManagementRole", "not an ARN"),
        ];
        for (arn, why) in cases {
            let err = parse_role_arn(arn).unwrap_err().to_string();
            assert!(err.contains(why), "{arn}: {err}");
        }
    }

    #[test]
    fn external_id_rules() {
        assert!(validate_external_id("abc-DEF_123:=/.@+,").is_ok());
        assert!(validate_external_id(" padded")
            .unwrap_err()
            .to_string()
            .contains("spaces"));
        assert!(validate_external_id("x")
            .unwrap_err()
            .to_string()
            .contains("2 to 1224"));
        assert!(validate_external_id("has space")
            .unwrap_err()
            .to_string()
            .contains("' '"));
        assert!(validate_external_id(&"a".repeat(1225)).is_err());
    }

    #[test]
    fn generated_ids_are_valid_and_distinct() {
        let a = generate_external_id();
        let b = generate_external_id();
        assert_eq!(a.len(), 40);
        assert_ne!(a, b);
        validate_external_id(&a).unwrap();
    }
}
