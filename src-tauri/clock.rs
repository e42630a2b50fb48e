//! Wall-clock timestamps as RFC 3339 text (UTC): the one formatter and the one parser.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub fn now_rfc3339() -> String {
    rfc3339(OffsetDateTime::now_utc())
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// An RFC 3339 time as Hallpass writes them; `None` when `s` is not one.
pub fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_reads_back() {
        let t = time::macros::datetime!(2026-12-01 12:34:56 UTC);
        assert_eq!(rfc3339(t), "2026-12-01T12:34:56Z");
        assert_eq!(parse_rfc3339("2026-12-01T12:34:56Z"), Some(t));
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
