//! `chaos partner-down`: the http-out partner answers 503 to everything while
//! thousands of messages arrive; the hub's RSS is sampled as its queue grows on
//! disk; then the partner comes back and everything must drain and be delivered.

use std::time::{Duration, Instant};

use super::check::{self, Failures};
use super::hub::{HubProc, STORE_CACHE_MIB, Settings};
use super::receiver::{Mode, Receiver};
use super::senders::{Plan, Senders};
use super::{Opts, Rng, finish, workdir};

/// Peak VmHWM and VmRSS seen, KiB.
#[derive(Debug, Default, Clone, Copy)]
struct Peak {
    hwm: u64,
    rss: u64,
}

impl Peak {
    fn sample(&mut self, hub: &HubProc) {
        if let Some((rss, hwm)) = hub.rss_kib() {
            self.rss = self.rss.max(rss);
            self.hwm = self.hwm.max(hwm);
        }
    }
}

/// sled's log buffers (one per 512 KiB segment) that may wait, written, for epoch
/// reclamation: up to 95 MB seen (docs/operations.md, "Memory").
const LOG_BUFFERS_MIB: u64 = 96;
/// The rest that moves with load: blocking-pool thread stacks, free memory the
/// allocator keeps, connector instances, HTTP buffers (about 40 MB seen).
const WORKING_MIB: u64 = 64;

/// The bound the hub's peak RSS must stay under, MiB: what it had once ready
/// (code, compiled connectors, the engine, sled's fixed tables) plus the terms
/// of docs/operations.md, "Memory", for the chaos config.
fn rss_bound_mib(start_kib: u64) -> u64 {
    start_kib.div_ceil(1024) + STORE_CACHE_MIB + LOG_BUFFERS_MIB + WORKING_MIB
}

fn mib(kib: u64) -> String {
    format!("{}.{} MiB", kib / 1024, (kib % 1024) * 10 / 1024)
}

pub fn run(opts: &Opts) -> anyhow::Result<bool> {
    let started = Instant::now();
    let rng = Rng::new(opts.seed);
    let receiver = Receiver::start(Mode::Down, rng.fork(), Duration::from_secs(1))?;
    let dir = workdir()?;
    let partner_url = receiver.url();
    let settings = Settings {
        data_dir: "data",
        partner_url: &partner_url,
        timeout_ms: 2000,
        max_backoff_ms: 3000,
    };
    let mut hub = HubProc::new(&opts.hub, dir.path(), &settings)?;
    hub.start()?;
    let mut peak = Peak::default();
    peak.sample(&hub);
    let at_start = peak;
    let plan = Plan {
        http: 4,
        inbox: None,
        limit: Some(opts.messages),
    };
    let senders = Senders::start(&hub.url, &hub.token, &plan, &rng)?;
    let mut last_print = Instant::now();
    while !senders.posters_done() {
        peak.sample(&hub);
        if last_print.elapsed() > Duration::from_secs(5) {
            println!(
                "sending: {} acknowledged, queue depth {}, RSS {}",
                senders.ledger.acked_count(),
                hub.queue_depth().unwrap_or(0),
                mib(hub.rss_kib().map_or(0, |r| r.0))
            );
            last_print = Instant::now();
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let sending = started.elapsed();
    let depth = hub.queue_depth().unwrap_or(0);
    let peak_down = peak;
    println!(
        "partner down: {} acknowledged in {:.1} s; queue depth {depth}; hub RSS at start {}, peak RSS {} (VmHWM {})",
        senders.ledger.acked_count(),
        sending.as_secs_f64(),
        mib(at_start.rss),
        mib(peak_down.rss),
        mib(peak_down.hwm)
    );
    receiver.set_mode(Mode::Up);
    let up = Instant::now();
    let sampler_done = std::sync::atomic::AtomicBool::new(false);
    let (drained, peak) = std::thread::scope(|s| {
        let sampler = s.spawn(|| {
            let mut p = peak;
            while !sampler_done.load(std::sync::atomic::Ordering::SeqCst) {
                p.sample(&hub);
                std::thread::sleep(Duration::from_millis(200));
            }
            p
        });
        let drained = check::drain(&hub, || 0, opts.drain_timeout);
        sampler_done.store(true, std::sync::atomic::Ordering::SeqCst);
        (drained, sampler.join().unwrap_or(peak))
    });
    let ledger = senders.stop();
    let mut failures = Failures::default();
    if let Err(e) = &drained {
        failures.add("(4) the queues did not drain", e.clone());
    }
    check::nothing_stuck(&hub, &mut failures)?;
    let acked = ledger.acked.lock().expect("ledger").clone();
    let figures = check::deliveries(
        &hub,
        &acked,
        &receiver.accepted(),
        &receiver.unreadable(),
        &mut failures,
    )?;
    // The bound holds however many messages wait: memory must not grow with the
    // queue (issue 12). `--max-rss-mib` replaces the derived bound.
    let bound = opts.max_rss_mib.unwrap_or(rss_bound_mib(at_start.rss));
    if peak.hwm > bound * 1024 {
        failures.add(
            "(5) the hub's peak RSS is over its memory bound",
            format!(
                "{} > {bound} MiB (at start {} + store_cache_mib {STORE_CACHE_MIB} + log buffers \
                 {LOG_BUFFERS_MIB} + working {WORKING_MIB}, or --max-rss-mib)",
                mib(peak.hwm),
                mib(at_start.rss)
            ),
        );
    }
    hub.stop();
    let (requests, accepted, refused, _) = receiver.counts();
    println!("--- chaos partner-down summary (seed {}) ---", opts.seed);
    println!(
        "acknowledged:           {} of {} posted; refused {:?}, unanswered {}",
        acked.len(),
        opts.messages,
        ledger.refusals.lock().expect("ledger"),
        ledger.no_answer.load(std::sync::atomic::Ordering::SeqCst)
    );
    println!("queue depth, partner down: {depth}");
    println!(
        "hub RSS:                start {}, peak while down {} (VmHWM {}), peak overall VmHWM {}",
        mib(at_start.rss),
        mib(peak_down.rss),
        mib(peak_down.hwm),
        mib(peak.hwm)
    );
    println!("memory bound:           {bound} MiB");
    println!(
        "partner:                {requests} requests, {refused} answered 503, {accepted} accepted after it came back"
    );
    match &drained {
        Ok(d) => println!("drain after it came back: {:.1} s", d.as_secs_f64()),
        Err(e) => println!(
            "drain after it came back: timed out after {:.0} s ({e})",
            up.elapsed().as_secs_f64()
        ),
    }
    println!("delivered to both:      {}", figures.delivered);
    println!(
        "duplicates:             {} ({} redeliveries recorded)",
        figures.duplicated, figures.redeliveries_recorded
    );
    println!(
        "time:                   {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(finish(dir, &failures))
}
