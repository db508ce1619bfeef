//! Integration tests of the `fhir-r4` connector (one binary: corpus, fixtures, validators).

mod corpus;
mod fixtures;
mod support;
mod validators;
