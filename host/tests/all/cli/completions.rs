//! Shell completions, sourced in a real shell and asked to complete past the first word.

use super::*;

/// Completes `words` (the last one is the word under the cursor) with the script sourced in
/// bash; returns the candidates.
fn bash_complete(cli: &Cli, words: &[&str]) -> Vec<String> {
    let script = cli.run(&["completions", "bash"]).expect(0).stdout;
    let path = cli.write("pmsync-host.bash", &script);
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let current = words.len() - 1;
    let previous = words[current.saturating_sub(1)];
    let program = format!(
        "source '{path}'\nCOMP_WORDS=({})\nCOMP_CWORD={current}\nCOMP_LINE='{}'\nCOMP_POINT=${{#COMP_LINE}}\n_pmsync__host pmsync-host '{}' '{previous}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        quoted.join(" "),
        words.join(" "),
        words[current],
    );
    let output = Command::new("bash")
        .arg("--norc")
        .arg("-c")
        .arg(&program)
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "bash failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn bash_completes_options_of_subcommands_and_values_of_their_options() {
    let cli = Cli::new();
    let sync = bash_complete(&cli, &["pmsync-host", "sync", "--d"]);
    assert_eq!(sync, vec!["--dry-run".to_string()], "{sync:?}");
    let take = bash_complete(
        &cli,
        &["pmsync-host", "conflicts", "resolve", "1", "--take", ""],
    );
    assert_eq!(
        take,
        vec!["source".to_string(), "target".to_string()],
        "{take:?}"
    );
    let top = bash_complete(&cli, &["pmsync-host", "do"]);
    assert_eq!(top, vec!["doctor".to_string()], "{top:?}");
    // Options that do nothing for a subcommand are not offered.
    let sandbox = bash_complete(&cli, &["pmsync-host", "sandbox", "--"]);
    assert!(sandbox.contains(&"--port".to_string()), "{sandbox:?}");
    assert!(!sandbox.contains(&"--config".to_string()), "{sandbox:?}");
    assert!(!sandbox.contains(&"--state".to_string()), "{sandbox:?}");
}

/// Whether `shell` runs here. Under CI it must: the test setup installs it (see
/// `scripts/ensure-test-tools.sh`); elsewhere a missing shell skips its test, saying so.
fn shell_present(shell: &str) -> bool {
    let present = Command::new(shell)
        .arg("-c")
        .arg("true")
        .output()
        .is_ok_and(|o| o.status.success());
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "{shell} is not installed; `make test` installs it (scripts/ensure-test-tools.sh)"
        );
        eprintln!("{shell} is not installed: its completion test is skipped");
    }
    present
}

/// Completes `line` (the cursor at its end) in an interactive zsh, in a pty, with the
/// completion script loaded through `compinit`; returns the candidates.
fn zsh_complete(cli: &Cli, line: &str) -> Vec<String> {
    let script = cli.run(&["completions", "zsh"]).expect(0).stdout;
    let path = cli.write("_pmsync-host", &script);
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/all/cli/zsh_complete.zsh");
    let output = Command::new("timeout")
        .args(["30", "zsh", "-f"])
        .arg(&driver)
        .arg(&path)
        .arg(line)
        .current_dir(cli.dir.path())
        .env("HOME", cli.dir.path())
        .output()
        .expect("zsh runs");
    assert!(
        output.status.success(),
        "zsh completion of `{line}` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Completes `line` with fish's `complete -C`; returns the candidates without their
/// descriptions.
fn fish_complete(cli: &Cli, line: &str) -> Vec<String> {
    let script = cli.run(&["completions", "fish"]).expect(0).stdout;
    let path = cli.write("pmsync-host.fish", &script);
    let output = Command::new("fish")
        .arg("--no-config")
        .arg("-c")
        .arg("source $argv[1]; and complete -C $argv[2]")
        .arg(&path)
        .arg(line)
        .env("HOME", cli.dir.path())
        .output()
        .expect("fish runs");
    assert!(
        output.status.success(),
        "fish completion of `{line}` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.split('\t').next())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn zsh_completes_options_of_subcommands_and_values_of_their_options() {
    if !shell_present("zsh") {
        return;
    }
    let cli = Cli::new();
    let sync = zsh_complete(&cli, "pmsync-host sync --d");
    assert_eq!(sync, vec!["--dry-run".to_string()], "{sync:?}");
    let take = zsh_complete(&cli, "pmsync-host conflicts resolve 1 --take ");
    assert_eq!(
        take,
        vec!["source".to_string(), "target".to_string()],
        "{take:?}"
    );
    let top = zsh_complete(&cli, "pmsync-host do");
    assert_eq!(top, vec!["doctor".to_string()], "{top:?}");
}

#[test]
fn fish_completes_options_of_subcommands_and_values_of_their_options() {
    if !shell_present("fish") {
        return;
    }
    let cli = Cli::new();
    let sync = fish_complete(&cli, "pmsync-host sync --d");
    assert_eq!(sync, vec!["--dry-run".to_string()], "{sync:?}");
    let take = fish_complete(&cli, "pmsync-host conflicts resolve 1 --take ");
    assert_eq!(
        take,
        vec!["source".to_string(), "target".to_string()],
        "{take:?}"
    );
    let top = fish_complete(&cli, "pmsync-host do");
    assert_eq!(top, vec!["doctor".to_string()], "{top:?}");
    let sandbox = fish_complete(&cli, "pmsync-host sandbox --");
    assert!(sandbox.contains(&"--port".to_string()), "{sandbox:?}");
    assert!(!sandbox.contains(&"--config".to_string()), "{sandbox:?}");
}
