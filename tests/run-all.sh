#!/usr/bin/env bash
# Runs every RainbowNet test, installing what it needs first. Safe to run again: each
# install step is skipped when what it installs is already there at the pinned version.
#
#   ./tests/run-all.sh
#
# Steps: toolchain and tools → format and lint (native and both wasm targets) → unit and
# integration tests → the core's dependency tree → Spin components (build, import check)
# → the Spin test harness (wasmtime; its own crate) → Workers (worker-build) → the Workers
# deploy path with wrangler dev →
# conformance suite against the local host, workerd, Spin (the harness) and in process →
# crash test → Litestream restore drill → schemathesis → browser tests → the size of each function's wasm.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Versions that work together on this toolchain (see ../shared/EDGE-NOTES.md).
WASM_BINDGEN_VERSION=0.2.130
WORKER_BUILD_VERSION=0.8.7
WASM_TOOLS_VERSION=1.263.0
FUNCTIONS=(portal care disaster health assets)
MAX_WASM_GZIP_BYTES=$((1024 * 1024))

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$cargo_bin:$PATH"

started=$SECONDS
step() { printf '\n==> [%4ds] %s\n' $((SECONDS - started)) "$*"; }
fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

# --- toolchain and tools ---------------------------------------------------------------
step "toolchain: rust targets and components"
command -v cargo >/dev/null || fail "cargo not found: install Rust with rustup (https://rustup.rs)"
if command -v rustup >/dev/null; then
    installed_targets="$(rustup target list --installed)"
    for target in wasm32-unknown-unknown wasm32-wasip2; do
        grep -qx "$target" <<<"$installed_targets" || rustup target add "$target"
    done
    installed_components="$(rustup component list --installed)"
    for component in clippy rustfmt; do
        grep -q "^$component" <<<"$installed_components" || rustup component add "$component"
    done
fi

step "tools: wasm-bindgen-cli $WASM_BINDGEN_VERSION, worker-build $WORKER_BUILD_VERSION, wasm-tools $WASM_TOOLS_VERSION"
have_version() { command -v "$1" >/dev/null && "$1" --version 2>/dev/null | grep -qF "$2"; }
# wasm-bindgen-cli must be installed without --locked (its lockfile pins a yanked crate).
have_version wasm-bindgen "$WASM_BINDGEN_VERSION" ||
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
have_version worker-build "$WORKER_BUILD_VERSION" ||
    cargo install worker-build --version "$WORKER_BUILD_VERSION" --locked
have_version wasm-tools "$WASM_TOOLS_VERSION" ||
    cargo install wasm-tools --version "$WASM_TOOLS_VERSION" --locked

step "tools: node and the npm packages of tests/ (wrangler, miniflare, binaryen, esbuild)"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    if command -v apt-get >/dev/null; then
        sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
        $sudo_cmd apt-get update -q && $sudo_cmd apt-get install -y -q nodejs npm
    else
        fail "node and npm are needed (Node 20 or newer)"
    fi
fi
step "tools: Debian's chromium and Japanese fonts for the browser tests"
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || fail "install ${missing[*]} (Debian packages) for the browser tests"
    sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -q && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q "${missing[@]}"
fi

