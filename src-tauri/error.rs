//! The one error type. Every layer returns it; the UI receives `{code, message}`.

use serde::{Deserialize, Serialize, Serializer};

/// What went wrong with an AWS call, in the terms the checks and the UI need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AwsErrorKind {
    /// Rate exceeded; retried until the retry budget ran out.
    Throttled,
    /// The caller lacks a permission (`action` names it when AWS said which).
    AccessDenied,
    /// The resource does not exist.
    NotFound,
    /// Base credentials are missing, invalid or expired.
    Credentials,
    /// Another change to the same resource is in flight, or the resource already exists.
    Conflict,
    /// The network or the endpoint could not be reached, or the answer was cut short.
    Network,
    /// AWS had an internal error or was unavailable (`InternalServerException`,
    /// Organizations' `ServiceException`, HTTP 5xx); retried until the budget ran out.
    Unavailable,
    /// A service quota was reached (`ServiceQuotaExceededException`). For assignment
    /// changes that means too many outstanding: wait and send again.
    QuotaExceeded,
    /// Anything else AWS answered.
    Service,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    InvalidInput(String),

    #[error("{0}")]
    NotConnected(String),

    /// A change asked of a read-only connection; refused before anything was sent.
    #[error("{0}")]
    ReadOnly(String),

    #[error("{message}")]
    Aws {
        kind: AwsErrorKind,
        /// `service:Operation`, e.g. `sso:ListInstances`.
        operation: String,
        /// The IAM action AWS said was denied, when it said so.
        action: Option<String>,
        message: String,
    },

    #[error("keychain: {0}")]
    Keychain(String),

    /// Only for the database.
    #[error("database: {0}")]
    Store(String),

    /// Something that should not happen, outside the database (an answer missing a
    /// field AWS always sends, a generated document that does not parse).
    #[error("internal error: {0}")]
    Internal(String),

    /// The database file is damaged (not a database, or corrupt pages); the message
    /// says which backups there are and how to restore one.
    #[error("{message}")]
    Damaged {
        /// What SQLite said, e.g. `file is not a database`.
        cause: String,
        message: String,
    },

    #[error("{0}")]
    NotFound(String),

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A stable code the UI and scripts can branch on: of an error, and of an operation that
/// ended in one or was sent again (`aws-failed`, `aws-principal-gone` and `resumed` are
/// operations' own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    InvalidInput,
    NotConnected,
    ReadOnly,
    AwsThrottled,
    AwsAccessDenied,
    AwsNotFound,
    AwsCredentials,
    AwsNetwork,
    AwsConflict,
    AwsUnavailable,
    AwsQuotaExceeded,
    AwsService,
    /// AWS accepted an assignment change, then ended it FAILED.
    AwsFailed,
    /// AWS will not revoke an assignment whose user or group was deleted from the directory.
    AwsPrincipalGone,
    /// Sent before an interruption, found not applied in AWS, and queued to be sent again.
    Resumed,
    /// Held back: an earlier step of the same change did not succeed.
    WaitsForEarlier,
    Keychain,
    Store,
    Internal,
    DatabaseDamaged,
    NotFound,
    Io,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 22] = [
        ErrorCode::InvalidInput,
        ErrorCode::NotConnected,
        ErrorCode::ReadOnly,
        ErrorCode::AwsThrottled,
        ErrorCode::AwsAccessDenied,
        ErrorCode::AwsNotFound,
        ErrorCode::AwsCredentials,
        ErrorCode::AwsNetwork,
        ErrorCode::AwsConflict,
        ErrorCode::AwsUnavailable,
        ErrorCode::AwsQuotaExceeded,
        ErrorCode::AwsService,
        ErrorCode::AwsFailed,
        ErrorCode::AwsPrincipalGone,
        ErrorCode::Resumed,
        ErrorCode::WaitsForEarlier,
        ErrorCode::Keychain,
        ErrorCode::Store,
        ErrorCode::Internal,
        ErrorCode::DatabaseDamaged,
        ErrorCode::NotFound,
        ErrorCode::Io,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid-input",
            ErrorCode::NotConnected => "not-connected",
            ErrorCode::ReadOnly => "read-only",
            ErrorCode::AwsThrottled => "aws-throttled",
            ErrorCode::AwsAccessDenied => "aws-access-denied",
            ErrorCode::AwsNotFound => "aws-not-found",
            ErrorCode::AwsCredentials => "aws-credentials",
            ErrorCode::AwsNetwork => "aws-network",
            ErrorCode::AwsConflict => "aws-conflict",
            ErrorCode::AwsUnavailable => "aws-unavailable",
            ErrorCode::AwsQuotaExceeded => "aws-quota-exceeded",
            ErrorCode::AwsService => "aws-service",
            ErrorCode::AwsFailed => "aws-failed",
            ErrorCode::AwsPrincipalGone => "aws-principal-gone",
            ErrorCode::Resumed => "resumed",
            ErrorCode::WaitsForEarlier => "waits-for-earlier",
            ErrorCode::Keychain => "keychain",
            ErrorCode::Store => "store",
            ErrorCode::Internal => "internal",
            ErrorCode::DatabaseDamaged => "database-damaged",
            ErrorCode::NotFound => "not-found",
            ErrorCode::Io => "io",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl Error {
    /// The error's stable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidInput(_) => ErrorCode::InvalidInput,
            Error::NotConnected(_) => ErrorCode::NotConnected,
            Error::ReadOnly(_) => ErrorCode::ReadOnly,
            Error::Aws { kind, .. } => match kind {
                AwsErrorKind::Throttled => ErrorCode::AwsThrottled,
                AwsErrorKind::AccessDenied => ErrorCode::AwsAccessDenied,
                AwsErrorKind::NotFound => ErrorCode::AwsNotFound,
                AwsErrorKind::Credentials => ErrorCode::AwsCredentials,
                AwsErrorKind::Network => ErrorCode::AwsNetwork,
                AwsErrorKind::Conflict => ErrorCode::AwsConflict,
                AwsErrorKind::Unavailable => ErrorCode::AwsUnavailable,
                AwsErrorKind::QuotaExceeded => ErrorCode::AwsQuotaExceeded,
                AwsErrorKind::Service => ErrorCode::AwsService,
            },
            Error::Keychain(_) => ErrorCode::Keychain,
            Error::Store(_) => ErrorCode::Store,
            Error::Internal(_) => ErrorCode::Internal,
            Error::Damaged { .. } => ErrorCode::DatabaseDamaged,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Io { .. } => ErrorCode::Io,
        }
    }

    pub fn aws_kind(&self) -> Option<AwsErrorKind> {
        match self {
            Error::Aws { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// An error as the UI receives it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ErrorInfo {
    pub code: ErrorCode,
    pub message: String,
}

impl From<&Error> for ErrorInfo {
    fn from(e: &Error) -> Self {
        Self {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
        match e.sqlite_error_code() {
            Some(DatabaseCorrupt | NotADatabase) => Error::Damaged {
                message: format!(
                    "the Hallpass database is damaged ({e}). Restore a backup: the app offers its \
                     backups when it opens, or run `hallpass db restore`; `hallpass db backups` lists them."
                ),
                cause: e.to_string(),
            },
            _ => Error::Store(e.to_string()),
        }
    }
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Error", 2)?;
        s.serialize_field("code", &self.code())?;
        s.serialize_field("message", &self.to_string())?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_itself() {
        for c in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(c.as_str()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        assert_eq!(ErrorCode::parse("aws-something-new"), None);
    }
}
