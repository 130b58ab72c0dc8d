//! `spin-harness`: serve a Spin application (`spin.toml`) the way `spin up` would.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use spin_harness::app::{App, AppOptions, ReuseConfig};

/// Serve a Spin application's HTTP components under Wasmtime, with Spin's host
/// interfaces (SQLite, key-value, variables). Flags follow `spin up`.
#[derive(Parser, Debug)]
#[command(name = "spin-harness", version)]
struct Args {
    /// The application manifest.
    #[arg(
        short = 'f',
        long = "from",
        visible_alias = "manifest",
        default_value = "spin.toml"
    )]
    manifest: PathBuf,

    /// The runtime configuration file (labelled SQLite databases and key-value stores).
    #[arg(long = "runtime-config-file", visible_alias = "runtime-config")]
    runtime_config_file: Option<PathBuf>,

    /// The address to listen on; port 0 picks a free port (printed on stdout).
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: String,

    /// The state directory (for the `default` database and store). Default: `.spin`
    /// beside the manifest.
    #[arg(long)]
    state_dir: Option<PathBuf>,

    /// SQL to run before serving: `@FILE` or `@FILE:LABEL` runs a file against a labelled
    /// database (default `default`), anything else is one statement against `default`.
    #[arg(long = "sqlite")]
    sqlite: Vec<String>,

    /// Environment variables for every component (`KEY=VALUE`).
    #[arg(short = 'e', long = "env")]
    env: Vec<String>,

    /// Requests one instance may serve before it is discarded (Spin's default for
    /// WASIp3 components: 128). 1 = a fresh instance for every request.
    #[arg(long, default_value_t = 128)]
    max_instance_reuse_count: usize,

    /// Requests one instance may serve at once (Spin's default: 16).
    #[arg(long, default_value_t = 16)]
    max_instance_concurrent_reuse_count: usize,

    /// Request timeout in seconds (none by default, like Spin).
    #[arg(long)]
    request_timeout: Option<f64>,

    /// Seconds an idle instance is kept for reuse (Spin's default: 1).
    #[arg(long, default_value_t = 1.0)]
    idle_instance_timeout: f64,

    /// An extra origin every component may send outbound HTTP to, in the syntax of
    /// `allowed_outbound_hosts` (`scheme://host[:port]`, e.g. `http://127.0.0.1:*`);
    /// repeatable. Not a `spin up` flag: with Spin one edits the manifest. It exists so
    /// tests can let components reach a server on loopback.
    #[arg(long = "allow-outbound", value_name = "ORIGIN")]
    allow_outbound: Vec<String>,

    /// Use on-demand allocation instead of Wasmtime's pooling allocator.
    #[arg(long)]
    disable_pooling: bool,

    /// Instantiations timed per component at start-up (besides the first).
    #[arg(long, default_value_t = 20)]
    timing_samples: u32,
}

fn parse_sqlite(statement: &str) -> (Option<(String, String)>, String) {
    match statement.strip_prefix('@') {
        Some(config) => {
            let config = config.trim();
            let (file, label) = match config.split_once(':') {
                Some((f, l)) => (f.trim(), l.trim()),
                None => (config, "default"),
            };
            (Some((file.to_owned(), label.to_owned())), String::new())
        }
        None => (None, statement.to_owned()),
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let cwd = std::env::current_dir()?;
    let environment = args
        .env
        .iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .with_context(|| format!("--env {kv:?}: expected KEY=VALUE"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let app = App::load(
        AppOptions {
            manifest: args.manifest.clone(),
            runtime_config: args.runtime_config_file.clone(),
            state_dir: args.state_dir.clone(),
            environment,
            reuse: ReuseConfig {
                max_instance_reuse_count: args.max_instance_reuse_count.max(1),
                max_instance_concurrent_reuse_count: args
                    .max_instance_concurrent_reuse_count
                    .max(1),
                request_timeout: args.request_timeout.map(Duration::from_secs_f64),
                idle_instance_timeout: Duration::from_secs_f64(args.idle_instance_timeout),
            },
            pooling: !args.disable_pooling,
            allow_outbound: args.allow_outbound.clone(),
            timing_samples: args.timing_samples,
        },
        &cwd,
    )
    .await?;

    for statement in &args.sqlite {
        match parse_sqlite(statement) {
            (Some((file, label)), _) => {
                let sql = std::fs::read_to_string(&file).with_context(|| {
                    format!("could not read file '{file}' containing sql statements")
                })?;
                app.stores.execute_batch(&label, &sql).with_context(|| {
                    format!("failed to execute sql against database '{label}' from file '{file}'")
                })?;
            }
            (None, sql) => app.stores.execute_batch("default", &sql).with_context(|| {
                format!(
                    "failed to execute following sql statement against default database: '{sql}'"
                )
            })?,
        }
    }

    for t in &app.timings {
        eprintln!(
            "spin-harness: component {:<10} compiled in {:>8.1} ms; instantiated in {:>7.1} µs (first), {:>7.1} µs (mean)",
            t.component,
            t.compile.as_secs_f64() * 1e3,
            t.first_instantiation.as_secs_f64() * 1e6,
            t.instantiation.as_secs_f64() * 1e6,
        );
    }

    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("failed to listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    eprintln!("Available Routes:");
    for (route, component) in app.router.describe() {
        eprintln!("  {component}: http://{addr}{route}");
    }
    // Installed before the banner: a SIGTERM sent as soon as it is read must stop the
    // harness cleanly (exit 0), not kill it with the default action.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("installing the SIGTERM handler")?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "spin-harness listening on http://{addr}")?;
        out.flush()?;
    }

    let shutdown = async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        eprintln!("spin-harness: shutting down");
    };
    spin_harness::server::serve(Arc::new(app), listener, shutdown, Duration::from_secs(10)).await
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(run(args));
    spin_harness::app::SHUTTING_DOWN.store(true, std::sync::atomic::Ordering::Relaxed);
    drop(runtime);
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
