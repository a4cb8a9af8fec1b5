//! Reads a component's top-level import and export names straight from its bytes, without
//! compiling it, so a component the host cannot serve is refused in milliseconds rather
//! than after a compile of seconds (a JavaScript component took 46 s), and never cached.

use wasmparser::{Chunk, Encoding, Parser, Payload};

/// The names a component imports and exports at its top level.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorldNames {
    pub imports: Vec<String>,
    pub exports: Vec<String>,
}

/// The top-level import and export names of the component in `bytes`; nested modules and
/// components are skipped unread.
pub fn world_names(bytes: &[u8]) -> Result<WorldNames, String> {
    let mut names = WorldNames::default();
    let mut parser = Parser::new(0);
    let mut at = 0usize;
    loop {
        let data = bytes.get(at..).unwrap_or_default();
        let (consumed, payload) = match parser.parse(data, true) {
            Ok(Chunk::Parsed { consumed, payload }) => (consumed, payload),
            Ok(Chunk::NeedMoreData(_)) => return Err("the component file is truncated".into()),
            Err(e) => return Err(format!("corrupt component: not valid WebAssembly: {e}")),
        };
        at += consumed;
        match payload {
            Payload::Version { encoding, .. } if encoding != Encoding::Component => {
                return Err(
                    "this is a core WebAssembly module, not a component (build it for wasm32-wasip2, \
                     or wrap it with `wasm-tools component new`)"
                        .into(),
                );
            }
            Payload::ComponentImportSection(reader) => {
                for import in reader {
                    let import = import.map_err(|e| format!("unreadable import section: {e}"))?;
                    names.imports.push(import.name.0.to_string());
                }
            }
            Payload::ComponentExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(|e| format!("unreadable export section: {e}"))?;
                    names.exports.push(export.name.0.to_string());
                }
            }
            // Nested modules and components: their names are not the component's world.
            Payload::ModuleSection {
                unchecked_range, ..
            }
            | Payload::ComponentSection {
                unchecked_range, ..
            } => {
                if unchecked_range.end > bytes.len() {
                    return Err("the component file is truncated".into());
                }
                at = unchecked_range.end;
            }
            Payload::End(_) => return Ok(names),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_and_core_modules_are_not_components() {
        assert!(
            world_names(b"not wasm at all")
                .unwrap_err()
                .contains("corrupt component")
        );
        let core_module = b"\0asm\x01\0\0\0";
        assert!(
            world_names(core_module)
                .unwrap_err()
                .contains("core WebAssembly module")
        );
    }

    #[test]
    fn an_empty_component_has_no_names() {
        let empty_component = b"\0asm\x0d\0\x01\0";
        assert_eq!(world_names(empty_component).unwrap(), WorldNames::default());
    }
}
