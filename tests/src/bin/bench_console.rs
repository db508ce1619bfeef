//! Console benchmark: N claims with their 999s, 277CAs and 835s stored in a real
//! (encrypted, sled) store and taken in by the claim ledger, then the server-side
//! time of the claims list's first page, a filtered list, an identifier search, a
//! claim detail and the KPI page, each through the real router (access control,
//! audit and rendering included), and the store's size.
//!
//! `./bench.sh console [CLAIMS]` (default 100,000) builds the release binary and runs
//! this. It prints figures; it asserts nothing about time (target: each page under
//! 200 ms on the 2-core machine the issue names).
#![allow(clippy::float_arithmetic)] // timings for a person, not money

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use clearway::auth::{Auth, Role};
use clearway::pipeline::Hub;
use clearway::store::{Record, RecordType, Status, StatusChange};
use serde_json::{Value, json};
use tower::ServiceExt as _;

const PAYERS: [(&str, &str); 8] = [
    ("60054", "Aetna"),
    ("87726", "UnitedHealthcare"),
    ("62308", "Cigna"),
    ("00431", "BCBS Illinois"),
    ("SX107", "Humana"),
    ("MCR01", "Medicare Part B"),
    ("MCD17", "Medicaid"),
    ("TRI01", "Tricare"),
];
const NPIS: [&str; 5] = [
    "1234567893",
    "1245319599",
    "1356724880",
    "1467542355",
    "1578954321",
];
const DAY: u64 = 86_400_000;

