//! A progress bar for runs, fed by the engine's progress events; hidden when stderr is not
//! a terminal (or with --no-progress / --json).

use crate::engine::{Progress, ProgressEvent};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Clone)]
pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    pub fn new(visible: bool) -> Bar {
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix:.bold} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        Bar { bar }
    }

    pub fn start(&self, sync: &str) {
        self.bar.reset();
        self.bar.set_length(0);
        self.bar.set_prefix(sync.to_string());
        self.bar.set_message("fetching changes");
        self.bar
            .enable_steady_tick(std::time::Duration::from_millis(120));
    }

    /// Shows a rate-limit wait on the progress line until the next event replaces it.
    pub fn waiting(&self, wait: &crate::http::RateLimitWait) {
        self.bar.set_message(format!(
            "waiting for the {} rate limit ({}) to reset at {}",
            wait.platform, wait.budget, wait.until
        ));
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn event(&self, event: &ProgressEvent) {
        match event {
            ProgressEvent::Fetched { side, total } => self
                .bar
                .set_message(format!("fetched {total} from the {side}")),
            ProgressEvent::Planned {
                creates,
                updates,
                conflicts,
                writes,
            } => {
                if let Ok(style) = ProgressStyle::with_template(
                    "{prefix:.bold} [{bar:30}] {pos}/{len} writes {msg}",
                ) {
                    self.bar.set_style(style.progress_chars("=> "));
                }
                self.bar.set_length(*writes as u64);
                self.bar.set_message(format!(
                    "({creates} creates, {updates} updates, {conflicts} conflicts)"
                ));
            }
            ProgressEvent::Written { done, total } => {
                // A write went out: any wait shown is over.
                if self.bar.message().starts_with("waiting for") {
                    self.bar.set_message("");
                }
                self.bar.set_length(*total as u64);
                self.bar.set_position(*done as u64);
            }
        }
    }
}
