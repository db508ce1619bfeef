//! `clearway serve`: run the hub until SIGINT or SIGTERM.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

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
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting tokio")?;
    rt.block_on(serve(config))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(config: crate::config::Config) -> anyhow::Result<()> {
    let listen = config.hub.listen;
    let hub = tokio::task::spawn_blocking(move || Hub::build(config)).await??;
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("listening on {listen}"))?;
    let app = crate::api::router(hub.clone());
    let server = tokio::spawn(async move { axum::serve(listener, app).with_graceful_shutdown(shutdown()).await });
    tracing::info!(%listen, "clearway listening");
    let tasks = hub.start().await.context("starting the pipeline")?;
    server.await??;
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
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
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
