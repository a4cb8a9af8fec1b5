//! The origin marker, stored as the issue's own id.
//!
//! `issueCreate` accepts a client-chosen `id` ("The identifier in UUID v4 format. If none is
//! provided, the backend will generate one."). The connector derives that id from the
//! origin marker and the team's id: `SHA-256("pmsync-origin\0" team-id "\0" marker)`, its
//! first 16 bytes with the UUID version (4) and variant bits set. So:
//!
//! - the marker is stored atomically with the issue (no second write that a crash could
//!   lose, unlike an attachment or a comment);
//! - Linear itself refuses a second issue with the same id, so a retried create can never
//!   make a duplicate;
//! - `find-by-origin` is one exact `issue(id:)` lookup, not a text search, and users
//!   cannot edit the marker away (a description comment can be deleted or mangled by the
//!   editor);
//! - the description stays exactly what the user wrote;
//! - mixing in the team id keeps two workspaces that run a sync with the same name and
//!   source ids from colliding (Linear ids are global).

use sha2::{Digest, Sha256};

/// The Linear issue id that an issue created in `team_id` for `origin` has.
pub fn issue_id(team_id: &str, origin: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"pmsync-origin\0");
    hasher.update(team_id.as_bytes());
    hasher.update(b"\0");
    hasher.update(origin.as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEAM: &str = "00000001-0000-4000-8000-000000000001";

    #[test]
    fn the_same_marker_always_gives_the_same_issue_id() {
        let first = issue_id(TEAM, "pmsync:jira-linear:source:10001");
        assert_eq!(first, issue_id(TEAM, "pmsync:jira-linear:source:10001"));
    }

    #[test]
    fn different_markers_or_teams_give_different_ids() {
        let id = issue_id(TEAM, "pmsync:jira-linear:source:10001");
        assert_ne!(id, issue_id(TEAM, "pmsync:jira-linear:source:10002"));
        assert_ne!(
            id,
            issue_id(
                "00000001-0000-4000-8000-000000000002",
                "pmsync:jira-linear:source:10001"
            )
        );
    }

    #[test]
    fn the_id_is_in_uuid_v4_format_as_linear_requires() {
        let id = issue_id(TEAM, "pmsync:s:source:1");
        let groups: Vec<&str> = id.split('-').collect();
        assert_eq!(
            groups.iter().map(|group| group.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(
            id.chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert!(groups[2].starts_with('4'), "{id}");
        assert!(
            matches!(groups[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'),
            "{id}"
        );
    }
}
