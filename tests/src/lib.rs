//! Shared code for the end-to-end tests and the pipeline benchmark: run the real
//! `clearway` binary with real plugins and talk to it over HTTP.

pub mod support;
