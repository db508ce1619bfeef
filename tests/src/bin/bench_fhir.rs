//! FHIR benchmark: decode and encode throughput of the `fhir-r4` connector in
//! WebAssembly (the hub's runtime, the cached compiled component, one call for the whole
//! batch), natively (the same crate), and fhir.resources 6.4.0 parsing the same Bundle,
//! in one run.
//!
//! `./bench.sh fhir [ENTRIES]` builds what it needs and runs this; it prints figures and
//! asserts nothing about time (see tests/README.md, "Benchmarks").

use std::process::ExitCode;

use anyhow::Context as _;
use clearway_plugin_sdk::wire::{messages_from_wire, messages_to_wire};
use clearway_tests::bench::fhir_data::{self, BundleFile};
use clearway_tests::bench::report::{self, Target, line, ratio, ratio_line};
use clearway_tests::bench::timing::{Samples, measure_pair, measure_trio};
use clearway_tests::bench::wasm::{self, Loaded};
use clearway_tests::bench::{Settings, count_arg, python, read_text};

/// The Bundle whose first Claim the large one repeats.
const TEMPLATE: &str = "plugins/fhir-r4/tests/fixtures/claim-professional-bundle.json";

/// WASM time at most this many times native time.
const WASM_VS_NATIVE: f64 = 1.3;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench-fhir: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let claims = count_arg(1, "ENTRIES", 1000)?;
    let settings = Settings::from_env()?;
    let bundle = fhir_data::claims_bundle(&read_text(TEMPLATE)?, claims)?;
    let runtime = wasm::runtime()?;
    let path = wasm::component_path("fhir-r4", "CLEARWAY_BENCH_FHIR_WASM")?;
    let loaded = wasm::load(&runtime, "fhir-r4", &path, &[])?;

    println!(
        "fhir benchmark: a {} Bundle of {claims} Claims",
        serde_json::from_str::<serde_json::Value>(&bundle.json)?["type"]
            .as_str()
            .unwrap_or("?")
    );
    println!(
        "  timing: median of {} runs after {} warm-up runs (Rust; wasm and native runs \
         interleaved), of {} runs after 1 \
         warm-up run (fhir.resources); MB = 10^6 bytes of JSON",
        settings.runs, settings.warmup, settings.py_runs
    );
    println!("  component: {}", loaded.describe());
    println!(
        "  wasm = one Plugin::decode call on the whole Bundle / one Plugin::encode call with \
         all the messages (fresh instance, input and output copied across the component \
         boundary as the hub does)"
    );
    println!(
        "  native (same work) = clearway_fhir_r4::decode::decode + the SDK's JSON wire form \
         (messages_to_wire), and messages_from_wire + clearway_fhir_r4::encode::encode"
    );
    println!(
        "  fhir.resources = Bundle.parse_raw(text): JSON parsing and R4 model validation of \
         every entry and contained resource (no reference resolution, no mapping)"
    );
    per_call_floor(&loaded, &settings)?;
    bench(&bundle, &loaded, &settings)
}

/// Prints the fixed cost of one call: decoding a one-Claim Bundle in WebAssembly
/// (instantiation and boundary crossing included) and natively.
fn per_call_floor(loaded: &Loaded, settings: &Settings) -> anyhow::Result<()> {
    let one = fhir_data::claims_bundle(&read_text(TEMPLATE)?, 1)?;
    let input = one.json.as_bytes();
    let meta = wasm::inbound("one-claim.json", clearway_fhir_r4::CONTENT_TYPE);
    let runs = settings.runs.max(1) * 20;
    let [wasm, native] = measure_pair(
        settings.warmup.max(1),
        runs,
        || loaded.decode(input, &meta),
        || Ok(messages_to_wire(&clearway_fhir_r4::decode::decode(input)?)?),
    )?;
    println!(
        "  per-call floor, a one-Claim Bundle ({} bytes): wasm {} per call, native (same \
         work) {} (medians of {runs})",
        input.len(),
        report::duration(wasm.median()),
        report::duration(native.median()),
    );
    Ok(())
}

