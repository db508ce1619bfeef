//! `clearway translate`: one connector, one input, no hub.

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Args;

use crate::runtime::{
    CallError, ConnectorError, InboundMeta, Limits, OutboundMeta, Problem, Runtime,
};

/// Arguments of `translate`.
#[derive(Debug, Args)]
pub struct TranslateArgs {
    /// The connector component (.wasm).
    #[arg(long)]
    connector: PathBuf,
    /// Outside format in, normalized messages (a JSON array) out.
    #[arg(long, conflicts_with = "encode", required_unless_present = "encode")]
    decode: bool,
    /// Normalized messages (a JSON array or one object) in, outside payload(s) out.
    #[arg(long)]
    encode: bool,
    /// A connector config value, KEY=VALUE (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Memory cap for the connector, MiB.
    #[arg(long, default_value_t = 256)]
    memory_mib: u32,
    /// Deadline for the call, ms.
    #[arg(long, default_value_t = 30_000)]
    timeout_ms: u32,
    /// Output cap, MiB.
    #[arg(long, default_value_t = 64)]
    max_output_mib: u32,
    /// The input file, or `-` (the default) for standard input.
    input: Option<PathBuf>,
}

/// One problem as a line: `FILE: segment 12 (CLM), element CLM05-1, loop 2300, line 3, column 5: message`.
pub fn format_problem(source: &str, p: &Problem) -> String {
    let l = &p.location;
    let mut place = Vec::new();
    if let Some(n) = l.segment_position {
        match &l.segment_id {
            Some(id) => place.push(format!("segment {n} ({id})")),
            None => place.push(format!("segment {n}")),
        }
    } else if let Some(id) = &l.segment_id {
        place.push(format!("segment {id}"));
    }
    if let Some(e) = &l.element {
        place.push(format!("element {e}"));
    }
    if let Some(lp) = &l.loop_id {
        place.push(format!("loop {lp}"));
    }
    if let Some(path) = &l.path {
        place.push(format!("at {path}"));
    }
    if let Some(line) = l.line {
        place.push(format!("line {line}"));
    }
    if let Some(col) = l.column {
        place.push(format!("column {col}"));
    }
    if l.line.is_none()
        && let Some(off) = l.byte_offset
    {
        place.push(format!("byte {off}"));
    }
    let sev = match p.severity {
        crate::runtime::Severity::Error => "error",
        crate::runtime::Severity::Warning => "warning",
    };
    if place.is_empty() {
        format!("{source}: {sev} [{}]: {}", p.code, p.message)
    } else {
        format!(
            "{source}: {}: {sev} [{}]: {}",
            place.join(", "),
            p.code,
            p.message
        )
    }
}

/// Print a failed call to stderr, one problem per line.
pub fn report_call_error(source: &str, e: &CallError) {
    match e {
        CallError::Connector(ConnectorError::Malformed(ps) | ConnectorError::Invalid(ps)) => {
            for p in ps {
                eprintln!("{}", format_problem(source, p));
            }
            if ps.is_empty() {
                eprintln!("{source}: {e}");
            }
        }
        CallError::Trap {
            reason,
            guest_stderr,
        } => {
            eprintln!("{source}: the connector crashed: {reason}");
            if let Some(s) = guest_stderr {
                eprintln!("{source}: connector stderr: {}", s.trim_end());
            }
        }
        other => eprintln!("{source}: {other}"),
    }
}

/// Run `translate`.
pub fn run(a: TranslateArgs) -> anyhow::Result<ExitCode> {
    let mut config = BTreeMap::new();
    for kv in &a.set {
        let Some((k, v)) = kv.split_once('=') else {
            bail!("--set `{kv}`: expected KEY=VALUE")
        };
        config.insert(k.to_owned(), v.to_owned());
    }
    let (source, input) = match a.input.as_deref() {
        None => ("<stdin>".to_owned(), read_stdin()?),
        Some(p) if p.as_os_str() == "-" => ("<stdin>".to_owned(), read_stdin()?),
        Some(p) => (
            p.display().to_string(),
            std::fs::read(p).with_context(|| format!("reading {}", p.display()))?,
        ),
    };
    let runtime = crate::runtime::Runtime::new(&super::cache_dir()?)
        .context("starting the plugin runtime")?;
    let limits = Limits {
        memory_mib: a.memory_mib,
        timeout_ms: a.timeout_ms,
        max_output_mib: a.max_output_mib,
    };
    let plugin = Runtime::load(&runtime, "translate", &a.connector, None, limits, config)
        .with_context(|| format!("loading {}", a.connector.display()))?;
    if a.decode {
        let filename = a
            .input
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned());
        let meta = InboundMeta {
            inbound_id: ulid::Ulid::new().to_string(),
            endpoint: "translate".into(),
            content_type: None,
            filename,
            received_at: crate::store::record::now_rfc3339(),
        };
        match plugin.decode(&input, &meta) {
            Ok(messages) => {
                let values: Vec<serde_json::Value> = messages
                    .iter()
                    .map(|m| serde_json::from_str(m))
                    .collect::<Result<_, _>>()
                    .context("the connector returned a message that is not JSON")?;
                println!("{}", serde_json::to_string_pretty(&values)?);
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                report_call_error(&source, &e);
                Ok(ExitCode::FAILURE)
            }
        }
    } else {
        let value: serde_json::Value = serde_json::from_slice(&input).map_err(|e| {
            anyhow::anyhow!(
                "{source}: line {} column {}: not JSON ({:?} error)",
                e.line(),
                e.column(),
                e.classify()
            )
        })?;
        let items = match value {
            serde_json::Value::Array(items) => items,
            one => vec![one],
        };
        let texts: Vec<String> = items.iter().map(serde_json::Value::to_string).collect();
        match plugin.encode(
            &texts,
            &OutboundMeta {
                endpoint: "translate".into(),
            },
        ) {
            Ok(payloads) => {
                let mut out = std::io::stdout().lock();
                for (i, p) in payloads.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b"\n")?;
                    }
                    out.write_all(&p.data)?;
                }
                out.flush()?;
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                report_call_error(&source, &e);
                Ok(ExitCode::FAILURE)
            }
        }
    }
}

fn read_stdin() -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    std::io::stdin()
        .read_to_end(&mut buf)
        .context("reading standard input")?;
    Ok(buf)
}
