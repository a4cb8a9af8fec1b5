//! `completions SHELL`: the shell completion script, with clap_complete's bash output
//! repaired for a hyphenated binary name.
//!
//! clap_complete (4.6) spells the bash dispatch state of a subcommand two ways when the
//! binary name has a hyphen: the loop that walks the words sets `pmsync__host__subcmd__sync`
//! while the `case` arms test `pmsync__subcmd__host__subcmd__sync`, so nothing past the first
//! word ever completes (clap-rs/clap#6421, #6529). The arms are rewritten to the loop's
//! spelling, and the function gets a name POSIX-mode bash accepts.

use super::args::Cli;
use clap::CommandFactory;
use clap_complete::Shell;

const BIN: &str = "pmsync-host";

/// The completion script for `shell`.
pub fn script(shell: Shell) -> String {
    // Generated into memory: clap_complete panics on a failed write.
    let mut bytes = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut bytes);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    match shell {
        Shell::Bash => repair_bash(&text),
        _ => text,
    }
}

fn repair_bash(script: &str) -> String {
    let loop_name = BIN.replace('-', "__");
    let arm_name = BIN.replace('-', "__subcmd__");
    script
        .replace(
            &format!("{arm_name}__subcmd__"),
            &format!("{loop_name}__subcmd__"),
        )
        .replace(&format!("_{BIN}()"), &format!("_{loop_name}()"))
        .replace(&format!("-F _{BIN} "), &format!("-F _{loop_name} "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every dispatch state the bash loop can set has a `case` arm.
    #[test]
    fn every_bash_dispatch_state_has_a_case_arm() {
        let script = script(Shell::Bash);
        let states: BTreeSet<&str> = script
            .lines()
            .filter_map(|l| l.trim().strip_prefix("cmd=\""))
            .filter_map(|l| l.strip_suffix('"'))
            .filter(|s| !s.is_empty())
            .collect();
        assert!(states.len() > 10, "{states:?}");
        let arms: BTreeSet<&str> = script
            .lines()
            .filter_map(|l| l.trim().strip_suffix(')'))
            .collect();
        let missing: Vec<&&str> = states.iter().filter(|s| !arms.contains(**s)).collect();
        assert!(missing.is_empty(), "states without an arm: {missing:?}");
    }
}
