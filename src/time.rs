//! Conversions between milliseconds since the Unix epoch and the text forms
//! AWS uses. The core never reads a clock: every time comes from the host.

use alloc::format;
use alloc::string::String;

const MS_PER_DAY: i64 = 86_400_000;

/// A UTC calendar date and time of day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

// Howard Hinnant's days-from-civil algorithm, proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl DateTime {
    /// The calendar time of `ms` milliseconds since the Unix epoch.
    pub fn from_millis(ms: i64) -> Self {
        let days = ms.div_euclid(MS_PER_DAY);
        let secs = ms.rem_euclid(MS_PER_DAY) / 1000;
        let (year, month, day) = civil_from_days(days);
        DateTime {
            year,
            month,
            day,
            hour: (secs / 3600) as u32,
            minute: (secs / 60 % 60) as u32,
            second: (secs % 60) as u32,
        }
    }

    /// Milliseconds since the Unix epoch.
    pub fn to_millis(self) -> i64 {
        let days = days_from_civil(self.year, self.month, self.day);
        let secs =
            i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second);
        days * MS_PER_DAY + secs * 1000
    }
}

/// Formats `ms` as SigV4's `X-Amz-Date`, such as `20150830T123600Z`.
pub fn format_amz_date(ms: i64) -> String {
    let t = DateTime::from_millis(ms);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// Formats `ms` as RFC 3339 in UTC, such as `2015-08-30T12:36:00Z`.
pub fn format_rfc3339(ms: i64) -> String {
    let t = DateTime::from_millis(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

fn digits(text: &str, start: usize, len: usize) -> Option<u32> {
    let part = text.get(start..start + len)?;
    if !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

fn checked(
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
) -> Option<DateTime> {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month) || day == 0 || day > month_days[month as usize - 1] {
        return None;
    }
    // A leap second (60) is accepted and read as the next second.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(DateTime {
        year: i64::from(year),
        month,
        day,
        hour,
        minute,
        second,
    })
}

/// Parses SigV4's basic format `20150830T123600Z` into milliseconds.
pub fn parse_amz_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let t = checked(
        digits(text, 0, 4)?,
        digits(text, 4, 2)?,
        digits(text, 6, 2)?,
        digits(text, 9, 2)?,
        digits(text, 11, 2)?,
        digits(text, 13, 2)?,
    )?;
    Some(t.to_millis())
}

/// Parses an RFC 3339 timestamp (`2015-08-30T12:36:00Z`, with optional
/// fractional seconds and a `Z` or `+hh:mm` offset) into milliseconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let t = checked(
        digits(text, 0, 4)?,
        digits(text, 5, 2)?,
        digits(text, 8, 2)?,
        digits(text, 11, 2)?,
        digits(text, 14, 2)?,
        digits(text, 17, 2)?,
    )?;
    let mut rest = &text[19..];
    let mut millis = 0i64;
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return None;
        }
        let mut scale = 100;
        for d in fraction[..len].bytes().take(3) {
            millis += i64::from(d - b'0') * scale;
            scale /= 10;
        }
        rest = &fraction[len..];
    }
    let offset_minutes = match rest {
        "Z" | "z" => 0,
        _ => {
            let ob = rest.as_bytes();
            if ob.len() != 6 || ob[3] != b':' || !matches!(ob[0], b'+' | b'-') {
                return None;
            }
            let hours = i64::from(digits(rest, 1, 2)?);
            let minutes = i64::from(digits(rest, 4, 2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = hours * 60 + minutes;
            if ob[0] == b'-' {
                -total
            } else {
                total
            }
        }
    };
    Some(t.to_millis() + millis - offset_minutes * 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_date_round_trip() {
        let ms = parse_amz_date("20150830T123600Z").unwrap();
        assert_eq!(ms, 1_440_938_160_000);
        assert_eq!(format_amz_date(ms), "20150830T123600Z");
    }

    #[test]
    fn rfc3339_offsets_and_fractions() {
        assert_eq!(
            parse_rfc3339("2015-08-30T12:36:00Z"),
            Some(1_440_938_160_000)
        );
        assert_eq!(
            parse_rfc3339("2015-08-30T14:36:00+02:00"),
            Some(1_440_938_160_000)
        );
        assert_eq!(
            parse_rfc3339("2015-08-30T12:36:00.250Z"),
            Some(1_440_938_160_250)
        );
        assert_eq!(format_rfc3339(1_440_938_160_000), "2015-08-30T12:36:00Z");
    }

    #[test]
    fn rfc3339_rejects_invalid_dates() {
        assert_eq!(parse_rfc3339("2015-02-29T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2015-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2015-08-30T12:36:00"), None);
        assert_eq!(parse_rfc3339("not a time at all!!"), None);
    }

    #[test]
    fn civil_dates_before_epoch() {
        let t = DateTime::from_millis(-1000);
        assert_eq!((t.year, t.month, t.day, t.second), (1969, 12, 31, 59));
        assert_eq!(t.to_millis(), -1000);
    }
}
