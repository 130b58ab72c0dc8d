//! `spin-harness-bench URL [--connections N] [--seconds S]`: a small closed-loop HTTP/1.1
//! load generator (keep-alive connections, one request in flight on each), for comparing
//! hosts where `oha`/`wrk` are not installed. Prints requests/s and latency percentiles.

use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::rt::TokioIo;

#[derive(Parser, Debug)]
#[command(name = "spin-harness-bench")]
struct Args {
    /// Full URL, e.g. http://127.0.0.1:3000/healthz
    url: String,
    /// Concurrent keep-alive connections.
    #[arg(short = 'c', long, default_value_t = 8)]
    connections: usize,
    /// Measured duration in seconds (after a 1 s warm-up).
    #[arg(short = 's', long, default_value_t = 5.0)]
    seconds: f64,
}

struct Stats {
    latencies: Vec<Duration>,
    non_2xx: usize,
    errors: usize,
}

async fn worker(uri: http::Uri, warmup_until: Instant, until: Instant) -> anyhow::Result<Stats> {
    let host = uri.host().unwrap_or("127.0.0.1").to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let authority = uri.authority().map(|a| a.to_string()).unwrap_or_default();
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let mut stats = Stats {
        latencies: Vec::new(),
        non_2xx: 0,
        errors: 0,
    };
    'reconnect: while Instant::now() < until {
        let stream = tokio::net::TcpStream::connect((host.as_str(), port)).await?;
        stream.set_nodelay(true)?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        while Instant::now() < until {
            let req = http::Request::get(path.as_str())
                .header(http::header::HOST, authority.as_str())
                .body(Empty::<Bytes>::new())?;
            let started = Instant::now();
            let res = match sender.send_request(req).await {
                Ok(r) => r,
                Err(_) => {
                    stats.errors += 1;
                    continue 'reconnect;
                }
            };
            let status = res.status();
            let keep = !res
                .headers()
                .get(http::header::CONNECTION)
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
            if res.into_body().collect().await.is_err() {
                stats.errors += 1;
                continue 'reconnect;
            }
            if started >= warmup_until {
                stats.latencies.push(started.elapsed());
                if !status.is_success() {
                    stats.non_2xx += 1;
                }
            }
            if !keep {
                continue 'reconnect;
            }
        }
    }
    Ok(stats)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let uri: http::Uri = args.url.parse()?;
    let warmup_until = Instant::now() + Duration::from_secs(1);
    let until = warmup_until + Duration::from_secs_f64(args.seconds);
    let workers: Vec<_> = (0..args.connections)
        .map(|_| tokio::spawn(worker(uri.clone(), warmup_until, until)))
        .collect();
    let mut latencies = Vec::new();
    let (mut non_2xx, mut errors) = (0, 0);
    for w in workers {
        let s = w.await??;
        latencies.extend(s.latencies);
        non_2xx += s.non_2xx;
        errors += s.errors;
    }
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    println!(
        "{}: {:.0} req/s over {:.1} s with {} connections; p50 {:.2} ms, p99 {:.2} ms; {} non-2xx, {} errors",
        args.url,
        latencies.len() as f64 / args.seconds,
        args.seconds,
        args.connections,
        pct(0.50),
        pct(0.99),
        non_2xx,
        errors
    );
    Ok(())
}
