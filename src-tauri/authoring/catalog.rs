//! Well-known AWS managed policies to pick from when writing a permission set: the job
//! function policies (IAM user guide, "AWS managed policies for job functions", under
//! `/job-function/`) and the common full-access and read-only ones. Any other AWS managed
//! policy ARN is accepted too; this list is what the search offers.

use serde::Serialize;
use ts_rs::TS;

/// One AWS managed policy.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct KnownPolicy {
    pub name: String,
    pub arn: String,
    pub summary: String,
}

/// (name, path, what it allows)
const KNOWN: &[(&str, &str, &str)] = &[
    (
        "AdministratorAccess",
        "/",
        "Full access to every service and resource",
    ),
    (
        "PowerUserAccess",
        "/",
        "Full access except managing users, groups and the organization",
    ),
    (
        "ReadOnlyAccess",
        "/",
        "Read every service's resources and data",
    ),
    (
        "ViewOnlyAccess",
        "/job-function/",
        "List and describe resources, without reading their data",
    ),
    (
        "Billing",
        "/job-function/",
        "View and manage billing, payments and budgets",
    ),
    (
        "DatabaseAdministrator",
        "/job-function/",
        "Set up and run AWS database services",
    ),
    (
        "DataScientist",
        "/job-function/",
        "Run data analytics and machine learning services",
    ),
    (
        "NetworkAdministrator",
        "/job-function/",
        "Set up and maintain network resources",
    ),
    (
        "SystemAdministrator",
        "/job-function/",
        "Set up and maintain resources for development",
    ),
    (
        "SupportUser",
        "/job-function/",
        "Contact AWS Support and troubleshoot",
    ),
    (
        "SecurityAudit",
        "/",
        "Read security configuration and metadata, for auditors",
    ),
    (
        "IAMReadOnlyAccess",
        "/",
        "Read IAM users, roles and policies",
    ),
    ("IAMFullAccess", "/", "Manage IAM users, roles and policies"),
    (
        "AWSOrganizationsReadOnlyAccess",
        "/",
        "Read the organization, its accounts and policies",
    ),
    ("AWSSupportAccess", "/", "Open and manage AWS Support cases"),
    (
        "AWSBillingReadOnlyAccess",
        "/",
        "Read billing and cost information",
    ),
    (
        "AWSCloudTrail_ReadOnlyAccess",
        "/",
        "Read CloudTrail trails and events",
    ),
    (
        "AWSConfigUserAccess",
        "/",
        "Use AWS Config, read its records",
    ),
    (
        "AWSSecurityHubReadOnlyAccess",
        "/",
        "Read Security Hub findings",
    ),
    (
        "AmazonGuardDutyReadOnlyAccess",
        "/",
        "Read GuardDuty findings",
    ),
    (
        "CloudWatchReadOnlyAccess",
        "/",
        "Read CloudWatch metrics, alarms and logs",
    ),
    ("CloudWatchLogsReadOnlyAccess", "/", "Read CloudWatch Logs"),
    ("CloudWatchFullAccess", "/", "Manage CloudWatch"),
    ("AmazonS3ReadOnlyAccess", "/", "Read S3 buckets and objects"),
    ("AmazonS3FullAccess", "/", "Manage S3 buckets and objects"),
    ("AmazonEC2ReadOnlyAccess", "/", "Describe EC2 resources"),
    ("AmazonEC2FullAccess", "/", "Manage EC2"),
    ("AmazonVPCReadOnlyAccess", "/", "Describe VPC resources"),
    ("AmazonVPCFullAccess", "/", "Manage VPCs"),
    ("AmazonRDSReadOnlyAccess", "/", "Describe RDS resources"),
    ("AmazonRDSFullAccess", "/", "Manage RDS"),
    ("AmazonDynamoDBReadOnlyAccess", "/", "Read DynamoDB tables"),
    ("AmazonDynamoDBFullAccess", "/", "Manage DynamoDB"),
    ("AWSLambda_ReadOnlyAccess", "/", "Read Lambda functions"),
    ("AWSLambda_FullAccess", "/", "Manage Lambda"),
    ("AmazonECS_FullAccess", "/", "Manage ECS"),
    ("AmazonSSMReadOnlyAccess", "/", "Read Systems Manager"),
    (
        "AWSCloudFormationReadOnlyAccess",
        "/",
        "Read CloudFormation stacks",
    ),
    (
        "AWSCloudFormationFullAccess",
        "/",
        "Manage CloudFormation stacks",
    ),
    ("AmazonRoute53ReadOnlyAccess", "/", "Read Route 53"),
    ("AmazonRoute53FullAccess", "/", "Manage Route 53"),
    (
        "AWSKeyManagementServicePowerUser",
        "/",
        "Use and create KMS keys, without deleting them",
    ),
    ("AWSCodeBuildDeveloperAccess", "/", "Run CodeBuild projects"),
    ("AmazonSageMakerFullAccess", "/", "Manage SageMaker"),
];

/// The known policies whose name, ARN or summary contains every word of `query` (all of
/// them for an empty query), in the list's order.
pub fn search(query: &str) -> Vec<KnownPolicy> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    KNOWN
        .iter()
        .map(|(name, path, summary)| KnownPolicy {
            name: (*name).into(),
            arn: format!("arn:aws:iam::aws:policy{path}{name}"),
            summary: (*summary).into(),
        })
        .filter(|p| {
            let text = format!("{} {} {}", p.name, p.arn, p.summary).to_lowercase();
            words.iter().all(|w| text.contains(w.as_str()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_functions_carry_their_path_and_the_search_takes_every_word() {
        let view = search("view only");
        assert_eq!(view.len(), 1, "{view:?}");
        assert_eq!(
            view[0].arn,
            "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
        );
        assert!(search("s3").iter().all(|p| p.arn.contains("S3")));
        assert_eq!(search("").len(), KNOWN.len());
    }
}
