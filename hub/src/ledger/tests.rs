//! Ledger tests: the claims a real store's messages make, their states as every
//! kind of answer arrives (in and out of order), worklist actions, search, KPIs.

use std::collections::BTreeMap;

use clearway_schemas::Kind;
use serde_json::{Value, json};

use super::query::{ClaimQuery, Worklist};
use super::*;
use crate::store::record::rfc3339_ms;
use crate::store::{MasterKey, Record, RecordType, Status, StatusChange, SyncMode};

pub(crate) const T0: u64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
pub(crate) const DAY: u64 = DAY_MS;

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    ledger: Ledger,
    n: u128,
}

pub(crate) fn example(kind: &str) -> Value {
    let path = format!(
        "{}/../schemas/examples/{kind}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::open_encrypted(dir.path(), SyncMode::Flush, MasterKey::generate().unwrap())
                .unwrap();
        let ledger = Ledger::open(&store).unwrap();
        Fixture {
            _dir: dir,
            store,
            ledger,
            n: 0,
        }
    }

    /// Store message `m` as the pipeline would (recorded at `at`), and take in what
    /// the ledger was marked for.
    fn put(&mut self, at: u64, m: &Value) -> String {
        self.n += 1;
        put_message(&self.store, &self.ledger, self.n, at, m)
    }

    fn only(&self, q: ClaimQuery) -> Row {
        let page = self.ledger.list(&ClaimQuery { limit: 10, ..q }).unwrap();
        assert_eq!(page.total, 1, "{:?}", page.rows);
        page.rows.into_iter().next().unwrap()
    }

    fn by_pcn(&self, pcn: &str) -> Row {
        let keys = self.ledger.search(pcn).unwrap();
        assert_eq!(keys.len(), 1, "claims for {pcn}: {keys:?}");
        self.ledger.row(&keys[0]).unwrap().unwrap()
    }
}

/// Store message `m` in `store` as the pipeline would (id `n`, recorded at `at`,
/// delivered), and let `ledger` take in what it was marked for.
pub(crate) fn put_message(store: &Store, ledger: &Ledger, n: u128, at: u64, m: &Value) -> String {
    let id = ulid::Ulid::from_parts(at, n).to_string();
    let kind: Kind = m["kind"].as_str().unwrap().parse().unwrap();
    let now = rfc3339_ms(at);
    let record = Record {
        id: id.clone(),
        record_type: RecordType::Message,
        endpoint: "test".into(),
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
        deliveries: BTreeMap::new(),
        history: vec![StatusChange {
            status: Status::Delivered,
            at: now,
            actor: "test".into(),
            destination: None,
            error: None,
            note: None,
        }],
    };
    let json = m.to_string();
    store
        .transact(|tx| {
            tx.put(&record)?;
            tx.put_normalized(&record.id, &json)
        })
        .unwrap();
    ledger.drain().unwrap();
    id
}

pub(crate) fn claim(pcn: &str, group: &str, st: &str) -> Value {
    let mut c = example("claim");
    c["body"]["patient_control_number"] = json!(pcn);
    c["correlation"] = json!({"claim_id": pcn, "interchange_control_number": group, "group_control_number": group, "transaction_control_number": st});
    c
}

pub(crate) fn ack_999(group: &str, st: &str, accepted: bool) -> Value {
    let status = if accepted { "accepted" } else { "rejected" };
    let mut ts = json!({"transaction_set_id": "837", "control_number": st, "status": status});
    if !accepted {
        ts["error_codes"] = json!(["5"]);
        ts["segment_errors"] = json!([{"segment_id": "NM1", "position": 22, "loop_id": "2010BA", "error_code": "8",
            "element_errors": [{"position": 9, "error_code": "1"}]}]);
    }
    json!({"schema_version": "0.1.0", "kind": "claim.ack", "correlation": {"group_control_number": group},
        "body": {"ack_type": "999", "functional_groups": [{"functional_id": "HC", "control_number": group,
            "status": status, "transaction_sets": [ts]}]}})
}

pub(crate) fn ack_277(pcn: &str, category: &str, status: &str) -> Value {
    let mut a = example("claim.ack");
    let c = &mut a["body"]["claim_statuses"][1];
    c["patient_control_number"] = json!(pcn);
    c["trace"]["reference"] = json!(pcn);
    c["statuses"][0]["code"]["category"]["code"] = json!(category);
    c["statuses"][0]["code"]["status"]["code"] = json!(status);
    if category == "A7" {
        c["statuses"][0]["code"]["entity"] =
            json!({"system": "x12-entity-identifier", "code": "IL"});
    }
    a
}

