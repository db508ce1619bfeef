//! `clearway serve`: run the hub until SIGINT or SIGTERM.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;

use crate::api::listener;
use crate::auth::Auth;
use crate::config::Config;
use crate::pipeline::Hub;

/// Run the hub.
pub fn run(config_path: &Path) -> anyhow::Result<ExitCode> {
    let config = match crate::config::load(config_path) {
        Ok(c) => c,
        Err(errors) => {
            eprintln!("{errors}");
            return Ok(ExitCode::FAILURE);
        }
    };
    crate::telemetry::init(config.hub.log_format);
    check_transport(&config)?;
    return_large_allocations();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(usize::try_from(config.hub.max_blocking_threads).unwrap_or(512))
        .build()
        .context("starting tokio")?;
    rt.block_on(serve(config))?;
    Ok(ExitCode::SUCCESS)
}

/// Make glibc malloc give large freed blocks back to the system. Its mmap threshold
/// is dynamic by default: once a 512 KiB sled log buffer has been freed, later ones
/// are carved out of the heap, and the smaller long-lived store nodes allocated
/// between them keep the heap from shrinking, so RSS grew with every segment the
/// store wrote (72 KiB per queued message, measured with `chaos partner-down`; 153 of
/// 236 MB of heap free but resident at 3,000). Fixing the threshold keeps those
/// buffers in mappings of their own. See docs/operations.md, "Memory".
fn return_large_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        /// Allocations from this size up get a mapping of their own, returned to the
        /// system when freed (glibc's default, 128 KiB, but no longer raised).
        const MMAP_THRESHOLD_BYTES: i32 = 128 * 1024;
        // SAFETY: mallopt only changes allocator parameters; it is called before
        // the runtime's threads start.
        let ok = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) };
        if ok != 1 {
            tracing::warn!(
                "mallopt(M_MMAP_THRESHOLD) failed; memory may grow with the store's writes"
            );
        }
    }
}

/// Refuse plaintext on a listener other machines can reach, unless the operator
/// said so (a TLS-terminating proxy in front, say).
fn check_transport(config: &Config) -> anyhow::Result<()> {
    let listen = config.hub.listen;
    if config.hub.tls.is_none() && !listen.ip().is_loopback() {
        anyhow::ensure!(
            config.hub.allow_plaintext,
            "refusing to serve plaintext HTTP on {listen}, which is not a loopback address: PHI would cross the \
             network unencrypted. Set [hub] tls = {{ cert = \"file:...\", key = \"file:...\" }}, or, behind a \
             TLS-terminating proxy, allow_plaintext = true"
        );
        tracing::warn!(%listen, "serving plaintext HTTP on a non-loopback address (allow_plaintext = true)");
    }
    if let Some(m) = config.hub.metrics_listen
        && !m.ip().is_loopback()
    {
        tracing::warn!(metrics_listen = %m, "metrics are served without a credential on a non-loopback address");
    }
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let listen = config.hub.listen;
    let tls = config
        .hub
        .tls
        .as_ref()
        .map(listener::tls_acceptor)
        .transpose()?;
    let metrics_listen = config.hub.metrics_listen;
    let hub = tokio::task::spawn_blocking(move || Hub::build(config)).await??;
    let auth = Arc::new(Auth::new(&hub.sled, &hub.config.hub).context("opening the credentials")?);
    if auth.credentials.list_tokens()?.is_empty() && auth.credentials.list_users()?.is_empty() {
        tracing::warn!(
            "no credentials exist yet: every request but /healthz and /readyz will be refused; make one with \
             `clearway token create --config FILE --name NAME --role admin` (./run.sh does on first start)"
        );
    }
    let tcp = listener::bind(listen).await?;
    let app = crate::api::router(hub.clone(), auth.clone(), tls.is_some());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let server = tokio::spawn(listener::serve(
        tcp,
        app,
        tls.clone(),
        stopped(stop_rx.clone()),
    ));
    let metrics_server = match metrics_listen {
        Some(addr) => {
            let tcp = listener::bind(addr).await?;
            tracing::info!(%addr, "metrics listening");
            Some(tokio::spawn(listener::serve(
                tcp,
                crate::api::metrics_router(hub.clone()),
                None,
                stopped(stop_rx),
            )))
        }
        None => None,
    };
    tracing::info!(%listen, tls = tls.is_some(), "clearway listening");
    let tasks = hub.start().await.context("starting the pipeline")?;
    shutdown().await;
    let _ = stop_tx.send(true);
    server.await?;
    if let Some(m) = metrics_server {
        m.await?;
    }
    for t in tasks {
        t.abort();
    }
    hub.store.sync().await?;
    tracing::info!("clearway stopped");
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
