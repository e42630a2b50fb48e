//! IAM role ARNs as the person pastes them: checked before anything is stored or sent.

use crate::error::{Error, Result};

/// A management role ARN, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleArn {
    pub partition: String,
    pub account_id: String,
    pub name: String,
}

pub const PARTITIONS: &[&str] = &["aws", "aws-us-gov", "aws-cn"];

/// Checks that `arn` is an IAM role ARN (`arn:aws:iam::123456789012:role/Name`).
pub fn parse_role_arn(arn: &str) -> Result<RoleArn> {
    let fix = "Copy the ARN from the role's summary page in the IAM console; it looks like \
               arn:aws:iam::123456789012:role/HallpassManagementRole.";
    if arn.trim() != arn {
        return Err(Error::InvalidInput(format!(
            "the role ARN has spaces or line breaks around it. {fix}"
        )));
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return Err(Error::InvalidInput(format!("this is not an ARN. {fix}")));
    }
    let (partition, service, region, account, resource) =
        (parts[1], parts[2], parts[3], parts[4], parts[5]);
    if !PARTITIONS.contains(&partition) {
        return Err(Error::InvalidInput(format!(
            "unknown AWS partition {partition:?} (expected aws, aws-us-gov or aws-cn). {fix}"
        )));
    }
    if service != "iam" {
        return Err(Error::InvalidInput(format!(
            "this is an ARN of the {service:?} service, not an IAM role. {fix}"
        )));
    }
    if !region.is_empty() {
        return Err(Error::InvalidInput(format!(
            "IAM role ARNs have no region, but this one has {region:?}. {fix}"
        )));
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidInput(format!(
            "the account id {account:?} is not 12 digits. {fix}"
        )));
    }
    let Some(path_and_name) = resource.strip_prefix("role/") else {
        return Err(Error::InvalidInput(format!(
            "this ARN names a {:?}, not a role. {fix}",
            resource.split('/').next().unwrap_or(resource)
        )));
    };
    let name = path_and_name.rsplit('/').next().unwrap_or("");
    let valid_char = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
    if name.is_empty() || name.len() > 64 || !name.chars().all(valid_char) {
        return Err(Error::InvalidInput(format!(
            "the role name {name:?} is not a valid IAM role name (1–64 letters, digits or +=,.@_-). {fix}"
        )));
    }
    if !path_and_name.chars().all(|c| valid_char(c) || c == '/') {
        return Err(Error::InvalidInput(format!(
            "the role path in {path_and_name:?} has characters IAM does not allow. {fix}"
        )));
    }
    Ok(RoleArn {
        partition: partition.to_owned(),
        account_id: account.to_owned(),
        name: name.to_owned(),
    })
}
