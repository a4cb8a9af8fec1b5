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

#[test]
fn a_resolution_value_that_does_not_fit_the_field_is_refused_and_the_conflict_stays_open() {
    // People set different labels on both sides: a conflict on an array field.
    let world = manual_conflict_on(
        serde_json::json!({ "labels": ["from-jira"] }),
        serde_json::json!({ "labels": ["from-github"] }),
    );
    let (cli, state) = (&world.cli, world.state.as_str());
    let id = world.id.to_string();
    let before = snapshot(state);

    for value in ["5", "true", "{\"a\": 1}"] {
        let ran = cli
            .run(&[
                "conflicts",
                "resolve",
                &id,
                "--value",
                value,
                "--state",
                state,
            ])
            .expect(2);
        assert!(
            ran.stderr
                .contains(&format!("--value {value} does not fit field `labels`"))
                && ran.stderr.contains("nothing was changed"),
            "{}",
            ran.stderr
        );
        // With the config, the field's declared type and its way back are checked too.
        let ran = cli
            .run(&[
                "conflicts",
                "resolve",
                &id,
                "--value",
                value,
                "--state",
                state,
                "--config",
                &world.config,
            ])
            .expect(2);
        assert!(ran.stderr.contains("does not fit"), "{}", ran.stderr);
    }
    assert!(
        snapshot(state) == before,
        "a refused resolution changed the state"
    );
    let open = cli
        .run(&["conflicts", "list", "--state", state, "--json"])
        .expect(0)
        .json();
    assert_eq!(open[0]["id"].as_i64(), Some(world.id), "{open}");
    assert!(open[0]["resolution"].is_null(), "{open}");

    // A list fits, is accepted, and the next run writes it to both sides.
    cli.run(&[
        "conflicts",
        "resolve",
        &id,
        "--value",
        "[\"agreed\"]",
        "--state",
        state,
        "--config",
        &world.config,
    ])
    .expect(0);
    cli.run(&["run", "--config", &world.config, "--state", state])
        .expect(0);
    let open = cli
        .run(&["conflicts", "list", "--state", state, "--json"])
        .expect(0)
        .json();
    assert_eq!(open.as_array().map(Vec::len), Some(0), "{open}");
}

/// Runs `pmsync-host args` on a terminal (a pty from util-linux `script`) with `NO_COLOR`
/// set to `no_color`; returns everything it printed (stdout and stderr share the terminal).
fn on_a_terminal(cli: &Cli, args: &[&str], no_color: &str) -> String {
    let plain = cli.command(args);
    let line = std::iter::once(plain.get_program())
        .chain(plain.get_args())
        .map(|a| format!("'{}'", a.to_string_lossy().replace('\'', "'\\''")))
        .collect::<Vec<_>>()
        .join(" ");
    let mut command = Command::new("script");
    command.args(["-qec", &line, "/dev/null"]).env_clear();
    for (name, value) in plain.get_envs() {
        if let Some(value) = value {
            command.env(name, value);
        }
    }
    if let Some(dir) = plain.get_current_dir() {
        command.current_dir(dir);
    }
    let output = command
        .env("NO_COLOR", no_color)
        .env("TERM", "xterm")
        .stdin(Stdio::null())
        .output()
        .expect("util-linux `script` runs (it gives the command a terminal)");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn no_color_set_but_empty_is_unset_for_logs_and_output_alike() {
    // https://no-color.org: only a non-empty NO_COLOR turns colour off.
    let cli = Cli::new().with_env("RUST_LOG", "pmsync=debug");
    let config = example("jira_to_github.yaml");
    let args = ["validate", "--config", &config];
    let coloured = |text: &str, what: &str| {
        text.lines()
            .filter(|l| l.contains(what))
            .any(|l| l.contains('\u{1b}'))
    };

    let empty = on_a_terminal(&cli, &args, "");
    assert!(empty.contains("is valid"), "{empty}");
    assert!(
        coloured(&empty, "is valid") && coloured(&empty, "DEBUG"),
        "NO_COLOR= (empty) must colour both the output and the logs on a terminal:\n{empty}"
    );
    let set = on_a_terminal(&cli, &args, "1");
    assert!(set.contains("is valid") && set.contains("DEBUG"), "{set}");
    assert!(
        !set.contains('\u{1b}'),
        "NO_COLOR=1 must colour neither the output nor the logs:\n{set}"
    );
}

#[test]
fn plugins_list_and_inspect_apply_the_configs_pins_and_grants() {
    let cli = Cli::new();
    let plugins = cli.dir.path().join("plugins");
    let first_party = Path::new(&plugins_dir()).join("jira");
    crate::support::copy_plugin_folder(&first_party, plugins.join("jira"), |m| m);
    crate::support::copy_plugin_folder(&first_party, plugins.join("aa-jira"), |m| {
        m.replace("name = \"jira\"", "name = \"aa-jira\"")
    });
    let plugins = plugins.display().to_string();
    let config = cli.write(
        "pins.yaml",
        "plugins:
  pins:
    jira: { plugin: jira }
platforms:
  jira:
    settings: { base_url: 'https://acme.atlassian.net' }
    allow_hosts: ['https://acme.atlassian.net']
    credentials:
      token: { type: bearer, token: '${JIRA_TOKEN}' }
syncs: []
",
    );

    // Without the config, two plugins claim `jira`: both refused.
    let bare = cli
        .run(&["plugins", "list", "--plugins", &plugins, "--json"])
        .expect(2)
        .json();
    assert_eq!(bare["plugins"].as_array().map(Vec::len), Some(0), "{bare}");

    // With it, the pinned one loads with the config's grant; the other is refused by name.
    let pinned = cli
        .run(&[
            "plugins",
            "list",
            "--plugins",
            &plugins,
            "--config",
            &config,
            "--json",
        ])
        .expect(2)
        .json();
    let names: Vec<&str> = pinned["plugins"]
        .as_array()
        .expect("plugins")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["jira"], "{pinned}");
    let refused = pinned["errors"].to_string();
    assert!(
        refused.contains("aa-jira") && refused.contains("pins it to plugin `jira`"),
        "{refused}"
    );

    let inspected = cli
        .run(&[
            "plugins",
            "inspect",
            "jira",
            "--plugins",
            &plugins,
            "--config",
            &config,
            "--json",
        ])
        .expect(0)
        .json();
    assert_eq!(
        inspected["granted"]["hosts"],
        serde_json::json!(["https://acme.atlassian.net"]),
        "{inspected}"
    );
    let bare = cli
        .run(&["plugins", "inspect", "jira", "--plugins", &plugins])
        .expect(2);
    assert!(bare.stderr.contains("pins"), "{}", bare.stderr);
}

