//! End-to-end tests: the real `clearway` binary with real plugins (see tests/README.md).
//! One test binary keeps link time down.

mod api;
mod cli;
mod crash;
mod dir;
mod fhir_facade;
mod hostile;
mod http_out;
mod reply;
