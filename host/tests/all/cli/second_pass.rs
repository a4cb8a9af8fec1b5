//! The command line's second pass: help per clap conventions, `validate --json` in one
//! shape, `history` ranges and a closed reader, where state lives, and a sandbox daemon
//! that does not re-create items on every pass.

use super::*;

#[test]
fn help_lists_shared_options_under_their_own_heading_only_where_they_do_something() {
    let cli = Cli::new();
    let top = cli.run(&["--help"]).expect(0).stdout;
    assert!(
        top.contains("Exit status:") && top.contains("2  bad input"),
        "{top}"
    );
    for (command, offered, not_offered) in [
        (
            &["sync", "--help"][..],
            &["--config", "--state", "--plugins", "--no-progress"][..],
            &[][..],
        ),
        (
            &["validate", "--help"],
            &["--config", "--plugins", "--json"],
            &["--state", "--no-progress"],
        ),
        (
            &["sandbox", "--help"],
            &["--port", "--json"],
            &["--config", "--state", "--plugins"],
        ),
        (
            &["completions", "--help"],
            &[],
            &["--config", "--state", "--plugins", "--json"],
        ),
        (
            &["history", "--help"],
            &["--state", "--since", "--until", "--limit"],
            &["--config", "--plugins"],
        ),
    ] {
        let help = cli.run(command).expect(0).stdout;
        assert!(
            help.contains("Examples:"),
            "{command:?} has no examples:\n{help}"
        );
        assert!(
            help.contains("Exit status"),
            "{command:?} has no exit codes:\n{help}"
        );
        for option in offered {
            assert!(help.contains(option), "{command:?} lacks {option}:\n{help}");
        }
        for option in not_offered {
            assert!(
                !help.contains(&format!("{option} ")),
                "{command:?} offers {option}:\n{help}"
            );
        }
        if !offered.is_empty() && command[0] != "sandbox" {
            assert!(help.contains("Global options:"), "{command:?}:\n{help}");
        }
    }
    let ran = cli.run(&["validate", "--state", "x.db"]).expect(2);
    assert!(ran.stderr.contains("--state"), "{}", ran.stderr);
}

#[test]
fn validate_json_has_one_shape_whatever_went_wrong() {
    let cli = Cli::new();
    let broken = cli.write("broken.yaml", "name: [unclosed\n");
    let missing = cli.path("missing.yaml");
    let good = example("jira_to_github.yaml");
    for (config, code) in [
        (broken.as_str(), 2),
        (missing.as_str(), 2),
        (good.as_str(), 0),
    ] {
        let json = cli
            .run(&["validate", "--config", config, "--json"])
            .expect(code)
            .json();
        for key in ["config", "valid", "syncs", "diagnostics", "notes"] {
            assert!(json.get(key).is_some(), "{config}: no `{key}` in {json}");
        }
        assert_eq!(json["valid"], code == 0, "{json}");
        assert!(json.get("error").is_none(), "{json}");
        if code != 0 {
            let first = &json["diagnostics"][0];
            assert_eq!(first["severity"], "error", "{json}");
            assert!(
                first["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{json}"
            );
        }
    }
    let broken_json = cli.run(&["validate", "--config", &broken, "--json"]).json();
    assert!(
        broken_json["diagnostics"][0]["line"].is_u64(),
        "{broken_json}"
    );
}

#[test]
fn history_ranges_limits_and_a_reader_that_stops_early() {
    let cli = Cli::new();
    let state = cli.state();
    let ran = cli
        .run(&[
            "run",
            "--config",
            &example("jira_to_github.yaml"),
            "--sandbox",
            "--state",
            &state,
        ])
        .expect(0);
    assert!(
        ran.stderr.contains(&format!("new store at {state}")),
        "the first run does not say where its state lives:\n{}",
        ran.stderr
    );
    let all = cli
        .run(&["history", "--state", &state, "--json"])
        .expect(0)
        .json();
    let total = all.as_array().map(Vec::len).unwrap_or_default();
    assert!(total >= 3, "{all}");
    let limited = cli
        .run(&["history", "--state", &state, "--limit", "2", "--json"])
        .expect(0)
        .json();
    assert_eq!(limited.as_array().map(Vec::len), Some(2), "{limited}");
    assert_eq!(
        limited[1],
        all[total - 1],
        "--limit keeps the newest entries"
    );
    for (flag, time) in [("--since", "2999-01-01"), ("--until", "2000-01-01")] {
        let none = cli
            .run(&["history", "--state", &state, flag, time, "--json"])
            .expect(0)
            .json();
        assert_eq!(
            none.as_array().map(Vec::len),
            Some(0),
            "{flag} {time}: {none}"
        );
    }
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let within = cli
        .run(&[
            "history", "--state", &state, "--since", &today, "--until", &today, "--json",
        ])
        .expect(0)
        .json();
    assert_eq!(within.as_array().map(Vec::len), Some(total), "{within}");
    let bad = cli
        .run(&["history", "--state", &state, "--since", "last tuesday"])
        .expect(2);
    assert!(
        bad.stderr.contains("--since") && bad.stderr.contains("RFC 3339"),
        "{}",
        bad.stderr
    );

    // `history --export - | head`: the reader goes away before the export is written.
    let mut child = cli
        .command(&["history", "--state", &state, "--export", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start history");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("history ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn a_sandbox_daemon_creates_items_once_and_not_again_on_the_next_pass() {
    let cli = Cli::new();
    let text = replaced(
        &example_text("jira_to_github.yaml"),
        "sync_interval: 300",
        "sync_interval: 1",
    );
    let config = cli.write("daemon.yaml", &text);
    let mut child = cli
        .command(&[
            "run",
            "--daemon",
            "--sandbox",
            "--config",
            &config,
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the daemon");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            text.push_str(&line);
            text.push('\n');
            if let Ok(pass) = serde_json::from_str::<Json>(&text) {
                text.clear();
                if tx.send(pass).is_err() {
                    return;
                }
            }
        }
    });
    let mut passes = Vec::new();
    while passes.len() < 2 {
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(pass) => passes.push(pass),
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        passes.len(),
        2,
        "the daemon did not run two passes: {passes:?}"
    );
    let created = |pass: &Json| count(&pass["reports"][0], "created");
    assert!(created(&passes[0]) > 0, "{}", passes[0]);
    assert_eq!(
        created(&passes[1]),
        0,
        "the second pass created again: {}",
        passes[1]
    );
}
