//! Progress on stderr and per-stage wall times, for the runs long enough to need them.
//!
//! A stage is a guard: `let _s = progress::stage("read rows");` While it lives, and once the
//! command has been running for [`DELAY`], stderr shows a spinner naming it (or a bar, for a
//! stage of known length: [`bar`]), with the number of [`tick`]s so far. When the guard is
//! dropped, the line is cleared and the stage's wall time is recorded for `--timings`.
//! Stages nest: an inner stage is shown while it lives, and is timed under its parent.
//!
//! Everything is off until the command line turns it on ([`init`]): progress only when stderr is
//! a terminal and `--quiet` was not given, timings only with `--timings`. Off, a stage costs one
//! relaxed atomic load and [`tick`] one relaxed atomic add, so a reader may tick once per row.
//! Nothing here ever changes what a command writes or prints on stdout.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a command runs before progress appears: a quick run never flickers.
pub const DELAY: Duration = Duration::from_secs(2);

/// Whether anything (progress or timings) is on: the one check a stage makes when both are off.
static ON: AtomicBool = AtomicBool::new(false);
/// The ticks of the innermost stage.
static COUNT: AtomicU64 = AtomicU64::new(0);
static STATE: Mutex<Option<State>> = Mutex::new(None);

struct State {
    started: Instant,
    show: bool,
    timings: Option<Vec<Timing>>,
    /// The live stages, outermost first.
    stack: Vec<Live>,
}

struct Live {
    label: String,
    len: Option<u64>,
    since: Instant,
    /// The parent's ticks, given back when this stage ends.
    parent_count: u64,
    bar: Option<indicatif::ProgressBar>,
}

/// One stage's wall time, as `--timings` prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    pub label: String,
    /// How many stages it is nested in.
    pub depth: usize,
    pub wall: Duration,
    /// Its ticks (rows read, statements written), when it counted any.
    pub count: u64,
}

/// How a command reports while it works.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Show progress on stderr (the caller checks that stderr is a terminal).
    pub show: bool,
    /// Record each stage's wall time, for [`timings_text`].
    pub timings: bool,
}

impl Options {
    /// Progress when stderr is a terminal and not `quiet`; timings when asked for.
    pub fn for_terminal(quiet: bool, timings: bool) -> Options {
        use std::io::IsTerminal;
        Options {
            show: !quiet && std::io::stderr().is_terminal(),
            timings,
        }
    }
}

/// Turns progress and timings on for this process (called once, by the command line).
pub fn init(options: Options) {
    if !options.show && !options.timings {
        return;
    }
    let mut state = STATE.lock().unwrap_or_else(|e| e.into_inner());
    *state = Some(State {
        started: Instant::now(),
        show: options.show,
        timings: options.timings.then(Vec::new),
        stack: Vec::new(),
    });
    drop(state);
    ON.store(true, Ordering::Release);
    if options.show {
        // One drawing thread for the whole command; it ends with the process.
        let _ = std::thread::Builder::new()
            .name("progress".into())
            .spawn(draw_loop);
    }
}

/// Counts `n` more units of the innermost stage's work (rows read, statements written).
#[inline]
pub fn tick(n: u64) {
    COUNT.fetch_add(n, Ordering::Relaxed);
}

/// Takes back `n` units counted (work that is done again: a table read on lanes, then as one).
pub fn untick(n: u64) {
    let _ = COUNT.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |c| {
        Some(c.saturating_sub(n))
    });
}

/// Starts a stage shown as a spinner with its count; it ends when the guard is dropped.
#[must_use = "a stage lasts as long as its guard"]
pub fn stage(label: &str) -> Stage {
    start(label, None)
}

/// Starts a stage of `len` units, shown as a bar.
#[must_use = "a stage lasts as long as its guard"]
pub fn bar(label: &str, len: u64) -> Stage {
    start(label, Some(len))
}

/// Records `wall` as a stage of its own inside the innermost live stage: work timed on another
/// thread (the payouts workbook written beside the statements), which the stack of stages on
/// the command's thread cannot hold.
pub fn record(label: &str, wall: Duration) {
    record_counted(label, wall, 0);
}

/// [`record`] with a count (the pieces a sheet was parsed in).
pub fn record_counted(label: &str, wall: Duration, count: u64) {
    if !ON.load(Ordering::Acquire) {
        return;
    }
    let mut guard = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let Some(state) = guard.as_mut() else {
        return;
    };
    let depth = state.stack.len();
    if let Some(t) = state.timings.as_mut() {
        t.push(Timing {
            label: label.to_string(),
            depth,
            wall,
            count,
        });
    }
}

/// A live stage: ends (and is timed) when dropped.
#[derive(Debug)]
pub struct Stage {
    live: bool,
}

fn start(label: &str, len: Option<u64>) -> Stage {
    if !ON.load(Ordering::Acquire) {
        return Stage { live: false };
    }
    let mut guard = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let Some(state) = guard.as_mut() else {
        return Stage { live: false };
    };
    if let Some(parent) = state.stack.last_mut()
        && let Some(b) = parent.bar.take()
    {
        b.finish_and_clear();
    }
    let parent_count = COUNT.swap(0, Ordering::Relaxed);
    state.stack.push(Live {
        label: label.to_string(),
        len,
        since: Instant::now(),
        parent_count,
        bar: None,
    });
    Stage { live: true }
}

