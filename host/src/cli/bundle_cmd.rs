//! `bundle keygen|pack|verify|install|list|push|pull`: organisation plugin bundles.

use super::bundle_args::{
    BundleCommand, InstallArgs, KeygenArgs, PackArgs, PullArgs, PushArgs, VerifyArgs,
};
use super::context::Context;
use super::exit::{CliError, Outcome};
use super::output::outln;
use crate::bundle::{
    self, BundleError, BundleLock, InstallOptions, OpenedBundle, PackRequest, PublicKey,
    TrustPolicy, registry,
};
use crate::plugin::{CacheOutcome, ColdCompile, Grants};
use pmsync_core::config::check_trust;
use serde_json::json;

pub fn bundle(ctx: &Context, command: &BundleCommand) -> Result<Outcome, CliError> {
    match command {
        BundleCommand::Keygen(args) => keygen(ctx, args),
        BundleCommand::Pack(args) => pack(ctx, args),
        BundleCommand::Verify(args) => verify(ctx, args),
        BundleCommand::Install(args) => install(ctx, args),
        BundleCommand::List(_) => list(ctx),
        BundleCommand::Push(args) => push(ctx, args),
        BundleCommand::Pull(args) => pull(ctx, args),
    }
}

fn cli(e: BundleError) -> CliError {
    if e.bad_input {
        CliError::bad_input(e.message)
    } else {
        CliError::failed(e.message)
    }
}

/// The trust policy of `--config` (its `plugins.trust`, checked: file:line:col for each
/// problem), or `None` without a config.
fn trust(ctx: &Context) -> Result<Option<TrustPolicy>, CliError> {
    if ctx.global.config.is_none() {
        return Ok(None);
    }
    let (source, config) = ctx.load_config()?;
    let problems: Vec<String> = check_trust(&config)
        .into_iter()
        .map(|mut d| {
            d.locate_in(&source.text, &source.origin);
            d.to_string()
        })
        .collect();
    if !problems.is_empty() {
        return Err(CliError::bad_input(problems.join("\n")));
    }
    Ok(Some(TrustPolicy::from_config(&config.plugins.trust)))
}

/// A line on stderr for people (never with --json, whose stdout is one document).
fn note(ctx: &Context, text: &str) {
    if !ctx.out.json {
        eprintln!("{text}");
    }
}

fn keygen(ctx: &Context, args: &KeygenArgs) -> Result<Outcome, CliError> {
    let key = bundle::generate_key();
    bundle::write_private_key(&args.output, &key).map_err(cli)?;
    let public = PublicKey(key.verifying_key());
    if ctx.out.json {
        ctx.out.json(&json!({
            "private_key_file": args.output,
            "public_key": public.hex(),
            "key_id": public.id(),
        }));
    } else {
        outln!(
            "wrote the signing key to {} (only you can read it; keep it secret)",
            args.output.display()
        );
        outln!("public key: {}", public.hex());
        outln!("key id:     {}", public.id());
        outln!("operators trust it with, in their config:");
        outln!(
            "  plugins:\n    trust:\n      YOUR-ORGANISATION:\n        keys: [\"{}\"]",
            public.hex()
        );
    }
    Ok(Outcome::Ok)
}

fn summary(opened: &OpenedBundle) -> serde_json::Value {
    let m = &opened.manifest;
    json!({
        "organisation": m.organisation,
        "name": m.name,
        "version": m.version,
        "api": m.api,
        "digest": format!("sha256:{}", opened.digest),
        "size": opened.size,
        "signer": opened.signature.as_ref().map(|s| json!({ "key_id": s.key_id, "public_key": s.public_key })),
        "plugins": m.plugins,
        "files": m.files.len(),
    })
}

fn pack(ctx: &Context, args: &PackArgs) -> Result<Outcome, CliError> {
    let key = match &args.key {
        Some(path) => Some(bundle::read_private_key(path).map_err(cli)?),
        None => None,
    };
    let (bytes, opened) = bundle::pack(&PackRequest {
        dir: &args.dir,
        organisation: &args.organisation,
        name: &args.name,
        version: &args.version,
        key: key.as_ref(),
    })
    .map_err(cli)?;
    std::fs::write(&args.output, &bytes)
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", args.output.display())))?;
    if ctx.out.json {
        let mut value = summary(&opened);
        value["file"] = json!(args.output);
        ctx.out.json(&value);
    } else {
        let m = &opened.manifest;
        outln!(
            "packed {} ({} plugins, {} files, {} bytes) into {}",
            m.label(),
            m.plugins.len(),
            m.files.len(),
            opened.size,
            args.output.display()
        );
        outln!("digest: sha256:{}", opened.digest);
        match &opened.signature {
            Some(s) => outln!("signed by key {}", s.key_id),
            None => outln!("UNSIGNED: it installs only with --allow-untrusted (development)"),
        }
    }
    Ok(Outcome::Ok)
}

