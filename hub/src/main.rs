//! The `clearway` binary: parse the command line, run, print the error chain.

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = clearway::cli::Cli::parse();
    match clearway::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
