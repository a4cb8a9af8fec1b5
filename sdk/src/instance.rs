//! The plugin's state: one value of the plugin's type, made with its `new()` on the first call
//! and handed to every later call of the same component instance as `&mut self`.
//!
//! The host may keep an instance for many calls (or make a fresh one at any time), so state is
//! a cache, never the only copy of anything. A call cannot re-enter the plugin (host imports
//! never call back into it), so taking the value out for the length of a call is safe; if the
//! call traps, the host discards the whole instance anyway.

use std::any::Any;
use std::cell::RefCell;

thread_local! {
    static INSTANCE: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
}

/// Runs `call` on the instance's plugin value, making it with `new` first if there is none.
pub(crate) fn with<T: 'static, R>(new: fn() -> T, call: impl FnOnce(&mut T) -> R) -> R {
    let kept = INSTANCE.with(|slot| slot.borrow_mut().take());
    let mut plugin: Box<T> = match kept.map(|boxed| boxed.downcast::<T>()) {
        Some(Ok(plugin)) => plugin,
        _ => Box::new(new()),
    };
    let result = call(&mut plugin);
    INSTANCE.with(|slot| *slot.borrow_mut() = Some(plugin));
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counter(u32);

    #[test]
    fn state_made_once_is_kept_between_calls() {
        let first = with(
            || Counter(0),
            |c| {
                c.0 += 1;
                c.0
            },
        );
        let second = with(
            || Counter(100),
            |c| {
                c.0 += 1;
                c.0
            },
        );
        assert_eq!((first, second), (1, 2));
    }
}
