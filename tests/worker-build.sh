#!/usr/bin/env bash
# Builds the Workers of the named functions (all five when none are named) with
# worker-build, then drops the wasm `name` section (symbol names, which only stack traces
# read: a tenth of the care Worker) so that each stays within its 1 MiB gzip budget.
# worker-build keeps that section on purpose (it passes --debuginfo to wasm-opt), hence the
# separate step. Needs WASM_BINDGEN_BIN, WASM_OPT_BIN and ESBUILD_BIN (tests/run-all.sh
# sets them) and wasm-tools.
#   ./tests/worker-build.sh [portal] [care] [disaster] [health] [assets]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
worker_build="$(command -v worker-build || echo "$cargo_bin/worker-build")"
wasm_tools="$(command -v wasm-tools || echo "$cargo_bin/wasm-tools")"
functions=("$@")
[ ${#functions[@]} -gt 0 ] || functions=(portal care disaster health assets)
for f in "${functions[@]}"; do
    (cd "functions/$f" && "$worker_build" --release)
    "$wasm_tools" strip --delete '^name$' "functions/$f/build/index_bg.wasm" \
        -o "functions/$f/build/index_bg.wasm"
done
