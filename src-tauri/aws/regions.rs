//! Finding the region that holds an Identity Center instance.

use aws_config::{Region, SdkConfig};
use futures::stream::{self, StreamExt};

use super::call::{Gate, Service};

/// Regions where IAM Identity Center can be enabled in the commercial partition (`aws`).
pub const IDENTITY_CENTER_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "ca-west-1",
    "sa-east-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "af-south-1",
    "ap-east-1",
    "ap-south-1",
    "ap-south-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
];

/// AWS GovCloud (US) (`aws-us-gov`): IAM Identity Center is available in both regions
/// (AWS GovCloud (US) User Guide, "IAM Identity Center").
pub const GOVCLOUD_REGIONS: &[&str] = &["us-gov-west-1", "us-gov-east-1"];

/// China (`aws-cn`): Beijing and Ningxia (Amazon Web Services in China, IAM Identity Center).
pub const CHINA_REGIONS: &[&str] = &["cn-north-1", "cn-northwest-1"];

/// The partition a region belongs to.
pub fn partition_of_region(region: &str) -> &'static str {
    if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("cn-") {
        "aws-cn"
    } else {
        "aws"
    }
}

/// The regions Identity Center can be in, for a partition.
pub fn identity_center_regions(partition: &str) -> &'static [&'static str] {
    match partition {
        "aws-us-gov" => GOVCLOUD_REGIONS,
        "aws-cn" => CHINA_REGIONS,
        _ => IDENTITY_CENTER_REGIONS,
    }
}

/// Where to ask STS who the base credentials are: the region the AWS configuration
/// names first, then one region of each partition (credentials of one partition are not
/// valid in another, so none can be assumed).
pub fn identity_probe_regions(configured: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = configured.map(str::to_owned).into_iter().collect();
    for r in ["us-east-1", "us-gov-west-1", "cn-north-1"] {
        if !out.iter().any(|x| x == r) {
            out.push(r.to_owned());
        }
    }
    out
}
/// The regions where `config`'s credentials see an instance. Regions that refuse
/// (not enabled for the account, no permission) are skipped.
pub async fn regions_with_instance(
    config: &SdkConfig,
    gate: &Gate,
    account: &str,
    partition: &str,
    skip: Option<&str>,
) -> Vec<String> {
    let found: Vec<Option<String>> = stream::iter(
        identity_center_regions(partition)
            .iter()
            .filter(|r| Some(**r) != skip),
    )
    .map(|region| async move {
        let conf = aws_sdk_ssoadmin::config::Builder::from(config)
            .region(Region::new(*region))
            .build();
        let client = aws_sdk_ssoadmin::Client::from_conf(conf);
        let out = gate
            .call(
                Service::SsoAdmin,
                &format!("{account}/{region}"),
                "ListInstances",
                || client.list_instances().max_results(1).send(),
            )
            .await
            .ok()?;
        (!out.instances().is_empty()).then(|| (*region).to_owned())
    })
    .buffer_unordered(8)
    .collect()
    .await;
    let mut regions: Vec<String> = found.into_iter().flatten().collect();
    regions.sort();
    regions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_partition_has_its_own_regions() {
        assert_eq!(partition_of_region("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition_of_region("cn-northwest-1"), "aws-cn");
        assert_eq!(partition_of_region("eu-north-1"), "aws");
        assert_eq!(identity_center_regions("aws-us-gov"), GOVCLOUD_REGIONS);
        assert_eq!(identity_center_regions("aws-cn"), CHINA_REGIONS);
        assert!(identity_center_regions("aws").contains(&"us-east-1"));
        for p in ["aws", "aws-us-gov", "aws-cn"] {
            assert!(identity_center_regions(p)
                .iter()
                .all(|r| partition_of_region(r) == p));
        }
    }

    #[test]
    fn the_identity_probe_tries_the_configured_region_then_each_partition() {
        assert_eq!(
            identity_probe_regions(Some("us-gov-east-1")),
            ["us-gov-east-1", "us-east-1", "us-gov-west-1", "cn-north-1"]
        );
        assert_eq!(
            identity_probe_regions(None),
            ["us-east-1", "us-gov-west-1", "cn-north-1"]
        );
    }
}
