use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    rainbownet::admission::return_large_blocks_to_the_system();
    let cli = rainbownet::cli::Cli::parse();
    match rainbownet::cli::run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("rainbownet: {err}");
            ExitCode::FAILURE
        }
    }
}
