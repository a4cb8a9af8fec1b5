//! `plugins new`: each template is scaffolded outside the repository, built with its one
//! command, tested with its own test command and loaded by the host, as a new author would.

use super::*;

/// The target dir the scaffolded plugins build in: one for all these tests, kept between
/// runs (so a second `make test` builds their dependencies no more), never the workspace's
/// own (which the running `cargo test` holds).
fn scaffold_target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugins-new-target")
}

/// A command for a tool run inside a new plugin folder: the developer's environment (PATH,
/// rustup, caches) without what the running `cargo test` set for itself.
fn tool(program: &str, folder: &Path) -> Command {
    let mut command = Command::new(program);
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().to_string();
        if (key.starts_with("CARGO_") && key != "CARGO_HOME")
            || key.starts_with("RUST") && key != "RUSTUP_HOME" && key != "RUSTUP_TOOLCHAIN"
        {
            command.env_remove(&key);
        }
    }
    command
        .current_dir(folder)
        .env("CARGO_TARGET_DIR", scaffold_target_dir())
        .stdin(Stdio::null());
    command
}

fn succeed(command: &mut Command, what: &str) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{what} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn plugins_new(home: &Path, args: &[&str]) -> std::process::Output {
    base_command(shared_cache(), home)
        .args(["plugins", "new"])
        .args(args)
        .output()
        .expect("pmsync-host runs")
}

#[test]
fn new_rust_plugins_of_every_kind_build_outside_the_repository_test_and_load() {
    let home = tempfile::tempdir().expect("temp dir");
    let plugins = home.path().join("my-plugins");
    let kinds = [
        ("transformer", "scaffold-rust-transformer", "transforms"),
        ("resolver", "scaffold-rust-resolver", "resolver"),
        ("connector", "scaffold-rust-connector", "platform"),
    ];
    for (kind, name, _) in kinds {
        let folder = plugins.join(name);
        let made = plugins_new(
            home.path(),
            &[name, "--kind", kind, "--dir", &folder.display().to_string()],
        );
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        let said = String::from_utf8_lossy(&made.stdout);
        assert!(
            said.contains("sh build.sh") && said.contains(name),
            "{said}"
        );
        succeed(
            tool("sh", &folder).arg("build.sh"),
            &format!("{name}: sh build.sh"),
        );
        let tested = succeed(
            tool("cargo", &folder).args(["test", "--quiet"]),
            &format!("{name}: cargo test"),
        );
        assert!(tested.contains("test result: ok"), "{name}: {tested}");
    }
    let listed = base_command(shared_cache(), home.path())
        .args(["plugins", "list", "--json", "--plugins"])
        .arg(&plugins)
        .output()
        .expect("pmsync-host runs");
    let report: Json = serde_json::from_slice(&listed.stdout).expect("plugins list --json");
    assert!(listed.status.success(), "{report}");
    assert_eq!(report["errors"], serde_json::json!([]), "{report}");
    for (kind, name, provides) in kinds {
        let plugin = report["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} not loaded: {report}"));
        assert_eq!(plugin["kind"], kind, "{plugin}");
        assert!(
            plugin["provides"].to_string().contains(provides),
            "{plugin}"
        );
    }
}

