//! `chaos kill N`: SIGKILL the hub N times at random moments while four HTTP senders
//! and a folder writer feed it and a flaky partner takes its deliveries; restart it
//! on the same data dir each time; then drain and check.

use std::time::{Duration, Instant};

use super::check::{self, Failures};
use super::hub::{HubProc, Settings};
use super::receiver::{Mode, Receiver};
use super::senders::{Plan, Senders};
use super::{Opts, Rng, finish, workdir};

/// The partner's timeout in the hub's config; held answers wait twice as long.
const TIMEOUT_MS: u64 = 1000;

pub fn run(opts: &Opts, kills: u32) -> anyhow::Result<bool> {
    let started = Instant::now();
    let rng = Rng::new(opts.seed);
    let receiver = Receiver::start(
        Mode::Flaky,
        rng.fork(),
        Duration::from_millis(2 * TIMEOUT_MS),
    )?;
    let dir = workdir()?;
    let partner_url = receiver.url();
    let settings = Settings {
        data_dir: "data",
        partner_url: &partner_url,
        timeout_ms: TIMEOUT_MS,
        max_backoff_ms: 500,
    };
    let mut hub = HubProc::new(&opts.hub, dir.path(), &settings)?;
    let first = hub.start()?;
    println!("hub ready in {} ms at {}", first.as_millis(), hub.url);
    let plan = Plan {
        http: 4,
        inbox: Some(dir.path().join("inbox")),
        limit: None,
    };
    let senders = Senders::start(&hub.url, &hub.token, &plan, &rng)?;
    let mut failures = Failures::default();
    let mut restarts: Vec<Duration> = Vec::new();
    let mut killed = 0;
    for i in 1..=kills {
        let delay = rng.range(50, 1500);
        std::thread::sleep(Duration::from_millis(delay));
        if let Some(status) = hub.exited()? {
            failures.add(
                "the hub exited on its own",
                format!("before kill {i}: {status}"),
            );
        }
        hub.kill();
        killed += 1;
        match hub.start() {
            Ok(d) => {
                restarts.push(d);
                println!(
                    "kill {i}/{kills} {delay} ms after ready; ready again in {} ms; acknowledged so far {}",
                    d.as_millis(),
                    senders.ledger.acked_count()
                );
            }
            Err(e) => {
                failures.add(
                    "(3) the hub did not start (or /readyz not 200) after a kill",
                    format!("kill {i}: {e:#}"),
                );
                break;
            }
        }
    }
    senders.stop_sending();
    while !senders.posters_done() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let sending = started.elapsed();
    println!(
        "sending stopped after {:.1} s; draining (at most {} s)",
        sending.as_secs_f64(),
        opts.drain_timeout.as_secs()
    );
    let drained = if failures.failed("(3)") {
        Err("the hub is not running".to_owned())
    } else {
        check::drain(&hub, || senders.files_pending(), opts.drain_timeout)
    };
    let ledger = senders.stop();
    if let Err(e) = &drained {
        failures.add("(4) the queues did not drain", e.clone());
    }
    let mut figures = check::Figures::default();
    if !failures.failed("(3)") {
        check::nothing_stuck(&hub, &mut failures)?;
        let acked = ledger.acked.lock().expect("ledger").clone();
        figures = check::deliveries(
            &hub,
            &acked,
            &receiver.accepted(),
            &receiver.unreadable(),
            &mut failures,
        )?;
        hub.stop();
        // The store opens once more after the run, and still answers.
        match hub.start() {
            Ok(_) => hub.stop(),
            Err(e) => failures.add("(3) the hub did not start after the run", format!("{e:#}")),
        }
    }
    for claim in ledger.failed_files.lock().expect("ledger").iter() {
        failures.add("(1) a dropped file went to failed/", claim.clone());
    }
    let (requests, accepted, refused, held) = receiver.counts();
    let acked = ledger.acked.lock().expect("ledger");
    let by_dir = acked.values().filter(|a| a.via == "dir").count();
    let slowest = restarts.iter().max().copied().unwrap_or_default();
    let mean = restarts.iter().sum::<Duration>() / u32::try_from(restarts.len().max(1))?;
    println!("--- chaos kill summary (seed {}) ---", opts.seed);
    println!("kills:                  {killed}");
    println!(
        "restart to ready:       mean {} ms, slowest {} ms",
        mean.as_millis(),
        slowest.as_millis()
    );
    println!(
        "acknowledged:           {} ({} http 202, {} files into processed/)",
        acked.len(),
        acked.len() - by_dir,
        by_dir
    );
    println!(
        "posts:                  {} sent, {} unanswered (connection refused/reset), refused {:?}",
        ledger.sent.load(std::sync::atomic::Ordering::SeqCst),
        ledger.no_answer.load(std::sync::atomic::Ordering::SeqCst),
        ledger.refusals.lock().expect("ledger")
    );
    println!("delivered to both:      {}", figures.delivered);
    println!(
        "partner:                {requests} requests, {accepted} accepted, {refused} answered 503, {held} held past the timeout"
    );
    println!(
        "duplicates:             {} messages accepted more than once ({} extra deliveries)",
        figures.duplicated, figures.extra_deliveries
    );
    println!("redeliveries recorded:  {}", figures.redeliveries_recorded);
    println!(
        "delivered, not acked:   {} (posts whose answer the kill cut off)",
        figures.unacknowledged_delivered
    );
    match &drained {
        Ok(d) => println!("drain:                  {:.1} s", d.as_secs_f64()),
        Err(e) => println!("drain:                  timed out ({e})"),
    }
    println!(
        "time:                   {:.1} s",
        started.elapsed().as_secs_f64()
    );
    drop(acked);
    Ok(finish(dir, &failures))
}
