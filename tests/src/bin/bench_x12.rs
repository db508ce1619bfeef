//! X12 benchmark: decode and encode throughput of the `x12` connector in WebAssembly
//! (the hub's runtime, the cached compiled component, one call for the whole batch),
//! natively (the same crate), and pyx12 4.0.0 over the same files, in one run.
//!
//! `./bench.sh x12 [CLAIMS]` builds what it needs and runs this; it prints figures and
//! asserts nothing about time (see tests/README.md, "Benchmarks").

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use clearway_plugin_sdk::wire::{messages_from_wire, messages_to_wire};
use clearway_tests::bench::report::{self, Target, line, ratio, ratio_line};
use clearway_tests::bench::timing::{Samples, measure_pair, measure_trio};
use clearway_tests::bench::wasm::{self, Loaded};
use clearway_tests::bench::x12_data::{self, Interchange, without_envelope};
use clearway_tests::bench::{Settings, count_arg, python, read_text};
use clearway_x12::config::Config;

/// The 837P the large one repeats.
const TEMPLATE_837: &str = "plugins/x12/tests/fixtures/claim_patient_drug.x12";
/// The 835 the large one repeats.
const TEMPLATE_835: &str = "plugins/x12/tests/fixtures/remit_basic.x12";
/// The partner pair both encoders write into the envelope.
const CONFIG: [(&str, &str); 2] = [("sender_id", "CLEARWAY"), ("receiver_id", "PARTNER")];

/// WASM time at most this many times native time.
const WASM_VS_NATIVE: f64 = 1.3;
/// pyx12 time at least this many times WASM time.
const WASM_VS_PYX12: f64 = 50.0;

/// One transaction type to measure.
struct Case {
    /// `837P` or `835`.
    name: &'static str,
    /// The small interchange it was built from (pyx12's warm-up input).
    template: &'static str,
    /// The large interchange.
    interchange: Interchange,
    /// How many normalized messages decoding it gives.
    messages: usize,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench-x12: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let claims = count_arg(1, "CLAIMS", 5000)?;
    let settings = Settings::from_env()?;
    let professional = x12_data::professional(&read_text(TEMPLATE_837)?, claims)?;
    let cases = [
        Case {
            name: "837P",
            template: TEMPLATE_837,
            // One claim message per claim.
            messages: professional.claims,
            interchange: professional,
        },
        Case {
            name: "835",
            template: TEMPLATE_835,
            interchange: x12_data::remittance(&read_text(TEMPLATE_835)?, claims)?,
            // One remittance message per transaction set.
            messages: 1,
        },
    ];
    let config = Config::parse(&|key| {
        CONFIG
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| (*v).to_owned())
    })?;
    let runtime = wasm::runtime()?;
    let path = wasm::component_path("x12", "CLEARWAY_BENCH_X12_WASM")?;
    let loaded = wasm::load(&runtime, "x12", &path, &CONFIG)?;
    let dir = tempfile::tempdir().context("creating a temporary directory")?;

    println!("x12 benchmark: {claims} claims per interchange");
    println!(
        "  timing: median of {} runs after {} warm-up runs (Rust; wasm and native runs \
         interleaved), of {} runs after 1 \
         warm-up run on the small template (pyx12); MB = 10^6 bytes of X12 text",
        settings.runs, settings.warmup, settings.py_runs
    );
    println!("  component: {}", loaded.describe());
    println!(
        "  wasm = one Plugin::decode call on the whole interchange / one Plugin::encode call \
         with all its messages (fresh instance, input and output copied across the \
         component boundary as the hub does)"
    );
    println!(
        "  native (same work) = clearway_x12::decode::decode + the SDK's JSON wire form \
         (messages_to_wire), and messages_from_wire + clearway_x12::encode::encode: what \
         the component does inside the call"
    );
    println!(
        "  pyx12 validate = x12n_document(src_file, fd_997=None, fd_html=None, \
         fd_xmldoc=None): every segment checked against the guide's map, no output written"
    );
    println!("  pyx12 read = iterating X12Reader: segments and envelope only, no map");
    per_call_floor(&loaded, &settings)?;
    for case in &cases {
        bench_case(case, &loaded, &config, &settings, dir.path())?;
    }
    Ok(())
}

/// Prints the fixed cost of one call: decoding the one-claim template in WebAssembly
/// (instantiation and boundary crossing included) and natively.
fn per_call_floor(loaded: &Loaded, settings: &Settings) -> anyhow::Result<()> {
    let template = read_text(TEMPLATE_837)?;
    let input = template.as_bytes();
    let meta = wasm::inbound("template.x12", clearway_x12::encode::CONTENT_TYPE);
    let runs = settings.runs.max(1) * 20;
    let [wasm, native] = measure_pair(
        settings.warmup.max(1),
        runs,
        || loaded.decode(input, &meta),
        || Ok(messages_to_wire(&clearway_x12::decode::decode(input)?)?),
    )?;
    println!(
        "  per-call floor, the one-claim template ({} bytes): wasm {} per call, native (same \
         work) {} (medians of {runs})",
        input.len(),
        report::duration(wasm.median()),
        report::duration(native.median()),
    );
    Ok(())
}