impl Drop for Stage {
    fn drop(&mut self) {
        if !self.live {
            return;
        }
        let mut guard = STATE.lock().unwrap_or_else(|e| e.into_inner());
        let Some(state) = guard.as_mut() else {
            return;
        };
        let Some(live) = state.stack.pop() else {
            return;
        };
        if let Some(b) = &live.bar {
            b.finish_and_clear();
        }
        let count = COUNT.swap(live.parent_count, Ordering::Relaxed);
        let depth = state.stack.len();
        if let Some(t) = state.timings.as_mut() {
            t.push(Timing {
                label: live.label,
                depth,
                wall: live.since.elapsed(),
                count,
            });
        }
    }
}

/// Redraws the innermost stage ten times a second, once the command has run for [`DELAY`].
fn draw_loop() {
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let mut guard = STATE.lock().unwrap_or_else(|e| e.into_inner());
        let Some(state) = guard.as_mut() else {
            return;
        };
        if !state.show {
            return;
        }
        if state.started.elapsed() < DELAY {
            continue;
        }
        let Some(live) = state.stack.last_mut() else {
            continue;
        };
        let count = COUNT.load(Ordering::Relaxed);
        let b = live
            .bar
            .get_or_insert_with(|| new_bar(&live.label, live.len));
        b.set_position(count);
        b.tick();
    }
}

fn new_bar(label: &str, len: Option<u64>) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    let (b, template) = match len {
        Some(n) => (
            ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()),
            "{msg:24} [{bar:30}] {human_pos}/{human_len} {elapsed}",
        ),
        None => (
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            "{spinner} {msg:24} {human_pos} {elapsed}",
        ),
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        b.set_style(style.progress_chars("=> "));
    }
    b.set_message(label.to_string());
    b
}

/// Ends progress (clearing any line still shown) and returns the stages timed, in the order
/// they ended; empty without `--timings`.
pub fn finish() -> Vec<Timing> {
    ON.store(false, Ordering::Release);
    let mut guard = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let Some(mut state) = guard.take() else {
        return Vec::new();
    };
    for live in &state.stack {
        if let Some(b) = &live.bar {
            b.finish_and_clear();
        }
    }
    let mut timings = state.timings.take().unwrap_or_default();
    // Parents end after their children: list each parent above what it holds.
    order_parents_first(&mut timings);
    timings.push(Timing {
        label: "total".into(),
        depth: 0,
        wall: state.started.elapsed(),
        count: 0,
    });
    timings
}

/// Reorders stages recorded as they ended (children before parents) so each parent comes
/// before its children, as a tree is read.
fn order_parents_first(timings: &mut Vec<Timing>) {
    fn take(items: &[Timing], depth: usize) -> Vec<Timing> {
        // `items` ended in order; a stage at `depth` closes the run of deeper ones before it.
        let mut out = Vec::new();
        let mut pending: Vec<Timing> = Vec::new();
        for t in items {
            if t.depth > depth {
                pending.push(t.clone());
            } else {
                out.push(t.clone());
                out.extend(take(&pending, depth + 1));
                pending.clear();
            }
        }
        // Deeper stages whose parent never ended (an early return): keep them, in order.
        out.extend(pending);
        out
    }
    let ordered = take(timings, 0);
    *timings = ordered;
}

/// The stages as `--timings` prints them on stderr: one line per stage, nested ones indented,
/// wall time in seconds, and the count where a stage counted.
///
/// ```text
/// timings (wall clock):
///   read and evaluate              0.412 s
///   payouts.xlsx                   0.081 s
///   statements                     0.950 s  30
///   total                          1.460 s
/// ```
pub fn timings_text(timings: &[Timing]) -> String {
    if timings.is_empty() {
        return String::new();
    }
    let mut s = String::from("timings (wall clock):\n");
    for t in timings {
        let name = format!("{}{}", "  ".repeat(t.depth), t.label);
        s += &format!("  {name:<30} {:>8.3} s", t.wall.as_secs_f64());
        if t.count > 0 {
            s += &format!("  {}", t.count);
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(label: &str, depth: usize) -> Timing {
        Timing {
            label: label.into(),
            depth,
            wall: Duration::from_millis(1),
            count: 0,
        }
    }

    #[test]
    fn parents_come_before_their_children() {
        let mut v = vec![
            t("open", 1),
            t("rows", 1),
            t("compute", 0),
            t("xlsx", 0),
            t("inner", 2),
            t("mid", 1),
            t("write", 0),
        ];
        order_parents_first(&mut v);
        let names: Vec<(&str, usize)> = v.iter().map(|t| (t.label.as_str(), t.depth)).collect();
        assert_eq!(
            names,
            [
                ("compute", 0),
                ("open", 1),
                ("rows", 1),
                ("xlsx", 0),
                ("write", 0),
                ("mid", 1),
                ("inner", 2)
            ]
        );
    }

    #[test]
    fn timings_are_listed_with_counts() {
        let text = timings_text(&[
            Timing {
                label: "statements".into(),
                depth: 0,
                wall: Duration::from_millis(1500),
                count: 30,
            },
            t("one", 1),
        ]);
        assert_eq!(
            text,
            "timings (wall clock):\n  statements                        1.500 s  30\n    one                             0.001 s\n"
        );
        assert_eq!(timings_text(&[]), "");
    }
}
