//! Load for the benchmarks: client threads on keep-alive connections for a set time, and
//! the figures printed one row each, beside the baseline of the same run.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use crate::client::Client;

pub struct Figures {
    pub requests: usize,
    pub errors: usize,
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

pub fn load(base: &str, path: &str, clients: usize, duration: Duration) -> Figures {
    let path = path.to_owned();
    load_with(base, clients, duration, move |client, _| client.get(&path))
}

/// `clients` threads, each with its own keep-alive connection, calling `send(client, n)`
/// (n counts that thread's requests, for unique keys) for `duration`.
pub fn load_with<F>(base: &str, clients: usize, duration: Duration, send: F) -> Figures
where
    F: Fn(&Client, usize) -> Result<crate::client::Resp, String> + Send + Sync + 'static,
{
    let barrier = Arc::new(Barrier::new(clients));
    let send = Arc::new(send);
    let threads: Vec<_> = (0..clients)
        .map(|t| {
            let client = Client::new(base);
            let barrier = Arc::clone(&barrier);
            let send = Arc::clone(&send);
            thread::spawn(move || {
                // Warm the connection before timing.
                let _ = send(&client, t * 1_000_000);
                barrier.wait();
                let mut latencies = Vec::new();
                let mut errors = 0;
                let end = Instant::now() + duration;
                let mut n = t * 1_000_000 + 1;
                while Instant::now() < end {
                    let start = Instant::now();
                    match send(&client, n) {
                        Ok(resp) if resp.status < 500 => latencies.push(start.elapsed()),
                        _ => errors += 1,
                    }
                    n += 1;
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for t in threads {
        let (latencies, e) = t.join().unwrap_or_default();
        all.extend(latencies);
        errors += e;
    }
    all.sort();
    let pick = |q: f64| {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Figures {
        requests: all.len(),
        errors,
        per_second: all.len() as f64 / duration.as_secs_f64(),
        p50: pick(0.50),
        p99: pick(0.99),
    }
}

/// How a row relates to the others.
pub enum Row<'a> {
    Baseline,
    Against(&'a Figures),
    Alone,
}

pub fn print_row(host: &str, label: &str, f: &Figures, row: Row<'_>) {
    let ratio = match row {
        Row::Baseline => "baseline".to_owned(),
        Row::Against(b) => format!(
            "{:5.1}% of baseline",
            100.0 * f.per_second / b.per_second.max(1e-9)
        ),
        Row::Alone => String::new(),
    };
    println!(
        "{host:<8} {label:<40} {:>9.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  ({} ok, {} errors)  {ratio}",
        f.per_second,
        f.p50.as_secs_f64() * 1000.0,
        f.p99.as_secs_f64() * 1000.0,
        f.requests,
        f.errors,
    );
}