/// The bundle's bytes from a file or a registry reference, and where they came from.
fn fetch(ctx: &Context, what: &str) -> Result<(Vec<u8>, String), CliError> {
    if registry::looks_like_reference(what) {
        note(ctx, &format!("pulling {what} ..."));
        let (bytes, transferred) = registry::pull(what).map_err(cli)?;
        if !what.contains("@sha256:") {
            note(
                ctx,
                &format!(
                    "warning: `{what}` is not pinned to a digest; pin it to be sure of what you get: {}",
                    transferred.pinned
                ),
            );
        }
        return Ok((bytes, transferred.pinned));
    }
    let path = std::path::Path::new(what);
    let bytes = bundle::read_bundle_file(path).map_err(cli)?;
    let source = std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string();
    Ok((bytes, source))
}

/// Opens the bundle and checks its signature, and the signer against `trust` if given.
fn checked(
    bytes: &[u8],
    trust: Option<&TrustPolicy>,
) -> Result<(OpenedBundle, PublicKey), CliError> {
    let opened = OpenedBundle::open(bytes).map_err(cli)?;
    let signer = opened.signer().map_err(cli)?;
    if let Some(policy) = trust {
        policy
            .check(&opened.manifest.organisation, &signer)
            .map_err(|e| CliError::bad_input(format!("bundle {}: {e}", opened.manifest.label())))?;
    }
    Ok((opened, signer))
}

fn verify(ctx: &Context, args: &VerifyArgs) -> Result<Outcome, CliError> {
    let trust = trust(ctx)?;
    let (bytes, source) = fetch(ctx, &args.bundle)?;
    let (opened, signer) = checked(&bytes, trust.as_ref())?;
    if ctx.out.json {
        let mut value = summary(&opened);
        value["source"] = json!(source);
        value["signature_valid"] = json!(true);
        value["trusted"] = json!(trust.as_ref().map(|_| true));
        ctx.out.json(&value);
    } else {
        outln!(
            "{}: every file matches the signed manifest; signed by key {}",
            opened.manifest.label(),
            signer.id()
        );
        match trust {
            Some(_) => outln!(
                "trusted: key {} is one of organisation `{}`'s keys",
                signer.id(),
                opened.manifest.organisation
            ),
            None => {
                outln!("not checked against a trust policy (pass --config to check the signer)")
            }
        }
    }
    Ok(Outcome::Ok)
}

fn install(ctx: &Context, args: &InstallArgs) -> Result<Outcome, CliError> {
    let trust = trust(ctx)?;
    let (bytes, source) = fetch(ctx, &args.bundle)?;
    let opened = OpenedBundle::open(&bytes).map_err(cli)?;
    let installed = bundle::install(
        &ctx.global.plugins,
        &opened,
        trust.as_ref(),
        InstallOptions {
            allow_untrusted: args.allow_untrusted,
        },
        &source,
    )
    .map_err(cli)?;
    for warning in &installed.warnings {
        note(ctx, &format!("warning: {warning}"));
    }
    if !installed.unchanged {
        precompile_installed(ctx, trust);
    }
    if ctx.out.json {
        ctx.out.json(&installed);
    } else if installed.unchanged {
        outln!(
            "{}/{} {} is already installed (digest sha256:{}); nothing changed",
            installed.organisation,
            installed.name,
            installed.version,
            installed.digest
        );
    } else {
        outln!(
            "installed {}/{} {}{} into {} (signer {}, digest sha256:{})",
            installed.organisation,
            installed.name,
            installed.version,
            installed
                .replaced
                .as_ref()
                .map(|v| format!(", replacing {v}"))
                .unwrap_or_default(),
            ctx.global.plugins.display(),
            installed.signer.as_deref().unwrap_or("none"),
            installed.digest
        );
    }
    Ok(Outcome::Ok)
}