#[test]
fn plugin_settings_are_checked_against_what_each_plugin_declares_with_their_position() {
    let cli = Cli::new();
    let base = example_text("jira_to_github.yaml");
    for (settings, expected) in [
        (
            "    priority-resolver: { source_priorty_field: rank }\n",
            "did you mean `source_priority_field`?",
        ),
        (
            "    priority-resolve: { source_priority_field: rank }\n",
            "did you mean `priority-resolver`?",
        ),
        (
            "    jira: { project: PROJ }\n",
            "`jira` is a connector: its settings go under `platforms.<entry>.settings`",
        ),
        (
            "    priority-resolver: { api_token: abc }\n",
            "`api_token` looks like a secret",
        ),
        (
            "    priority-resolver: { source_priority_field: \"${FIELD}\" }\n",
            "`${VAR}` is not expanded here",
        ),
    ] {
        let config = cli.write(
            "settings.yaml",
            &format!("{base}\nplugins:\n  settings:\n{settings}"),
        );
        let ran = cli
            .run(&["validate", "--config", &config, "--json"])
            .expect(2);
        let answer = ran.json();
        let found = answer["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| d["message"].as_str().is_some_and(|m| m.contains(expected)))
            .unwrap_or_else(|| panic!("{settings}: {answer}"));
        assert!(
            found["line"].as_u64().is_some_and(|l| l > 100),
            "located at the setting: {found}"
        );
    }
    let good = cli.write(
        "good.yaml",
        &format!(
            "{base}\nplugins:\n  settings:\n    priority-resolver: {{ source_priority_field: rank }}\n"
        ),
    );
    cli.run(&["validate", "--config", &good]).expect(0);
}

#[test]
fn limits_the_operator_sets_for_a_plugin_are_in_force_and_shown_by_inspect() {
    let cli = Cli::new();
    let base = example_text("jira_to_github.yaml");
    let config = cli.write(
        "limits.yaml",
        &format!(
            "{base}\nplugins:\n  limits:\n    priority-resolver: {{ memory_mb: 1024, timeout_ms: 1500 }}\n"
        ),
    );
    cli.run(&["validate", "--config", &config]).expect(0);
    let inspected = cli
        .run(&[
            "plugins",
            "inspect",
            "priority-resolver",
            "--config",
            &config,
            "--json",
        ])
        .expect(0)
        .json();
    assert_eq!(
        inspected["limits"]["memory_mb"], 1024,
        "above the default maximum: {inspected}"
    );
    assert_eq!(inspected["limits"]["timeout_ms"], 1500, "{inspected}");
    assert_ne!(inspected["limits_asked"]["memory_mb"], 1024, "{inspected}");
    let shown = cli
        .run(&[
            "plugins",
            "inspect",
            "priority-resolver",
            "--config",
            &config,
        ])
        .expect(0);
    assert!(
        shown.stdout.contains("in force") && shown.stdout.contains("1024"),
        "{}",
        shown.stdout
    );
}
