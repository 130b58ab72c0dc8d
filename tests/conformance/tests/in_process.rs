//! The conformance suite as tests `cargo test` runs and filters: every case against the
//! local host's request handling in this process (no port), one test per case, so one case
//! runs alone by its name (`cargo test -p conformance --test in_process -- "notice"`).
//! Against real servers the same cases run with `conformance local workerd spin`.

use std::sync::OnceLock;

use conformance::cases::{self, Case};
use conformance::client::Client;
use libtest_mimic::{Arguments, Failed, Trial};

/// One host for the whole run, as the suite has against a server (the cases make their
/// own people and records, so they do not lean on one another's).
static HOST: OnceLock<Result<(Client, tempfile::TempDir), String>> = OnceLock::new();

fn client() -> Result<&'static Client, Failed> {
    HOST.get_or_init(|| {
        conformance::hosts::in_process().map(|(host, state)| (Client::in_process(host), state))
    })
    .as_ref()
    .map(|(client, _)| client)
    .map_err(|e| format!("the in-process host did not start: {e}").into())
}

fn trial(case: &'static Case) -> Trial {
    Trial::test(case.name, move || {
        (case.run)(client()?).map_err(Failed::from)
    })
}

fn main() {
    let mut args = Arguments::from_args();
    // One at a time, as against a server: some cases count what the whole host did (login
    // limits per address, the audit log).
    args.test_threads = Some(1);
    let conclusion = libtest_mimic::run(&args, cases::all().map(trial).collect());
    // A static is never dropped: remove the host's data directory here.
    if let Some(Ok((_, state))) = HOST.get() {
        let _ = std::fs::remove_dir_all(state.path());
    }
    conclusion.exit();
}