#[test]
fn new_refuses_a_bad_name_or_an_occupied_folder_and_writes_nothing() {
    let home = tempfile::tempdir().expect("temp dir");
    let bad = plugins_new(home.path(), &["Title Case", "--kind", "transformer"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a plugin name"));
    assert_eq!(std::fs::read_dir(home.path()).unwrap().count(), 0);

    let occupied = home.path().join("taken");
    std::fs::create_dir(&occupied).unwrap();
    std::fs::write(occupied.join("notes.txt"), "mine").unwrap();
    let refused = plugins_new(
        home.path(),
        &[
            "taken",
            "--kind",
            "resolver",
            "--dir",
            &occupied.display().to_string(),
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not empty"));
    let left: Vec<_> = std::fs::read_dir(&occupied).unwrap().collect();
    assert_eq!(left.len(), 1, "only the user's file stays");
    assert_eq!(
        std::fs::read_dir(home.path()).unwrap().count(),
        1,
        "no staging folder left"
    );
}

#[test]
fn new_with_json_lists_the_files_and_the_commands() {
    let home = tempfile::tempdir().expect("temp dir");
    let made = plugins_new(
        home.path(),
        &["title-case", "--kind", "transformer", "--json"],
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let report: Json = serde_json::from_slice(&made.stdout).expect("one JSON document");
    assert_eq!(report["name"], "title-case");
    assert_eq!(report["lang"], "rust");
    assert_eq!(report["build"], "sh build.sh");
    let files: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    for file in files {
        assert!(
            home.path().join("title-case").join(file).is_file(),
            "{file} listed but not written"
        );
    }
    let manifest = std::fs::read_to_string(home.path().join("title-case/plugin.toml")).unwrap();
    assert!(
        manifest.contains("component = \"title_case.wasm\""),
        "{manifest}"
    );
}

/// The toolchain `make plugins` installed for `lang` (`python` / `js`) under the workspace's
/// target dir, or a panic saying how to get it.
fn installed_toolchain(lang: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/tmp is inside the target dir")
        .join("plugin-toolchains")
        .join(lang);
    assert!(
        dir.is_dir(),
        "no {lang} plugin toolchain in {}: run `make plugins` first",
        dir.display()
    );
    dir
}

/// Scaffolds one plugin of each kind in `lang` outside the repository, runs each one's own
/// tests and build (`env` points the build at the installed toolchain), and loads them all.
fn scaffold_build_and_load(lang: &str, test: &[String], env: (&str, PathBuf)) {
    let home = tempfile::tempdir().expect("temp dir");
    let plugins = home.path().join("my-plugins");
    let kinds = [
        ("transformer", "transforms"),
        ("resolver", "resolver"),
        ("connector", "platform"),
    ];
    let names: Vec<String> = kinds
        .iter()
        .map(|(kind, _)| format!("scaffold-{lang}-{kind}"))
        .collect();
    // Each folder is written and its own tests run first; the builds then run side by side
    // (each is one process, mostly single-threaded).
    let mut builds = Vec::new();
    for ((kind, _), name) in kinds.iter().zip(&names) {
        let folder = plugins.join(name);
        let made = plugins_new(
            home.path(),
            &[
                name,
                "--kind",
                kind,
                "--lang",
                lang,
                "--dir",
                &folder.display().to_string(),
            ],
        );
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        let mut own_tests = tool(&test[0], &folder);
        own_tests.args(&test[1..]);
        succeed(&mut own_tests, &format!("{name}: {}", test.join(" ")));
        let mut build = tool("sh", &folder);
        build
            .arg("build.sh")
            .env(env.0, &env.1)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        builds.push((name.clone(), build.spawn().expect("sh build.sh starts")));
    }
    for (name, build) in builds {
        let output = build.wait_with_output().expect("the build ends");
        assert!(
            output.status.success(),
            "{name}: sh build.sh failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let listed = base_command(shared_cache(), home.path())
        .args(["plugins", "list", "--json", "--plugins"])
        .arg(&plugins)
        .output()
        .expect("pmsync-host runs");
    let report: Json = serde_json::from_slice(&listed.stdout).expect("plugins list --json");
    assert!(listed.status.success(), "{report}");
    for ((kind, provides), name) in kinds.iter().zip(&names) {
        let plugin = report["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name.as_str())
            .unwrap_or_else(|| panic!("{name} not loaded: {report}"));
        assert_eq!(plugin["kind"], *kind, "{plugin}");
        assert!(
            plugin["provides"].to_string().contains(provides),
            "{plugin}"
        );
    }
}

#[test]
fn new_javascript_plugins_of_every_kind_pass_their_node_tests_build_and_load() {
    let toolchain = installed_toolchain("js");
    let test = ["npm", "test", "--silent"].map(String::from);
    scaffold_build_and_load("js", &test, ("PMSYNC_COMPONENTIZE_JS_DIR", toolchain));
}

#[test]
fn new_python_plugins_of_every_kind_pass_their_pytest_tests_build_and_load() {
    let venv = installed_toolchain("python");
    let python = venv.join("bin/python").display().to_string();
    let test = [
        python,
        "-m".into(),
        "pytest".into(),
        "-q".into(),
        "tests".into(),
    ];
    let componentize = venv.join("bin/componentize-py");
    scaffold_build_and_load("python", &test, ("PMSYNC_COMPONENTIZE_PY", componentize));
}
