//! One run per state store: an exclusive OS lock on `<state file>.lock`, held for the whole
//! run. The operating system releases it when the holder ends, however it ends (a `kill -9`
//! included), so the lock of a dead run is never stale and is taken over at once. The file
//! also says who holds it (process id, host, since when), for the message a second run prints.

use chrono::Utc;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Held while a run uses the state store; dropping it releases the lock.
#[derive(Debug)]
pub struct StateLock {
    file: File,
    path: PathBuf,
}

/// Why the lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another pmsync run is using the state store {state} (held by {holder}); \
         wait for it to finish or pass --wait to queue behind it"
    )]
    Held { state: String, holder: String },
    #[error("cannot lock the state store {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// How long to wait for a run that holds the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockWait {
    /// Fail at once when another run holds it.
    No,
    /// Wait at most this long.
    Up(Duration),
    /// Wait as long as it takes.
    Forever,
}

/// The lock file of the state store at `state`.
pub fn lock_path(state: &Path) -> PathBuf {
    let mut name = state.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    state.with_file_name(name)
}

impl StateLock {
    /// Takes the lock of the state store at `state`, waiting as `wait` says. `on_wait` is
    /// called once, with the holder, when the lock is busy and the call is going to wait.
    pub fn acquire(
        state: &Path,
        wait: LockWait,
        on_wait: &dyn Fn(&str),
    ) -> Result<StateLock, LockError> {
        let path = lock_path(state);
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| LockError::Io {
                path: parent.display().to_string(),
                source,
            })?;
        }
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let started = Instant::now();
        let mut announced = false;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    let holder = read_holder(&mut file);
                    let give_up = match wait {
                        LockWait::No => true,
                        LockWait::Up(limit) => started.elapsed() >= limit,
                        LockWait::Forever => false,
                    };
                    if give_up {
                        return Err(LockError::Held {
                            state: state.display().to_string(),
                            holder,
                        });
                    }
                    if !announced {
                        on_wait(&holder);
                        announced = true;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(TryLockError::Error(source)) => return Err(io(source)),
            }
        }
        let holder = format!(
            "process {} on {} since {}",
            std::process::id(),
            hostname(),
            Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(holder.as_bytes()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(StateLock { file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

fn read_holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.take(512).read_to_string(&mut text);
    let text = text.trim();
    if text.is_empty() {
        "another process".to_string()
    } else {
        text.to_string()
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "this host".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_named_and_gets_it_once_released() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.db");
        let first = StateLock::acquire(&state, LockWait::No, &|_| {}).unwrap();
        let err = StateLock::acquire(&state, LockWait::No, &|_| {}).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains(&format!("process {}", std::process::id())),
            "{message}"
        );
        assert!(message.contains("--wait"), "{message}");
        drop(first);
        StateLock::acquire(&state, LockWait::No, &|_| {}).expect("free again");
    }

    #[test]
    fn a_waiting_run_takes_the_lock_when_the_holder_ends() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.db");
        let first = StateLock::acquire(&state, LockWait::No, &|_| {}).unwrap();
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            drop(first);
        });
        let waited = std::sync::atomic::AtomicBool::new(false);
        let started = Instant::now();
        StateLock::acquire(&state, LockWait::Up(Duration::from_secs(10)), &|_| {
            waited.store(true, std::sync::atomic::Ordering::SeqCst)
        })
        .expect("taken after the holder ended");
        assert!(waited.load(std::sync::atomic::Ordering::SeqCst));
        assert!(started.elapsed() >= Duration::from_millis(250));
        releaser.join().unwrap();
    }
}
