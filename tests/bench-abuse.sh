#!/usr/bin/env bash
# The six attacks of issue #33 on the local host, each figure beside its baseline and goal:
#   ./tests/bench-abuse.sh            # 21,000 resources, 10 s each, 1,030 trickling connections
#   ./tests/bench-abuse.sh --short    # what the test command runs: 5,000 resources, 3 s each
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# The attacker holds over a thousand connections: more descriptors than the usual 1,024.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
cargo build --release -q -p rainbownet -p conformance
exec ./target/release/bench_abuse "$@"
