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

#[test]
fn zsh_and_fish_completions_load_where_those_shells_are_installed() {
    let cli = Cli::new();
    for (shell, check) in [
        (
            "zsh",
            "autoload -U compinit; compinit -u 2>/dev/null; source \"$0\" && whence -w _pmsync-host",
        ),
        (
            "fish",
            "source $argv[1]; and complete -C 'pmsync-host sync --d'",
        ),
    ] {
        if Command::new(shell).arg("-c").arg("true").output().is_err() {
            eprintln!("{shell} is not installed: skipped");
            continue;
        }
        let script = cli.run(&["completions", shell]).expect(0).stdout;
        let path = cli.write(&format!("completions.{shell}"), &script);
        let output = Command::new(shell)
            .arg("-c")
            .arg(check)
            .arg(&path)
            .output()
            .expect("shell runs");
        let out = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{shell}: {out} {}",
            String::from_utf8_lossy(&output.stderr)
        );
        if shell == "fish" {
            assert!(out.contains("--dry-run"), "{out}");
        }
    }
}
