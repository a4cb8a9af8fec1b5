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
