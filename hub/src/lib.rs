//! Clearway: the hub daemon and its command line.
//!
//! A message moves through the modules in this order (see `docs/ARCHITECTURE.md`):
//! a [`transport`] receives bytes; [`pipeline`] stores them in the [`store`], has
//! the endpoint's connector (run by [`runtime`]) decode them, routes the messages
//! and puts them in per-destination queues; delivery workers encode and hand them
//! to an outbound [`transport`]. [`api`] serves the message log; [`cli`] is the
//! command line; [`config`] parses and checks `clearway.toml`.

pub mod alerts;
pub mod api;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod console;
pub mod cpu;
pub mod ledger;
pub mod metrics;
pub mod pipeline;
pub mod retention;
pub mod runtime;
pub mod store;
pub mod telemetry;
pub mod transport;
