#!/usr/bin/env bash
# Backup benchmark: `rainbownet backup create` beside a plain copy of the same files, and the
# local host's request rate during back-to-back backups beside without, in one run.
#   ./tests/bench-backup.sh [--seconds N] [--clients N] [--resources N]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cargo build --release -q -p rainbownet -p conformance
exec ./target/release/bench_backup "$@"
