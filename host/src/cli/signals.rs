//! SIGTERM and SIGINT: the first asks the run to stop gracefully (no new writes; what is in
//! flight finishes and is recorded; state is committed); a second stops the process at once,
//! which is still crash safe (intents and pending writes are recorded before each write).

use crate::engine::StopSignal;

/// Exit code of a process stopped at once by a second signal (128 + SIGINT, as shells do).
pub const STOPPED_AT_ONCE: i32 = 130;

/// Starts a thread that turns signals into `stop` requests.
pub fn install(stop: StopSignal) {
    let spawned = std::thread::Builder::new()
        .name("pmsync-signals".into())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                use tokio::signal::unix::{SignalKind, signal};
                let (Ok(mut term), Ok(mut int)) = (
                    signal(SignalKind::terminate()),
                    signal(SignalKind::interrupt()),
                ) else {
                    return;
                };
                let mut received = 0u32;
                loop {
                    let name = tokio::select! {
                        _ = term.recv() => "SIGTERM",
                        _ = int.recv() => "SIGINT",
                    };
                    received += 1;
                    if received == 1 {
                        stop.request();
                        eprintln!(
                            "{name}: stopping — no new writes; finishing those in flight and saving state (send it again to stop at once)"
                        );
                    } else {
                        eprintln!("{name} again: stopping at once");
                        std::process::exit(STOPPED_AT_ONCE);
                    }
                }
            });
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot watch for SIGTERM/SIGINT: {e}");
    }
}