/// An 835 for one claim: `lines` of (charge, paid, adjustments as (group, carc, amount)).
pub(crate) fn remit(
    pcn: &str,
    status: &str,
    charge: &str,
    paid: &str,
    adjustments: &[(&str, &str, &str)],
) -> Value {
    let mut r = example("remittance");
    let mut c = r["body"]["claims"][0].clone();
    c["patient_control_number"] = json!(pcn);
    c["status"] = json!(status);
    c["charge"] = json!(charge);
    c["paid"] = json!(paid);
    c["service_lines"] = json!([{
        "procedure": {"system": "cpt", "code": "99213"}, "charge": charge, "paid": paid,
        "adjustments": adjustments.iter().map(|(g, r, a)| json!({"group": g, "reason": {"system": "carc", "code": r}, "amount": a})).collect::<Vec<_>>(),
    }]);
    c.as_object_mut().unwrap().remove("adjustments");
    r["body"]["claims"] = json!([c]);
    r["body"]["payment"]["amount"] = json!(paid);
    r
}

#[test]
fn a_claim_goes_from_submitted_to_accepted_to_paid() {
    let mut f = Fixture::new();
    f.put(T0, &claim("PCN-A", "101", "0001"));
    let r = f.by_pcn("PCN-A");
    assert_eq!(r.state, State::Submitted);
    assert_eq!(r.billed.unwrap().to_string(), "250.00");
    assert_eq!(r.payer_id.as_deref(), Some("TESTPAYER1"));
    assert!(!r.unmatched && r.submissions == 1);
    f.put(T0 + 1000, &ack_999("101", "0001", true));
    assert_eq!(
        f.by_pcn("PCN-A").state,
        State::Submitted,
        "an accepting 999 leaves it submitted"
    );
    f.put(T0 + 2000, &ack_277("PCN-A", "A2", "20"));
    let r = f.by_pcn("PCN-A");
    assert_eq!(r.state, State::Accepted);
    assert!(r.first_pass);
    // CO-45 is contractual, PR-2 the patient's share: paid, not denied.
    f.put(
        T0 + 3 * DAY,
        &remit(
            "PCN-A",
            "processed_as_primary",
            "250.00",
            "160.00",
            &[("CO", "45", "50.00"), ("PR", "2", "40.00")],
        ),
    );
    let r = f.by_pcn("PCN-A");
    assert_eq!(r.state, State::Paid);
    assert_eq!(r.paid.unwrap().to_string(), "160.00");
    assert_eq!(r.days_to_payment(), Some(3));
    assert!(!r.initially_denied);
    assert_eq!(r.check_numbers, vec!["EFT-TEST-0001".to_owned()]);
    // Found by the check number and the member id too.
    assert_eq!(
        f.ledger.search("eft-test-0001").unwrap(),
        vec![r.key.clone()]
    );
    assert_eq!(
        f.ledger.search("XTEST00000001").unwrap().len(),
        1,
        "member id"
    );
    let events = f.ledger.events(&r.key).unwrap();
    assert_eq!(events.len(), 4, "837, 999, 277CA, 835");
}