/// Compiles the plugins folder's components with Cranelift into the cache (components
/// cached already are only read), so the first run after an install loads optimised code
/// at once instead of compiling. A plugin that does not load is reported by the run that
/// loads it; this only says how many were compiled.
fn precompile_installed(ctx: &Context, trust: Option<TrustPolicy>) {
    let Ok(runtime) = ctx.runtime_compiling_with(ColdCompile::Cranelift) else {
        return;
    };
    if runtime.cache_dir().is_none() {
        return;
    }
    note(ctx, "compiling the plugins for the cache (cranelift)…");
    let grants = Grants {
        trust,
        ..Grants::default()
    };
    let Ok(report) = ctx.load_plugins_into(&runtime, &grants) else {
        return;
    };
    let compiled = report
        .plugins
        .inventory()
        .iter()
        .filter(|p| p.cache != CacheOutcome::Hit)
        .count();
    note(
        ctx,
        &format!(
            "optimised code of {compiled} plugins compiled into {} in {:.1} s",
            runtime
                .cache_dir()
                .map_or("-".into(), |d| d.display().to_string()),
            report.elapsed.as_secs_f64()
        ),
    );
}

fn list(ctx: &Context) -> Result<Outcome, CliError> {
    let trust = trust(ctx)?;
    let dir = &ctx.global.plugins;
    let lock = BundleLock::read(dir)
        .map_err(CliError::bad_input)?
        .unwrap_or_default();
    let check = bundle::check_installed(dir, trust.as_ref()).map_err(CliError::bad_input)?;
    let rows: Vec<serde_json::Value> = lock
        .bundles
        .iter()
        .map(|b| {
            let label = format!("{} {}", b.id(), b.version);
            let refused = check.refused.iter().find(|r| r.bundle == label);
            json!({
                "organisation": b.organisation,
                "name": b.name,
                "version": b.version,
                "digest": format!("sha256:{}", b.digest),
                "signer": b.signature.as_ref().map(|s| s.key_id.clone()),
                "source": b.source,
                "installed_at": b.installed_at,
                "development": b.development,
                "status": if refused.is_some() { "refused" } else { "verified" },
                "reason": refused.map(|r| r.reason.clone()),
            })
        })
        .collect();
    if ctx.out.json {
        ctx.out.json(&json!({ "plugins": dir, "bundles": rows }));
    } else if rows.is_empty() {
        outln!("no bundles installed in {}", dir.display());
    } else {
        for row in &rows {
            let text = |k: &str| row[k].as_str().unwrap_or("-").to_string();
            outln!(
                "{}/{} {}  signer {}  {}  {}{}",
                text("organisation"),
                text("name"),
                text("version"),
                text("signer"),
                text("digest"),
                text("status"),
                if row["development"] == json!(true) {
                    " (development install)"
                } else {
                    ""
                }
            );
            if let Some(reason) = row["reason"].as_str() {
                outln!("    {reason}");
            }
        }
    }
    Ok(if check.refused.is_empty() {
        Outcome::Ok
    } else {
        Outcome::BadInput
    })
}

fn push(ctx: &Context, args: &PushArgs) -> Result<Outcome, CliError> {
    let bytes = bundle::read_bundle_file(&args.file).map_err(cli)?;
    let (opened, _) = checked(&bytes, None)?;
    note(
        ctx,
        &format!(
            "pushing {} ({} bytes) to {} ...",
            opened.manifest.label(),
            bytes.len(),
            args.reference
        ),
    );
    let transferred = registry::push(&args.reference, &bytes, &opened).map_err(cli)?;
    if ctx.out.json {
        ctx.out.json(&transferred);
    } else {
        outln!(
            "pushed {} to {}",
            opened.manifest.label(),
            transferred.reference
        );
        outln!("pinned reference (install this): {}", transferred.pinned);
    }
    Ok(Outcome::Ok)
}

fn pull(ctx: &Context, args: &PullArgs) -> Result<Outcome, CliError> {
    let trust = trust(ctx)?;
    note(ctx, &format!("pulling {} ...", args.reference));
    let (bytes, transferred) = registry::pull(&args.reference).map_err(cli)?;
    let (opened, signer) = checked(&bytes, trust.as_ref())?;
    std::fs::write(&args.output, &bytes)
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", args.output.display())))?;
    if !args.reference.contains("@sha256:") {
        note(
            ctx,
            &format!(
                "warning: `{}` is not pinned to a digest; pin it: {}",
                args.reference, transferred.pinned
            ),
        );
    }
    if ctx.out.json {
        let mut value = summary(&opened);
        value["file"] = json!(args.output);
        value["pulled"] = json!(transferred);
        ctx.out.json(&value);
    } else {
        outln!(
            "pulled {} (signed by key {}) into {}",
            opened.manifest.label(),
            signer.id(),
            args.output.display()
        );
        outln!("pinned reference: {}", transferred.pinned);
    }
    Ok(Outcome::Ok)
}
