//! The one error type. Every layer returns it; the UI receives `{code, message}`.

use serde::{Serialize, Serializer};

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

impl Error {
    /// A stable code the UI and scripts can branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidInput(_) => "invalid-input",
            Error::NotConnected(_) => "not-connected",
            Error::ReadOnly(_) => "read-only",
            Error::Aws { kind, .. } => match kind {
                AwsErrorKind::Throttled => "aws-throttled",
                AwsErrorKind::AccessDenied => "aws-access-denied",
                AwsErrorKind::NotFound => "aws-not-found",
                AwsErrorKind::Credentials => "aws-credentials",
                AwsErrorKind::Network => "aws-network",
                AwsErrorKind::Conflict => "aws-conflict",
                AwsErrorKind::Unavailable => "aws-unavailable",
                AwsErrorKind::QuotaExceeded => "aws-quota-exceeded",
                AwsErrorKind::Service => "aws-service",
            },
            Error::Keychain(_) => "keychain",
            Error::Store(_) => "store",
            Error::Internal(_) => "internal",
            Error::Damaged { .. } => "database-damaged",
            Error::NotFound(_) => "not-found",
            Error::Io { .. } => "io",
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
    pub code: String,
    pub message: String,
}

impl From<&Error> for ErrorInfo {
    fn from(e: &Error) -> Self {
        Self {
            code: e.code().to_owned(),
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
        s.serialize_field("code", self.code())?;
        s.serialize_field("message", &self.to_string())?;
        s.end()
    }
}