#[test]
fn rejections_denials_reversals_and_resubmissions() {
    let mut f = Fixture::new();
    f.put(T0, &claim("PCN-R", "201", "0001"));
    f.put(T0 + 1000, &ack_277("PCN-R", "A7", "164"));
    let r = f.by_pcn("PCN-R");
    assert_eq!(r.state, State::Rejected);
    let rej = r.rejection.clone().unwrap();
    assert_eq!(rej.source, "277ca");
    assert!(
        rej.codes.contains(&"category:A7".to_owned())
            && rej.codes.contains(&"entity:IL".to_owned())
    );
    assert!(!r.first_pass);
    let on_list = f
        .ledger
        .list(&ClaimQuery {
            worklist: Some(Worklist::Rejections),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(on_list.total, 1);
    // Resubmitted and accepted, then denied: not first pass, initially denied.
    f.put(T0 + DAY, &claim("PCN-R", "202", "0001"));
    assert_eq!(f.by_pcn("PCN-R").state, State::Submitted);
    f.put(T0 + DAY + 1000, &ack_277("PCN-R", "A1", "19"));
    f.put(
        T0 + 5 * DAY,
        &remit(
            "PCN-R",
            "denied",
            "250.00",
            "0.00",
            &[("CO", "50", "250.00")],
        ),
    );
    let r = f.by_pcn("PCN-R");
    assert_eq!(r.state, State::Denied);
    assert!(!r.first_pass, "resubmitted before the first 835");
    assert!(r.initially_denied);
    assert_eq!(r.initially_denied_amount.to_string(), "250.00");
    assert_eq!(r.denial.len(), 1);
    // Zero paid with only a patient-responsibility adjustment is paid (deductible), not denied.
    f.put(T0, &claim("PCN-D", "203", "0001"));
    f.put(
        T0 + DAY,
        &remit(
            "PCN-D",
            "processed_as_primary",
            "100.00",
            "0.00",
            &[("PR", "1", "100.00")],
        ),
    );
    assert_eq!(f.by_pcn("PCN-D").state, State::Paid);
    // A reversal takes the payment back; the net paid is zero.
    f.put(T0, &claim("PCN-V", "204", "0001"));
    f.put(
        T0 + DAY,
        &remit(
            "PCN-V",
            "processed_as_primary",
            "100.00",
            "80.00",
            &[("CO", "45", "20.00")],
        ),
    );
    f.put(
        T0 + 2 * DAY,
        &remit(
            "PCN-V",
            "reversal",
            "-100.00",
            "-80.00",
            &[("CO", "45", "-20.00")],
        ),
    );
    let r = f.by_pcn("PCN-V");
    assert_eq!(r.state, State::Reversed);
    assert_eq!(r.paid.unwrap().0, rust_decimal::Decimal::ZERO);
    // Part of the lines denied: partially paid.
    f.put(T0, &claim("PCN-P", "205", "0001"));
    f.put(
        T0 + DAY,
        &remit(
            "PCN-P",
            "processed_as_primary",
            "250.00",
            "100.00",
            &[("CO", "45", "50.00"), ("CO", "97", "100.00")],
        ),
    );
    let r = f.by_pcn("PCN-P");
    assert_eq!(r.state, State::PartiallyPaid);
    assert_eq!(r.denied_amount().to_string(), "100.00");
}

#[test]
fn a_999_before_the_claims_envelope_is_known_links_once_it_is() {
    let mut f = Fixture::new();
    // The 999 rejecting transaction 0007 of group 300 arrives first: no claim yet.
    f.put(T0, &ack_999("300", "0007", false));
    assert_eq!(
        f.ledger
            .list(&ClaimQuery {
                limit: 10,
                ..Default::default()
            })
            .unwrap()
            .total,
        0
    );
    // The claim sent in it is learned: the 999 is taken in again and rejects the file.
    f.put(T0 + 1000, &claim("PCN-E", "300", "0007"));
    f.ledger.drain().unwrap();
    let r = f.by_pcn("PCN-E");
    // The claim's event is later than the 999's, so the claim reads as submitted;
    // a 999 that comes after it rejects it.
    assert_eq!(r.state, State::Submitted);
    f.put(T0 + 2000, &ack_999("300", "0007", false));
    let r = f.by_pcn("PCN-E");
    assert_eq!(r.state, State::FileRejected);
    let rej = r.rejection.unwrap();
    assert!(
        rej.root_cause.starts_with("999 syntax: NM109"),
        "{}",
        rej.root_cause
    );
    assert!(rej.codes.contains(&"ik304:8".to_owned()) && rej.codes.contains(&"ik5:5".to_owned()));
    // The learned envelope also took the earlier 999 in: two file events.
    let events = f.ledger.events(&r.key).unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e.what, What::FileAck(_)))
            .count(),
        2
    );
}

