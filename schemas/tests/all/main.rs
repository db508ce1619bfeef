//! Integration tests of `clearway-schemas`, in one binary to keep link time down.

mod balance;
mod drift;
mod examples;
mod messages;
mod schemas;
mod support;
mod values;
