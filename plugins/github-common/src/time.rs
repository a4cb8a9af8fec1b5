//! Instants as milliseconds since the Unix epoch, parsed from RFC 3339 (GitHub's timestamps,
//! the host's watermarks) and from HTTP dates (the `Date` header). Plugins have no date
//! library; these few parsers are all the connectors need.

/// Milliseconds since 1970-01-01T00:00:00Z of an RFC 3339 instant
/// (`2024-05-01T12:00:00Z`, `2024-05-01T12:00:00.123+02:00`); `None` if it is not one.
pub fn parse_rfc3339_ms(text: &str) -> Option<i64> {
    let text = text.trim();
    let bytes = text.as_bytes();
    if bytes.len() < 20 || !matches!(bytes[10], b'T' | b't' | b' ') {
        return None;
    }
    let date = parse_date_days(&text[..10])?;
    if bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    let hour = number(&text[11..13], 0, 23)?;
    let minute = number(&text[14..16], 0, 59)?;
    let second = number(&text[17..19], 0, 60)?;
    let mut rest = &text[19..];
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let padded: String = fraction[..digits]
            .chars()
            .chain("000".chars())
            .take(3)
            .collect();
        millis = padded.parse::<i64>().ok()?;
        rest = &fraction[digits..];
    }
    let offset_minutes = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            sign * (number(&rest[1..3], 0, 23)? * 60 + number(&rest[4..6], 0, 59)?)
        }
    };
    let seconds = date * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1_000 + millis)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date; `None` if it is not a valid date.
pub fn parse_date_days(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = number(&text[..4], 0, 9999)?;
    let month = number(&text[5..7], 1, 12)?;
    let day = number(&text[8..10], 1, days_in_month(year, month))?;
    Some(days_from_civil(year, month, day))
}

/// Milliseconds since the epoch of an HTTP date (`Tue, 10 Oct 2017 16:00:00 GMT`).
pub fn parse_http_date_ms(text: &str) -> Option<i64> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [_weekday, day, month, year, clock, zone] = parts.as_slice() else {
        return None;
    };
    if !zone.eq_ignore_ascii_case("GMT") && !zone.eq_ignore_ascii_case("UTC") {
        return None;
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS
        .iter()
        .position(|name| name.eq_ignore_ascii_case(month))? as i64
        + 1;
    let year = number(year, 1970, 9999)?;
    let day = number(day, 1, days_in_month(year, month))?;
    let clock: Vec<&str> = clock.split(':').collect();
    let [hour, minute, second] = clock.as_slice() else {
        return None;
    };
    let seconds = days_from_civil(year, month, day) * 86_400
        + number(hour, 0, 23)? * 3_600
        + number(minute, 0, 59)? * 60
        + number(second, 0, 60)?;
    Some(seconds * 1_000)
}

/// The current time, from the clock the host gives connectors.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or(0)
}

fn number(text: &str, min: i64, max: i64) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let value = text.parse::<i64>().ok()?;
    (min..=max).contains(&value).then_some(value)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's days-from-civil algorithm.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_instants_in_any_offset_compare_as_the_same_moment() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_ms("2024-05-01T12:00:00Z"),
            parse_rfc3339_ms("2024-05-01T14:00:00+02:00")
        );
        assert_eq!(
            parse_rfc3339_ms("2024-05-01T12:00:00.5Z"),
            parse_rfc3339_ms("2024-05-01T12:00:00Z").map(|ms| ms + 500)
        );
        assert_eq!(
            parse_rfc3339_ms("2022-06-08T20:34:26Z"),
            Some(1_654_720_466_000)
        );
    }

    #[test]
    fn text_that_is_not_an_instant_is_refused() {
        for bad in [
            "",
            "2024-05-01",
            "2024-13-01T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2024-05-01T12:00:00",
            "yesterday",
        ] {
            assert_eq!(parse_rfc3339_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn http_dates_parse_to_the_same_epoch_as_rfc3339() {
        assert_eq!(
            parse_http_date_ms("Tue, 10 Oct 2017 16:00:00 GMT"),
            parse_rfc3339_ms("2017-10-10T16:00:00Z")
        );
        assert_eq!(parse_http_date_ms("10 Oct 2017"), None);
    }

    #[test]
    fn dates_are_checked_for_real_calendar_days() {
        assert_eq!(parse_date_days("1970-01-02"), Some(1));
        assert!(parse_date_days("2024-02-29").is_some());
        assert_eq!(parse_date_days("2023-02-29"), None);
        assert_eq!(parse_date_days("2024-5-1"), None);
    }
}