#[test]
fn a_payment_for_an_unknown_claim_is_unmatched_until_the_claim_comes() {
    let mut f = Fixture::new();
    f.put(
        T0,
        &remit(
            "PCN-U",
            "processed_as_primary",
            "250.00",
            "200.00",
            &[("CO", "45", "50.00")],
        ),
    );
    let r = f.only(ClaimQuery {
        unmatched: Some(true),
        ..Default::default()
    });
    assert!(r.unmatched);
    assert_eq!(r.pcn, "PCN-U");
    assert_eq!(r.state, State::Paid);
    f.put(T0 + 1000, &claim("PCN-U", "400", "0001"));
    let all = f
        .ledger
        .list(&ClaimQuery {
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.total, 1, "the unmatched row was adopted by the claim");
    assert!(!all.rows[0].unmatched);
    assert_eq!(f.ledger.events(&all.rows[0].key).unwrap().len(), 2);
}

#[test]
fn worklist_actions_are_events_and_a_new_state_reopens() {
    let mut f = Fixture::new();
    f.put(T0, &claim("PCN-W", "500", "0001"));
    f.put(
        T0 + 1000,
        &remit(
            "PCN-W",
            "denied",
            "250.00",
            "0.00",
            &[("CO", "50", "250.00")],
        ),
    );
    let key = f.by_pcn("PCN-W").key;
    f.ledger
        .act(
            &key,
            What::Note {
                by: "ann".into(),
                text: "called payer".into(),
            },
        )
        .unwrap();
    f.ledger
        .act(
            &key,
            What::Assigned {
                by: "ann".into(),
                to: Some("bob".into()),
            },
        )
        .unwrap();
    let r = f
        .ledger
        .act(&key, What::Resolved { by: "bob".into() })
        .unwrap();
    assert!(r.work.resolved);
    assert_eq!(r.work.assignee.as_deref(), Some("bob"));
    assert_eq!(r.work.notes, 1);
    let open = ClaimQuery {
        worklist: Some(Worklist::Denials),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        f.ledger.list(&open).unwrap().total,
        0,
        "resolved items leave the worklist"
    );
    assert_eq!(
        f.ledger
            .list(&ClaimQuery {
                include_resolved: true,
                ..open.clone()
            })
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        f.ledger.worklist_groups(&ClaimQuery {
            include_resolved: true,
            ..open.clone()
        })[0]
            .0,
        "CO-50"
    );
    // Another denial after the resolution puts it back.
    f.put(
        crate::store::record::now_ms() + 1000,
        &remit(
            "PCN-W",
            "denied",
            "250.00",
            "0.00",
            &[("CO", "16", "250.00")],
        ),
    );
    assert_eq!(f.ledger.list(&open).unwrap().total, 1);
}

#[test]
fn the_index_survives_a_reopen_and_kpis_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let key = MasterKey::generate().unwrap().to_hex();
    {
        let store = Store::open_encrypted(
            dir.path(),
            SyncMode::Flush,
            MasterKey::from_hex(&key).unwrap(),
        )
        .unwrap();
        let mut f = Fixture {
            _dir: tempfile::tempdir().unwrap(),
            ledger: Ledger::open(&store).unwrap(),
            store,
            n: 0,
        };
        f.put(T0, &claim("K1", "1", "0001"));
        f.put(T0 + 1, &ack_277("K1", "A1", "19"));
        f.put(
            T0 + 2 * DAY,
            &remit(
                "K1",
                "processed_as_primary",
                "250.00",
                "200.00",
                &[("CO", "45", "50.00")],
            ),
        );
        f.put(T0, &claim("K2", "2", "0001"));
        f.put(T0 + 1, &ack_277("K2", "A1", "19"));
        f.put(
            T0 + 10 * DAY,
            &remit("K2", "denied", "250.00", "0.00", &[("CO", "50", "250.00")]),
        );
        f.put(T0, &claim("K3", "3", "0001"));
        f.put(T0 + 1, &ack_277("K3", "A7", "164"));
        f.put(T0 + DAY, &claim("K4", "4", "0001"));
        f.store.sync_blocking().unwrap();
    }
    let store = Store::open_encrypted(
        dir.path(),
        SyncMode::Flush,
        MasterKey::from_hex(&key).unwrap(),
    )
    .unwrap();
    let ledger = Ledger::open(&store).unwrap();
    let day = |ms: u64| crate::store::record::rfc3339_ms(ms)[..10].to_owned();
    let month = |ms: u64| crate::store::record::rfc3339_ms(ms)[..7].to_owned();
    let k = ledger.kpis(&ClaimQuery::default(), &month, &day);
    let o = &k.overall;
    assert_eq!(
        (
            o.submitted,
            o.first_pass,
            o.with_payment,
            o.initially_denied,
            o.rejected
        ),
        (4, 2, 2, 1, 1)
    );
    assert_eq!(o.first_pass_rate().unwrap().to_string(), "50.0");
    assert_eq!(o.denial_rate().unwrap().to_string(), "50.0");
    assert_eq!(o.denial_dollar_rate().unwrap().to_string(), "50.0");
    assert_eq!(o.median_days(), Some(2));
    assert_eq!(o.rejection_rate().unwrap().to_string(), "25.0");
    assert_eq!(
        k.daily,
        vec![("2026-01-01".to_owned(), 3), ("2026-01-02".to_owned(), 1)]
    );
    assert_eq!(k.by_month.len(), 1);
    assert_eq!(k.root_causes.len(), 1);
    // Paging: two pages of two, in submission order, no claim twice.
    let first = ledger
        .list(&ClaimQuery {
            limit: 2,
            ..Default::default()
        })
        .unwrap();
    assert_eq!((first.rows.len(), first.total), (2, 4));
    let second = ledger
        .list(&ClaimQuery {
            limit: 2,
            cursor: first.next_cursor.clone(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(second.rows.len(), 2);
    assert!(second.next_cursor.is_none());
    let mut pcns: Vec<String> = first
        .rows
        .iter()
        .chain(&second.rows)
        .map(|r| r.pcn.clone())
        .collect();
    assert_eq!(pcns[0], "K4", "newest submission first");
    pcns.sort();
    assert_eq!(pcns, ["K1", "K2", "K3", "K4"]);
    let counts: BTreeMap<State, usize> = first.counts.into_iter().collect();
    assert_eq!(
        (
            counts[&State::Paid],
            counts[&State::Denied],
            counts[&State::Rejected],
            counts[&State::Submitted]
        ),
        (1, 1, 1, 1)
    );
}

#[test]
fn percentiles_are_nearest_rank() {
    use super::query::nearest_rank;
    assert_eq!(nearest_rank(&[], 50), None);
    assert_eq!(nearest_rank(&[7], 90), Some(7));
    assert_eq!(nearest_rank(&[1, 2, 3, 4], 50), Some(2));
    assert_eq!(nearest_rank(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90), Some(9));
    assert_eq!(
        nearest_rank(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90),
        Some(10)
    );
}

#[test]
fn two_claims_alike_in_every_clue_each_get_their_own_answers() {
    let mut f = Fixture::new();
    let mut a = claim("TWIN", "601", "0001");
    a["parties"]["provider"]["npi"] = json!("1912301953");
    let b = claim("TWIN", "602", "0001");
    f.put(T0, &a);
    f.put(T0 + 10, &b);
    // Neither 277CA names the provider: the first goes to the earlier claim. Each
    // gives its claim a payer claim number of its own, which the 835s repeat.
    let with_icn = |mut v: Value, path: &[&str], icn: &str| {
        let mut at = &mut v;
        for p in path {
            at = if let Ok(i) = p.parse::<usize>() {
                &mut at[i]
            } else {
                &mut at[*p]
            };
        }
        at["payer_claim_control_number"] = json!(icn);
        v
    };
    let ack_path = ["body", "claim_statuses", "1"];
    let remit_path = ["body", "claims", "0"];
    f.put(
        T0 + 1000,
        &with_icn(ack_277("TWIN", "A2", "20"), &ack_path, "ICN-A"),
    );
    f.put(
        T0 + 2000,
        &with_icn(ack_277("TWIN", "A2", "20"), &ack_path, "ICN-B"),
    );
    f.put(
        T0 + DAY,
        &with_icn(
            remit(
                "TWIN",
                "processed_as_primary",
                "250.00",
                "200.00",
                &[("CO", "45", "50.00")],
            ),
            &remit_path,
            "ICN-B",
        ),
    );
    f.put(
        T0 + DAY + 10,
        &with_icn(
            remit(
                "TWIN",
                "processed_as_primary",
                "250.00",
                "200.00",
                &[("CO", "45", "50.00")],
            ),
            &remit_path,
            "ICN-A",
        ),
    );
    let page = f
        .ledger
        .list(&ClaimQuery {
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.total, 2);
    for r in &page.rows {
        assert_eq!(r.state, State::Paid, "{r:?}");
        assert_eq!(r.paid.unwrap().to_string(), "200.00", "one payment each");
        assert_eq!(f.ledger.events(&r.key).unwrap().len(), 3);
    }
}
