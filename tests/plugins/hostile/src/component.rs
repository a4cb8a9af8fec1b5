wit_bindgen::generate!({
    path: "../../../wit",
    world: "transformer-plugin",
});

use exports::pmsync::plugin::transformer::{Guest, TransformRequest};
use pmsync::plugin::log::{self, Level};
use pmsync::plugin::types::{PluginError, Value};

/// The message `panic` panics with; the host test looks for it in the error.
const PANIC_MESSAGE: &str = "hostile plugin gave up on purpose";

struct Hostile;

/// Lines `log_flood` writes through the host's `log` import.
const FLOOD_LINES: u32 = 10_000;

const NAMES: [&str; 12] = [
    "upper",
    "spin",
    "balloon",
    "panic",
    "read_file",
    "read_env",
    "open_socket",
    "huge_output",
    "clock",
    "log_flood",
    "long_error",
    "burn",
];

fn run(name: &str, value: Value) -> Result<Value, PluginError> {
    match name {
        "upper" => match value {
            Value::Text(text) => Ok(Value::Text(text.to_uppercase())),
            other => Err(PluginError::InvalidInput(format!(
                "upper needs text, got {other:?}"
            ))),
        },
        "spin" => {
            let mut counter: u64 = 0;
            loop {
                counter = std::hint::black_box(counter.wrapping_add(1));
            }
        }
        "balloon" => {
            // Reserve 16 MiB at a time without writing it: memory.grow is what reaches the
            // limit, quickly, so the memory limit (not the deadline) stops it even on a busy
            // machine.
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(Vec::with_capacity(16 << 20));
                std::hint::black_box(&hoard);
            }
        }
        "panic" => panic!("{PANIC_MESSAGE}"),
        "read_file" => match std::fs::read_to_string("/etc/passwd") {
            Ok(contents) => Ok(Value::Text(contents)),
            Err(e) => Err(PluginError::InvalidInput(format!("read_file failed: {e}"))),
        },
        "read_env" => {
            let home = std::env::var("HOME").unwrap_or_default();
            let vars: Vec<String> = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
            Ok(Value::TextList(
                std::iter::once(home)
                    .filter(|h| !h.is_empty())
                    .chain(vars)
                    .collect(),
            ))
        }
        "open_socket" => match std::net::TcpStream::connect("127.0.0.1:9") {
            Ok(_) => Ok(Value::Text("connected".into())),
            Err(e) => Err(PluginError::InvalidInput(format!(
                "open_socket failed: {e}"
            ))),
        },
        "huge_output" => Ok(Value::Text("x".repeat(64 << 20))),
        "clock" => {
            // What a pure plugin sees of time and randomness: must be the same every run.
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let started = std::time::Instant::now();
            let hasher = std::collections::hash_map::RandomState::new();
            let random = std::hash::BuildHasher::hash_one(&hasher, "seed");
            Ok(Value::TextList(vec![
                secs.to_string(),
                started.elapsed().as_nanos().to_string(),
                random.to_string(),
            ]))
        }
        "log_flood" => {
            // A 1 MiB line, then a flood of warnings (they pass the default log filter).
            log::log(Level::Error, &"L".repeat(1 << 20));
            for i in 0..FLOOD_LINES {
                log::log(Level::Warn, &format!("flood line {i}"));
            }
            Ok(value)
        }
        "long_error" => Err(PluginError::InvalidInput("e".repeat(1 << 19))),
        // A loop of `value` rounds: a known amount of fuel per item.
        "burn" => {
            let Value::Integer(rounds) = value else {
                return Err(PluginError::InvalidInput("burn needs an integer".into()));
            };
            let mut sum: i64 = 0;
            for i in 0..rounds {
                sum = std::hint::black_box(sum.wrapping_add(i));
            }
            Ok(Value::Integer(sum))
        }
        other => Err(PluginError::InvalidInput(format!(
            "unknown transform `{other}`"
        ))),
    }
}

impl Guest for Hostile {
    fn names() -> Vec<String> {
        NAMES.iter().map(|n| n.to_string()).collect()
    }

    fn transform_batch(requests: Vec<TransformRequest>) -> Vec<Result<Value, PluginError>> {
        requests
            .into_iter()
            .map(|r| run(&r.name, r.value))
            .collect()
    }
}

export!(Hostile);
