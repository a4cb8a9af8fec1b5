//! The command line of `pmsync-host bundle ...`: organisation plugin bundles.

use super::args::{ConfigOpt, JsonOpt, PluginOpts};
use clap::{Args, Subcommand, ValueHint};
use std::path::PathBuf;

const KEYGEN_HELP: &str = "\
Writes a new ed25519 signing key to FILE (readable only by you; never overwritten) and prints
its public key, which operators list in their config under plugins.trust.ORGANISATION.keys.

Examples:
  pmsync-host bundle keygen --output acme-2025.key

Exit status: 0 ok, 2 the file exists.";

const PACK_HELP: &str = "\
Packs the plugins of DIR (a folder of plugin folders, or one plugin folder: each plugin.toml
and the component it names) into one bundle file, signed with the organisation's key.

Examples:
  pmsync-host bundle pack ./plugins-acme --org acme --name tools --version 1.2.0 \\
      --key acme-2025.key --output acme-tools-1.2.0.pmsync-bundle

Exit status: 0 ok, 2 bad input (a plugin that does not read, a version that is not semver).";

const VERIFY_HELP: &str = "\
Checks a bundle (a file, or a registry reference, pulled first): every file against the signed
manifest, the signature, and with --config the signer against plugins.trust.

Examples:
  pmsync-host bundle verify acme-tools-1.2.0.pmsync-bundle --config sync.yaml
  pmsync-host bundle verify registry.acme.dev/pmsync/tools:1.2.0@sha256:... --config sync.yaml --json

Exit status: 0 valid (and trusted, with --config), 2 refused (the message says why).";

const INSTALL_HELP: &str = "\
Verifies a bundle (a file, or a registry reference: pulled, and checked against its pinned
digest) against the trust policy of --config, refuses a downgrade, puts its plugin folders in
the plugins folder and records it in pmsync-bundles.lock. Installing is the only way a bundle
changes: `run` loads what the lock and the signature agree on, and nothing else of a bundle.

Examples:
  pmsync-host bundle install acme-tools-1.2.0.pmsync-bundle --config sync.yaml --plugins ./plugins
  pmsync-host bundle install registry.acme.dev/pmsync/tools:1.2.0@sha256:... --config sync.yaml
  pmsync-host bundle install dev.pmsync-bundle --allow-untrusted    # development only

Exit status: 0 installed (or already installed), 2 refused (nothing was installed).";

const LIST_HELP: &str = "\
The bundles installed in the plugins folder (pmsync-bundles.lock) and whether their files, the
lock and the signature still agree (with --config: and whether the signer is still trusted).

Examples:
  pmsync-host bundle list --plugins ./plugins
  pmsync-host bundle list --plugins ./plugins --config sync.yaml --json

Exit status: 0 every bundle verifies, 2 some bundle is refused (it will not load).";

const PUSH_HELP: &str = "\
Pushes a signed bundle file to an OCI registry and prints the reference pinned to its digest,
which is what operators pull and install. Registries on loopback are spoken to over plain
HTTP; PMSYNC_REGISTRY_USERNAME / PMSYNC_REGISTRY_PASSWORD authenticate.

Examples:
  pmsync-host bundle push acme-tools-1.2.0.pmsync-bundle registry.acme.dev/pmsync/tools:1.2.0

Exit status: 0 pushed, 1 the registry failed, 2 refused (an unsigned or broken bundle).";

const PULL_HELP: &str = "\
Pulls a bundle from an OCI registry into FILE after checking it: the manifest against the
pinned digest (REF@sha256:...), the bundle against the manifest's digest, every file against
the signed manifest, and with --config the signer.

Examples:
  pmsync-host bundle pull registry.acme.dev/pmsync/tools:1.2.0@sha256:... --output tools.pmsync-bundle

Exit status: 0 pulled, 1 the registry failed, 2 refused (nothing was written).";