lock_sum="$(sha256sum tests/package-lock.json | cut -d' ' -f1)"
stamp="tests/node_modules/.rainbownet-lock-sha256"
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
    (cd tests && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_sum" >"$stamp"
fi
export WASM_BINDGEN_BIN="$cargo_bin/wasm-bindgen"
export WASM_OPT_BIN="$root/tests/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$root/tests/node_modules/.bin/esbuild"

# --- format, lint, unit tests ----------------------------------------------------------
step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (native, all targets)"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo clippy (wasm32-wasip2: Spin entry points and adapter)"
spin_packages=(-p adapter-spin); worker_packages=(-p adapter-workers)
for f in "${FUNCTIONS[@]}"; do spin_packages+=(-p "rainbownet-$f"); worker_packages+=(-p "rainbownet-$f"); done
cargo clippy --release --target wasm32-wasip2 "${spin_packages[@]}" -- -D warnings

step "cargo clippy (wasm32-unknown-unknown: Workers entry points and adapter)"
cargo clippy --release --target wasm32-unknown-unknown "${worker_packages[@]}" -- -D warnings

step "cargo test (unit and integration)"
cargo test --workspace

step "the core depends on no platform crate"
core_tree="$(cargo tree -p rainbownet-core -e normal --prefix none)"
if grep -E '^(spin-sdk|worker|worker-sys|wasm-bindgen|rusqlite|tiny_http) ' <<<"$core_tree"; then
    fail "rainbownet-core depends on a platform crate (above)"
fi
echo "rainbownet-core: $(wc -l <<<"$core_tree") crates, none of them a platform crate"

# --- builds for every host -------------------------------------------------------------
step "build: local host and the test runners (release)"
cargo build --release -p rainbownet -p conformance

step "build: Spin components (wasm32-wasip2), one package at a time so each gets only its features"
for f in "${FUNCTIONS[@]}"; do
    cargo build --release --target wasm32-wasip2 -p "rainbownet-$f"
done

step "check: Spin components import only what spin.toml grants"
./target/release/conformance spin-imports

# The harness that runs the Spin components under wasmtime with Spin's published
# interfaces (tests/spin-harness/README.md): its own crate, lock file and target directory.
harness=(--manifest-path tests/spin-harness/Cargo.toml --release --locked)
step "spin harness: format, lint, build"
cargo fmt --manifest-path tests/spin-harness/Cargo.toml -- --check
cargo clippy "${harness[@]}" --all-targets -- -D warnings
cargo build "${harness[@]}"
step "spin harness: its own tests (routing, variables, grants on the real components)"
cargo test "${harness[@]}"

step "build: Workers (worker-build with local wasm-bindgen, wasm-opt, esbuild)"
./tests/worker-build.sh "${FUNCTIONS[@]}"

step "the Workers deploy path of docs/operations.md in wrangler's local mode (five wrangler dev, one origin)"
./tests/deploy-local.sh --together --move

# --- conformance -----------------------------------------------------------------------
step "conformance suite against the local host, workerd, Spin (the harness) and the local host in process"
./target/release/conformance local workerd spin in-process
step "crash test: SIGKILL the local host in a surge of check-ins"
./target/release/conformance crash

step "Litestream restore drill: replicate to S3 (SeaweedFS) under a surge, SIGKILL, wipe, restore"
./tests/litestream-drill.sh

step "abuse bench, short form: the six attacks of issue #33, each beside its baseline and goal"
# Figures, not assertions (timed goals do not pass or fail a test run): the run fails only if
# the bench itself does. ./tests/bench-abuse.sh without --short is the long form.
./tests/bench-abuse.sh --short

step "schemathesis: every operation of schema/openapi.yaml fuzzed against the local host"
./tests/schemathesis.sh

step "browser tests (Playwright in Debian's chromium; screenshots in tests/output/)"
node --test tests/browser/

step "wasm size per function (limit: 1 MiB gzip)"
too_big=0
for f in "${FUNCTIONS[@]}"; do
    for wasm in "target/wasm32-wasip2/release/rainbownet_$f.wasm" "functions/$f/build/index_bg.wasm"; do
        raw=$(stat -c %s "$wasm")
        gz=$(gzip -9 -c "$wasm" | wc -c)
        printf '%-48s %8d bytes raw %8d bytes gzip\n' "$wasm" "$raw" "$gz"
        [ "$gz" -le "$MAX_WASM_GZIP_BYTES" ] || too_big=1
    done
done
[ "$too_big" -eq 0 ] || fail "a function's wasm is over 1 MiB gzip"

step "all tests passed in $((SECONDS - started)) s"
