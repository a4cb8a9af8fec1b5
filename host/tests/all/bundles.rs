//! Organisation plugin bundles, the way they are used: the real `pmsync-host` binary in its
//! own process makes a key, packs and signs plugins, pushes the bundle to a real OCI
//! registry (the CNCF distribution registry, Debian's `docker-registry`, started here on
//! loopback), pulls it onto a "second machine" (fresh folders), verifies, installs and syncs
//! the sandbox platforms through the bundle's connectors. Then every refusal: tampered
//! files, wrong and revoked keys, a replayed older version, a registry serving other
//! content for a pinned reference. Needs the plugins built (`make plugins`) and the
//! registry installed (`scripts/ensure-test-tools.sh`; without it these tests fail under
//! `CI=true` and skip visibly otherwise).

use crate::support::{BIN, plugin_cache, sandbox_platforms_yaml, workspace};
use pmsync_host::bundle::archive;
use pmsync_sandbox::{Sandbox, SandboxHandle, SandboxOptions, SandboxRuntime};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What one run of the binary said.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn json(&self) -> Json {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }
    /// Everything it printed, for messages.
    fn said(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// `pmsync-host ARGS` in `home` (its HOME; nothing else of the environment).
fn pmsync(home: &Path, args: &[&str]) -> Ran {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(home)
        .env_clear()
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .env("JIRA_EMAIL", "tester@example.com")
        .env("JIRA_API_TOKEN", "jira-token")
        .env("GITHUB_TOKEN", "github-token")
        .stdin(Stdio::null())
        .output()
        .expect("pmsync-host starts");
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ok(ran: Ran) -> Ran {
    assert_eq!(ran.code, 0, "expected success:\n{}", ran.said());
    ran
}

/// A registry on loopback, storing in a temp folder; stopped when dropped.
struct Registry {
    child: Child,
    address: String,
    storage: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Registry {
    /// Starts `docker-registry serve`; `None` (with a visible SKIPPED line) when it is not
    /// installed, a failure under `CI=true`.
    fn start() -> Option<Registry> {
        let binary = ["docker-registry", "registry"].into_iter().find(|b| {
            Command::new("sh")
                .args(["-c", &format!("command -v {b}")])
                .output()
                .is_ok_and(|o| o.status.success())
        });
        let Some(binary) = binary else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "docker-registry is not installed: run scripts/ensure-test-tools.sh (apt-get install docker-registry)"
            );
            eprintln!(
                "SKIPPED: docker-registry is not installed (scripts/ensure-test-tools.sh installs it)"
            );
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let storage = dir.path().join("storage");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let address = format!("127.0.0.1:{port}");
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {address}\n",
                storage.display()
            ),
        )
        .unwrap();
        let child = Command::new(binary)
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry starts");
        let registry = Registry {
            child,
            address,
            storage,
            _dir: dir,
        };
        let started = Instant::now();
        while !registry.answers() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the registry did not answer on {} within 20 s",
                registry.address
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(registry)
    }

    /// Whether `GET /v2/` answers 200.
    fn answers(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut stream) = std::net::TcpStream::connect(&self.address) else {
            return false;
        };
        let request = format!("GET /v2/ HTTP/1.0\r\nHost: {}\r\n\r\n", self.address);
        if stream.write_all(request.as_bytes()).is_err() {
            return false;
        }
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200")
    }

    fn reference(&self, repository: &str, tag: &str) -> String {
        format!("{}/{repository}:{tag}", self.address)
    }

    /// The file the registry serves for the blob `digest` (`sha256:…`).
    fn blob(&self, digest: &str) -> PathBuf {
        let hex = digest.trim_start_matches("sha256:");
        self.storage
            .join("docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }
}

/// One organisation's side: a key, a folder of plugins to pack; and an operator's config.
struct Org {
    dir: tempfile::TempDir,
}

impl Org {
    fn new() -> Org {
        Org {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Ran {
        pmsync(self.dir.path(), args)
    }

    /// `bundle keygen` into `name`; returns its public key.
    fn keygen(&self, name: &str) -> String {
        let ran = ok(self.run(&[
            "bundle",
            "keygen",
            "--output",
            self.path(name).to_str().unwrap(),
            "--json",
        ]));
        let json = ran.json();
        assert!(
            !ran.stdout.contains(&private_seed(&self.path(name))),
            "keygen printed the private key"
        );
        json["public_key"].as_str().unwrap().to_string()
    }

    /// A folder holding copies of the first-party plugins `names`.
    fn plugins_to_pack(&self, names: &[&str]) -> PathBuf {
        let dir = self.path("to-pack");
        for name in names {
            crate::support::copy_plugin_folder(
                &workspace().join("plugins").join(name),
                dir.join(name),
                |m| m,
            );
        }
        dir
    }

    /// `bundle pack DIR` as acme/connectors VERSION signed with `key`; returns the file.
    fn pack(&self, dir: &Path, version: &str, key: &str) -> PathBuf {
        let out = self.path(&format!("acme-connectors-{version}-{key}.pmsync-bundle"));
        ok(self.run(&[
            "bundle",
            "pack",
            dir.to_str().unwrap(),
            "--org",
            "acme",
            "--name",
            "connectors",
            "--version",
            version,
            "--key",
            self.path(key).to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
        ]));
        out
    }
}

fn private_seed(key_file: &Path) -> String {
    std::fs::read_to_string(key_file)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("private-key: "))
        .unwrap()
        .to_string()
}

/// A Jira ↔ GitHub sync against the sandbox, trusting `keys` (and revoking `revoked`) for
/// organisation acme.
fn config(sandbox: Option<&SandboxHandle>, keys: &[&str], revoked: &[&str]) -> String {
    let (jira, github) = sandbox
        .map(|s| (s.jira_url(), s.github_url()))
        .unwrap_or(("http://127.0.0.1:9".into(), "http://127.0.0.1:9".into()));
    let list = |v: &[&str]| {
        v.iter()
            .map(|k| format!("\"{k}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let platforms = sandbox_platforms_yaml(&jira, &github);
    format!(
        r#"name: "jira-github"
source_platform: "jira"
target_platform: "github"
direction: "bidirectional"
concurrency: 2
retry_delay: 0.05
plugins:
  trust:
    acme:
      keys: [{}]
      revoked: [{}]
{platforms}field_mappings:
  - {{ source_field: summary, target_field: title, required: true }}
"#,
        list(keys),
        list(revoked)
    )
}

/// A second machine: an empty plugins folder and a config.
struct Machine {
    dir: tempfile::TempDir,
}

impl Machine {
    fn new(config_text: &str) -> Machine {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("plugins")).unwrap();
        std::fs::write(dir.path().join("sync.yaml"), config_text).unwrap();
        Machine { dir }
    }

    fn plugins(&self) -> PathBuf {
        self.dir.path().join("plugins")
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("sync.yaml")
    }

    fn set_config(&self, text: &str) {
        std::fs::write(self.config(), text).unwrap();
    }

    /// `pmsync-host ARGS` with this machine's config and plugins where the command offers
    /// them.
    fn run(&self, args: &[&str]) -> Ran {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let takes_config = !matches!(
            args,
            ["plugins", ..] | ["bundle", "push" | "keygen" | "pack", ..]
        );
        let takes_plugins = matches!(
            args,
            ["plugins", ..]
                | ["bundle", "install" | "list", ..]
                | ["sync" | "run" | "validate", ..]
        );
        if takes_config {
            all.push("--config".into());
            all.push(self.config().display().to_string());
        }
        if takes_plugins {
            all.push("--plugins".into());
            all.push(self.plugins().display().to_string());
            all.push("--cache-dir".into());
            all.push(plugin_cache("plugin-cache").display().to_string());
        }
        let args: Vec<&str> = all.iter().map(String::as_str).collect();
        pmsync(self.dir.path(), &args)
    }

    fn install(&self, bundle: &str) -> Ran {
        self.run(&["bundle", "install", bundle, "--json"])
    }

    /// What is in the plugins folder besides the lock: nothing was installed when empty.
    fn installed_folders(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.plugins())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

fn sandbox() -> (SandboxHandle, SandboxRuntime) {
    Sandbox::start_blocking(SandboxOptions::seed_items(6).with_time_scale(0.01))
        .expect("sandbox starts")
}

/// The bundle at `path` with `edit` applied to its entry `entry` (written back as a tar
/// archive, as someone tampering with it would).
fn tampered(path: &Path, entry: &str, edit: impl Fn(&mut Vec<u8>)) -> PathBuf {
    let mut entries = archive::read(&std::fs::read(path).unwrap()).unwrap();
    edit(
        entries
            .get_mut(entry)
            .unwrap_or_else(|| panic!("no entry {entry}")),
    );
    let out = path.with_extension(format!("tampered-{}", entry.replace('/', "_")));
    std::fs::write(&out, archive::write(&entries).unwrap()).unwrap();
    out
}

fn flip_last_byte(data: &mut [u8]) {
    let last = data.len() - 1;
    data[last] ^= 0x01;
}

#[test]
fn a_bundle_pushed_then_pulled_on_a_second_machine_installs_and_syncs_through_its_connectors() {
    let Some(registry) = Registry::start() else {
        return;
    };
    let org = Org::new();
    let key = org.keygen("acme.key");
    let to_pack = org.plugins_to_pack(&["jira", "github"]);
    let file = org.pack(&to_pack, "1.0.0", "acme.key");
    let reference = registry.reference("acme/connectors", "1.0.0");
    let pushed = ok(org.run(&[
        "bundle",
        "push",
        file.to_str().unwrap(),
        &reference,
        "--json",
    ]))
    .json();
    let pinned = pushed["pinned"].as_str().unwrap().to_string();
    assert!(pinned.contains("@sha256:"), "{pushed}");

    let (handle, _runtime) = sandbox();
    let machine = Machine::new(&config(Some(&handle), &[&key], &[]));
    let pulled_file = machine.dir.path().join("pulled.pmsync-bundle");
    ok(machine.run(&[
        "bundle",
        "pull",
        &pinned,
        "--output",
        pulled_file.to_str().unwrap(),
    ]));
    assert_eq!(
        std::fs::read(&pulled_file).unwrap(),
        std::fs::read(&file).unwrap(),
        "the pulled bundle is the pushed one, byte for byte"
    );
    let verified =
        ok(machine.run(&["bundle", "verify", pulled_file.to_str().unwrap(), "--json"])).json();
    assert_eq!(verified["trusted"], true, "{verified}");
    let installed = ok(machine.install(&pinned)).json();
    assert_eq!(installed["version"], "1.0.0", "{installed}");
    assert_eq!(
        machine.installed_folders(),
        ["github", "jira", "pmsync-bundles.lock"]
    );

    let inspect = ok(machine.run(&["plugins", "inspect", "jira", "--json"])).json();
    let key_id = verified["signer"]["key_id"].as_str().unwrap();
    assert_eq!(inspect["bundle"]["organisation"], "acme", "{inspect}");
    assert_eq!(inspect["bundle"]["bundle"], "connectors");
    assert_eq!(inspect["bundle"]["version"], "1.0.0");
    assert_eq!(inspect["bundle"]["signer"], key_id);
    assert_eq!(
        format!("sha256:{}", inspect["bundle"]["digest"].as_str().unwrap()),
        pushed["bundle_digest"].as_str().unwrap()
    );
    // The bundle asks for hosts; without the operator's config it is granted none.
    assert!(!inspect["asked"]["hosts"].as_array().unwrap().is_empty());
    assert!(
        inspect["granted"]["hosts"].as_array().unwrap().is_empty(),
        "{inspect}"
    );

    let synced = machine.run(&["sync", "--state", "state.db", "--no-progress", "--json"]);
    assert_eq!(synced.code, 0, "{}", synced.said());
    let github_issues = (1..=handle.github().issue_count() as u64)
        .filter(|&n| handle.github().issue(n).is_some_and(|i| !i.is_pull_request))
        .count();
    let jira_issues = (1..)
        .take_while(|n| handle.jira().issue(&format!("PROJ-{n}")).is_some())
        .count();
    assert!(jira_issues > 0);
    assert_eq!(
        github_issues, jira_issues,
        "every Jira issue reached GitHub through the bundle's connectors"
    );
}

#[test]
fn tampered_bundles_are_refused_saying_what_changed_and_nothing_is_installed() {
    let org = Org::new();
    let key = org.keygen("acme.key");
    let file = org.pack(&org.plugins_to_pack(&["jira"]), "1.0.0", "acme.key");
    let machine = Machine::new(&config(None, &[&key], &[]));
    let cases = [
        (
            "plugins/jira/jira.wasm",
            "plugins/jira/jira.wasm was changed after signing",
        ),
        (
            "plugins/jira/plugin.toml",
            "plugins/jira/plugin.toml was changed after signing",
        ),
        ("bundle.json", "was changed after it was signed"),
    ];
    for (entry, says) in cases {
        let bad = tampered(&file, entry, |data| {
            if entry == "bundle.json" {
                // A changed version: still a well-formed manifest, no longer the signed one.
                let text = String::from_utf8(data.clone()).unwrap();
                *data = text.replace("\"1.0.0\"", "\"1.0.1\"").into_bytes();
            } else {
                flip_last_byte(data);
            }
        });
        let ran = machine.install(bad.to_str().unwrap());
        assert_eq!(ran.code, 2, "{entry}: {}", ran.said());
        assert!(ran.said().contains(says), "{entry}: {}", ran.said());
        let verify = machine.run(&["bundle", "verify", bad.to_str().unwrap()]);
        assert_eq!(verify.code, 2, "{entry}: {}", verify.said());
        assert!(verify.said().contains(says), "{entry}: {}", verify.said());
        assert!(
            machine.installed_folders().is_empty(),
            "{entry}: something was installed: {:?}",
            machine.installed_folders()
        );
    }
    // The untouched bundle installs: the refusals were about the changes.
    ok(machine.install(file.to_str().unwrap()));
}

#[test]
fn an_installed_plugin_changed_on_disk_is_not_loaded_until_the_bundle_is_reinstalled() {
    let org = Org::new();
    let key = org.keygen("acme.key");
    let file = org.pack(&org.plugins_to_pack(&["jira"]), "1.0.0", "acme.key");
    let machine = Machine::new(&config(None, &[&key], &[]));
    ok(machine.install(file.to_str().unwrap()));
    let listed = ok(machine.run(&["plugins", "list", "--json"])).json();
    assert_eq!(listed["plugins"][0]["name"], "jira", "{listed}");
    for changed in ["jira.wasm", "plugin.toml"] {
        let path = machine.plugins().join("jira").join(changed);
        let original = std::fs::read(&path).unwrap();
        let mut bytes = original.clone();
        flip_last_byte(&mut bytes);
        std::fs::write(&path, &bytes).unwrap();
        let ran = machine.run(&["plugins", "list", "--json"]);
        assert_eq!(ran.code, 2, "{changed}: {}", ran.said());
        let json = ran.json();
        assert_eq!(json["plugins"], Json::Array(vec![]), "{changed}: {json}");
        let error = json["errors"].to_string();
        assert!(
            error.contains("bundle acme/connectors 1.0.0")
                && error.contains("was changed after installation"),
            "{changed}: {error}"
        );
        // Pointing --plugins at the plugin's own folder checks the same lock.
        let one = machine.plugins().join("jira");
        let alone = pmsync(
            machine.dir.path(),
            &[
                "plugins",
                "list",
                "--plugins",
                one.to_str().unwrap(),
                "--json",
            ],
        );
        assert_eq!(alone.code, 2, "{changed}: {}", alone.said());
        assert_eq!(alone.json()["plugins"], Json::Array(vec![]), "{changed}");
        let listed = machine.run(&["bundle", "list"]);
        assert_eq!(listed.code, 2, "{}", listed.said());
        assert!(listed.said().contains("refused"), "{}", listed.said());
        // Installing the same bundle again puts the signed files back.
        ok(machine.install(file.to_str().unwrap()));
        assert_eq!(std::fs::read(&path).unwrap(), original);
    }
    ok(machine.run(&["bundle", "list"]));
    let listed = ok(machine.run(&["plugins", "list", "--json"])).json();
    assert_eq!(listed["plugins"][0]["name"], "jira", "{listed}");
}

#[test]
fn bundles_signed_by_an_unknown_or_revoked_key_are_refused_and_a_rotated_key_is_accepted_once_listed()
 {
    let org = Org::new();
    let old = org.keygen("old.key");
    let new = org.keygen("new.key");
    let stranger = org.keygen("stranger.key");
    let dir = org.plugins_to_pack(&["jira"]);
    let by_stranger = org.pack(&dir, "1.0.0", "stranger.key");
    let by_old = org.pack(&dir, "1.0.0", "old.key");
    let by_new = org.pack(&dir, "1.1.0", "new.key");
    let _ = stranger;

    let machine = Machine::new(&config(None, &[&old], &[]));
    let ran = machine.install(by_stranger.to_str().unwrap());
    assert_eq!(ran.code, 2, "{}", ran.said());
    assert!(
        ran.said()
            .contains("which is not one of organisation `acme`'s keys"),
        "{}",
        ran.said()
    );
    assert!(machine.installed_folders().is_empty());

    // Rotation: the new key is refused until the config lists it.
    ok(machine.install(by_old.to_str().unwrap()));
    let ran = machine.install(by_new.to_str().unwrap());
    assert_eq!(ran.code, 2, "{}", ran.said());
    machine.set_config(&config(None, &[&old, &new], &[]));
    let updated = ok(machine.install(by_new.to_str().unwrap())).json();
    assert_eq!(updated["replaced"], "1.0.0", "{updated}");

    // Revoking the old key: a bundle it signed is refused, with the reason.
    let old_id = ok(org.run(&["bundle", "verify", by_old.to_str().unwrap(), "--json"])).json()
        ["signer"]["key_id"]
        .as_str()
        .unwrap()
        .to_string();
    machine.set_config(&config(None, &[&new], &[&old_id]));
    let verify = machine.run(&["bundle", "verify", by_old.to_str().unwrap()]);
    assert_eq!(verify.code, 2, "{}", verify.said());
    assert!(verify.said().contains("revokes"), "{}", verify.said());

    // An installed bundle whose signer the config now revokes is not loaded by a sync.
    let other = Machine::new(&config(None, &[&old], &[]));
    ok(other.install(by_old.to_str().unwrap()));
    other.set_config(&config(None, &[&new], &[&old_id]));
    let listed = other.run(&["bundle", "list"]);
    assert_eq!(listed.code, 2, "{}", listed.said());
    assert!(listed.said().contains("revokes"), "{}", listed.said());
    let synced = other.run(&["sync", "--state", "state.db", "--no-progress"]);
    assert_eq!(synced.code, 2, "{}", synced.said());
    assert!(synced.said().contains("revokes"), "{}", synced.said());
}

#[test]
fn a_replayed_older_version_is_refused_and_an_unsigned_bundle_needs_the_development_flag() {
    let org = Org::new();
    let key = org.keygen("acme.key");
    let dir = org.plugins_to_pack(&["jira"]);
    let v1 = org.pack(&dir, "1.0.0", "acme.key");
    let v2 = org.pack(&dir, "1.1.0", "acme.key");
    let machine = Machine::new(&config(None, &[&key], &[]));
    ok(machine.install(v2.to_str().unwrap()));
    let ran = machine.install(v1.to_str().unwrap());
    assert_eq!(ran.code, 2, "{}", ran.said());
    assert!(
        ran.said()
            .contains("older than the installed version 1.1.0: a downgrade"),
        "{}",
        ran.said()
    );
    let listed = ok(machine.run(&["bundle", "list", "--json"])).json();
    assert_eq!(listed["bundles"][0]["version"], "1.1.0", "{listed}");

    let unsigned = org.path("unsigned.pmsync-bundle");
    ok(org.run(&[
        "bundle",
        "pack",
        dir.to_str().unwrap(),
        "--org",
        "acme",
        "--name",
        "dev",
        "--version",
        "0.1.0",
        "--unsigned",
        "--output",
        unsigned.to_str().unwrap(),
    ]));
    let fresh = Machine::new(&config(None, &[&key], &[]));
    let ran = fresh.install(unsigned.to_str().unwrap());
    assert_eq!(ran.code, 2, "{}", ran.said());
    assert!(ran.said().contains("is not signed"), "{}", ran.said());
    assert!(fresh.installed_folders().is_empty());
    let ran = ok(fresh.run(&[
        "bundle",
        "install",
        unsigned.to_str().unwrap(),
        "--allow-untrusted",
        "--json",
    ]));
    assert_eq!(ran.json()["development"], true);
    let listed = ok(fresh.run(&["bundle", "list", "--json"])).json();
    assert_eq!(listed["bundles"][0]["development"], true, "{listed}");
}

#[test]
fn a_registry_serving_other_content_for_a_pinned_reference_is_refused() {
    let Some(registry) = Registry::start() else {
        return;
    };
    let org = Org::new();
    let key = org.keygen("acme.key");
    let dir = org.plugins_to_pack(&["jira"]);
    let v1 = org.pack(&dir, "1.0.0", "acme.key");
    let v2 = org.pack(&dir, "1.1.0", "acme.key");
    let reference = registry.reference("acme/connectors", "stable");
    let first = ok(org.run(&["bundle", "push", v1.to_str().unwrap(), &reference, "--json"])).json();
    let second =
        ok(org.run(&["bundle", "push", v2.to_str().unwrap(), &reference, "--json"])).json();
    let machine = Machine::new(&config(None, &[&key], &[]));
    let out = machine.dir.path().join("pulled.pmsync-bundle");
    let out_arg = out.to_str().unwrap();

    // The registry's copy of the first manifest now holds the second's bytes.
    let pinned = first["pinned"].as_str().unwrap();
    let manifest_blob = registry.blob(first["manifest_digest"].as_str().unwrap());
    let original = std::fs::read(&manifest_blob).unwrap();
    std::fs::write(
        &manifest_blob,
        std::fs::read(registry.blob(second["manifest_digest"].as_str().unwrap())).unwrap(),
    )
    .unwrap();
    let ran = machine.run(&["bundle", "pull", pinned, "--output", out_arg]);
    assert_eq!(ran.code, 2, "{}", ran.said());
    assert!(
        ran.said()
            .contains("served the manifest with another digest"),
        "{}",
        ran.said()
    );
    assert!(!out.exists(), "nothing is written");
    let ran = machine.install(pinned);
    assert_eq!(ran.code, 2, "{}", ran.said());
    assert!(machine.installed_folders().is_empty());
    std::fs::write(&manifest_blob, original).unwrap();

    // The bundle layer itself changed under the registry.
    let layer = registry.blob(first["bundle_digest"].as_str().unwrap());
    let mut bytes = std::fs::read(&layer).unwrap();
    flip_last_byte(&mut bytes);
    std::fs::write(&layer, &bytes).unwrap();
    let ran = machine.run(&["bundle", "pull", pinned, "--output", out_arg]);
    assert_eq!(ran.code, 2, "{}", ran.said());
    assert!(
        ran.said().contains("served the bundle with another digest"),
        "{}",
        ran.said()
    );
    assert!(!out.exists(), "nothing is written");

    // The untouched second push still pulls.
    ok(machine.run(&[
        "bundle",
        "pull",
        second["pinned"].as_str().unwrap(),
        "--output",
        out_arg,
    ]));
}
