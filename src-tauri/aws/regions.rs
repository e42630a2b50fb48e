//! Finding the region that holds an Identity Center instance.

use aws_config::{Region, SdkConfig};
use futures::stream::{self, StreamExt};

use super::call::{Gate, Service};

/// Regions where IAM Identity Center can be enabled (commercial partition).
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

/// The regions where `config`'s credentials see an instance. Regions that refuse
/// (not enabled for the account, no permission) are skipped.
pub async fn regions_with_instance(
    config: &SdkConfig,
    gate: &Gate,
    account: &str,
    skip: Option<&str>,
) -> Vec<String> {
    let found: Vec<Option<String>> =
        stream::iter(IDENTITY_CENTER_REGIONS.iter().filter(|r| Some(**r) != skip))
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
