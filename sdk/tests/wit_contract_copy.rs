//! The SDK ships its own copy of the WIT contract (so the crate builds outside this
//! repository); it must stay byte-identical to the canonical `wit/` at the top level.

use std::path::Path;

#[test]
fn sdk_wit_copy_is_identical_to_the_canonical_contract() {
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR"));
    let canonical_dir = sdk.join("../wit");
    let mut checked = 0;
    for entry in std::fs::read_dir(&canonical_dir).expect("read wit/") {
        let path = entry.expect("wit/ entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("wit") {
            continue;
        }
        let name = path.file_name().expect("file name");
        let copy = sdk.join("wit").join(name);
        let canonical = std::fs::read(&path).expect("read canonical wit");
        let copied = std::fs::read(&copy).unwrap_or_else(|e| {
            panic!(
                "{} is missing from sdk/wit ({e}); copy wit/ into sdk/wit",
                copy.display()
            )
        });
        assert!(
            canonical == copied,
            "sdk/wit/{} differs from wit/{}: copy wit/ into sdk/wit",
            name.to_string_lossy(),
            name.to_string_lossy()
        );
        checked += 1;
    }
    assert!(
        checked > 0,
        "no .wit files found in {}",
        canonical_dir.display()
    );
    let copies = std::fs::read_dir(sdk.join("wit"))
        .expect("read sdk/wit")
        .count();
    assert_eq!(
        copies, checked,
        "sdk/wit holds files the canonical wit/ does not"
    );
}
