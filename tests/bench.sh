#!/usr/bin/env bash
# Benchmarks of the foundation: request rate and latency on the local host, through
# workerd and through the Spin harness (tests/spin-harness), each beside a baseline of the
# same server, and each function's wasm size.
# Run ./tests/run-all.sh once first (it builds everything this needs).
#   ./tests/bench.sh [--seconds N] [--clients N] [local] [workerd] [spin] [foundation|resources|…]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cargo build --release -q -p rainbownet -p conformance
exec ./target/release/bench "$@"
