//! Seed data: a small realistic example set per platform, or `n` generated items for
//! benchmarks. Deterministic: the same options give the same data (ids, texts, timestamps).

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};

/// How many items each platform starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SeedSize {
    /// The example set: 12 Jira issues in `PROJ` (+3 in `OPS`), 8 GitHub issues + 2 pull
    /// requests in `acme/widgets`, 8 Linear issues in `ENG`.
    #[default]
    Examples,
    /// `n` issues per platform (plus Jira's 3 `OPS` issues and GitHub's 2 pull requests).
    Items(usize),
}

/// One generated work item, platform-neutral.
#[derive(Debug, Clone)]
pub(crate) struct SeedIssue {
    pub(crate) title: String,
    /// Paragraphs of plain text.
    pub(crate) paragraphs: Vec<String>,
    /// 0 = to do, 1 = in progress, 2 = done.
    pub(crate) status: usize,
    /// 0 = highest … 4 = lowest.
    pub(crate) priority: usize,
    pub(crate) labels: Vec<&'static str>,
    pub(crate) points: Option<f64>,
    pub(crate) due: Option<NaiveDate>,
    /// Index into the platform's users.
    pub(crate) assignee: Option<usize>,
    pub(crate) created: DateTime<Utc>,
    pub(crate) updated: DateTime<Utc>,
}

const TITLES: [&str; 16] = [
    "Checkout fails when the cart contains a gift card",
    "Add CSV export to the monthly usage report",
    "Password reset e-mail is sent twice",
    "Dark mode: sidebar icons are invisible",
    "Migrate the billing worker to the new queue",
    "Search ignores accents in customer names",
    "Rate-limit the public status API",
    "Onboarding checklist does not remember dismissed steps",
    "Upgrade the TLS certificates of the staging cluster",
    "Invoice PDF shows the wrong VAT number",
    "Allow admins to transfer project ownership",
    "Mobile: pull-to-refresh duplicates feed entries",
    "Document the webhook retry policy",
    "Slow dashboard query for accounts with 10k projects",
    "Audit log misses role changes",
    "Add keyboard shortcut to archive a conversation",
];

const DETAILS: [&str; 8] = [
    "Steps to reproduce are in the linked support ticket; it happens on every browser we tried.",
    "Customers on the enterprise plan asked for this during the last quarterly review.",
    "The fix should come with a regression test and a note in the changelog.",
    "Expected: the action completes once. Actual: it runs twice and the user sees an error.",
    "We measured p95 latency of 4.2 s in production; the target is under 500 ms.",
    "Coordinate with the platform team before rolling this out to all regions.",
    "Acceptance: the behaviour is covered by an end-to-end test and documented.",
    "Low risk; can ship behind the existing feature flag.",
];

const LABELS: [&str; 6] = [
    "backend",
    "frontend",
    "bug",
    "customer",
    "performance",
    "docs",
];

/// The fixed instant all seed timestamps are relative to (a Monday, 09:00 UTC).
pub(crate) fn seed_epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 6, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

/// Seconds between the `updated` times of consecutive seed items. Not a multiple of 60, so
/// items fall at different seconds within their minutes (exercises minute-precision JQL).
pub(crate) const UPDATED_STEP_SECS: i64 = 37;

/// `count` items; `salt` varies texts and attributes between platforms.
pub(crate) fn issues(count: usize, salt: usize) -> Vec<SeedIssue> {
    let epoch = seed_epoch();
    (0..count)
        .map(|i| {
            let k = i + salt;
            let title = if count <= TITLES.len() {
                TITLES[k % TITLES.len()].to_string()
            } else {
                format!("{} (#{})", TITLES[k % TITLES.len()], i + 1)
            };
            let paragraphs = vec![
                DETAILS[k % DETAILS.len()].to_string(),
                DETAILS[(k * 3 + 1) % DETAILS.len()].to_string(),
            ];
            let labels = match k % 4 {
                0 => vec![LABELS[k % LABELS.len()]],
                1 => vec![LABELS[k % LABELS.len()], LABELS[(k + 2) % LABELS.len()]],
                2 => vec![],
                _ => vec![LABELS[(k + 1) % LABELS.len()]],
            };
            let created = epoch - TimeDelta::days(30) + TimeDelta::seconds(13 * i as i64);
            SeedIssue {
                title,
                paragraphs,
                status: k % 3,
                priority: (k * 7) % 5,
                labels,
                points: [Some(1.0), Some(3.0), None, Some(5.0), Some(8.0), Some(2.0)][k % 6],
                due: (k % 3 != 1)
                    .then(|| epoch.date_naive() + TimeDelta::days(7 + (k % 40) as i64)),
                assignee: (k % 4 != 3).then_some(k % 3),
                created,
                updated: epoch + TimeDelta::seconds(UPDATED_STEP_SECS * i as i64),
            }
        })
        .collect()
}

/// People known to every platform: (display name, login/handle, e-mail).
pub(crate) const PEOPLE: [(&str, &str, &str); 3] = [
    ("Mia Krystof", "mia-krystof", "mia@example.com"),
    ("Noah Okafor", "noah-okafor", "noah@example.com"),
    ("Lena Schmidt", "lena-schmidt", "lena@example.com"),
];

/// Deterministic UUID-shaped id (Linear and GitHub node ids are opaque strings).
pub(crate) fn uuid(kind: u32, n: u64) -> String {
    let mixed = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(kind).rotate_left(17);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        kind,
        (n >> 32) & 0xffff,
        (n >> 20) & 0xfff,
        mixed & 0xfff,
        (mixed >> 12) & 0xffff_ffff_ffff ^ n
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_is_deterministic_and_ids_are_unique() {
        let a = issues(50, 1);
        let b = issues(50, 1);
        assert_eq!(
            a.iter().map(|i| &i.title).collect::<Vec<_>>(),
            b.iter().map(|i| &i.title).collect::<Vec<_>>()
        );
        let ids: std::collections::HashSet<String> = (0..10_000).map(|n| uuid(3, n)).collect();
        assert_eq!(ids.len(), 10_000);
    }
}
