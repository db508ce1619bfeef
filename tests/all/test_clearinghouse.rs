//! The built-in test clearinghouse end to end with the real x12 connector: a practice posts
//! an 837P with three claims (one to pay, one the front end rejects, one with a denied
//! procedure) and gets back, through the `clearinghouse-in` endpoint, the 999, one 277CA
//! for the three claims and one 835 for the two accepted ones, each raw X12 decoded and
//! linked to its claim; pyx12 accepts the 277CA and the 835, and a 276 then finds the claim
//! paid. A 270 posted with `?wait=` gets its 271 back (an invalid member an `AAA`), a 278
//! its certification, and `clearway check` positions a `replies_to` that cannot take the
//! answers.

use clearway_tests::support::{Hub, clearway, plugin, validate_x12};
use serde_json::Value;

fn config() -> String {
    format!(
        r#"[hub]
data_dir = "data"
listen = "127.0.0.1:{{port}}"

[connectors.x12]
plugin = "{x12}"
grants = ["control-numbers"]
config = {{ sender_id = "TESTSUBMIT", receiver_id = "TESTCH" }}

[connectors.x12-from-clearinghouse]
plugin = "{x12}"
grants = ["control-numbers"]
config = {{ sender_id = "TESTCH", receiver_id = "TESTSUBMIT" }}

[connectors.json]
plugin = "{json}"

[endpoints.practice]
transport = "http"
connector = "x12"

[endpoints.practice-json]
transport = "http"
connector = "json"

[endpoints.clearinghouse-out]
transport = "test-clearinghouse"
connector = "x12"
replies_to = "clearinghouse-in"
remittance_delay_seconds = 0

[endpoints.clearinghouse-in]
transport = "http"
connector = "x12-from-clearinghouse"

[[routes]]
from = "practice"
kinds = ["claim"]
to = ["clearinghouse-out"]

[[routes]]
from = "practice-json"
kinds = ["eligibility.request", "claim.status.request", "prior_auth.request"]
to = ["clearinghouse-out"]
"#,
        x12 = plugin("x12").display(),
        json = plugin("json").display()
    )
}

/// One subscriber (its own member id) with one claim of two lines: 99213 120.00 and
/// `procedure` 60.00.
fn subscriber_claim(hl: usize, pcn: &str, procedure: &str) -> Vec<String> {
    [
        format!("HL*{hl}*1*22*0"),
        "SBR*P*18*GRP-TEST******CI".into(),
        format!("NM1*IL*1*TESTPERSON*PAT{hl}****MI*TEST000000{hl}"),
        "N3*1 FICTIONAL WAY".into(),
        "N4*SPRINGFIELD*IL*627010000".into(),
        "DMG*D8*19800101*F".into(),
        "NM1*PR*2*EXAMPLE HEALTH PLAN*****PI*TESTPAYER".into(),
        format!("CLM*{pcn}*180.00***11:B:1*Y*A*Y*Y"),
        "HI*ABK:J069".into(),
        "LX*1".into(),
        "SV1*HC:99213*120.00*UN*1***1".into(),
        "DTP*472*D8*20240310".into(),
        "LX*2".into(),
        format!("SV1*HC:{procedure}*60.00*UN*1***1"),
        "DTP*472*D8*20240310".into(),
    ]
    .into()
}

/// An 837P interchange with one claim per `(patient control number, second procedure)`.
fn interchange(claims: &[(&str, &str)]) -> Vec<u8> {
    let mut body: Vec<String> = [
        "ST*837*0001*005010X222A1",
        "BHT*0019*00*BATCH-TCH-1*20240315*0930*CH",
        "NM1*41*2*EXAMPLE BILLING SERVICE*****46*TESTSUBMIT",
        "PER*IC*FRONT DESK*TE*5550100000",
        "NM1*40*2*EXAMPLE HEALTH PLAN*****46*TESTCH",
        "HL*1**20*1",
        "PRV*BI*PXC*207Q00000X",
        "NM1*85*2*EXAMPLE FAMILY CLINIC*****XX*1999999984",
        "N3*100 TEST AVENUE",
        "N4*SPRINGFIELD*IL*627010000",
        "REF*EI*000000000",
    ]
    .map(String::from)
    .into();
    for (i, (pcn, procedure)) in claims.iter().enumerate() {
        body.extend(subscriber_claim(i + 2, pcn, procedure));
    }
    body.push(format!("SE*{}*0001", body.len() + 1));
    let text = format!(
        "ISA*00*          *00*          *ZZ*TESTSUBMIT     *ZZ*TESTCH         *240315*0930*^*00501*000000101*0*T*:~\
         GS*HC*TESTSUBMIT*TESTCH*20240315*0930*101*X*005010X222A1~{}~GE*1*101~IEA*1*000000101~",
        body.join("~")
    );
    text.into_bytes()
}