fn example(kind: &str) -> Value {
    let path = format!(
        "{}/../schemas/examples/{kind}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("schemas/examples")).unwrap()
}

struct Gen {
    claim: Value,
    ack: Value,
    remit: Value,
}

impl Gen {
    fn claim(&self, i: usize) -> Value {
        let mut c = self.claim.clone();
        let pcn = format!("BENCH{i:07}");
        let (payer_id, payer) = PAYERS[i % PAYERS.len()];
        c["body"]["patient_control_number"] = json!(pcn);
        c["parties"]["payer"] =
            json!({"entity_type": "organization", "name": payer, "payer_id": payer_id});
        c["parties"]["provider"]["npi"] = json!(NPIS[i % NPIS.len()]);
        c["parties"]["subscriber"]["member_id"] = json!(format!("MBR{i:08}"));
        c["correlation"] = json!({"claim_id": pcn, "interchange_control_number": format!("{}", i / 100), "group_control_number": format!("{}", i / 100), "transaction_control_number": "0001"});
        c
    }

    fn ack_999(group: usize) -> Value {
        json!({"schema_version": "0.1.0", "kind": "claim.ack", "correlation": {"group_control_number": group.to_string()},
            "body": {"ack_type": "999", "functional_groups": [{"functional_id": "HC", "control_number": group.to_string(),
                "status": "accepted", "transaction_sets": [{"transaction_set_id": "837", "control_number": "0001", "status": "accepted"}]}]}})
    }

    fn ack_277(&self, i: usize, rejected: bool) -> Value {
        let mut a = self.ack.clone();
        let pcn = format!("BENCH{i:07}");
        let c = &mut a["body"]["claim_statuses"][1];
        c["patient_control_number"] = json!(pcn);
        c["trace"]["reference"] = json!(pcn);
        c["payer_claim_control_number"] = json!(format!("ICN{i:09}"));
        if rejected {
            c["statuses"][0]["code"]["category"]["code"] = json!("A7");
            let status = ["164", "33", "21"][i % 3];
            c["statuses"][0]["code"]["status"]["code"] = json!(status);
            c["statuses"][0]["code"]["entity"] =
                json!({"system": "x12-entity-identifier", "code": "IL"});
        }
        a
    }

    fn remit(&self, i: usize) -> Value {
        let mut r = self.remit.clone();
        let mut c = r["body"]["claims"][0].clone();
        c["patient_control_number"] = json!(format!("BENCH{i:07}"));
        c["payer_claim_control_number"] = json!(format!("ICN{i:09}"));
        let carc = ["50", "16", "197", "97"][i % 4];
        let (status, paid, adj) = match i % 10 {
            0 => (
                "denied",
                "0.00",
                json!([{"group": "CO", "reason": {"system": "carc", "code": carc}, "amount": "250.00"}]),
            ),
            1 => (
                "processed_as_primary",
                "100.00",
                json!([{"group": "CO", "reason": {"system": "carc", "code": "45"}, "amount": "50.00"}, {"group": "CO", "reason": {"system": "carc", "code": "97"}, "amount": "100.00"}]),
            ),
            _ => (
                "processed_as_primary",
                "160.00",
                json!([{"group": "CO", "reason": {"system": "carc", "code": "45"}, "amount": "50.00"}, {"group": "PR", "reason": {"system": "carc", "code": "2"}, "amount": "40.00"}]),
            ),
        };
        c["status"] = json!(status);
        c["charge"] = json!("250.00");
        c["paid"] = json!(paid);
        c["service_lines"] = json!([{"procedure": {"system": "cpt", "code": "99213"}, "charge": "250.00", "paid": paid, "adjustments": adj}]);
        c.as_object_mut().unwrap().remove("adjustments");
        r["body"]["claims"] = json!([c]);
        r["body"]["payment"]["amount"] = json!(paid);
        r["body"]["payment"]["trace"]["reference"] = json!(format!("EFT{:07}", i / 50));
        r
    }
}

fn record(id: &str, kind: clearway_schemas::Kind, at: u64) -> Record {
    let now = clearway::store::record::rfc3339_ms(at);
    Record {
        id: id.to_owned(),
        record_type: RecordType::Message,
        endpoint: "bench".into(),
        kind: Some(kind),
        status: Status::Delivered,
        created_at: now.clone(),
        updated_at: now.clone(),
        parent: None,
        children: vec![],
        correlation: vec![],
        content_type: None,
        filename: None,
        size: 0,
        deliveries: Default::default(),
        history: vec![StatusChange {
            status: Status::Delivered,
            at: now,
            actor: "bench".into(),
            destination: None,
            error: None,
            note: None,
        }],
    }
}

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("clearway.toml");
    let text = format!(
        "[hub]\ndata_dir = \"{}\"\ndurability = \"flush\"\n\n[console]\ntime_zone = \"America/Chicago\"\n",
        dir.path().join("data").display()
    );
    std::fs::write(&path, &text)?;
    let config = clearway::config::parse(&path, &text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let hub = Hub::build(config)?;
    let g = Gen {
        claim: example("claim"),
        ack: example("claim.ack"),
        remit: example("remittance"),
    };
    let now = clearway::store::record::now_ms();
    let start = now - 180 * DAY;
    let step = (180 * DAY) / n.max(1) as u64;
    let mut seq: u128 = 0;
    let mut id_at = |at: u64| {
        seq += 1;
        ulid::Ulid::from_parts(at, seq).to_string()
    };
    println!("console benchmark: {n} claims with 999s, 277CAs and 835s");
    let load = Instant::now();
    let mut messages = 0usize;
    let batch = 200;
    for chunk in (0..n).collect::<Vec<_>>().chunks(batch) {
        let mut puts: Vec<(Record, String)> = Vec::new();
        for &i in chunk {
            let at = start + i as u64 * step;
            let rejected = i % 20 == 7;
            puts.push((
                record(&id_at(at), clearway_schemas::Kind::Claim, at),
                g.claim(i).to_string(),
            ));
            if i % 100 == 99 {
                puts.push((
                    record(
                        &id_at(at + 60_000),
                        clearway_schemas::Kind::ClaimAck,
                        at + 60_000,
                    ),
                    Gen::ack_999(i / 100).to_string(),
                ));
            }
            puts.push((
                record(
                    &id_at(at + 3_600_000),
                    clearway_schemas::Kind::ClaimAck,
                    at + 3_600_000,
                ),
                g.ack_277(i, rejected).to_string(),
            ));
            if !rejected && i % 7 != 3 {
                let paid_at = at + (5 + (i as u64 % 40)) * DAY;
                if paid_at < now {
                    puts.push((
                        record(&id_at(paid_at), clearway_schemas::Kind::Remittance, paid_at),
                        g.remit(i).to_string(),
                    ));
                }
            }
        }
        messages += puts.len();
        hub.store.transact(|tx| {
            for (r, j) in &puts {
                tx.put(r)?;
                tx.put_normalized(&r.id, j)?;
            }
            Ok(())
        })?;
        hub.ledger.drain()?;
    }
    hub.store.sync_blocking()?;
    let loaded = load.elapsed();
    println!(
        "loaded {messages} messages in {:.1} s ({:.0} messages/s into store and ledger)",
        loaded.as_secs_f64(),
        messages as f64 / loaded.as_secs_f64()
    );
    println!(
        "store size on disk: {:.1} MB",
        hub.sled.size_on_disk() as f64 / 1e6
    );
    let reopen = Instant::now();
    let ledger = clearway::ledger::Ledger::open(&hub.sled)?;
    println!(
        "ledger index load at start ({} claims): {:.0} ms",
        ledger.index().claims.len(),
        reopen.elapsed().as_secs_f64() * 1e3
    );
    drop(ledger);

    let auth = Arc::new(Auth::new(&hub.sled, &hub.config.hub)?);
    let token = auth
        .credentials
        .create_token("bench", Role::Coordinator, &[], None)?;
    let app = clearway::api::router(hub.clone(), auth, false);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let probe = n / 2 + 1;
    let key = hub.ledger.search(&format!("BENCH{probe:07}"))?.remove(0);
    let member = format!("q=MBR{probe:08}");
    let pages: Vec<(&str, String, Option<&str>)> = vec![
        ("claims list, first page", "/claims".into(), None),
        (
            "filtered list (denied, one payer, 90 days)",
            format!(
                "/claims?state=denied&payer=60054&from={}",
                clearway::store::record::rfc3339_ms(now - 90 * DAY)[..10].to_owned()
            ),
            None,
        ),
        (
            "identifier search (member id)",
            "/claims/search".into(),
            Some(member.as_str()),
        ),
        ("claim detail", format!("/claims/{key}"), None),
        ("KPI page", "/kpis".into(), None),
        ("denials worklist", "/worklists/denials".into(), None),
    ];
    println!("server-side time through the router, {runs} runs (target: each under 200 ms):");
    for (label, path, form) in &pages {
        let mut times = Vec::new();
        let mut bytes = 0;
        for _ in 0..runs {
            let req = match form {
                None => Request::get(path.as_str()).body(Body::empty())?,
                Some(f) => Request::post(path.as_str())
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(f.to_string()))?,
            };
            let (mut parts, body) = req.into_parts();
            parts
                .headers
                .insert(header::HOST, "127.0.0.1:8080".parse()?);
            parts
                .headers
                .insert(header::AUTHORIZATION, format!("Bearer {token}").parse()?);
            let req = Request::from_parts(parts, body);
            let app = app.clone();
            let t = Instant::now();
            let (status, len) = rt.block_on(async move {
                let r = app.oneshot(req).await.expect("router");
                let s = r.status();
                let b = axum::body::to_bytes(r.into_body(), usize::MAX)
                    .await
                    .expect("body");
                (s, b.len())
            });
            times.push(t.elapsed());
            anyhow::ensure!(status == StatusCode::OK, "{label}: {status}");
            bytes = len;
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "  {label:<44} median {:>7.1} ms  min {:>7.1} ms  max {:>7.1} ms  ({} KB of HTML)",
            ms(times[times.len() / 2]),
            ms(times[0]),
            ms(times[times.len() - 1]),
            bytes / 1024
        );
    }
    Ok(())
}
