//! Decodes X12 files and prints the normalized messages (or the error) for each.
//!
//! `cargo run -p clearway-x12 --example decode-file -- FILE...`

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut status = ExitCode::SUCCESS;
    for path in std::env::args().skip(1) {
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) => {
                eprintln!("{path}: {error}");
                status = ExitCode::FAILURE;
                continue;
            }
        };
        match clearway_x12::decode::decode(&bytes) {
            Ok(messages) => println!("{path}: {} messages", messages.len()),
            Err(error) => {
                println!("{path}: {error}");
                status = ExitCode::FAILURE;
            }
        }
    }
    status
}
