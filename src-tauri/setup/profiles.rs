//! AWS CLI profiles from the standard files (`~/.aws/config`, `~/.aws/credentials`,
//! or `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`).

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::error::{Error, Result};

fn file(env: &str, default: &str) -> Option<PathBuf> {
    match std::env::var_os(env) {
        Some(p) => Some(PathBuf::from(p)),
        None => dirs::home_dir().map(|h| h.join(".aws").join(default)),
    }
}

/// Profile names in `text`: `[profile NAME]` and `[default]` in the config file,
/// `[NAME]` in the credentials file; `[sso-session …]` and `[services …]` are not profiles.
pub fn parse_profiles(text: &str, is_config: bool) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let inner = line.strip_prefix('[')?.strip_suffix(']')?.trim();
            if is_config {
                if inner == "default" {
                    return Some("default".to_owned());
                }
                inner.strip_prefix("profile ").map(|n| n.trim().to_owned())
            } else {
                Some(inner.to_owned())
            }
        })
        .filter(|n| !n.is_empty())
        .collect()
}

/// Every profile the AWS CLI would offer, sorted.
pub fn list_profiles() -> Vec<String> {
    let mut names = BTreeSet::new();
    for (env, default, is_config) in [
        ("AWS_CONFIG_FILE", "config", true),
        ("AWS_SHARED_CREDENTIALS_FILE", "credentials", false),
    ] {
        if let Some(text) = file(env, default).and_then(|p| std::fs::read_to_string(p).ok()) {
            names.extend(parse_profiles(&text, is_config));
        }
    }
    names.into_iter().collect()
}

pub fn validate_profile_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.len() > 128
        || name.chars().any(|c| c.is_control() || c == '[' || c == ']')
    {
        return Err(Error::InvalidInput(format!(
            "{name:?} is not a profile name; `aws configure list-profiles` lists yours"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_profiles_in_both_files() {
        let config = "[default]\nregion=eu-north-1\n[profile admin]\nsso_session=corp\n[sso-session corp]\nsso_region=eu-north-1\n[profile  spaced ]\n";
        assert_eq!(parse_profiles(config, true), ["default", "admin", "spaced"]);
        let creds = "[default]\naws_access_key_id=x\n[ci]\n";
        assert_eq!(parse_profiles(creds, false), ["default", "ci"]);
    }
}
