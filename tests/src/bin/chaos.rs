//! The chaos program: a real hub under faults, and checks that nothing it
//! acknowledged was lost, corrupted or delivered twice without a record.
//!
//! `chaos kill N | partner-down | disk-full [--hub PATH] [--seed N] ...`; see
//! tests/README.md, "Chaos".

use std::process::ExitCode;

use clearway_tests::chaos::{Opts, USAGE, run};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let result = Opts::parse(&args).and_then(|opts| run(&opts));
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("chaos: {e:#}");
            ExitCode::from(2)
        }
    }
}
