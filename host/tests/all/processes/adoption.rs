//! Adoption (`link_existing: match_then_create`) the way an operator meets it: both sides
//! already hold the same work, and the first runs are killed at random points or started
//! twice at once (two cron entries). Every existing pair ends up linked once, every unmatched
//! item gets exactly one partner, and nothing is duplicated.

use super::*;

/// Items each side starts with; the first `PAIRS` are the same work under equal titles.
const SEEDED: usize = 24;
const PAIRS: usize = 16;

const ADOPTING: &str = r#"
link_existing:
  mode: match_then_create
  initial_winner: source
  match:
    - fields: [summary]
"#;

/// Gives the first `PAIRS` GitHub issues the summaries of the first `PAIRS` Jira issues
/// (spelled with other case and spacing) and every other item a title of its own. Returns the
/// expected pairs (Jira key, GitHub number).
fn arrange_existing_pairs(world: &World) -> BTreeMap<String, u64> {
    let numbers = world.github_numbers();
    assert!(world.jira_count() >= SEEDED && numbers.len() >= SEEDED);
    let mut pairs = BTreeMap::new();
    for (i, number) in numbers.iter().copied().enumerate().take(SEEDED) {
        let key = format!("PROJ-{}", i + 1);
        let (summary, title) = if i < PAIRS {
            (format!("Existing work {i}"), format!("existing   WORK {i}"))
        } else {
            (format!("Only in Jira {i}"), format!("Only on GitHub {i}"))
        };
        assert!(world.handle.jira().edit(&key, |f| {
            f.insert("summary".into(), summary.clone().into());
        }));
        assert!(
            world
                .handle
                .github()
                .edit(number, |issue| issue.title = title)
        );
        if i < PAIRS {
            pairs.insert(key, number);
        }
    }
    pairs
}

fn adopting_world() -> (World, BTreeMap<String, u64>) {
    let world = World::start(SEEDED, 0.05, 4);
    let path = world.dir.path().join("sync.yaml");
    let mut config = std::fs::read_to_string(&path).unwrap();
    config.push_str(ADOPTING);
    std::fs::write(&path, config).unwrap();
    let pairs = arrange_existing_pairs(&world);
    (world, pairs)
}

/// Each existing pair is linked to its own partner, and every item is in exactly one link.
fn assert_adopted(world: &World, pairs: &BTreeMap<String, u64>) {
    let linked = assert_paired_and_equal(world);
    for (jira_key, number) in pairs {
        let partner = linked
            .iter()
            .find(|(source, _)| source == jira_key)
            .map(|(_, target)| github_number(target));
        assert_eq!(
            partner,
            Some(*number),
            "{jira_key} is linked to its existing partner"
        );
    }
    // The existing pairs were linked, not duplicated: each side has its seeded items plus one
    // partner per item of the other side that matched nothing.
    let expected = SEEDED + (SEEDED - PAIRS);
    assert_eq!(world.jira_count(), expected, "Jira issues: no duplicate");
    assert_eq!(
        world.github_count(),
        expected,
        "GitHub issues: no duplicate"
    );
}

#[test]
fn adoption_runs_killed_at_random_points_link_each_existing_pair_once_and_duplicate_nothing() {
    let (world, pairs) = adopting_world();
    // Runs are killed at random points until one finishes by itself: with GitHub's pace at a
    // twentieth (50 ms between writes), adopting takes a couple of seconds, so kills land
    // while pairs are being linked and partners created.
    let mut rng = StdRng::seed_from_u64(0xad0b7);
    let mut killed = 0;
    for _ in 0..30 {
        if !killed_run(&world, &mut rng) {
            break;
        }
        killed += 1;
    }
    assert!(
        killed >= 3,
        "at least three runs are cut mid-way ({killed})"
    );
    eprintln!("[figures] adoption kill loop: {killed} runs killed before one finished");
    let (code, _, stderr) = world.sync();
    assert_eq!(code, 0, "{stderr}");
    assert_adopted(&world, &pairs);
    let (code, report, stderr) = world.sync();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(count(&report, "created"), 0, "{report}");
    assert_eq!(count(&report, "matched"), 0, "{report}");
}

#[test]
fn two_adoption_runs_started_at_once_link_each_existing_pair_once() {
    let (world, pairs) = adopting_world();
    let first = world.spawn(&["--json", "sync", "--wait"]);
    let second = world.spawn(&["--json", "sync", "--wait"]);
    let (a, b) = (
        parsed(first.wait_with_output().unwrap()),
        parsed(second.wait_with_output().unwrap()),
    );
    assert_eq!((a.0, b.0), (0, 0), "both finish: {}\n{}", a.2, b.2);
    // One of them adopted; the one queued behind it found everything linked.
    let matched = [count(&a.1, "matched"), count(&b.1, "matched")];
    assert!(
        matched.contains(&(PAIRS as u64)) && matched.contains(&0),
        "{matched:?}"
    );
    assert_adopted(&world, &pairs);
}
