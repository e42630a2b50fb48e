//! Durations as people type them: `90m`, `8h`, `1h30m`, `7d`, `2w`, or ISO 8601 `PT8H` / `P1D`.

use crate::error::{Error, Result};

/// The longest expiry accepted: a year.
const MAX_SECONDS: i64 = 366 * 24 * 3600;

fn invalid(text: &str, why: &str) -> Error {
    Error::InvalidInput(format!(
        "{text:?} is not a duration ({why}). Use a number with a unit, like 30m, 8h, 1h30m, 7d or 2w (or ISO 8601 such as PT8H)."
    ))
}

pub fn parse(text: &str) -> Result<time::Duration> {
    let t = text.trim();
    if t.is_empty() {
        return Err(invalid(text, "it is empty"));
    }
    let upper = t.to_ascii_uppercase();
    let (body, iso) = match upper.strip_prefix('P') {
        Some(rest) => (rest.replacen('T', "", 1), true),
        None => (t.to_ascii_lowercase(), false),
    };
    let mut total: i64 = 0;
    let mut number = String::new();
    let mut saw_unit = false;
    for c in body.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match (iso, c.to_ascii_lowercase()) {
            (_, 's') => 1,
            (_, 'm') => 60,
            (_, 'h') => 3600,
            (_, 'd') => 86_400,
            (_, 'w') => 7 * 86_400,
            _ => return Err(invalid(text, &format!("unknown unit {c:?}"))),
        };
        if number.is_empty() {
            return Err(invalid(text, &format!("no number before {c:?}")));
        }
        let n: i64 = number
            .parse()
            .map_err(|_| invalid(text, "the number is too large"))?;
        total = total.saturating_add(n.saturating_mul(unit));
        number.clear();
        saw_unit = true;
    }
    if !number.is_empty() {
        return Err(invalid(text, "the last number has no unit"));
    }
    if !saw_unit || total == 0 {
        return Err(invalid(text, "it must be longer than zero"));
    }
    if total > MAX_SECONDS {
        return Err(invalid(text, "the longest expiry is 366 days"));
    }
    Ok(time::Duration::seconds(total))
}

/// The expiry `d` from now, as RFC 3339.
pub fn expiry_from_now(d: time::Duration) -> String {
    crate::clock::rfc3339(
        (time::OffsetDateTime::now_utc() + d)
            .replace_nanosecond(0)
            .unwrap_or_else(|_| time::OffsetDateTime::now_utc() + d),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_usual_forms() {
        assert_eq!(parse("90m").unwrap(), time::Duration::minutes(90));
        assert_eq!(parse("1h30m").unwrap(), time::Duration::minutes(90));
        assert_eq!(parse("8H").unwrap(), time::Duration::hours(8));
        assert_eq!(parse("7d").unwrap(), time::Duration::days(7));
        assert_eq!(parse("2w").unwrap(), time::Duration::days(14));
        assert_eq!(parse("PT8H").unwrap(), time::Duration::hours(8));
        assert_eq!(parse("P1DT2H").unwrap(), time::Duration::hours(26));
        assert_eq!(parse(" 45s ").unwrap(), time::Duration::seconds(45));
    }

    #[test]
    fn refuses_nonsense_with_the_fix() {
        for bad in [
            "",
            "8",
            "h",
            "0h",
            "3y",
            "-2h",
            "400d",
            "99999999999999999999h",
        ] {
            let e = parse(bad).unwrap_err().to_string();
            assert!(e.contains("like 30m, 8h"), "{bad}: {e}");
        }
    }
}
