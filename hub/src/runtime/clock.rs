//! `wasi:clocks/monotonic-clock` with sleeps cut at the call's deadline.
//!
//! Epoch interruption stops a guest only while it runs WebAssembly; a guest
//! blocked in the host (a `sleep` is a `subscribe-duration` followed by a
//! blocking `poll`) would keep the thread past its deadline for as long as it
//! asked. This module shadows the two `subscribe-*` functions of WASI's
//! implementation so no clock pollable outlives the call's deadline by more
//! than a grace period; once the guest wakes up and runs code again the epoch
//! deadline interrupts it.

use std::time::{Duration, Instant};

use wasmtime::component::{HasData, Linker, Resource};
use wasmtime_wasi::clocks::{WasiClocksCtxView, WasiClocksView};
use wasmtime_wasi::p2::DynPollable;
use wasmtime_wasi::p2::bindings::clocks::monotonic_clock;

use super::sandbox::HostState;

/// How far past the deadline a sleep may end: a little more than one epoch
/// tick, so the epoch deadline has certainly passed when the guest wakes.
pub const SLEEP_GRACE: Duration = Duration::from_millis(25);

/// Replaces `wasi:clocks/monotonic-clock` in `linker` (which must already hold
/// WASI's implementation) with the deadline-aware one.
pub fn shadow_monotonic_clock(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    let added = monotonic_clock::add_to_linker::<HostState, DeadlineClock>(linker, |state| {
        let deadline = state.deadline;
        DeadlineClockView {
            inner: state.clocks(),
            deadline,
        }
    });
    linker.allow_shadowing(false);
    added
}

/// The longest a sleep requested at `now` may last under `deadline`.
pub fn clamp_sleep(now: Instant, requested: Duration, deadline: Instant) -> Duration {
    let allowed = deadline.saturating_duration_since(now) + SLEEP_GRACE;
    requested.min(allowed)
}

/// Marker type selecting [`DeadlineClockView`] as the clock's host data.
struct DeadlineClock;

impl HasData for DeadlineClock {
    type Data<'a> = DeadlineClockView<'a>;
}

/// WASI's monotonic clock plus the call's deadline.
struct DeadlineClockView<'a> {
    inner: WasiClocksCtxView<'a>,
    deadline: Instant,
}

fn duration_nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

impl monotonic_clock::Host for DeadlineClockView<'_> {
    fn now(&mut self) -> wasmtime::Result<monotonic_clock::Instant> {
        monotonic_clock::Host::now(&mut self.inner)
    }

    fn resolution(&mut self) -> wasmtime::Result<monotonic_clock::Duration> {
        monotonic_clock::Host::resolution(&mut self.inner)
    }

    fn subscribe_instant(
        &mut self,
        when: monotonic_clock::Instant,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        let clock_now = monotonic_clock::Host::now(&mut self.inner)?;
        let requested = Duration::from_nanos(when.saturating_sub(clock_now));
        let allowed = clamp_sleep(Instant::now(), requested, self.deadline);
        monotonic_clock::Host::subscribe_duration(&mut self.inner, duration_nanos(allowed))
    }

    fn subscribe_duration(
        &mut self,
        duration: monotonic_clock::Duration,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        let allowed = clamp_sleep(
            Instant::now(),
            Duration::from_nanos(duration),
            self.deadline,
        );
        monotonic_clock::Host::subscribe_duration(&mut self.inner, duration_nanos(allowed))
    }
}