/// Measures one transaction type and prints its figures.
fn bench_case(
    case: &Case,
    loaded: &Loaded,
    config: &Config,
    settings: &Settings,
    dir: &Path,
) -> anyhow::Result<()> {
    let Settings { warmup, runs, .. } = *settings;
    let input = case.interchange.text.as_bytes();
    let filename = format!("bench-{}.x12", case.name.to_ascii_lowercase());
    let meta = wasm::inbound(&filename, clearway_x12::encode::CONTENT_TYPE);
    let out_meta = wasm::outbound();

    // The same work both ways, checked before it is timed.
    let from_wasm = loaded.decode(input, &meta)?;
    let native = clearway_x12::decode::decode(input)?;
    let native_wire = messages_to_wire(&native)?;
    anyhow::ensure!(
        native.len() == case.messages,
        "{}: decoding gave {} messages, expected {}",
        case.name,
        native.len(),
        case.messages
    );
    let same_decode = from_wasm == native_wire;
    let encoded_wasm = loaded.encode(&from_wasm, &out_meta)?;
    let encoded_native = clearway_x12::encode::encode(&native, config)?;
    let text = |data: &[u8]| String::from_utf8_lossy(data).into_owned();
    let wasm_text: Vec<String> = encoded_wasm.iter().map(|p| text(&p.data)).collect();
    let native_text: Vec<String> = encoded_native.iter().map(|p| text(&p.data)).collect();
    let same_encode = wasm_text.len() == native_text.len()
        && wasm_text
            .iter()
            .zip(&native_text)
            .all(|(a, b)| without_envelope(a) == without_envelope(b));
    let encoded_bytes: usize = encoded_wasm.iter().map(|p| p.data.len()).sum();

    // Each trio (wasm, native same work, native only) is timed interleaved: see
    // `measure_interleaved`.
    let [wasm_decode, native_decode_wire, native_decode] = measure_trio(
        warmup,
        runs,
        || loaded.decode(input, &meta),
        || Ok(messages_to_wire(&clearway_x12::decode::decode(input)?)?),
        || Ok(clearway_x12::decode::decode(input)?),
    )?;
    let [wasm_encode, native_encode_wire, native_encode] = measure_trio(
        warmup,
        runs,
        || loaded.encode(&from_wasm, &out_meta),
        || {
            Ok(clearway_x12::encode::encode(
                &messages_from_wire(&native_wire)?,
                config,
            )?)
        },
        || Ok(clearway_x12::encode::encode(&native, config)?),
    )?;

    let file = dir.join(&filename);
    std::fs::write(&file, input).with_context(|| format!("writing {}", file.display()))?;
    let template = clearway_tests::bench::root().join(case.template);
    let pyx12 = |mode: &str| {
        let runs = settings.py_runs.to_string();
        python::run(
            "pyx12",
            "pyx12_bench.py",
            &[
                "--mode".as_ref(),
                mode.as_ref(),
                "--runs".as_ref(),
                runs.as_ref(),
                "--warmup".as_ref(),
                template.as_os_str(),
                file.as_os_str(),
            ],
        )
    };
    let validated = pyx12("validate")?;
    let read = pyx12("read")?;

    let bytes = input.len();
    let rate = |s: &Samples| format!("{:>8.2} MB/s", report::mb_per_s(bytes, s.median()));
    let out_rate =
        |s: &Samples| format!("{:>8.2} MB/s", report::mb_per_s(encoded_bytes, s.median()));
    println!();
    println!(
        "{}: {} claims, {} ({} segments) -> {} normalized message(s), {} of JSON",
        case.name,
        case.interchange.claims,
        report::megabytes(bytes),
        case.interchange.segments,
        native.len(),
        report::megabytes(native_wire.iter().map(String::len).sum()),
    );
    println!(
        "  wasm and native outputs identical: decode {}, encode {} (envelope control numbers aside)",
        report::yes(same_decode),
        report::yes(same_encode)
    );
    println!(" decode (X12 -> normalized messages)");
    println!(
        "{}",
        line("wasm, one call", &wasm_decode, &rate(&wasm_decode))
    );
    println!(
        "{}",
        line(
            "native, same work (decode + JSON wire)",
            &native_decode_wire,
            &rate(&native_decode_wire)
        )
    );
    println!(
        "{}",
        line("native, decode only", &native_decode, &rate(&native_decode))
    );
    let verdict = match validated.result.as_bool() {
        Some(true) => "file valid",
        Some(false) => "reported errors",
        None => "no verdict",
    };
    let label = format!("{} validate ({verdict})", validated.library);
    println!(
        "{}",
        line(&label, &validated.samples, &rate(&validated.samples))
    );
    let label = format!("{} read ({} segments)", read.library, read.result);
    println!("{}", line(&label, &read.samples, &rate(&read.samples)));
    let target = Target::AtMost(WASM_VS_NATIVE);
    report::print_wasm_ratios(
        &wasm_decode,
        &native_decode_wire,
        &native_decode,
        "decode",
        target,
    );
    let target = Target::AtLeast(WASM_VS_PYX12);
    println!(
        "{}",
        ratio_line(
            "wasm speed-up over pyx12 validate",
            ratio(&validated.samples, &wasm_decode),
            target
        )
    );
    println!(
        "{}",
        ratio_line(
            "wasm speed-up over pyx12 read",
            ratio(&read.samples, &wasm_decode),
            Target::None
        )
    );
    println!(
        " encode (normalized messages -> X12; MB/s of X12 written, {})",
        report::megabytes(encoded_bytes)
    );
    println!(
        "{}",
        line("wasm, one call", &wasm_encode, &out_rate(&wasm_encode))
    );
    println!(
        "{}",
        line(
            "native, same work (JSON wire + encode)",
            &native_encode_wire,
            &out_rate(&native_encode_wire)
        )
    );
    println!(
        "{}",
        line(
            "native, encode only",
            &native_encode,
            &out_rate(&native_encode)
        )
    );
    let target = Target::AtMost(WASM_VS_NATIVE);
    report::print_wasm_ratios(
        &wasm_encode,
        &native_encode_wire,
        &native_encode,
        "encode",
        target,
    );
    Ok(())
}
