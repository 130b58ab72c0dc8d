//! `bench_backup [--seconds N] [--clients N] [--resources N]`: `rainbownet backup create`
//! over a region of the demo plus N generated resources (20,000 by default), beside a plain
//! copy of the same files in the same run (MB/s, best of three each); then the host's
//! request rate during back-to-back backups beside the rate without. Run
//! `./tests/bench-backup.sh`, which builds what it needs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use conformance::client::Client;
use conformance::hosts::{ADMIN_TOKEN, RunningHost, rainbownet_bin};
use conformance::load::{Row, load, print_row};

const DATABASES: [&str; 4] = ["public", "care", "disaster", "kv"];

/// 公共施設一覧 rows for one town, as the open-data files are laid out.
fn generated_csv(from: usize, count: usize) -> Vec<u8> {
    let header = "都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,名称_カナ,名称_通称,POIコード,住所,方書,緯度,経度,電話番号,内線番号,法人番号,団体名,利用可能曜日,開始時間,終了時間,利用可能時間特記事項,説明,バリアフリー情報,URL,備考";
    let words = [
        "ふれあいサロン",
        "いきいき体操教室",
        "認知症カフェ",
        "地区公民館",
    ];
    let mut csv = format!("{header}\r\n");
    for n in from..from + count {
        let lat = 35.15 + (n % 1000) as f64 * 0.00015;
        let lng = 136.75 + (n / 1000 % 1000) as f64 * 0.0002;
        let word = words[n % words.len()];
        csv.push_str(&format!(
            "232335,B{n},愛知県,清須市,{word}{n},,,,愛知県清須市清洲{}丁目,,{lat:.6},{lng:.6},052-400-{:04},,,,月～金,9:00,17:00,,{word}の集まりです,,,\r\n",
            n % 97,
            n % 10000
        ));
    }
    csv.into_bytes()
}

fn files(data: &Path) -> Vec<PathBuf> {
    DATABASES
        .iter()
        .flat_map(|d| ["", "-wal"].map(|s| data.join(format!("{d}.sqlite{s}"))))
        .filter(|p| p.exists())
        .collect()
}

fn megabytes(data: &Path) -> f64 {
    files(data)
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len() as f64)
        .sum::<f64>()
        / 1e6
}

/// The shortest of three runs.
fn best_of_three(mut run: impl FnMut()) -> Duration {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn backup(bin: &Path, data: &Path, to: &Path, recipient: Option<&str>) {
    let mut command = Command::new(bin);
    command
        .args(["backup", "create", "--data"])
        .arg(data)
        .arg("--to")
        .arg(to);
    match recipient {
        Some(r) => command.args(["--recipient", r]),
        None => command.arg("--plaintext"),
    };
    let out = command.output().expect("run rainbownet backup create");
    assert!(
        out.status.success(),
        "backup create: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn main() {
    let mut seconds = 5u64;
    let mut clients = 8usize;
    let mut resources = 20_000usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().and_then(|v| v.parse().ok());
        match arg.as_str() {
            "--seconds" => seconds = value().unwrap_or(seconds as usize) as u64,
            "--clients" => clients = value().unwrap_or(clients),
            "--resources" => resources = value().unwrap_or(resources),
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    let bin = rainbownet_bin().expect("the rainbownet binary");
    let work = tempfile::tempdir().expect("temp dir");
    let data = work.path().join("data");
    let host = RunningHost::local_on(&data).expect("start the local host");
    let client = Client::new(&host.base_url);
    let auth = format!("Bearer {ADMIN_TOKEN}");
    for from in (0..resources).step_by(10_000) {
        let body = generated_csv(from, 10_000.min(resources - from));
        let resp = client
            .request(
                "POST",
                "/api/v1/public/imports?municipality=23233",
                &[("authorization", &auth), ("content-type", "text/csv")],
                Some(body),
            )
            .expect("import");
        assert_eq!(resp.status, 200, "import: {}", resp.text());
    }
    let size = megabytes(&data);
    println!(
        "# backup of the demo region + {resources} generated resources: {size:.1} MB in {} files, {} cores",
        files(&data).len(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    let copy_dir = work.path().join("copy");
    std::fs::create_dir_all(&copy_dir).expect("copy dir");
    let copy = best_of_three(|| {
        for f in files(&data) {
            std::fs::copy(&f, copy_dir.join(f.file_name().unwrap_or_default())).expect("cp");
        }
    });
    let key = work.path().join("backup.key");
    let out = Command::new(&bin)
        .args(["backup", "keygen", "--out"])
        .arg(&key)
        .output()
        .expect("keygen");
    let recipient = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let plain = best_of_three(|| backup(&bin, &data, &work.path().join("b.tar"), None));
    let sealed =
        best_of_three(|| backup(&bin, &data, &work.path().join("b.age"), Some(&recipient)));
    let rate = |d: Duration| size / d.as_secs_f64().max(1e-9);
    let base = rate(copy);
    println!(
        "{:<44} {:>8.1} MB/s  baseline",
        "cp of the database files", base
    );
    for (label, d) in [
        ("backup create --plaintext (snapshot, manifest)", plain),
        ("backup create --recipient (age-encrypted)", sealed),
    ] {
        println!(
            "{label:<44} {:>8.1} MB/s  {:5.1}% of baseline",
            rate(d),
            100.0 * rate(d) / base.max(1e-9)
        );
    }

    // The host's answers while backups run back to back, beside without.
    let path = "/api/v1/public/resources?q=%E4%BD%93%E6%93%8D&limit=20";
    let duration = Duration::from_secs(seconds);
    let quiet = load(&host.base_url, path, clients, duration);
    print_row("local", "GET search, no backup", &quiet, Row::Baseline);
    let running = Arc::new(AtomicBool::new(true));
    let taken = Arc::new(AtomicUsize::new(0));
    let backups = {
        let (running, taken) = (Arc::clone(&running), Arc::clone(&taken));
        let (bin, data, to) = (bin.clone(), data.clone(), work.path().join("during.age"));
        std::thread::spawn(move || {
            while running.load(Ordering::Relaxed) {
                backup(&bin, &data, &to, Some(&recipient));
                taken.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let busy = load(&host.base_url, path, clients, duration);
    running.store(false, Ordering::Relaxed);
    let _ = backups.join();
    print_row(
        "local",
        &format!("GET search, {} backups", taken.load(Ordering::Relaxed)),
        &busy,
        Row::Against(&quiet),
    );
    host.stop().expect("stop the host");
}