/// Measures decode and encode and prints the figures.
fn bench(bundle: &BundleFile, loaded: &Loaded, settings: &Settings) -> anyhow::Result<()> {
    let Settings { warmup, runs, .. } = *settings;
    let input = bundle.json.as_bytes();
    let meta = wasm::inbound("bench-claims.json", clearway_fhir_r4::CONTENT_TYPE);
    let out_meta = wasm::outbound();

    // The same work both ways, checked before it is timed.
    let from_wasm = loaded.decode(input, &meta)?;
    let native = clearway_fhir_r4::decode::decode(input)?;
    let native_wire = messages_to_wire(&native)?;
    anyhow::ensure!(
        native.len() == bundle.claims,
        "decoding gave {} messages, expected one per Claim ({})",
        native.len(),
        bundle.claims
    );
    let same_decode = from_wasm == native_wire;
    // What is encoded: one claim.ack per decoded claim, written as a ClaimResponse each.
    let acks = fhir_data::claim_acks(&from_wasm)?;
    let ack_messages = messages_from_wire(&acks).context("the claim.ack messages")?;
    let encoded_wasm = loaded.encode(&acks, &out_meta)?;
    let encoded_native = clearway_fhir_r4::encode::encode(&ack_messages)?;
    let same_encode = encoded_wasm.len() == encoded_native.len()
        && encoded_wasm
            .iter()
            .zip(&encoded_native)
            .all(|(a, b)| a.data == b.data);
    let encoded_bytes: usize = encoded_wasm.iter().map(|p| p.data.len()).sum();

    // Each trio (wasm, native same work, native only) is timed interleaved: see
    // `measure_interleaved`.
    let [wasm_decode, native_decode_wire, native_decode] = measure_trio(
        warmup,
        runs,
        || loaded.decode(input, &meta),
        || Ok(messages_to_wire(&clearway_fhir_r4::decode::decode(input)?)?),
        || Ok(clearway_fhir_r4::decode::decode(input)?),
    )?;
    let [wasm_encode, native_encode_wire, native_encode] = measure_trio(
        warmup,
        runs,
        || loaded.encode(&acks, &out_meta),
        || {
            Ok(clearway_fhir_r4::encode::encode(&messages_from_wire(
                &acks,
            )?)?)
        },
        || Ok(clearway_fhir_r4::encode::encode(&ack_messages)?),
    )?;

    let dir = tempfile::tempdir().context("creating a temporary directory")?;
    let file = dir.path().join("bench-claims.json");
    std::fs::write(&file, input).with_context(|| format!("writing {}", file.display()))?;
    let py_runs = settings.py_runs.to_string();
    let parsed = python::run(
        "fhir",
        "fhir_resources_bench.py",
        &["--runs".as_ref(), py_runs.as_ref(), file.as_os_str()],
    )?;
    let parsed_resources = parsed.result["resources"].as_u64().unwrap_or(0);

    let bytes = input.len();
    let resources = bundle.resources;
    let rate = |count: usize, bytes: usize, what: &str, s: &Samples| {
        format!(
            "{:>9.0} {what}/s {:>7.2} MB/s",
            report::per_s(count, s.median()),
            report::mb_per_s(bytes, s.median())
        )
    };
    let decode_rate = |s: &Samples| rate(resources, bytes, "resources", s);
    let encode_rate = |s: &Samples| rate(encoded_wasm.len(), encoded_bytes, "resources", s);
    println!();
    println!(
        "Bundle: {} entries ({} Claims, each with its Patients and Coverage contained), {} \
         resources, {} -> {} claim messages, {} of JSON",
        bundle.entries,
        bundle.claims,
        resources,
        report::megabytes(bytes),
        native.len(),
        report::megabytes(native_wire.iter().map(String::len).sum()),
    );
    println!(
        "  wasm and native outputs identical: decode {}, encode {}",
        report::yes(same_decode),
        report::yes(same_encode)
    );
    println!(" decode (FHIR Bundle -> normalized claim messages; resources = entries + contained)");
    println!(
        "{}",
        line("wasm, one call", &wasm_decode, &decode_rate(&wasm_decode))
    );
    println!(
        "{}",
        line(
            "native, same work (decode + JSON wire)",
            &native_decode_wire,
            &decode_rate(&native_decode_wire)
        )
    );
    println!(
        "{}",
        line(
            "native, decode only",
            &native_decode,
            &decode_rate(&native_decode)
        )
    );
    let label = format!("{} parse_raw ({parsed_resources} res.)", parsed.library);
    println!(
        "{}",
        line(&label, &parsed.samples, &decode_rate(&parsed.samples))
    );
    let target = Target::AtMost(WASM_VS_NATIVE);
    report::print_wasm_ratios(
        &wasm_decode,
        &native_decode_wire,
        &native_decode,
        "decode",
        target,
    );
    println!(
        "{}",
        ratio_line(
            "wasm speed-up over fhir.resources",
            ratio(&parsed.samples, &wasm_decode),
            Target::None
        )
    );
    println!(
        " encode ({} claim.ack messages -> one ClaimResponse each; {} of FHIR JSON written)",
        acks.len(),
        report::megabytes(encoded_bytes)
    );
    println!(
        "{}",
        line("wasm, one call", &wasm_encode, &encode_rate(&wasm_encode))
    );
    println!(
        "{}",
        line(
            "native, same work (JSON wire + encode)",
            &native_encode_wire,
            &encode_rate(&native_encode_wire)
        )
    );
    println!(
        "{}",
        line(
            "native, encode only",
            &native_encode,
            &encode_rate(&native_encode)
        )
    );
    report::print_wasm_ratios(
        &wasm_encode,
        &native_encode_wire,
        &native_encode,
        "encode",
        target,
    );
    Ok(())
}