#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Make a signing key for an organisation's bundles.
    #[command(after_long_help = KEYGEN_HELP)]
    Keygen(KeygenArgs),
    /// Pack and sign a folder of plugins into one bundle file.
    #[command(after_long_help = PACK_HELP)]
    Pack(PackArgs),
    /// Check a bundle's files, signature and (with --config) signer.
    #[command(after_long_help = VERIFY_HELP)]
    Verify(VerifyArgs),
    /// Install (or update to) a bundle into the plugins folder.
    #[command(after_long_help = INSTALL_HELP)]
    Install(InstallArgs),
    /// The installed bundles and whether they verify.
    #[command(after_long_help = LIST_HELP)]
    List(ListArgs),
    /// Push a bundle file to an OCI registry.
    #[command(after_long_help = PUSH_HELP)]
    Push(PushArgs),
    /// Pull a bundle from an OCI registry into a file.
    #[command(after_long_help = PULL_HELP)]
    Pull(PullArgs),
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Where to write the private key (created readable only by you).
    #[arg(short, long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub output: PathBuf,
    #[command(flatten)]
    pub json: JsonOpt,
}

#[derive(Debug, Args)]
pub struct PackArgs {
    /// A folder of plugin folders, or one plugin folder.
    #[arg(value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub dir: PathBuf,
    /// The organisation (as operators name it under plugins.trust).
    #[arg(long = "org", value_name = "ORGANISATION")]
    pub organisation: String,
    /// The bundle's name.
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// The bundle's version (semver).
    #[arg(long, value_name = "VERSION")]
    pub version: String,
    /// The signing key file (from `bundle keygen`).
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath, required_unless_present = "unsigned")]
    pub key: Option<PathBuf>,
    /// Leave the bundle unsigned (development only: it installs only with --allow-untrusted).
    #[arg(long, conflicts_with = "key")]
    pub unsigned: bool,
    /// The bundle file to write.
    #[arg(short, long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub output: PathBuf,
    #[command(flatten)]
    pub json: JsonOpt,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A bundle file, or a registry reference.
    #[arg(value_name = "FILE|REF")]
    pub bundle: String,
    #[command(flatten)]
    pub config: ConfigOpt,
    #[command(flatten)]
    pub json: JsonOpt,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// A bundle file, or a registry reference (pin it: REF@sha256:...).
    #[arg(value_name = "FILE|REF")]
    pub bundle: String,
    /// Development only: install a bundle that is unsigned, signed by a key the config does
    /// not trust (or revokes), or older than the one installed; the lock marks it.
    #[arg(long)]
    pub allow_untrusted: bool,
    #[command(flatten)]
    pub config: ConfigOpt,
    #[command(flatten)]
    pub plugins: PluginOpts,
    #[command(flatten)]
    pub json: JsonOpt,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub config: ConfigOpt,
    #[command(flatten)]
    pub plugins: PluginOpts,
    #[command(flatten)]
    pub json: JsonOpt,
}

#[derive(Debug, Args)]
pub struct PushArgs {
    /// The bundle file.
    #[arg(value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub file: PathBuf,
    /// Where to push: REGISTRY/REPOSITORY:TAG.
    #[arg(value_name = "REF")]
    pub reference: String,
    #[command(flatten)]
    pub json: JsonOpt,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// REGISTRY/REPOSITORY:TAG, pinned with @sha256:DIGEST.
    #[arg(value_name = "REF")]
    pub reference: String,
    /// The bundle file to write.
    #[arg(short, long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub output: PathBuf,
    #[command(flatten)]
    pub config: ConfigOpt,
    #[command(flatten)]
    pub json: JsonOpt,
}

impl BundleCommand {
    /// The shared options this subcommand took: (config, plugins, json).
    pub fn global(&self, g: &mut super::args::Global) {
        let plugins = |p: &PluginOpts, g: &mut super::args::Global| {
            g.plugins = p.plugins.clone();
            g.cache_dir = p.cache_dir.clone();
            g.cold_compiler = p.cold_compiler;
        };
        match self {
            BundleCommand::Keygen(a) => g.json = a.json.json,
            BundleCommand::Pack(a) => g.json = a.json.json,
            BundleCommand::Verify(a) => {
                g.config = a.config.config.clone();
                g.json = a.json.json;
            }
            BundleCommand::Install(a) => {
                g.config = a.config.config.clone();
                plugins(&a.plugins, g);
                g.json = a.json.json;
            }
            BundleCommand::List(a) => {
                g.config = a.config.config.clone();
                plugins(&a.plugins, g);
                g.json = a.json.json;
            }
            BundleCommand::Push(a) => g.json = a.json.json,
            BundleCommand::Pull(a) => {
                g.config = a.config.config.clone();
                g.json = a.json.json;
            }
        }
    }
}
