//! `bench_abuse [--short] [--resources N] [--seconds N]`: the six attacks of issue #33 on
//! the local host, each figure printed beside its baseline from the same run and its goal:
//!
//! 1. `/healthz` answered under a trickle attack (one address holding connections open with
//!    a byte of body every second or so): ≥ 4 of 5 within 2 s;
//! 2. the host's memory while 48 clients send 8 MB bodies without credentials: +128 MB at most;
//! 3. its memory while 16 clients read HSDS export pages: +256 MB at most;
//! 4. searches that find nothing (with suggestions) beside searches that find: ≥ 50 %;
//! 5. the care audit log's growth under a flood of requests without a token: ≤ 2 MB per 10 s;
//! 6. correct logins refused while their accounts and the host are flooded with wrong ones: 0.
//!
//! `./tests/bench-abuse.sh` builds what it needs; the test command runs `--short`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use conformance::auth::{Account, PASSWORD, code, register, registrar_token};
use conformance::client::Client;
use conformance::hosts::{ADMIN_TOKEN, RunningHost};
use conformance::load::{Figures, Row, load_with, print_row};

struct Options {
    resources: usize,
    seconds: u64,
    trickle_connections: usize,
    trickle_every: Duration,
}

fn options() -> Options {
    let mut o = Options {
        resources: 21_000,
        seconds: 10,
        trickle_connections: 1_030,
        trickle_every: Duration::from_secs(5),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().and_then(|v| v.parse::<usize>().ok());
        match arg.as_str() {
            "--short" => {
                o.resources = 5_000;
                o.seconds = 3;
                o.trickle_connections = 300;
                o.trickle_every = Duration::from_secs(1);
            }
            "--resources" => o.resources = value().unwrap_or(o.resources),
            "--seconds" => o.seconds = value().unwrap_or(o.seconds as usize) as u64,
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    o
}

/// The host's resident memory, MB.
fn rss(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The highest resident memory of `pid` while `work` runs, sampled every 20 ms.
fn peak_during(pid: u32, work: impl FnOnce()) -> f64 {
    let running = Arc::new(AtomicBool::new(true));
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (running, peak) = (Arc::clone(&running), Arc::clone(&peak));
        std::thread::spawn(move || {
            while running.load(Ordering::Relaxed) {
                peak.fetch_max(rss(pid).to_bits(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    work();
    running.store(false, Ordering::Relaxed);
    let _ = sampler.join();
    f64::from_bits(peak.load(Ordering::Relaxed))
}

fn verdict(ok: bool) -> &'static str {
    if ok { "goal met" } else { "GOAL MISSED" }
}

/// 公共施設一覧 rows for one town, as the open-data files are laid out.
fn generated_csv(from: usize, count: usize) -> Vec<u8> {
    let header = "都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,名称_カナ,名称_通称,POIコード,住所,方書,緯度,経度,電話番号,内線番号,法人番号,団体名,利用可能曜日,開始時間,終了時間,利用可能時間特記事項,説明,バリアフリー情報,URL,備考";
    let mut csv = format!("{header}\r\n");
    for n in from..from + count {
        let lat = 35.15 + (n % 1000) as f64 * 0.00015;
        let lng = 136.75 + (n / 1000 % 1000) as f64 * 0.0002;
        csv.push_str(&format!(
            "232335,B{n},愛知県,清須市,ふれあいサロン{n},,,,愛知県清須市清洲{}丁目,,{lat:.6},{lng:.6},052-400-{:04},,,,月～金,9:00,17:00,,地域の集まりです,,,\r\n",
            n % 97,
            n % 10000
        ));
    }
    csv.into_bytes()
}

/// A connection from another loopback address (the attacker is another client).
fn connect_from(to: SocketAddr, from: [u8; 4]) -> Option<TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).ok()?;
    socket.bind(&SocketAddr::from((from, 0)).into()).ok()?;
    socket.connect(&to.into()).ok()?;
    Some(socket.into())
}

/// Figure 1: `/healthz` from 127.0.0.1 while 127.0.0.2 trickles bodies on many connections.
fn trickle(host: &RunningHost, o: &Options) {
    let to: SocketAddr = host
        .base_url
        .trim_start_matches("http://")
        .parse()
        .expect("host address");
    let probe = |n: usize| -> usize {
        (0..n)
            .filter(|_| {
                let started = Instant::now();
                let ok = TcpStream::connect(to).ok().is_some_and(|mut s| {
                    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                    let mut head = [0u8; 12];
                    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                        .is_ok()
                        && s.read_exact(&mut head).is_ok()
                        && head.starts_with(b"HTTP/1.1 200")
                });
                std::thread::sleep(Duration::from_secs(1).saturating_sub(started.elapsed()));
                ok && started.elapsed() <= Duration::from_secs(2)
            })
            .count()
    };
    let quiet = probe(5);
    let running = Arc::new(AtomicBool::new(true));
    let opened = Arc::new(AtomicUsize::new(0));
    let attacker = {
        let (running, opened) = (Arc::clone(&running), Arc::clone(&opened));
        let (count, every) = (o.trickle_connections, o.trickle_every);
        std::thread::spawn(move || {
            let mut held: Vec<TcpStream> = Vec::new();
            while running.load(Ordering::Relaxed) {
                // Keep `count` open: the host closes some, the attacker opens them again.
                while held.len() < count {
                    let Some(mut s) = connect_from(to, [127, 0, 0, 2]) else {
                        break;
                    };
                    let _ = s.set_nonblocking(true);
                    let head = "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n";
                    if s.write_all(head.as_bytes()).is_ok() {
                        held.push(s);
                    }
                }
                opened.store(held.len(), Ordering::Relaxed);
                let started = Instant::now();
                held.retain_mut(|s| s.write_all(b" ").is_ok());
                while started.elapsed() < every && running.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        })
    };
    std::thread::sleep(Duration::from_secs(2));
    let attacked = probe(5);
    running.store(false, Ordering::Relaxed);
    let _ = attacker.join();
    println!("1. /healthz within 2 s, no attack                        {quiet} of 5  baseline");
    println!(
        "   /healthz within 2 s, {:>4} connections trickling a byte every {:.0} s from one address: {attacked} of 5  (goal ≥ 4: {})",
        o.trickle_connections,
        o.trickle_every.as_secs_f64(),
        verdict(attacked >= 4)
    );
}

/// Figure 2: memory while 48 clients without credentials send 8 MB bodies.
fn big_bodies(host: &RunningHost) {
    let pid = host.pid().expect("host pid");
    let base = &host.base_url;
    let at_rest = rss(pid);
    let body = vec![b'x'; 8 * 1000 * 1000];
    let refused = Arc::new(AtomicUsize::new(0));
    let peak = peak_during(pid, || {
        let threads: Vec<_> = (0..48)
            .map(|i| {
                let (base, body, refused) = (base.clone(), body.clone(), Arc::clone(&refused));
                std::thread::spawn(move || {
                    let c = Client::new(&base);
                    let path = if i % 2 == 0 {
                        "/api/v1/auth/login"
                    } else {
                        "/api/v1/patients/01ARZ3NDEKTSV4RRFFQ69G5FAV/attachments?name=a.pdf"
                    };
                    if let Ok(r) = c.request(
                        "POST",
                        path,
                        &[("content-type", "application/pdf")],
                        Some(body),
                    ) && r.status == 413
                    {
                        refused.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for t in threads {
            let _ = t.join();
        }
    });
    println!(
        "2. host memory at rest                                    {at_rest:>7.0} MB  baseline"
    );
    println!(
        "   peak while 48 clients send 8 MB bodies without credentials: {peak:>7.0} MB  (+{:.0} MB; {} of 48 answered 413; goal ≤ +128 MB: {})",
        peak - at_rest,
        refused.load(Ordering::Relaxed),
        verdict(peak - at_rest <= 128.0)
    );
}

/// Figure 3: memory while 16 clients read HSDS pages over the whole region.
fn export_pages(host: &RunningHost, o: &Options) {
    let pid = host.pid().expect("host pid");
    let at_rest = rss(pid);
    let mut figures: Option<Figures> = None;
    let peak = peak_during(pid, || {
        figures = Some(load_with(
            &host.base_url,
            16,
            Duration::from_secs(o.seconds),
            |c, n| c.get(&format!("/hsds/services?per_page=1&page={}", 1 + n % 5000)),
        ));
    });
    println!(
        "3. host memory before the export pages                     {at_rest:>7.0} MB  baseline"
    );
    if let Some(f) = figures {
        print_row(
            "local",
            "   16 clients, /hsds/services?per_page=1",
            &f,
            Row::Alone,
        );
    }
    println!(
        "   peak during them ({} resources)                        {peak:>7.0} MB  (+{:.0} MB; goal ≤ +256 MB: {})",
        o.resources,
        peak - at_rest,
        verdict(peak - at_rest <= 256.0)
    );
}

/// Figure 4: searches that find nothing beside searches that find, every query new.
fn no_match(host: &RunningHost, o: &Options) {
    let places = o.resources.max(1);
    let found = load_with(
        &host.base_url,
        8,
        Duration::from_secs(o.seconds),
        move |c, n| {
            let q = format!("サロン{} 清須", n * 7919 % places);
            c.get(&format!("/api/v1/public/resources?q={}", encode(&q)))
        },
    );
    let nothing = load_with(
        &host.base_url,
        8,
        Duration::from_secs(o.seconds),
        move |c, n| {
            let q = format!("サロン{} ぬゑ{n}", n * 7919 % places);
            c.get(&format!("/api/v1/public/resources?q={}", encode(&q)))
        },
    );
    print_row(
        "local",
        "4. search that finds, new words each",
        &found,
        Row::Baseline,
    );
    print_row(
        "local",
        "   search that finds nothing (suggests)",
        &nothing,
        Row::Against(&found),
    );
    let share = nothing.per_second / found.per_second.max(1e-9);
    println!("   goal ≥ 50 %: {}", verdict(share >= 0.5));
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Figure 5, the care audit log under a flood of requests without a token: rows added (read
/// back through the audit API) and the growth of the database file (its WAL is reused after
/// each checkpoint, at about 4 MB, so it is not counted).
fn audit_flood(host: &RunningHost, admin: &Client, data: &Path, o: &Options) {
    let file = || std::fs::metadata(data.join("care.sqlite")).map_or(0, |m| m.len());
    let before = file();
    let since = rainbownet_core::time::iso8601(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64),
    );
    let flood = load_with(
        &host.base_url,
        16,
        Duration::from_secs(o.seconds),
        |c, n| c.get(&format!("/api/v1/patients/01ARZ3NDEKTSV4RRFF{n:08}")),
    );
    // Past a checkpoint, so that what the flood wrote is in the file.
    std::thread::sleep(Duration::from_secs(1));
    let token = registrar_token(admin).expect("the bench's sysadmin");
    let rows = admin
        .request(
            "GET",
            &format!("/api/v1/care/audit?from={since}&limit=1000"),
            &[("authorization", &format!("Bearer {token}"))],
            None,
        )
        .ok()
        .and_then(|r| r.json().ok())
        .and_then(|j| {
            j["items"]
                .as_array()
                .map(|items| items.iter().filter(|i| i["actor"].is_null()).count())
        })
        .unwrap_or(usize::MAX);
    let grown = file().saturating_sub(before) as f64 / 1e6;
    let per_10s = grown * 10.0 / o.seconds as f64;
    print_row(
        "local",
        "5. GET a patient without a token",
        &flood,
        Row::Alone,
    );
    println!(
        "   {} refusals wrote {rows} rows of the audit log (the rest counted beside them); the database file grew {grown:.2} MB: {per_10s:.2} MB per 10 s  (goal ≤ 2 MB: {})",
        flood.requests,
        verdict(per_10s <= 2.0)
    );
}

/// Figure 6, correct logins from their owners' desks while the same accounts and the host
/// are flooded with wrong passwords from another address.
fn logins_under_flood(host: &RunningHost, c: &Client) {
    let accounts: Vec<Account> = (0..14)
        .map(|i| register(c, &format!("owner{i}")).expect("register"))
        .collect();
    let emails: Vec<String> = accounts.iter().map(|a| a.email.clone()).collect();
    let running = Arc::new(AtomicBool::new(true));
    let wrong = Arc::new(AtomicUsize::new(0));
    let flooders: Vec<_> = (0..8)
        .map(|t| {
            let (running, wrong, emails) =
                (Arc::clone(&running), Arc::clone(&wrong), emails.clone());
            let base = host.base_url.clone();
            std::thread::spawn(move || {
                let c = Client::new(&base);
                let mut n = t;
                while running.load(Ordering::Relaxed) {
                    let email = if n % 3 == 0 {
                        format!("nobody{n}@example.jp")
                    } else {
                        emails[n % emails.len()].clone()
                    };
                    let body =
                        serde_json::json!({"email": email, "password": "wrong", "totp": "000000"});
                    let _ = c.request(
                        "POST",
                        "/api/v1/auth/login",
                        &[
                            ("content-type", "application/json"),
                            ("x-forwarded-for", "203.0.113.66"),
                        ],
                        Some(body.to_string().into_bytes()),
                    );
                    wrong.fetch_add(1, Ordering::Relaxed);
                    n += 8;
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    let mut refused = 0;
    let mut statuses = Vec::new();
    for account in &accounts {
        let ok = code(account, 0)
            .and_then(|totp| {
                let body =
                    serde_json::json!({"email": account.email, "password": PASSWORD, "totp": totp});
                c.request(
                    "POST",
                    "/api/v1/auth/login",
                    &[
                        ("content-type", "application/json"),
                        ("x-forwarded-for", "192.0.2.10"),
                    ],
                    Some(body.to_string().into_bytes()),
                )
            })
            .map(|r| r.status);
        match ok {
            Ok(200) => {}
            Ok(status) => {
                refused += 1;
                statuses.push(status);
            }
            Err(_) => refused += 1,
        }
    }
    running.store(false, Ordering::Relaxed);
    for f in flooders {
        let _ = f.join();
    }
    println!(
        "6. correct logins of 14 owners from their own address while {} wrong ones flooded them: {refused} refused {statuses:?}  (goal 0: {})",
        wrong.load(Ordering::Relaxed),
        verdict(refused == 0)
    );
}

fn main() {
    let o = options();
    let work = tempfile::tempdir().expect("temp dir");
    let data = work.path().join("data");
    let host = RunningHost::local_on(&data).expect("start the local host");
    let client = Client::new(&host.base_url);
    let auth = format!("Bearer {ADMIN_TOKEN}");
    for from in (0..o.resources).step_by(10_000) {
        let resp = client
            .request(
                "POST",
                "/api/v1/public/imports?municipality=23233",
                &[("authorization", &auth), ("content-type", "text/csv")],
                Some(generated_csv(from, 10_000.min(o.resources - from))),
            )
            .expect("import");
        assert_eq!(resp.status, 200, "import: {}", resp.text());
    }
    println!(
        "# the six attacks of issue #33 on the local host: demo region + {} resources, {} cores, {} s each",
        o.resources,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        o.seconds
    );
    trickle(&host, &o);
    big_bodies(&host);
    export_pages(&host, &o);
    no_match(&host, &o);
    let admin = Client::new(&host.base_url);
    audit_flood(&host, &admin, &data, &o);
    logins_under_flood(&host, &admin);
    host.stop().expect("stop the host");
}
