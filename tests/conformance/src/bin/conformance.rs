//! `conformance [local] [workerd] [spin] [in-process] [--base-url URL] [--case TEXT]` runs the
//! suite against the named hosts (each started on a free loopback port and stopped
//! afterwards; `spin` is the Spin components under `tests/spin-harness`), the
//! local host called in this process without a port, or a running one; `--case` runs only
//! the cases whose name contains TEXT.
//! `conformance spin-imports` checks the built Spin components against `spin.toml`.
//! `conformance crash` kills the local host with SIGKILL in a surge of check-ins and
//! checks that every acknowledged one survives the restart.
//! `conformance drill …` is the Litestream restore drill (`tests/litestream-drill.sh`).

use std::process::ExitCode;

use conformance::cases::run_all;
use conformance::client::Client;
use conformance::hosts::{RunningHost, repo_root};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("spin-imports") {
        return match conformance::spin_imports::check(&repo_root()) {
            Ok(lines) => {
                for line in lines {
                    println!("[spin] ok    {line}");
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                println!("[spin] FAIL  {e}");
                ExitCode::FAILURE
            }
        };
    }
    if args.first().map(String::as_str) == Some("drill") {
        return drill(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("move") {
        return move_town(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("crash") {
        let dir = match tempfile::tempdir() {
            Ok(dir) => dir,
            Err(e) => {
                println!("[crash] FAIL  {e}");
                return ExitCode::FAILURE;
            }
        };
        return match conformance::disaster::crash(&dir.path().join("data")) {
            Ok(report) => {
                println!("[crash] ok    SIGKILL mid-surge: {report}; recovery totals exact");
                ExitCode::SUCCESS
            }
            Err(e) => {
                println!("[crash] FAIL  {e}");
                ExitCode::FAILURE
            }
        };
    }
    let mut failed = 0;
    let mut hosts = Vec::new();
    let mut urls = Vec::new();
    let mut only = String::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "local" | "workerd" | "spin" | "in-process" => hosts.push(arg.clone()),
            "--case" => match iter.next() {
                Some(text) => only.clone_from(text),
                None => {
                    eprintln!("--case needs part of a case's name");
                    return ExitCode::from(2);
                }
            },
            "--base-url" => match iter.next() {
                Some(url) => urls.push(url.clone()),
                None => {
                    eprintln!("--base-url needs a URL");
                    return ExitCode::from(2);
                }
            },
            other => {
                eprintln!(
                    "unknown argument {other}; use local, workerd, spin, in-process, --base-url URL, --case TEXT, spin-imports, crash or drill"
                );
                return ExitCode::from(2);
            }
        }
    }
    for url in &urls {
        failed += run_all(url, &Client::new(url), &only);
    }
    if hosts.is_empty() && urls.is_empty() {
        hosts.push("local".into());
    }
    // Each host's time for the whole suite, to print side by side at the end.
    let mut times: Vec<(String, f64)> = Vec::new();
    for name in hosts {
        if name == "in-process" {
            match conformance::hosts::in_process() {
                Ok((host, _state)) => {
                    let began = std::time::Instant::now();
                    failed += run_all("in-process", &Client::in_process(host), &only);
                    times.push((name.clone(), began.elapsed().as_secs_f64()));
                }
                Err(e) => {
                    println!("[in-process] FAIL  could not start: {e}");
                    failed += 1;
                }
            }
            continue;
        }
        let started = match name.as_str() {
            "local" => RunningHost::local(),
            "spin" => RunningHost::spin(),
            _ => RunningHost::workerd(),
        };
        let host = match started {
            Ok(host) => host,
            Err(e) => {
                println!("[{name}] FAIL  could not start: {e}");
                failed += 1;
                continue;
            }
        };
        println!("[{}] host started at {}", host.name, host.base_url);
        let began = std::time::Instant::now();
        failed += run_all(host.name, &Client::new(&host.base_url), &only);
        times.push((name.clone(), began.elapsed().as_secs_f64()));
        if let Err(e) = host.stop() {
            println!("[{name}] FAIL  graceful stop: {e}");
            failed += 1;
        } else {
            println!("[{name}] ok    stopped on SIGTERM");
        }
    }
    print_times(&times);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The suite's time on each host, and in process as a share of each server host's: the
/// in-process run needs no port, no server process and no network stack.
fn print_times(times: &[(String, f64)]) {
    if times.len() < 2 {
        return;
    }
    let in_process = times
        .iter()
        .find(|(n, _)| n == "in-process")
        .map(|(_, s)| *s);
    for (name, secs) in times {
        match in_process {
            Some(own) if name != "in-process" && *secs > 0.0 => println!(
                "time: {name} {secs:.1} s; in-process {own:.1} s is {:.0} % of it",
                100.0 * own / secs
            ),
            _ => println!("time: {name} {secs:.1} s"),
        }
    }
}

/// `conformance move out --dir D`, `move check --base URL --dir D`, `move back --dir D
/// --data DIR`: the steps of moving a town into D1 and back (`tests/deploy-local.sh --move`).
fn move_town(args: &[String]) -> ExitCode {
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(std::path::PathBuf::from)
    };
    let result = match (args.first().map(String::as_str), value("--dir")) {
        (Some("out"), Some(dir)) => conformance::move_town::out(&dir),
        (Some("check"), Some(dir)) => match value("--base") {
            Some(base) => conformance::move_town::check(&base.to_string_lossy(), &dir),
            None => Err("move check needs --base URL".into()),
        },
        (Some("back"), Some(dir)) => match value("--data") {
            Some(data) => conformance::move_town::back(&dir, &data),
            None => Err("move back needs --data DIR".into()),
        },
        _ => Err("use: conformance move out|check|back --dir D [--base URL] [--data DIR]".into()),
    };
    match result {
        Ok(report) => {
            println!("[move] ok    {report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("[move] FAIL  {e}");
            ExitCode::FAILURE
        }
    }
}

/// `conformance drill --litestream BIN --config FILE --data DIR --bound SECONDS`
/// (`tests/litestream-drill.sh` starts the S3 server and writes the config).
fn drill(args: &[String]) -> ExitCode {
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let (Some(bin), Some(config), Some(data), Some(bound)) = (
        value("--litestream"),
        value("--config"),
        value("--data"),
        value("--bound").and_then(|b| b.parse::<f64>().ok()),
    ) else {
        eprintln!(
            "use: conformance drill --litestream BIN --config FILE --data DIR --bound SECONDS"
        );
        return ExitCode::from(2);
    };
    let bound = std::time::Duration::from_secs_f64(bound);
    match conformance::drill::drill(
        std::path::Path::new(&data),
        std::path::Path::new(&bin),
        std::path::Path::new(&config),
        bound,
    ) {
        Ok(d) => {
            println!(
                "[drill] ok    Litestream to S3, SIGKILL of host and Litestream mid-surge, data directory wiped, restored: {} acknowledged, {} lost (all within {:.1} s of the kill); recovery point {:.2} s, restore {:.2} s",
                d.acknowledged,
                d.lost,
                bound.as_secs_f64(),
                d.recovery_point.as_secs_f64(),
                d.restore.as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("[drill] FAIL  {e}");
            ExitCode::FAILURE
        }
    }
}
