//! `bench [--seconds N] [--clients N] [local] [workerd] [spin] [foundation] [resources] [care] [passkeys] [disaster]`: requests/s and p50/p99 latency
//! of `GET /healthz` and `GET /api/v1/public/municipalities`, each beside a baseline in the
//! same run: the local host's own hello-world route (`/_host/hello`, no function, no store)
//! and, through workerd, a 404 from the portal Worker (a function, no store). Then the gzip
//! size of each function's wasm. The load generator runs on the same machine as the host,
//! so on 2 cores the figures are a floor, comparable within one run.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use conformance::client::Client;
use conformance::hosts::{RunningHost, repo_root};
use conformance::load::{Figures, Row, load, load_with, print_row};

fn bench_host(host: &RunningHost, baseline_path: &str, clients: usize, duration: Duration) {
    let base = &host.base_url;
    let baseline = load(base, baseline_path, clients, duration);
    print_row(
        host.name,
        &format!("GET {baseline_path}"),
        &baseline,
        Row::Baseline,
    );
    for path in ["/healthz", "/api/v1/public/municipalities"] {
        let figures = load(base, path, clients, duration);
        print_row(
            host.name,
            &format!("GET {path}"),
            &figures,
            Row::Against(&baseline),
        );
    }
}

/// The resource map: a cached resource page beside the same number of bytes served by the
/// same server without any function or store (local host), and the search API.
fn bench_resources(host: &RunningHost, clients: usize, duration: Duration) {
    let client = Client::new(&host.base_url);
    let id = client
        .get("/api/v1/public/resources?category=gathering.exercise&limit=1")
        .ok()
        .and_then(|r| r.json().ok())
        .and_then(|j| j["items"][0]["id"].as_str().map(str::to_owned));
    let Some(id) = id else {
        println!("{:<8} no resource to benchmark", host.name);
        return;
    };
    let page = format!("/resources/{id}");
    let size = client.get(&page).map(|r| r.body.len()).unwrap_or(0);
    let page_figures = load(&host.base_url, &page, clients, duration);
    if host.name == "local" {
        let bytes = format!("/_host/bytes/{size}");
        let baseline = load(&host.base_url, &bytes, clients, duration);
        print_row(
            host.name,
            &format!("GET static bytes ({size} B)"),
            &baseline,
            Row::Baseline,
        );
        print_row(
            host.name,
            "GET /resources/{id} (cached page)",
            &page_figures,
            Row::Against(&baseline),
        );
    } else {
        print_row(
            host.name,
            "GET /resources/{id} (cached page)",
            &page_figures,
            Row::Alone,
        );
    }
    for (label, path) in [
        (
            "GET search ?q=たいそう",
            "/api/v1/public/resources?q=%E3%81%9F%E3%81%84%E3%81%9D%E3%81%86",
        ),
        (
            "GET search near (1 km)",
            "/api/v1/public/resources?lat=35.2040&lng=136.8470&radius_m=1000",
        ),
    ] {
        let figures = load(&host.base_url, path, clients, duration);
        print_row(host.name, label, &figures, Row::Alone);
    }
}

