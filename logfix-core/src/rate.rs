//! What a rate limit is written as, read once for `#[log(rate = "...")]` (at compile time) and
//! `LOGFIX_RATE_LIMIT` (at run time): `100/s`, `600/m`.

/// How a rate that cannot be read is explained.
pub const EXPECTED: &str = "expected a number of events per second or minute, e.g. `100/s`";

/// Reads `50/s` or `600/m` as (events, seconds per window); at least one event per window.
///
/// # Errors
/// A sentence saying what a rate looks like.
///
/// # Examples
/// ```
/// use logfix_core::rate::parse;
///
/// assert_eq!(parse("100/s"), Ok((100, 1)));
/// assert_eq!(parse(" 5 / m "), Ok((5, 60)));
/// assert!(parse("0/s").is_err() && parse("5/h").is_err() && parse("fast").is_err());
/// ```
pub fn parse(text: &str) -> Result<(u32, u64), &'static str> {
    let (events, period) = text.trim().split_once('/').ok_or(EXPECTED)?;
    let events: u32 = events.trim().parse().map_err(|_| EXPECTED)?;
    let seconds = match period.trim() {
        "s" => 1,
        "m" => 60,
        _ => return Err(EXPECTED),
    };
    if events == 0 {
        return Err("a rate limit lets at least one event through, e.g. `1/s`");
    }
    Ok((events, seconds))
}
