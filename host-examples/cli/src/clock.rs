//! The host's clock and time parsing for `--time`.

use std::time::{SystemTime, UNIX_EPOCH};

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// Milliseconds since the Unix epoch, now.
pub fn now_millis() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i64,
        Err(e) => -(e.duration().as_millis() as i64),
    }
}

/// Parses `20150830T123600Z` or RFC 3339 into milliseconds since the epoch.
pub fn parse_time(text: &str) -> Result<i64, String> {
    let basic = format_description!("[year][month][day]T[hour][minute][second]Z");
    let parsed = PrimitiveDateTime::parse(text, basic)
        .map(PrimitiveDateTime::assume_utc)
        .or_else(|_| OffsetDateTime::parse(text, &Rfc3339));
    match parsed {
        Ok(t) => Ok((t.unix_timestamp_nanos() / 1_000_000) as i64),
        Err(_) => Err(format!(
            "invalid time `{text}`: expected `20150830T123600Z` or RFC 3339 such as \
             `2015-08-30T12:36:00Z`"
        )),
    }
}

/// Formats milliseconds since the epoch as RFC 3339 in UTC.
pub fn format_rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| ms.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_forms() {
        assert_eq!(parse_time("20150830T123600Z"), Ok(1_440_938_160_000));
        assert_eq!(parse_time("2015-08-30T12:36:00Z"), Ok(1_440_938_160_000));
        assert!(parse_time("yesterday").is_err());
    }
}