/// Disaster check-ins: writes/s through the host beside the raw single-row commit rate of
/// the same SQLite file in the same process (local host), and the HQ summary's latency
/// over a register of `people` (100,000 on the local host).
fn bench_disaster(host: &RunningHost, people: usize, clients: usize, duration: Duration) {
    use conformance::disaster;
    let c = Client::new(&host.base_url);
    let setup = || -> Result<(String, String, Vec<String>), String> {
        let staff = disaster::hq(&c, "bench-hq")?;
        let started = Instant::now();
        // Files of 20,000 rows stay under the function's body limit.
        for part in 0..people.div_ceil(20_000) {
            let n = (people - part * 20_000).min(20_000);
            let csv = disaster::register_csv(&format!("B{part}x"), n, 40);
            let resp = disaster::import(&c, &staff.token, csv.into_bytes())?;
            if resp.status != 200 {
                return Err(format!("import: {} {}", resp.status, resp.text()));
            }
        }
        println!(
            "{:<8} register of {people} people imported in {:.1} s",
            host.name,
            started.elapsed().as_secs_f64()
        );
        let event = disaster::declare(&c, &staff.token, "ベンチマーク", None)?;
        let auth = format!("Bearer {}", staff.token);
        let list = c.request(
            "GET",
            &format!("/api/v1/disaster/events/{event}/people?district=B0x00"),
            &[("authorization", &auth)],
            None,
        )?;
        let ids = list.json()?["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|p| p["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Ok((staff.token, event, ids))
    };
    let (token, event, ids) = match setup() {
        Ok(v) => v,
        Err(e) => {
            println!("{:<8} disaster setup failed: {e}", host.name);
            return;
        }
    };
    if ids.is_empty() {
        println!("{:<8} no people to check in", host.name);
        return;
    }
    // Local: the raw commit rate of the same file in the same process. workerd: a 404 from
    // the same Worker (the function's fixed cost, no store).
    let (baseline_path, baseline_label) = if host.name == "local" {
        ("/_host/commit", "raw single-row commit, same file/process")
    } else {
        (
            "/api/v1/disaster/no-such-route",
            "404 from the disaster Worker",
        )
    };
    let baseline = load(&host.base_url, baseline_path, clients, duration);
    print_row(host.name, baseline_label, &baseline, Row::Baseline);
    let baseline = Some(baseline);
    let ids = Arc::new(ids);
    let statuses = ["safe", "safe", "not_yet"];
    let checkins = {
        let (token, event, ids) = (token.clone(), event.clone(), Arc::clone(&ids));
        load_with(&host.base_url, clients, duration, move |client, n| {
            let body =
                serde_json::json!({"person_id": ids[n % ids.len()], "status": statuses[n % 3]});
            disaster::checkin(client, &token, &event, &format!("bench-{n}"), &body)
        })
    };
    print_row(
        host.name,
        "POST check-in (new key each)",
        &checkins,
        baseline.as_ref().map_or(Row::Alone, Row::Against),
    );
    let summary_path = format!("/api/v1/disaster/events/{event}/summary");
    let auth = format!("Bearer {token}");
    let summary = {
        let (path, auth) = (summary_path.clone(), auth.clone());
        load_with(&host.base_url, clients, duration, move |client, _| {
            client.request("GET", &path, &[("authorization", &auth)], None)
        })
    };
    print_row(
        host.name,
        &format!("GET summary ({people} people)"),
        &summary,
        Row::Alone,
    );
    // The same route from an outside load generator: one thread and `clients` connections
    // (the measure) rather than `clients` threads competing with the host for the
    // same cores, which stretches the tail.
    let url = format!("{}{summary_path}", host.base_url);
    match wrk(&url, &[("authorization", &auth)], clients, duration) {
        Ok(figures) => {
            print_row(
                host.name,
                &format!("GET summary, wrk -t1 -c{clients}"),
                &figures,
                Row::Alone,
            );
            let met = figures.p99 < Duration::from_millis(20);
            println!(
                "{:<8} goal: HQ summary p99 under 20 ms at 32 connections: {}",
                host.name,
                if met { "met" } else { "not met" }
            );
        }
        Err(e) => println!("{:<8} GET summary with wrk: {e}", host.name),
    }
}

/// `wrk -t1 -c<clients> --latency` against `url`: requests/s, p50 and p99. wrk comes from
/// Debian (`tests/bench-outside.sh` installs it).
fn wrk(
    url: &str,
    headers: &[(&str, &str)],
    clients: usize,
    duration: Duration,
) -> Result<Figures, String> {
    let mut command = std::process::Command::new("wrk");
    command.args([
        "-t1".to_owned(),
        format!("-c{clients}"),
        format!("-d{}s", duration.as_secs().max(1)),
        "--latency".to_owned(),
    ]);
    for (name, value) in headers {
        command.args(["-H", &format!("{name}: {value}")]);
    }
    let out = command
        .arg(url)
        .output()
        .map_err(|e| format!("not run ({e}); install wrk"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |prefix: &str| -> Option<&str> {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::trim)
    };
    let latency = |prefix: &str| -> Result<Duration, String> {
        let value = field(prefix).ok_or(format!("no {prefix} in wrk's output: {text}"))?;
        let split = value
            .find(|c: char| c.is_ascii_alphabetic())
            .unwrap_or(value.len());
        let number: f64 = value[..split]
            .parse()
            .map_err(|_| format!("latency {value}"))?;
        let millis = match &value[split..] {
            "us" => number / 1000.0,
            "ms" => number,
            "s" => number * 1000.0,
            unit => return Err(format!("unit {unit} in {value}")),
        };
        Ok(Duration::from_secs_f64(millis / 1000.0))
    };
    let per_second: f64 = field("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .ok_or(format!("no rate in wrk's output: {text}"))?;
    let errors = field("Non-2xx or 3xx responses:")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Ok(Figures {
        requests: (per_second * duration.as_secs_f64()) as usize,
        errors,
        per_second,
        p50: latency("50%")?,
        p99: latency("99%")?,
    })
}

/// Care: login cost (Argon2id m=19 MiB, t=2, p=1 plus TOTP), post writes/s beside the
/// baseline, and timeline page reads over `posts` posts (10,000 on the local host).
fn bench_care(host: &RunningHost, posts: usize, clients: usize, duration: Duration) {
    use conformance::auth::{PASSWORD, code, login, register_in, tokens, with_token};
    let c = Client::new(&host.base_url);
    let run = || -> Result<(), String> {
        // Each account logs in once: a TOTP code is accepted once per account.
        let accounts = (0..8)
            .map(|i| {
                register_in(
                    &c,
                    &format!("bench-login-{i}"),
                    &["professional"],
                    ("23233", "清須訪問看護ステーション"),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut latencies = Vec::new();
        let mut token = String::new();
        for account in &accounts {
            let started = Instant::now();
            let resp = login(&c, &account.email, PASSWORD, &code(account, 0)?)?;
            latencies.push(started.elapsed());
            token = tokens(&resp)?.0;
        }
        latencies.sort();
        println!(
            "{:<8} login (Argon2id m=19 MiB t=2 p=1 + TOTP, sequential)  p50 {:>7.1} ms  max {:>7.1} ms  ({} logins)",
            host.name,
            latencies[latencies.len() / 2].as_secs_f64() * 1000.0,
            latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
            latencies.len()
        );
        let created = with_token(
            &c,
            "POST",
            "/api/v1/patients",
            &token,
            Some(conformance::patients::patient_body("性能 試験")),
        )?;
        let patient = created.json()?["id"]
            .as_str()
            .ok_or("no patient")?
            .to_owned();
        let started = Instant::now();
        let fill = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        thread::scope(|scope| {
            for _ in 0..8 {
                let (c, token, patient, fill) = (&c, &token, &patient, Arc::clone(&fill));
                scope.spawn(move || {
                    while fill.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < posts {
                        let body = serde_json::json!({"category": "report", "body": "訪問しました。血圧安定、食事摂取良好。"});
                        let _ = with_token(c, "POST", &format!("/api/v1/patients/{patient}/posts"), token, Some(body.to_string()));
                    }
                });
            }
        });
        println!(
            "{:<8} timeline filled with {posts} posts in {:.1} s",
            host.name,
            started.elapsed().as_secs_f64()
        );
        let baseline_path = if host.name == "local" {
            "/_host/hello"
        } else {
            "/api/v1/public/no-such-route"
        };
        let baseline = load(&host.base_url, baseline_path, clients, duration);
        print_row(
            host.name,
            &format!("GET {baseline_path}"),
            &baseline,
            Row::Baseline,
        );
        let writes = {
            let (token, patient) = (token.clone(), patient.clone());
            load_with(&host.base_url, clients, duration, move |client, n| {
                let auth = format!("Bearer {token}");
                let body = serde_json::json!({"category": "contact", "body": format!("連絡 {n}")});
                client.request(
                    "POST",
                    &format!("/api/v1/patients/{patient}/posts"),
                    &[
                        ("authorization", &auth),
                        ("content-type", "application/json"),
                        ("idempotency-key", &format!("bench-{n}")),
                    ],
                    Some(body.to_string().into_bytes()),
                )
            })
        };
        print_row(
            host.name,
            "POST timeline post (new key each)",
            &writes,
            Row::Against(&baseline),
        );
        // A page from the middle of the timeline, through its cursor.
        let first = with_token(
            &c,
            "GET",
            &format!("/api/v1/patients/{patient}/posts?limit=50"),
            &token,
            None,
        )?
        .json()?;
        let mut cursor = first["next_cursor"].as_str().unwrap_or("").to_owned();
        for _ in 0..(posts / 100) {
            let page = with_token(
                &c,
                "GET",
                &format!("/api/v1/patients/{patient}/posts?limit=50&cursor={cursor}"),
                &token,
                None,
            )?
            .json()?;
            match page["next_cursor"].as_str() {
                Some(next) => cursor = next.to_owned(),
                None => break,
            }
        }
        for (label, path) in [
            (
                "GET timeline, newest page (20)",
                format!("/api/v1/patients/{patient}/posts"),
            ),
            (
                "GET timeline, a middle page (20)",
                format!("/api/v1/patients/{patient}/posts?cursor={cursor}"),
            ),
        ] {
            let token = token.clone();
            let figures = load_with(&host.base_url, clients, duration, move |client, _| {
                let auth = format!("Bearer {token}");
                client.request("GET", &path, &[("authorization", &auth)], None)
            });
            print_row(
                host.name,
                &format!("{label}, {posts} posts"),
                &figures,
                Row::Against(&baseline),
            );
        }
        Ok(())
    };
    if let Err(e) = run() {
        println!("{:<8} care bench failed: {e}", host.name);
    }
}

fn gzip_size(path: &std::path::Path) -> Option<u64> {
    let output = std::process::Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .ok()?;
    Some(output.stdout.len() as u64)
}

/// Resident memory of a process (`VmRSS`), bytes; 0 where /proc can not tell.
fn resident(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib * 1024)
}

/// A failed login from its own forwarded address, so that only the per-account and
/// per-address limits of that attempt apply (the bench host believes 127.0.0.1's
/// `X-Forwarded-For`).
fn wrong_login(c: &Client, n: usize) -> Result<conformance::client::Resp, String> {
    let address = format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255);
    let body = serde_json::json!({
        "email": format!("nobody-{n}@example.jp"), "password": "wrong password here", "totp": "000000",
    });
    c.request(
        "POST",
        "/api/v1/auth/login",
        &[
            ("content-type", "application/json"),
            ("x-forwarded-for", &address),
        ],
        Some(body.to_string().into_bytes()),
    )
}

/// Logins, where an Argon2id hash (19 MiB) is the cost: the host's resident memory when
/// idle and its peak under a burst of 100 concurrent logins (issue 10 asks for at most
/// +256 MB), then the rate of judged logins beside the baseline of the same hash computed
/// in this process on every core.
fn bench_logins(host: &RunningHost, pid: u32, clients: usize, duration: Duration) {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let idle = resident(pid);
    let peak = Arc::new(AtomicU64::new(idle));
    let running = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, running) = (Arc::clone(&peak), Arc::clone(&running));
        thread::spawn(move || {
            while running.load(Ordering::Relaxed) {
                peak.fetch_max(resident(pid), Ordering::Relaxed);
                thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let burst = 100;
    let barrier = Arc::new(Barrier::new(burst));
    let threads: Vec<_> = (0..burst)
        .map(|i| {
            let base = host.base_url.clone();
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                let c = Client::new(&base);
                barrier.wait();
                wrong_login(&c, 500_000 + i).map(|r| r.status).unwrap_or(0)
            })
        })
        .collect();
    let statuses: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap_or(0)).collect();
    thread::sleep(Duration::from_millis(200));
    running.store(false, Ordering::Relaxed);
    let _ = sampler.join();
    let peak = peak.load(Ordering::Relaxed);
    let count = |s: u16| statuses.iter().filter(|x| **x == s).count();
    println!(
        "{:<8} {:<40} idle {:>7.1} MiB  peak {:>7.1} MiB  (+{:.1} MiB; limit +256 MB)  judged {} · busy 503 {} · other {}",
        host.name,
        "100 concurrent logins: resident memory",
        mib(idle),
        mib(peak),
        mib(peak.saturating_sub(idle)),
        count(401),
        count(503),
        burst - count(401) - count(503),
    );
    // Baseline: the same Argon2id verification in this process, one thread per core.
    let cores = thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let phc = rainbownet_core::auth::password::hash("a password for the baseline", &[7; 16])
        .unwrap_or_default();
    let done = Arc::new(AtomicU64::new(0));
    let end = Instant::now() + duration;
    let workers: Vec<_> = (0..cores)
        .map(|_| {
            let (phc, done) = (phc.clone(), Arc::clone(&done));
            thread::spawn(move || {
                while Instant::now() < end {
                    rainbownet_core::auth::password::verify("wrong password here", &phc);
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let baseline = Figures {
        requests: done.load(Ordering::Relaxed) as usize,
        errors: 0,
        per_second: done.load(Ordering::Relaxed) as f64 / duration.as_secs_f64(),
        p50: Duration::ZERO,
        p99: Duration::ZERO,
    };
    print_row(
        host.name,
        &format!("Argon2id verify in-process ({cores} threads)"),
        &baseline,
        Row::Baseline,
    );
    let logins = load_with(&host.base_url, clients, duration, wrong_login);
    print_row(
        host.name,
        "POST /api/v1/auth/login (wrong, judged)",
        &logins,
        Row::Against(&baseline),
    );
}

/// Signing in with a passkey (issue #34) beside signing in with password + TOTP on the same
/// host. The login row is judged logins (one Argon2id verification each, as a correct one
/// costs; a correct login can be made once per account and TOTP step). Each passkey client
/// has its own passkey on one professional's account, so that the counters never race:
/// options, then the assertion, then a new session (200), per iteration.
fn bench_passkeys(host: &RunningHost, clients: usize, duration: Duration) {
    use conformance::auth::{access, register, with_token};
    use rainbownet_core::auth::webauthn::{from_base64url, software};
    let c = Client::new(&host.base_url);
    let setup = || -> Result<String, String> {
        let nurse = register(&c, "bench-passkey")?;
        let token = access(&c, &nurse, 0)?;
        let me = with_token(&c, "GET", "/api/v1/auth/me", &token, None)?.json()?;
        for t in 0..clients {
            let options = with_token(
                &c,
                "POST",
                "/api/v1/auth/passkeys/options",
                &token,
                Some("{}".into()),
            )?
            .json()?;
            let key = &options["publicKey"];
            let challenge =
                from_base64url(key["challenge"].as_str().unwrap_or_default(), "challenge")
                    .map_err(|e| e.to_string())?;
            let rp_id = key["rp"]["id"].as_str().unwrap_or_default();
            let credential =
                software::registration_json(&passkey_of(t), &challenge, &host.base_url, rp_id);
            let added = with_token(
                &c,
                "POST",
                "/api/v1/auth/passkeys",
                &token,
                Some(serde_json::json!({"credential": credential}).to_string()),
            )?;
            if added.status != 201 {
                return Err(format!("add passkey: {} {}", added.status, added.text()));
            }
        }
        Ok(me["id"].as_str().unwrap_or_default().to_owned())
    };
    let owner = match setup() {
        Ok(owner) => owner,
        Err(e) => {
            println!("{:<8} passkeys: could not set up: {e}", host.name);
            return;
        }
    };
    let logins = load_with(&host.base_url, clients, duration, wrong_login);
    print_row(
        host.name,
        "password + TOTP: POST /api/v1/auth/login (judged)",
        &logins,
        Row::Baseline,
    );
    let base = host.base_url.clone();
    let passkeys = load_with(&host.base_url, clients, duration, move |c, n| {
        let (t, count) = (
            n / 1_000_000,
            u32::try_from(n % 1_000_000 + 1).unwrap_or(u32::MAX),
        );
        let json = |body: serde_json::Value| Some(body.to_string().into_bytes());
        let headers = [("content-type", "application/json")];
        let options = c
            .request(
                "POST",
                "/api/v1/auth/passkey/options",
                &headers,
                json(serde_json::json!({})),
            )?
            .json()?;
        let key = &options["publicKey"];
        let challenge = from_base64url(key["challenge"].as_str().unwrap_or_default(), "challenge")
            .map_err(|e| e.to_string())?;
        let rp_id = key["rpId"].as_str().unwrap_or_default();
        let assertion = software::assertion_json(
            &passkey_of(t),
            &challenge,
            &base,
            rp_id,
            count,
            owner.as_bytes(),
        );
        let signed = c.request(
            "POST",
            "/api/v1/auth/passkey",
            &headers,
            json(serde_json::json!({"credential": assertion})),
        )?;
        if signed.status == 200 {
            Ok(signed)
        } else {
            Err(format!("passkey sign-in: {}", signed.status))
        }
    });
    print_row(
        host.name,
        "passkey: options + POST /api/v1/auth/passkey (200)",
        &passkeys,
        Row::Against(&logins),
    );
}

/// The software passkey of bench client `t`.
fn passkey_of(t: usize) -> rainbownet_core::auth::webauthn::software::Authenticator {
    rainbownet_core::auth::webauthn::software::authenticator(
        100 + u8::try_from(t % 100).unwrap_or(0),
    )
}

fn main() {
    let mut seconds = 5u64;
    let mut clients = 8usize;
    let mut hosts = Vec::new();
    let mut sections = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => seconds = args.next().and_then(|v| v.parse().ok()).unwrap_or(seconds),
            "--clients" => clients = args.next().and_then(|v| v.parse().ok()).unwrap_or(clients),
            "local" | "workerd" | "spin" => hosts.push(arg),
            "foundation" | "resources" | "care" | "disaster" | "logins" | "passkeys" => {
                sections.push(arg)
            }
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    if hosts.is_empty() {
        hosts = vec!["local".into(), "workerd".into()];
    }
    let duration = Duration::from_secs(seconds);
    println!(
        "# {clients} concurrent keep-alive clients, {seconds} s per route, load generator on the same machine"
    );
    for name in &hosts {
        // Each host's floor: the same server answering without a function or a store.
        let (host, baseline) = match name.as_str() {
            "local" => (RunningHost::local_for_bench(), "/_host/hello"),
            // The harness answers Spin's own health path itself, as Spin does; it prints
            // each component's compile and instantiation time as it starts.
            "spin" => (RunningHost::spin(), "/.well-known/spin/health"),
            _ => (RunningHost::workerd(), "/api/v1/public/no-such-route"),
        };
        match host {
            Ok(host) => {
                let run = |s: &str| sections.is_empty() || sections.iter().any(|x| x == s);
                if run("foundation") {
                    bench_host(&host, baseline, clients, duration);
                }
                if run("resources") {
                    bench_resources(&host, clients, duration);
                }
                if run("care") {
                    let posts = if name == "local" { 10_000 } else { 1_000 };
                    bench_care(&host, posts, clients, duration);
                }
                if run("logins")
                    && name == "local"
                    && let Some(pid) = host.pid()
                {
                    bench_logins(&host, pid, clients, duration);
                }
                if run("passkeys") {
                    bench_passkeys(&host, clients, duration);
                }
                if run("disaster") {
                    let people = if name == "local" { 100_000 } else { 1_563 };
                    bench_disaster(&host, people, clients, duration);
                }
                let _ = host.stop();
            }
            Err(e) => println!("{name}: could not start: {e}"),
        }
    }
    println!("\n# wasm size per function (limit 1 MiB gzip)");
    let root = repo_root();
    for f in ["portal", "care", "disaster", "health", "assets"] {
        for (target, path) in [
            (
                "spin",
                format!("target/wasm32-wasip2/release/rainbownet_{f}.wasm"),
            ),
            ("workers", format!("functions/{f}/build/index_bg.wasm")),
        ] {
            let path = root.join(path);
            match (std::fs::metadata(&path), gzip_size(&path)) {
                (Ok(meta), Some(gz)) => println!(
                    "{f:<9} {target:<8} {:>8} bytes raw  {:>8} bytes gzip ({:.0} KiB)",
                    meta.len(),
                    gz,
                    gz as f64 / 1024.0
                ),
                _ => println!("{f:<9} {target:<8} not built ({})", path.display()),
            }
        }
    }
}
