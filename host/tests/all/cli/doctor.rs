//! `doctor` against the sandbox: what passes, and a refused token, a missing project and a
//! missing scope, each reported on its own check.

use super::*;

fn checks(report: &Json, platform: &str) -> Vec<(String, String, String)> {
    let entry = report["platforms"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["platform"] == platform))
        .unwrap_or_else(|| panic!("no platform `{platform}` in {report}"));
    entry["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                c["check"].as_str().unwrap_or_default().to_string(),
                c["status"].as_str().unwrap_or_default().to_string(),
                c["detail"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn status_of<'a>(checks: &'a [(String, String, String)], check: &str) -> (&'a str, &'a str) {
    checks
        .iter()
        .find(|(c, _, _)| c == check)
        .map(|(_, s, d)| (s.as_str(), d.as_str()))
        .unwrap_or_else(|| panic!("no `{check}` check in {checks:?}"))
}

#[test]
fn doctor_against_the_sandbox_passes_every_check_of_an_example() {
    let cli = Cli::new();
    let ran = cli
        .run(&[
            "doctor",
            "--config",
            &example("github_projects.yaml"),
            "--sandbox",
            "--json",
        ])
        .expect(0);
    let report = ran.json();
    assert_eq!(report["ok"], true, "{report}");
    for platform in ["jira", "github_projects"] {
        let checks = checks(&report, platform);
        for check in ["reachable", "credentials", "resource"] {
            assert_eq!(status_of(&checks, check).0, "ok", "{platform}: {checks:?}");
        }
    }
    let projects = checks(&report, "github_projects");
    let (status, detail) = status_of(&projects, "scopes");
    assert_eq!(status, "ok", "{detail}");
    let (status, detail) = status_of(&projects, "rate-budget");
    assert_eq!(status, "ok", "{detail}");
    assert!(detail.contains("requests left"), "{detail}");
    let jira = checks(&report, "jira");
    let (status, detail) = status_of(&jira, "permissions");
    assert_eq!(status, "ok", "{detail}");
    assert!(detail.contains("TRANSITION_ISSUES"), "{detail}");

    let text = cli
        .run(&[
            "doctor",
            "--config",
            &example("github_projects.yaml"),
            "--sandbox",
        ])
        .expect(0);
    assert!(
        text.stdout.contains("every check passed"),
        "{}",
        text.stdout
    );
}

#[test]
fn doctor_names_a_refused_token_a_missing_project_and_a_missing_scope() {
    let cli = Cli::new()
        .with_env("JIRA_API_TOKEN", "right-token")
        .with_env("GITHUB_TOKEN", "wrong-token")
        .with_env("PROJECTS_TOKEN", "right-token");
    let sandbox =
        SandboxProcess::start_with(&cli, &["--token", "right-token", "--github-scopes", "repo"]);
    let config = format!(
        r#"platforms:
  jira:
    settings: {{base_url: "{jira}", project: "NOPE"}}
    credentials:
      token: {{type: basic, user: "me@example.com", token: "${{JIRA_API_TOKEN}}"}}
    allow_hosts: ["{jira}"]
  github:
    settings: {{base_url: "{github}", repo: "acme/widgets"}}
    credentials:
      token: {{type: bearer, token: "${{GITHUB_TOKEN}}"}}
    allow_hosts: ["{github}"]
  github_projects:
    settings: {{base_url: "{github}", org: "acme", project_number: "1", repo: "acme/widgets"}}
    credentials:
      token: {{type: bearer, token: "${{PROJECTS_TOKEN}}"}}
    allow_hosts: ["{github}"]
syncs:
  - name: to-board
    source_platform: jira
    target_platform: github_projects
    field_mappings: [{{source_field: summary, target_field: title}}]
  - name: issues
    source_platform: github
    target_platform: jira
    field_mappings: [{{source_field: title, target_field: summary}}]
"#,
        jira = sandbox.jira,
        github = sandbox.github
    );
    let config = cli.write("doctor.yaml", &config);
    let ran = cli
        .run(&["doctor", "--config", &config, "--json"])
        .expect(1);
    let report = ran.json();
    assert_eq!(report["ok"], false, "{report}");

    let github = checks(&report, "github");
    assert_eq!(status_of(&github, "reachable").0, "ok", "{github:?}");
    let (status, detail) = status_of(&github, "credentials");
    assert_eq!(status, "fail", "{github:?}");
    assert!(
        detail.contains("401") && detail.contains("Bad credentials"),
        "{detail}"
    );

    let jira = checks(&report, "jira");
    assert_eq!(status_of(&jira, "credentials").0, "ok", "{jira:?}");
    let (status, detail) = status_of(&jira, "resource");
    assert_eq!(status, "fail", "{jira:?}");
    assert!(
        detail.contains("project NOPE") && detail.contains("404"),
        "{detail}"
    );

    let projects = checks(&report, "github_projects");
    assert_eq!(status_of(&projects, "credentials").0, "ok", "{projects:?}");
    let (status, detail) = status_of(&projects, "scopes");
    assert_eq!(status, "fail", "{projects:?}");
    assert!(
        detail.contains("`project`") && detail.contains("token has: repo"),
        "{detail}"
    );

    let text = cli.run(&["doctor", "--config", &config]).expect(1);
    let all = text.all_output();
    assert!(
        all.contains("FAIL") && all.contains("some checks failed"),
        "{all}"
    );
    for secret in ["right-token", "wrong-token"] {
        assert!(
            !all.contains(secret) && !ran.all_output().contains(secret),
            "{secret} printed"
        );
    }
}
