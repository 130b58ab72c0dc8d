use std::process::ExitCode;

fn main() -> ExitCode {
    rainbownet::admission::return_large_blocks_to_the_system();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match rainbownet::cli::parse(&args) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("rainbownet: {message}\n\n{}", rainbownet::cli::USAGE);
            return ExitCode::from(2);
        }
    };
    match rainbownet::cli::run(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("rainbownet: {err}");
            ExitCode::FAILURE
        }
    }
}
