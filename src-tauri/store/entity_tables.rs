//! How each synced entity maps to its versioned table.

use rusqlite::types::Value;
use rusqlite::Row;

use super::Versioned;
use crate::model::*;

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn opt(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, |s| Value::Text(s.clone()))
}

fn json<T: serde::Serialize>(v: &T) -> Value {
    Value::Text(serde_json::to_string(v).unwrap_or_else(|_| "null".into()))
}

fn from_json<T: serde::de::DeserializeOwned>(row: &Row<'_>, i: usize) -> rusqlite::Result<T> {
    let s: String = row.get(i)?;
    serde_json::from_str(&s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

impl Versioned for Organization {
    const TABLE: &'static str = "organizations";
    const COLUMNS: &'static [&'static str] = &["id", "management_account_id", "feature_set"];
    const KEY_LEN: usize = 1;
    fn to_row(&self) -> Vec<Value> {
        vec![
            text(&self.id),
            text(&self.management_account_id),
            opt(&self.feature_set),
        ]
    }
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            management_account_id: r.get(1)?,
            feature_set: r.get(2)?,
        })
    }
}

impl Versioned for OrgUnit {
    const TABLE: &'static str = "ous";
    const COLUMNS: &'static [&'static str] = &["id", "name", "parent_id", "is_root"];
    const KEY_LEN: usize = 1;
    fn to_row(&self) -> Vec<Value> {
        vec![
            text(&self.id),
            text(&self.name),
            opt(&self.parent_id),
            Value::Integer(self.is_root as i64),
        ]
    }
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            name: r.get(1)?,
            parent_id: r.get(2)?,
            is_root: r.get(3)?,
        })
    }
}

impl Versioned for Account {
    const TABLE: &'static str = "accounts";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "name",
        "email",
        "status",
        "joined_method",
        "parent_id",
    ];
    const KEY_LEN: usize = 1;
    fn to_row(&self) -> Vec<Value> {
        vec![
            text(&self.id),
            text(&self.name),
            opt(&self.email),
            opt(&self.status),
            opt(&self.joined_method),
            text(&self.parent_id),
        ]
    }
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
            status: r.get(3)?,
            joined_method: r.get(4)?,
            parent_id: r.get(5)?,
        })
    }
}

/// A member account registered as delegated administrator for Identity Center.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelegatedAdmin(pub String);

impl Versioned for DelegatedAdmin {
    const TABLE: &'static str = "delegated_admins";
    const COLUMNS: &'static [&'static str] = &["account_id"];
    const KEY_LEN: usize = 1;
    fn to_row(&self) -> Vec<Value> {
        vec![text(&self.0)]
    }
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self(r.get(0)?))
    }
}

impl Versioned for Instance {
    const TABLE: &'static str = "instances";
    const COLUMNS: &'static [&'static str] = &[
        "instance_arn",
        "identity_store_id",
        "owner_account_id",
        "region",
        "name",
        "status",
        "source",
        "accessed_from",
        "regions",
        "administered_by",
    ];
    const KEY_LEN: usize = 1;
    fn to_row(&self) -> Vec<Value> {
        vec![
            text(&self.instance_arn),
            text(&self.identity_store_id),
            text(&self.owner_account_id),
            text(&self.region),
            opt(&self.name),
            opt(&self.status),
            text(self.source.as_str()),
            text(&self.accessed_from),
            if self.regions.is_empty() {
                Value::Null
            } else {
                text(&serde_json::to_string(&self.regions).unwrap_or_default())
            },
            opt(&self.administered_by),
        ]
    }
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            instance_arn: r.get(0)?,
            identity_store_id: r.get(1)?,
            owner_account_id: r.get(2)?,
            region: r.get(3)?,
            name: r.get(4)?,
            status: r.get(5)?,
            source: {
                let s: String = r.get(6)?;
                InstanceSource::parse(&s)
                    .ok_or_else(|| super::unknown_value(6, "instance source", &s))?
            },
            accessed_from: r.get(7)?,
            regions: r
                .get::<_, Option<String>>(8)?
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_default(),
            administered_by: r.get(9)?,
        })
    }
}

impl Versioned for PermissionSet {
    const TABLE: &'static str = "permission_sets";
    const COLUMNS: &'static [&'static str] = &[
        "arn",
        "instance_arn",
        "name",
        "description",
        "session_duration",
        "relay_state",
        "inline_policy",
        "managed_policies",
        "customer_managed_policies",
        "permissions_boundary",
    ];
    const KEY_LEN: usize = 1;
    fn to_row(&self) -> Vec<Value> {
        vec![
            text(&self.arn),
            text(&self.instance_arn),
            text(&self.name),
            opt(&self.description),
            opt(&self.session_duration),
            opt(&self.relay_state),
            opt(&self.inline_policy),
            json(&self.managed_policies),
            json(&self.customer_managed_policies),
            match &self.permissions_boundary {
                Some(b) => json(b),
                None => Value::Null,
            },
        ]
    }
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        let boundary: Option<String> = r.get(9)?;
        Ok(Self {
            arn: r.get(0)?,
            instance_arn: r.get(1)?,
            name: r.get(2)?,
            description: r.get(3)?,
            session_duration: r.get(4)?,
            relay_state: r.get(5)?,
            inline_policy: r.get(6)?,
            managed_policies: from_json(r, 7)?,
            customer_managed_policies: from_json(r, 8)?,
            permissions_boundary: match boundary {
                Some(_) => Some(from_json(r, 9)?),
                None => None,
            },
        })
    }
}

