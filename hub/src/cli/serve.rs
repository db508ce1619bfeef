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
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    rt.block_on(serve(config))?;
    Ok(ExitCode::SUCCESS)
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
    let auth = Arc::new(Auth::new(&hub.store, &hub.config.hub).context("opening the credentials")?);
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
