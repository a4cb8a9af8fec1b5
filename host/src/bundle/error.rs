//! What went wrong with a bundle, said so that an operator knows what to do.

/// A refused or unreadable bundle. `bad_input` is false only for failures of the machine
/// (a registry unreachable, a disk error), which may pass on a second try.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BundleError {
    pub message: String,
    pub bad_input: bool,
}

impl BundleError {
    /// The bundle (or the command's input) is wrong: refused.
    pub fn refused(message: impl Into<String>) -> BundleError {
        BundleError {
            message: message.into(),
            bad_input: true,
        }
    }

    /// Something outside the bundle failed (I/O, network).
    pub fn failed(message: impl Into<String>) -> BundleError {
        BundleError {
            message: message.into(),
            bad_input: false,
        }
    }
}