impl Versioned for Provisioned {
    const TABLE: &'static str = "provisioned";
    const COLUMNS: &'static [&'static str] = &[
        "instance_arn",
        "permission_set_arn",
        "account_id",
        "outdated",
        "failure",
    ];
    const KEY_LEN: usize = 3;
    fn to_row(&self) -> Vec<Value> {
        vec![
            text(&self.instance_arn),
            text(&self.permission_set_arn),
            text(&self.account_id),
            Value::Integer(self.outdated as i64),
            opt(&self.failure),
        ]
    }
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            instance_arn: r.get(0)?,
            permission_set_arn: r.get(1)?,
            account_id: r.get(2)?,
            outdated: r.get(3)?,
            failure: r.get(4)?,
        })
    }
}

impl Versioned for User {
    const TABLE: &'static str = "dir_users";
    const COLUMNS: &'static [&'static str] = &[
        "identity_store_id",
        "user_id",
        "user_name",
        "display_name",
        "given_name",
        "family_name",
        "email",
        "status",
    ];
    const KEY_LEN: usize = 2;
    fn to_row(&self) -> Vec<Value> {
        vec![
            text(&self.identity_store_id),
            text(&self.user_id),
            text(&self.user_name),
            opt(&self.display_name),
            opt(&self.given_name),
            opt(&self.family_name),
            opt(&self.email),
            opt(&self.status),
        ]
    }
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            identity_store_id: r.get(0)?,
            user_id: r.get(1)?,
            user_name: r.get(2)?,
            display_name: r.get(3)?,
            given_name: r.get(4)?,
            family_name: r.get(5)?,
            email: r.get(6)?,
            status: r.get(7)?,
        })
    }
}

impl Versioned for Group {
    const TABLE: &'static str = "dir_groups";
    const COLUMNS: &'static [&'static str] = &[
        "identity_store_id",
        "group_id",
        "display_name",
        "description",
    ];
    const KEY_LEN: usize = 2;
    fn to_row(&self) -> Vec<Value> {
        vec![
            text(&self.identity_store_id),
            text(&self.group_id),
            text(&self.display_name),
            opt(&self.description),
        ]
    }
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            identity_store_id: r.get(0)?,
            group_id: r.get(1)?,
            display_name: r.get(2)?,
            description: r.get(3)?,
        })
    }
}

impl Versioned for Membership {
    const TABLE: &'static str = "dir_memberships";
    const COLUMNS: &'static [&'static str] = &["identity_store_id", "group_id", "user_id"];
    const KEY_LEN: usize = 3;
    fn to_row(&self) -> Vec<Value> {
        vec![
            text(&self.identity_store_id),
            text(&self.group_id),
            text(&self.user_id),
        ]
    }
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            identity_store_id: r.get(0)?,
            group_id: r.get(1)?,
            user_id: r.get(2)?,
        })
    }
}

impl Versioned for Assignment {
    const TABLE: &'static str = "assignments";
    const COLUMNS: &'static [&'static str] = &[
        "instance_arn",
        "account_id",
        "permission_set_arn",
        "principal_type",
        "principal_id",
    ];
    const KEY_LEN: usize = 5;
    fn to_row(&self) -> Vec<Value> {
        vec![
            text(&self.instance_arn),
            text(&self.account_id),
            text(&self.permission_set_arn),
            text(self.principal_type.as_str()),
            text(&self.principal_id),
        ]
    }
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            instance_arn: r.get(0)?,
            account_id: r.get(1)?,
            permission_set_arn: r.get(2)?,
            principal_type: super::principal_type_at(r, 3)?,
            principal_id: r.get(4)?,
        })
    }
}

impl Versioned for MemberAccess {
    const TABLE: &'static str = "member_access";
    const COLUMNS: &'static [&'static str] =
        &["account_id", "reachable", "holds_instance", "detail"];
    const KEY_LEN: usize = 1;
    fn to_row(&self) -> Vec<Value> {
        vec![
            text(&self.account_id),
            Value::Integer(self.reachable as i64),
            Value::Integer(self.holds_instance as i64),
            opt(&self.detail),
        ]
    }
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            account_id: r.get(0)?,
            reachable: r.get(1)?,
            holds_instance: r.get(2)?,
            detail: r.get(3)?,
        })
    }
}
