//! The bundle file: a tar archive of regular files only, written the same way every time
//! (sorted, mode 0644, owner 0, time 0), so the same inputs give the same bytes and digest.
//!
//! ```text
//! bundle.json                 the manifest (signed)
//! bundle.sig                  the signature of bundle.json
//! plugins/FOLDER/plugin.toml  each plugin's files
//! plugins/FOLDER/NAME.wasm
//! ```
//!
//! Reading refuses, before reading the entry's bytes, anything but a regular file (links,
//! devices, folders), paths that are absolute or climb (`..`), more than
//! [`MAX_BUNDLE_FILES`] entries, an entry over its limit and an archive over
//! [`MAX_BUNDLE_BYTES`].

use super::limits::{
    MAX_BUNDLE_BYTES, MAX_BUNDLE_FILE_BYTES, MAX_BUNDLE_FILES, MAX_MANIFEST_BYTES,
    MAX_SIGNATURE_BYTES,
};
use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Component;

/// The manifest's name in the archive.
pub const MANIFEST: &str = "bundle.json";
/// The signature's name in the archive.
pub const SIGNATURE: &str = "bundle.sig";
/// The folder plugin files are under in the archive.
pub const PLUGINS: &str = "plugins/";

/// The entries of a bundle archive, by path.
pub type Entries = BTreeMap<String, Vec<u8>>;

/// Writes `entries` as a tar archive.
pub fn write(entries: &Entries) -> Result<Vec<u8>, String> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        builder
            .append_data(&mut header, path, data.as_slice())
            .map_err(|e| format!("cannot write {path} into the bundle: {e}"))?;
    }
    builder
        .into_inner()
        .map_err(|e| format!("cannot finish the bundle: {e}"))
}

/// Reads the entries of a tar archive, within the limits above.
pub fn read(bytes: &[u8]) -> Result<Entries, String> {
    if bytes.len() as u64 > MAX_BUNDLE_BYTES {
        return Err(format!(
            "the bundle is {} bytes; at most {MAX_BUNDLE_BYTES} are read",
            bytes.len()
        ));
    }
    let mut archive = tar::Archive::new(bytes);
    let mut entries = Entries::new();
    let iter = archive
        .entries()
        .map_err(|e| format!("not a bundle (a tar archive): {e}"))?;
    for entry in iter {
        let mut entry = entry.map_err(|e| format!("not a bundle (a tar archive): {e}"))?;
        if entries.len() >= MAX_BUNDLE_FILES + 2 {
            return Err(format!(
                "the bundle has more than {} files; refused",
                MAX_BUNDLE_FILES + 2
            ));
        }
        let path = entry
            .path()
            .map_err(|e| format!("the bundle holds an entry whose path cannot be read: {e}"))?
            .into_owned();
        let shown = path.display().to_string();
        let kind = entry.header().entry_type();
        if kind != tar::EntryType::Regular {
            return Err(format!(
                "the bundle entry `{shown}` is a {}, not a regular file; a bundle holds regular files only",
                kind_name(kind)
            ));
        }
        if !path.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(format!(
                "the bundle entry `{shown}` is absolute or climbs out of its folder; refused"
            ));
        }
        let Some(name) = path.to_str().map(str::to_string) else {
            return Err(format!("the bundle entry `{shown}` is not UTF-8; refused"));
        };
        let limit = match name.as_str() {
            MANIFEST => MAX_MANIFEST_BYTES,
            SIGNATURE => MAX_SIGNATURE_BYTES,
            _ if name.starts_with(PLUGINS) => MAX_BUNDLE_FILE_BYTES,
            _ => {
                return Err(format!(
                    "the bundle entry `{name}` is neither bundle.json, bundle.sig nor under plugins/; refused"
                ));
            }
        };
        let size = entry.header().size().unwrap_or(u64::MAX);
        if size > limit {
            return Err(format!(
                "the bundle entry `{name}` is {size} bytes (limit {limit}); refused without reading it"
            ));
        }
        let mut data = Vec::with_capacity(size as usize);
        (&mut entry)
            .take(limit + 1)
            .read_to_end(&mut data)
            .map_err(|e| format!("cannot read bundle entry `{name}`: {e}"))?;
        if entries.insert(name.clone(), data).is_some() {
            return Err(format!(
                "the bundle holds `{name}` twice; refused (which copy would count?)"
            ));
        }
    }
    Ok(entries)
}

fn kind_name(kind: tar::EntryType) -> &'static str {
    match kind {
        tar::EntryType::Symlink => "symbolic link",
        tar::EntryType::Link => "hard link",
        tar::EntryType::Directory => "folder",
        tar::EntryType::Char | tar::EntryType::Block => "device",
        tar::EntryType::Fifo => "named pipe",
        _ => "special entry",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_entries_give_the_same_bytes_and_read_back() {
        let mut entries = Entries::new();
        entries.insert(MANIFEST.into(), b"{}".to_vec());
        entries.insert("plugins/a/plugin.toml".into(), b"name = 'a'".to_vec());
        let bytes = write(&entries).unwrap();
        assert_eq!(write(&entries).unwrap(), bytes);
        assert_eq!(read(&bytes).unwrap(), entries);
    }

    #[test]
    fn a_symlink_entry_is_refused() {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        builder
            .append_link(&mut header, "plugins/a/plugin.toml", "/etc/passwd")
            .unwrap();
        let err = read(&builder.into_inner().unwrap()).unwrap_err();
        assert!(err.contains("symbolic link"), "{err}");
    }

    #[test]
    fn an_entry_climbing_out_is_refused() {
        let mut data = Vec::new();
        let mut header = tar::Header::new_old();
        // Written raw: the tar crate refuses to write `..` itself.
        header.as_old_mut().name[..22].copy_from_slice(b"plugins/../../evil.txt");
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(1);
        header.set_cksum();
        data.extend_from_slice(header.as_bytes());
        data.extend_from_slice(&[b'x'; 512]);
        data.extend_from_slice(&[0; 1024]);
        let err = read(&data).unwrap_err();
        assert!(err.contains("climbs out"), "{err}");
    }
}
