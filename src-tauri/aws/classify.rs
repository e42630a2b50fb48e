//! What an AWS SDK error means for Hallpass: its kind (throttled, denied, unavailable,
//! a network failure…), the denied IAM action, a message, and whether to retry it.

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};

use crate::error::AwsErrorKind;

pub(crate) struct Classified {
    pub kind: AwsErrorKind,
    pub action: Option<String>,
    pub message: String,
    /// AWS said the (assumed-role) session's token has expired.
    pub session_expired: bool,
    /// The answer started but came cut short: the endpoint was reached, so the call is
    /// retried under the full budget (a network that is down fails at connecting).
    pub cut_short: bool,
}

/// Turns an SDK error into what the checks need: a kind, the denied action, a message.
pub(crate) fn classify<E>(operation: &str, err: SdkError<E>) -> Classified
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(se) => {
            let code = se.err().code().unwrap_or("Unknown");
            let text = se.err().message().unwrap_or("").to_owned();
            let mut kind = kind_for_code(code);
            if kind == AwsErrorKind::Service && se.raw().status().is_server_error() {
                // Any 5xx is AWS's own failure, whatever its code: worth another try.
                kind = AwsErrorKind::Unavailable;
            }
            let action = (kind == AwsErrorKind::AccessDenied)
                .then(|| denied_action(&text))
                .flatten();
            Classified {
                kind,
                action,
                message: format!("{operation} failed: {code}: {text}"),
                session_expired: matches!(code, "ExpiredToken" | "ExpiredTokenException"),
                cut_short: false,
            }
        }
        SdkError::TimeoutError(_) => Classified {
            kind: AwsErrorKind::Network,
            action: None,
            message: format!("{operation} timed out: the AWS endpoint did not answer"),
            session_expired: false,
            cut_short: false,
        },
        SdkError::DispatchFailure(d) => {
            let detail = chain(&err);
            let kind = if has_credentials_error(&err) {
                AwsErrorKind::Credentials
            } else if !d.is_user() {
                // I/O, timeouts, and "other" (a connection closed before the answer
                // came: the network dropped). A user error is a bad endpoint setting.
                AwsErrorKind::Network
            } else {
                AwsErrorKind::Service
            };
            let message = match kind {
                AwsErrorKind::Network => format!(
                    "{operation} could not reach AWS: {detail}. Check the network connection (and any proxy or AWS_ENDPOINT_URL setting)."
                ),
                _ => format!("{operation} failed: {detail}"),
            };
            Classified {
                kind,
                action: None,
                message,
                session_expired: false,
                cut_short: false,
            }
        }
        SdkError::ResponseError(_) if !has_credentials_error(&err) => {
            // The answer could not be read whole: the connection dropped mid-body ("end of
            // file before message length reached") or the body came cut short.
            let detail = chain(&err);
            Classified {
                kind: AwsErrorKind::Network,
                action: None,
                message: format!(
                    "{operation} could not reach AWS: the answer was cut short ({detail}). Check the network connection (and any proxy or AWS_ENDPOINT_URL setting)."
                ),
                session_expired: false,
                cut_short: true,
            }
        }
        _ => {
            let detail = chain(&err);
            let kind = if has_credentials_error(&err) {
                AwsErrorKind::Credentials
            } else {
                AwsErrorKind::Service
            };
            Classified {
                kind,
                action: None,
                message: format!("{operation} failed: {detail}"),
                session_expired: false,
                cut_short: false,
            }
        }
    }
}

pub(crate) fn kind_for_code(code: &str) -> AwsErrorKind {
    match code {
        "ThrottlingException"
        | "Throttling"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "SlowDown"
        | "RequestThrottled" => AwsErrorKind::Throttled,
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "AuthorizationError" => AwsErrorKind::AccessDenied,
        "ResourceNotFoundException"
        | "NoSuchEntity"
        | "NotFoundException"
        | "AccountNotFoundException" => AwsErrorKind::NotFound,
        "ConflictException" | "ResourceInUseException" => AwsErrorKind::Conflict,
        // Source: the service models' fault shapes (sso-admin and identitystore
        // InternalServerException, Organizations ServiceException, STS InternalFailure).
        "InternalServerException"
        | "InternalFailure"
        | "InternalServerError"
        | "InternalError"
        | "ServiceException"
        | "ServiceUnavailable"
        | "ServiceUnavailableException" => AwsErrorKind::Unavailable,
        "ServiceQuotaExceededException" => AwsErrorKind::QuotaExceeded,
        "ExpiredToken"
        | "ExpiredTokenException"
        | "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "SignatureDoesNotMatch"
        | "IncompleteSignature" => AwsErrorKind::Credentials,
        _ => AwsErrorKind::Service,
    }
}

/// `...is not authorized to perform: sso:ListInstances on resource...` → `sso:ListInstances`.
pub(crate) fn denied_action(message: &str) -> Option<String> {
    let rest = message.split("perform: ").nth(1)?;
    let action: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == ':' || *c == '-' || *c == '*')
        .collect();
    action.contains(':').then_some(action)
}

fn chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

fn has_credentials_error(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(s) = source {
        if s.downcast_ref::<CredentialsError>().is_some() {
            return true;
        }
        source = s.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_denied_action() {
        let m = "User: arn:aws:sts::1:assumed-role/R/s is not authorized to perform: sso:DeleteAccountAssignment on resource: x";
        assert_eq!(
            denied_action(m).as_deref(),
            Some("sso:DeleteAccountAssignment")
        );
        assert_eq!(denied_action("Access denied"), None);
    }

    #[test]
    fn classifies_codes() {
        assert_eq!(
            kind_for_code("TooManyRequestsException"),
            AwsErrorKind::Throttled
        );
        assert_eq!(kind_for_code("AccessDenied"), AwsErrorKind::AccessDenied);
        assert_eq!(kind_for_code("ExpiredToken"), AwsErrorKind::Credentials);
        assert_eq!(kind_for_code("ConflictException"), AwsErrorKind::Conflict);
        assert_eq!(kind_for_code("ValidationException"), AwsErrorKind::Service);
        assert_eq!(
            kind_for_code("InternalServerException"),
            AwsErrorKind::Unavailable
        );
        assert_eq!(kind_for_code("ServiceException"), AwsErrorKind::Unavailable);
        assert_eq!(
            kind_for_code("ServiceQuotaExceededException"),
            AwsErrorKind::QuotaExceeded
        );
    }
}
