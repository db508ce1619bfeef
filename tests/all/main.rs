//! End-to-end tests: the real `clearway` binary with real plugins (see tests/README.md).
//! One test binary keeps link time down.

mod access;
mod acks;
mod api;
mod at_rest;
mod capabilities;
mod cli;
mod crash;
mod dead_letters;
mod dir;
mod example;
mod fhir_e2e;
mod fhir_facade;
mod fhir_out;
mod hostile;
mod http_out;
mod reliability;
mod reply;
mod test_clearinghouse;
mod tls;
mod x12_cli;
