//! `chaos disk-full`: the hub's data dir on a small tmpfs, most of it taken by a
//! filler file; senders post until the store cannot grow. Then: what the hub
//! answered, every acknowledged message still stored and delivered, and, once the
//! filler is deleted, the hub taking messages again without a restart.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use super::check::{self, Failures};
use super::hub::{HubProc, Settings};
use super::payload::claim;
use super::receiver::{Mode, Receiver};
use super::senders::{Acked, Plan, Senders};
use super::{Opts, Rng, finish, workdir};

/// A mounted tmpfs, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, mib: u64) -> anyhow::Result<Tmpfs> {
        std::fs::create_dir_all(dir)?;
        let uid = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("Uid:"))
                    .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
            });
        if uid.as_deref() != Some("0") {
            bail!("disk-full mounts a tmpfs and must run as root (uid {uid:?})");
        }
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(dir)
            .output()
            .context("running mount")?;
        if !out.status.success() {
            bail!(
                "mount -t tmpfs failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(Tmpfs(dir.to_owned()))
    }

    /// Free bytes (`df`).
    fn available(&self) -> anyhow::Result<u64> {
        let out = Command::new("df")
            .args(["-B1", "--output=avail"])
            .arg(&self.0)
            .output()?;
        String::from_utf8(out.stdout)?
            .lines()
            .nth(1)
            .context("df printed no figure")?
            .trim()
            .parse()
            .context("df's figure")
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let ok = Command::new("umount")
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
}

/// Write `bytes` (in MiB chunks) until done or the disk is full; bytes written.
fn fill(path: &Path, bytes: u64) -> u64 {
    let Ok(mut f) = std::fs::File::create(path) else {
        return 0;
    };
    let chunk = vec![0x5au8; 1 << 20];
    let mut written = 0;
    while written < bytes {
        let n = chunk
            .len()
            .min(usize::try_from(bytes - written).unwrap_or(chunk.len()));
        if f.write_all(&chunk[..n]).is_err() {
            break;
        }
        written += n as u64;
    }
    let _ = f.sync_all();
    written
}

pub fn run(opts: &Opts) -> anyhow::Result<bool> {
    let dir = workdir()?;
    let disk = dir.path().join("disk");
    let tmpfs = match Tmpfs::mount(&disk, opts.disk_mib) {
        Ok(t) => t,
        Err(e) if opts.allow_skip => {
            println!("chaos disk-full: SKIPPED ({e:#}; --allow-skip)");
            return Ok(true);
        }
        Err(e) => {
            return Err(e.context("disk-full needs a tmpfs (run as root, or pass --allow-skip)"));
        }
    };
    // The hub is dropped (killed) before the tmpfs is unmounted.
    let result = scenario(opts, &dir, &tmpfs);
    drop(tmpfs);
    let failures = result?;
    Ok(finish(dir, &failures))
}

fn scenario(opts: &Opts, dir: &tempfile::TempDir, tmpfs: &Tmpfs) -> anyhow::Result<Failures> {
    let started = Instant::now();
    let rng = Rng::new(opts.seed);
    let receiver = Receiver::start(Mode::Up, rng.fork(), Duration::from_secs(1))?;
    let partner_url = receiver.url();
    let data = tmpfs.0.join("data");
    let data_dir = data.display().to_string();
    let settings = Settings {
        data_dir: &data_dir,
        partner_url: &partner_url,
        timeout_ms: 2000,
        max_backoff_ms: 1000,
    };
    let mut hub = HubProc::new(&opts.hub, dir.path(), &settings)?;
    hub.start()?;
    let mut failures = Failures::default();
    let free = tmpfs.available()?;
    let filler = tmpfs.0.join("filler");
    // Leave 20 MiB: the config's `min_free_disk_mib = 8` refuses new work once the
    // store has taken about 12 of them, before sled could meet ENOSPC.
    let filled = fill(&filler, free.saturating_sub(20 << 20));
    println!(
        "tmpfs {} MiB: {} MiB free after the hub started, filler {} MiB, {} MiB left",
        opts.disk_mib,
        free >> 20,
        filled >> 20,
        tmpfs.available()? >> 20
    );
    let plan = Plan {
        http: 2,
        inbox: None,
        limit: Some(opts.messages),
    };
    let senders = Senders::start(&hub.url, &hub.token, &plan, &rng)?;
    // Until refusals have gone on for 5 s, the hub died, or 120 s.
    let mut first_refusal: Option<Instant> = None;
    let mut exited = None;
    while !senders.posters_done() && started.elapsed() < Duration::from_secs(120) {
        let refused: u64 = senders
            .ledger
            .refusals
            .lock()
            .expect("ledger")
            .values()
            .sum::<u64>()
            + senders
                .ledger
                .no_answer
                .load(std::sync::atomic::Ordering::SeqCst);
        if refused > 0 && first_refusal.is_none() {
            first_refusal = Some(Instant::now());
            println!(
                "first refusal after {} acknowledged ({:.1} s)",
                senders.ledger.acked_count(),
                started.elapsed().as_secs_f64()
            );
        }
        if first_refusal.is_some_and(|t| t.elapsed() > Duration::from_secs(5)) {
            break;
        }
        if let Some(status) = hub.exited()? {
            exited = Some(status);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let ledger = senders.stop();
    let refusals: BTreeMap<u16, u64> = ledger.refusals.lock().expect("ledger").clone();
    let unanswered = ledger.no_answer.load(std::sync::atomic::Ordering::SeqCst);
    let mut acked = ledger.acked.lock().expect("ledger").clone();
    println!(
        "disk full: {} acknowledged, refusals by status {refusals:?}, unanswered {unanswered}, {} bytes free",
        acked.len(),
        tmpfs.available().unwrap_or(0)
    );
    for status in refusals.keys() {
        if *status != 507 && *status != 503 {
            failures.add("a refusal other than 507 or 503", status.to_string());
        }
    }
    if first_refusal.is_none() && exited.is_none() {
        failures.add(
            "the disk never filled",
            format!("{} messages all acknowledged", acked.len()),
        );
    }
    if let Some(status) = exited.or(hub.exited()?) {
        failures.add("the hub exited when the disk filled", status.to_string());
        println!("the hub exited ({status}); log:\n{}", hub.log_tail(15));
    }
    std::fs::remove_file(&filler)?;
    println!("filler deleted: {} MiB free", tmpfs.available()? >> 20);
    if hub.exited()?.is_some() || hub.pid().is_none() {
        hub.kill();
        hub.start().context("restarting the hub after it exited")?;
    }
    // The hub takes messages again, without a restart.
    let client = super::hub::client(&hub.token)?;
    let freed = Instant::now();
    let mut resumed = None;
    let mut after = 0;
    let mut seq = 0;
    while freed.elapsed() < Duration::from_secs(30) && after < 20 {
        let c = claim(&format!("CHAOS-AFTER-{seq:04}"), &rng)?;
        seq += 1;
        let r = client
            .post(format!("{}/v1/inbound/in", hub.url))
            .header("content-type", "application/json")
            .body(c.body.clone())
            .send();
        match r {
            Ok(r) if r.status().as_u16() == 202 => {
                resumed.get_or_insert(freed.elapsed());
                after += 1;
                let body: serde_json::Value = r.json().unwrap_or_default();
                acked.insert(
                    c.claim_id.clone(),
                    Acked {
                        claim_id: c.claim_id,
                        message_id: body["messages"][0]["id"].as_str().map(str::to_owned),
                        hash: c.hash,
                        via: "http",
                    },
                );
            }
            _ => std::thread::sleep(Duration::from_millis(250)),
        }
    }
    match resumed {
        Some(d) => println!(
            "taking messages again {} ms after the filler went ({after} acknowledged since)",
            d.as_millis()
        ),
        None => failures.add(
            "the hub did not take messages again within 30 s of freeing space",
            format!("{seq} posts refused"),
        ),
    }
    // Every acknowledged message is still in the store.
    for a in acked.values() {
        if let Some(id) = &a.message_id
            && hub.get(&format!("/v1/messages/{id}")).is_err()
        {
            failures.add("acknowledged, missing from the store", id.clone());
        }
    }
    let drained = check::drain(&hub, || 0, opts.drain_timeout);
    if let Err(e) = &drained {
        failures.add("(4) the queues did not drain", e.clone());
    }
    check::nothing_stuck(&hub, &mut failures)?;
    let figures = check::deliveries(
        &hub,
        &acked,
        &receiver.accepted(),
        &receiver.unreadable(),
        &mut failures,
    )?;
    hub.stop();
    println!("--- chaos disk-full summary (seed {}) ---", opts.seed);
    println!("acknowledged:           {}", acked.len());
    println!("refusals by status:     {refusals:?} (unanswered {unanswered})");
    println!("delivered to both:      {}", figures.delivered);
    println!(
        "time:                   {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(failures)
}
