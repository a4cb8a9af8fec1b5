//! Helpers shared by several topics of this test binary.

use std::path::{Path, PathBuf};

/// Copies the plugin folder `from` (its `plugin.toml`, rewritten by `edit`, and its `.wasm`
/// files) into `to`, which is created; returns `to`.
pub fn copy_plugin_folder(from: &Path, to: PathBuf, edit: impl Fn(String) -> String) -> PathBuf {
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        if file == "plugin.toml" {
            std::fs::write(
                to.join(&file),
                edit(std::fs::read_to_string(&path).unwrap()),
            )
            .unwrap();
        } else if file.ends_with(".wasm") {
            std::fs::copy(&path, to.join(&file)).unwrap();
        }
    }
    to
}

/// The `pmsync-host` binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_pmsync-host");

/// The repository root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ is inside the repository")
        .to_path_buf()
}

/// A compiled-plugin cache named `name`, shared by the tests of one topic, in Cargo's
/// scratch dir for integration tests (never the user's cache).
pub fn plugin_cache(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).expect("cache dir");
    dir
}

/// The `platforms:` block of a Jira ↔ GitHub config pointed at sandbox URLs, with the
/// credentials from `JIRA_EMAIL`, `JIRA_API_TOKEN` and `GITHUB_TOKEN`.
pub fn sandbox_platforms_yaml(jira: &str, github: &str) -> String {
    format!(
        r#"platforms:
  jira:
    settings: {{ base_url: "{jira}", project: "PROJ" }}
    credentials:
      token: {{ type: basic, user: "${{JIRA_EMAIL}}", token: "${{JIRA_API_TOKEN}}" }}
    allow_hosts: ["http://127.0.0.1:*"]
  github:
    settings: {{ base_url: "{github}", repo: "acme/widgets" }}
    credentials:
      token: {{ type: bearer, token: "${{GITHUB_TOKEN}}" }}
    allow_hosts: ["http://127.0.0.1:*"]
"#
    )
}