/// Every message of `kind` stored through `clearinghouse-in`, with its detail.
fn answers(hub: &Hub, kind: &str) -> Vec<Value> {
    let (_, page) = hub.get(&format!(
        "/v1/messages?kind={kind}&endpoint=clearinghouse-in&limit=100"
    ));
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            hub.get(&format!("/v1/messages/{}", r["id"].as_str().unwrap()))
                .1
        })
        .collect()
}

/// The raw bytes a decoded message came from (its inbound payload).
fn raw_of(hub: &Hub, detail: &Value) -> String {
    let parent = detail["record"]["parent"].as_str().unwrap();
    let (_, inbound) = hub.get(&format!("/v1/messages/{parent}"));
    inbound["raw"]["data"].as_str().unwrap().to_owned()
}

fn money(v: &Value) -> rust_decimal::Decimal {
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn claims_get_their_999_277ca_and_835_back() {
    let hub = Hub::start(&config());
    let (status, body) = hub.post_inbound(
        "practice",
        &interchange(&[
            ("PCN-TCH-PAY", "J0696"),
            ("REJ-TCH-2", "J0696"),
            ("PCN-TCH-97110", "97110"),
        ]),
    );
    assert_eq!(status, 202, "{body}");
    let claims = body["messages"].as_array().unwrap().clone();
    assert_eq!(claims.len(), 3, "{body}");

    // With no delay the 835 is ingested before the claims' deliveries are recorded.
    let delivered = |claim: &Value| {
        let (_, detail) = hub.get(&format!("/v1/messages/{}", claim["id"].as_str().unwrap()));
        detail["record"]["status"] == "delivered"
    };
    hub.wait_for("the claims delivered", 60, || claims.iter().all(delivered));
    assert_eq!(answers(&hub, "remittance").len(), 1);
    // Every claim was delivered to the test clearinghouse, with its note.
    for claim in &claims {
        let (_, detail) = hub.get(&format!("/v1/messages/{}", claim["id"].as_str().unwrap()));
        let last = detail["record"]["history"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["status"], "delivered", "{detail}");
        let note = last["note"].as_str().unwrap();
        assert!(
            note.starts_with("test clearinghouse: 999 accepted; ") && note.contains("835 sent"),
            "{note}"
        );
    }

    // The 999 and the 277CA, decoded from real X12.
    let acks = answers(&hub, "claim.ack");
    let of_type = |t: &str| -> Vec<&Value> {
        acks.iter()
            .filter(|a| a["normalized"]["body"]["ack_type"] == t)
            .collect()
    };
    let nines = of_type("999");
    assert_eq!(nines.len(), 1, "{acks:?}");
    assert_eq!(
        nines[0]["normalized"]["body"]["functional_groups"][0]["status"],
        "accepted"
    );
    let raw999 = raw_of(&hub, nines[0]);
    assert!(
        raw999.contains("ST*999*") && raw999.contains("AK9*A*1*1*1"),
        "{raw999}"
    );
    assert!(
        raw999.contains("*ZZ*TESTCH         *ZZ*TESTSUBMIT     *"),
        "{raw999}"
    );

    let cas = of_type("277ca");
    assert_eq!(cas.len(), 1, "one 277CA for the interchange: {acks:?}");
    let ca = &cas[0]["normalized"];
    let levels: Vec<&Value> = ca["body"]["claim_statuses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["level"] == "claim")
        .collect();
    let by_pcn = |pcn: &str| {
        *levels
            .iter()
            .find(|l| l["patient_control_number"] == pcn)
            .unwrap_or_else(|| panic!("{pcn} in the 277CA: {ca}"))
    };
    let category = |l: &Value, i: usize| l["statuses"][i]["code"]["category"]["code"].clone();
    let paid_level = by_pcn("PCN-TCH-PAY");
    assert_eq!(category(paid_level, 0), "A1");
    assert_eq!(category(paid_level, 1), "A2");
    let icn = paid_level["payer_claim_control_number"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(icn.starts_with("TCH"), "{icn}");
    let rejected_level = by_pcn("REJ-TCH-2");
    assert_eq!(category(rejected_level, 0), "A7");
    assert!(rejected_level.get("payer_claim_control_number").is_none());
    assert_eq!(category(by_pcn("PCN-TCH-97110"), 1), "A2");
    let raw277 = raw_of(&hub, cas[0]);
    assert!(
        raw277.contains("ST*277*")
            && raw277.contains("TRN*2*REJ-TCH-2~")
            && raw277.contains("NM1*QC*1*TESTPERSON*PAT3****MI*TEST0000003~"),
        "{raw277}"
    );
    validate_x12(raw277.as_bytes())
        .unwrap_or_else(|e| panic!("pyx12 rejects the 277CA:\n{e}\n{raw277}"));

    // The 835: the accepted claims only, amounts that add up.
    let remits = answers(&hub, "remittance");
    assert_eq!(remits.len(), 1, "{remits:?}");
    let remittance = &remits[0]["normalized"];
    let mut paid: Vec<&Value> = remittance["body"]["claims"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    // In the order the hub batched the claims; sorted here by patient control number.
    paid.sort_by_key(|c| c["patient_control_number"] != "PCN-TCH-PAY");
    let pcns: Vec<&str> = paid
        .iter()
        .map(|c| c["patient_control_number"].as_str().unwrap())
        .collect();
    assert_eq!(pcns, ["PCN-TCH-PAY", "PCN-TCH-97110"]);
    // 120.00 and 60.00 at 80 % allowed, 20 % coinsurance: 76.80 + 38.40 = 115.20.
    assert_eq!(paid[0]["status"], "processed_as_primary");
    assert_eq!(money(&paid[0]["charge"]), "180.00".parse().unwrap());
    assert_eq!(money(&paid[0]["paid"]), "115.20".parse().unwrap());
    assert_eq!(paid[0]["payer_claim_control_number"], icn.as_str());
    // The 97110 line is denied (CO-50), the other paid: 76.80.
    assert_eq!(money(&paid[1]["paid"]), "76.80".parse().unwrap());
    let denied = &paid[1]["service_lines"][1];
    assert_eq!(denied["adjustments"][0]["group"], "CO");
    assert_eq!(denied["adjustments"][0]["reason"]["code"], "50");
    assert_eq!(money(&denied["paid"]), rust_decimal::Decimal::ZERO);
    for claim in &paid {
        for line in claim["service_lines"].as_array().unwrap() {
            let adjusted: rust_decimal::Decimal = line["adjustments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| money(&a["amount"]))
                .sum();
            assert_eq!(
                money(&line["charge"]),
                money(&line["paid"]) + adjusted,
                "{line}"
            );
        }
    }
    assert_eq!(
        money(&remittance["body"]["payment"]["amount"]),
        "192.00".parse().unwrap()
    );
    assert!(
        remittance["extensions"]
            .get("x12.balance_problems")
            .is_none(),
        "{remittance}"
    );
    let raw835 = raw_of(&hub, &remits[0]);
    validate_x12(raw835.as_bytes())
        .unwrap_or_else(|e| panic!("pyx12 rejects the 835:\n{e}\n{raw835}"));

    // Each claim's timeline holds its claim, the 277CA and (when accepted) the 835.
    let kinds_of = |pcn: &str| -> Vec<String> {
        let (_, tl) = hub.get(&format!("/v1/claims/{pcn}/timeline"));
        tl["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["kind"].as_str().unwrap_or("inbound").to_owned())
            .collect()
    };
    assert_eq!(
        kinds_of("PCN-TCH-PAY"),
        ["claim", "claim.ack", "remittance"]
    );
    assert_eq!(kinds_of("REJ-TCH-2"), ["claim", "claim.ack"]);
    assert_eq!(
        kinds_of("PCN-TCH-97110"),
        ["claim", "claim.ack", "remittance"]
    );
    assert_eq!(kinds_of(&icn), ["claim.ack", "remittance"]);

    // A claim status request now finds the claim paid, with the 835's check.
    let check = remittance["body"]["payment"]["trace"]["reference"]
        .as_str()
        .unwrap();
    let status = wait_for_answer(&hub, status_request("TRN-TCH-276", "PCN-TCH-PAY"));
    let stc = &status["body"]["statuses"][0];
    assert_eq!(stc["code"]["category"]["code"], "F1", "{status}");
    assert_eq!(stc["code"]["status"]["code"], "65", "{status}");
    assert_eq!(money(&stc["paid"]), "115.20".parse().unwrap());
    assert_eq!(stc["check_number"], check);
    assert_eq!(status["body"]["payer_claim_control_number"], icn.as_str());
    let rejected = wait_for_answer(&hub, status_request("TRN-TCH-277", "REJ-TCH-2"));
    assert_eq!(
        rejected["body"]["statuses"][0]["code"]["category"]["code"],
        "A7"
    );
}

/// A claim status request (276) with trace `trace` about claim `pcn`.
fn status_request(trace: &str, pcn: &str) -> Vec<u8> {
    let mut r = clearway_tests::support::example("claim.status.request");
    r["correlation"] = serde_json::json!({ "claim_id": pcn, "trace_numbers": [trace] });
    r["body"]["trace"]["reference"] = trace.into();
    r["body"]["patient_control_number"] = pcn.into();
    // The 276 the hub sends needs the patient's birth date.
    r["parties"]["subscriber"]["birth_date"] = "1980-01-01".into();
    r["parties"]["subscriber"]["gender"] = "female".into();
    serde_json::to_vec(&r).unwrap()
}

/// Posts `request` (normalized JSON) to `practice-json` with `?wait=20`: the answer.
fn wait_for_answer(hub: &Hub, request: Vec<u8>) -> Value {
    let r = hub
        .http()
        .post(format!("{}/v1/inbound/practice-json?wait=20", hub.url))
        .header("content-type", "application/json")
        .body(request)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", hub.log());
    r.json().unwrap()
}

/// An eligibility request for `member_id` with trace `trace`, as normalized JSON.
fn eligibility_request(trace: &str, member_id: &str) -> Vec<u8> {
    let mut r = clearway_tests::support::example("eligibility.request");
    r["correlation"]["trace_numbers"] = serde_json::json!([trace]);
    r["body"]["traces"][0]["reference"] = trace.into();
    r["parties"]["subscriber"]["member_id"] = member_id.into();
    serde_json::to_vec(&r).unwrap()
}

#[test]
fn requests_wait_for_their_answers() {
    let hub = Hub::start(&config());
    let ask = |trace: &str, member: &str| wait_for_answer(&hub, eligibility_request(trace, member));
    let active = ask("TRN-TCH-1", "XTEST00000001");
    assert_eq!(active["kind"], "eligibility.response");
    assert_eq!(active["correlation"]["trace_numbers"][0], "TRN-TCH-1");
    let benefits = active["body"]["benefits"].as_array().unwrap();
    let find = |info: &str, period: Option<&str>| {
        benefits
            .iter()
            .find(|b| b["info"] == info && b.get("time_period").and_then(Value::as_str) == period)
            .unwrap_or_else(|| panic!("{info} {period:?} in {active}"))
    };
    assert_eq!(
        find("active_coverage", None)["plan_description"],
        "Clearway Test PPO"
    );
    assert_eq!(find("co_payment", Some("visit"))["amount"], "25.00");
    assert_eq!(find("co_insurance", None)["percent"], "0.20");
    assert_eq!(find("deductible", Some("remaining"))["amount"], "350.00");
    assert_eq!(
        find("out_of_pocket", Some("calendar_year"))["amount"],
        "5000.00"
    );

    let invalid = ask("TRN-TCH-2", "BAD-MEMBER");
    assert_eq!(
        invalid["body"]["rejections"][0]["reason_code"], "72",
        "{invalid}"
    );
    let inactive = ask("TRN-TCH-3", "INACT-9");
    assert_eq!(
        inactive["body"]["benefits"][0]["info"], "inactive",
        "{inactive}"
    );

    // The 271 came in as raw X12 through clearinghouse-in.
    let responses = answers(&hub, "eligibility.response");
    assert_eq!(responses.len(), 3);
    let raw = raw_of(&hub, &responses[0]);
    assert!(raw.contains("ST*271*") && raw.contains("EB*"), "{raw}");

    // A services review request is certified for 90 days from its start.
    let certified = wait_for_answer(
        &hub,
        serde_json::to_vec(&clearway_tests::support::example("prior_auth.request")).unwrap(),
    );
    assert_eq!(certified["kind"], "prior_auth.response", "{certified}");
    assert_eq!(
        certified["body"]["action"], "certified_in_total",
        "{certified}"
    );
    assert!(
        certified["body"]["authorization_number"]
            .as_str()
            .is_some_and(|n| n.starts_with("AUTH")),
        "{certified}"
    );
    assert_eq!(certified["body"]["effective_period"]["start"], "2024-03-10");
    assert_eq!(certified["body"]["effective_period"]["end"], "2024-06-07");
    // A claim it never saw is not found.
    let unknown = wait_for_answer(&hub, status_request("TRN-TCH-9", "PCN-NEVER-SENT"));
    assert_eq!(
        unknown["body"]["statuses"][0]["code"]["category"]["code"],
        "A4"
    );
}

#[test]
fn check_positions_a_replies_to_that_cannot_take_the_answers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clearway.toml");
    let text = format!(
        "[connectors.x12]\nplugin = \"{x12}\"\n\n[connectors.fhir]\nplugin = \"{fhir}\"\n\n\
         [endpoints.out]\ntransport = \"test-clearinghouse\"\nconnector = \"x12\"\nreplies_to = \"ehr\"\n\n\
         [endpoints.ehr]\ntransport = \"fhir\"\nconnector = \"fhir\"\n\n\
         [endpoints.other]\ntransport = \"test-clearinghouse\"\nconnector = \"x12\"\nreplies_to = \"out\"\nallowed_percent = 0.8\n",
        x12 = plugin("x12").display(),
        fhir = plugin("fhir-r4").display()
    );
    std::fs::write(&path, text).unwrap();
    let run = || {
        let out = clearway(&["check", "--config", path.to_str().unwrap()], None);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), all)
    };
    let (ok, all) = run();
    assert!(!ok, "{all}");
    assert!(
        all.contains("clearway.toml:19:14: `replies_to` in [endpoints.other] names endpoint `out`, which is outbound"),
        "{all}"
    );
    assert!(
        all.contains("clearway.toml:20:19: `allowed_percent` in [endpoints.other]"),
        "{all}"
    );

    // Without the syntax-level problems, the connectors are checked: the FHIR connector of
    // `ehr` neither decodes nor encodes a 277CA or an 835.
    let fixed = std::fs::read_to_string(&path).unwrap().replace(
        "replies_to = \"out\"\nallowed_percent = 0.8\n",
        "replies_to = \"ehr\"\n",
    );
    std::fs::write(&path, fixed).unwrap();
    let (ok, all) = run();
    assert!(!ok, "{all}");
    assert!(
        all.contains("clearway.toml:10:14: test-clearinghouse endpoint `out`: connector `fhir` of its `replies_to` endpoint `ehr` does not decode `claim.ack`"),
        "{all}"
    );
    assert!(all.contains("does not decode `remittance`"), "{all}");
}
