#!/usr/bin/env bash
# The Cloudflare Workers deploy path of docs/operations.md, run in wrangler's local mode: `--local` where a
# deployment says `--remote`, `wrangler dev` where it says `wrangler deploy`.
#
#   tests/deploy-local.sh              # the five Workers, each on its own port, then checks
#   tests/deploy-local.sh --together   # also one origin in front that routes as Cloudflare does
#   tests/deploy-local.sh --together --serve   # ... and keep running until Ctrl-C
#   tests/deploy-local.sh --move       # also move a town from the local host into D1 and back
#   --keep: keep the logs and the state directory (they are kept anyway on failure)
#
# Steps (those of docs/operations.md, in order):
#   1. the pinned wrangler (tests/node_modules/.bin/wrangler, from `cd tests && npm ci`);
#   2. the Workers built by `worker-build --release` (built here if functions/*/build is missing);
#   3. a fresh state directory: the migrations of the three D1 databases, the demo region;
#   4. `wrangler dev` of each of the five functions, all on the same state (deployed Workers
#      share their D1 databases and KV namespaces too), each with only its own secrets;
#   5. a request to each Worker, and proof that the secrets went where docs/operations.md says;
#   6. with --move, "Moving a town" of docs/operations.md: a local host's data (written through
#      its API) by `rainbownet backup export-sql` into D1 and the auth KV, read back through the
#      Workers with the same TOTP; then `wrangler d1 export` and `rainbownet backup import-sql`
#      back into a local host, which shows the same and what the Workers wrote.
#
# Secrets: in local dev wrangler reads `.dev.vars` next to the config, and the five configs
# share one directory, so one `.dev.vars` would give every Worker every secret. Instead each
# Worker gets its own file through `--env-file` (wrangler then does not read `.dev.vars`);
# Workers without secrets get an empty one. The files live in the temporary directory only.
#
# Running the functions together: wrangler 4.86 can not route between several Workers on
# one origin. Its multi-config mode (`wrangler dev -c a.json -c b.json`) sends every request
# to the first Worker (the others are reachable only through service bindings, which these
# Workers do not have), and gives the other Workers neither `--env-file` nor `--var`. So
# `--together` puts a small Node proxy in front of the five `wrangler dev` processes that
# picks the Worker by the configs' route patterns, the most specific pattern winning, as
# Cloudflare does. (tests/workerd/serve.mjs does the same routing with Miniflare, without
# wrangler dev.)
#
# Every process started here is stopped on exit, on failure and on Ctrl-C (by process group).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

FUNCTIONS=(portal care disaster health assets)
DATABASES=(public care disaster)
READY_TIMEOUT=${DEPLOY_LOCAL_READY_TIMEOUT:-240}

together=0
serve=0
keep=0
move=0
for arg in "$@"; do
    case "$arg" in
        --together) together=1 ;;
        --serve) serve=1 ;;
        --keep) keep=1 ;;
        --move) move=1 ;;
        -h | --help) sed -n '2,32p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
    esac
done
if [ "$serve" -eq 1 ] && [ "$together" -eq 0 ]; then
    echo "--serve needs --together" >&2
    exit 2
fi

started=$SECONDS
step() { printf '\n==> [%4ds] %s\n' $((SECONDS - started)) "$*"; }
die() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

# --- 1. the pinned wrangler, quiet ------------------------------------------------------
wrangler="$root/tests/node_modules/.bin/wrangler"
[ -x "$wrangler" ] || die "$wrangler is missing: run (cd tests && npm ci)"
command -v node >/dev/null || die "node is needed (wrangler runs on it)"
command -v curl >/dev/null || die "curl is needed for the checks"
command -v openssl >/dev/null || die "openssl is needed to make the token seed"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/rainbownet-deploy-local.XXXXXX")"
state="$tmp/state"
mkdir -p "$tmp/logs" "$tmp/secrets"
chmod 700 "$tmp"

export WRANGLER_SEND_METRICS=false
export WRANGLER_SEND_ERROR_REPORTS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false
export NO_D1_WARNING=true
export CI=true
export WRANGLER_HIDE_BANNER=true
export WRANGLER_CI_DISABLE_CONFIG_WATCHING=true
# wrangler's own logs and its registry of running dev sessions: here, not in ~/.config.
export WRANGLER_LOG_PATH="$tmp/logs/wrangler"
export WRANGLER_REGISTRY_PATH="$tmp/registry"
# Secrets come from the --env-file of each Worker only, never from this shell's environment.
export CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV=true
unset CLOUDFLARE_INCLUDE_PROCESS_ENV CLOUDFLARE_ENV
unset RAINBOWNET_ADMIN_TOKEN RAINBOWNET_JWT_SEED RAINBOWNET_JWT_PUBLIC_KEY RAINBOWNET_DATA_KEY

# --- cleanup: every process group started here ------------------------------------------
groups=()
serving=0
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    local pgid
    for pgid in "${groups[@]}"; do
        kill -TERM -- "-$pgid" 2>/dev/null || true
    done
    for pgid in "${groups[@]}"; do
        for _ in $(seq 1 50); do
            kill -0 -- "-$pgid" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL -- "-$pgid" 2>/dev/null || true
    done
    # Ctrl-C is how --serve ends: not a failure.
    [ "$serving" -eq 1 ] && [ "$status" -eq 130 ] && status=0
    if [ "$status" -ne 0 ] || [ "$keep" -eq 1 ]; then
        echo "logs and state kept in $tmp" >&2
    else
        rm -rf "$tmp"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts "$@" in a process group of its own (setsid: its PID is the group's id), output to
# a log; its PID in $last_pid.
start_group() {
    local log="$1"
    shift
    : >"$log"
    setsid "$@" >>"$log" 2>&1 </dev/null &
    local pid=$!
    groups+=("$pid")
    last_pid=$pid
}

# --- 2. the Workers, built as docs/operations.md says --------------------------------------
step "Workers built by worker-build --release (functions/<f>/build/)"
missing=()
for f in "${FUNCTIONS[@]}"; do
    [ -s "functions/$f/build/index.js" ] && [ -s "functions/$f/build/index_bg.wasm" ] || missing+=("$f")
done
if [ ${#missing[@]} -gt 0 ]; then
    cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
    export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$cargo_bin/wasm-bindgen}"
    export WASM_OPT_BIN="${WASM_OPT_BIN:-$root/tests/node_modules/.bin/wasm-opt}"
    export ESBUILD_BIN="${ESBUILD_BIN:-$root/tests/node_modules/.bin/esbuild}"
    command -v worker-build >/dev/null || [ -x "$cargo_bin/worker-build" ] ||
        die "worker-build is missing: tests/run-all.sh installs it"
    ./tests/worker-build.sh "${missing[@]}"
fi
for f in "${FUNCTIONS[@]}"; do
    printf '  %-9s %8d bytes wasm\n' "$f" "$(stat -c %s "functions/$f/build/index_bg.wasm")"
done

rainbownet="$root/target/release/rainbownet"
if [ ! -x "$rainbownet" ]; then
    step "cargo build --release -p rainbownet (target/release/rainbownet)"
    cargo build --release -p rainbownet
fi

# --- 3. stores: migrations and the demo region -------------------------------------------
# health.json binds all three databases, so it serves for every d1 command.
step "D1 migrations (wrangler d1 migrations apply --local), state in $state"
for db in "${DATABASES[@]}"; do
    "$wrangler" d1 migrations apply "rainbownet-$db" --local --persist-to "$state" \
        -c edge-config/wrangler/health.json >"$tmp/logs/migrate-$db.log" 2>&1 ||
        { cat "$tmp/logs/migrate-$db.log" >&2; die "migrations of rainbownet-$db"; }
    applied="$(grep '✅' "$tmp/logs/migrate-$db.log" | grep -o '[0-9A-Za-z_]*\.sql' | sort -u | wc -l)"
    [ "$applied" -eq "$(find "schema/$db" -name '*.sql' | wc -l)" ] ||
        { cat "$tmp/logs/migrate-$db.log" >&2; die "rainbownet-$db: not every migration of schema/$db applied"; }
    printf '  rainbownet-%-9s %s migrations applied\n' "$db" "$applied"
done

step "demo region: target/release/rainbownet demo-sql public | wrangler d1 execute --local"
"$rainbownet" demo-sql public >"$tmp/demo.sql"
"$wrangler" d1 execute rainbownet-public --local --persist-to "$state" --file "$tmp/demo.sql" \
    -c edge-config/wrangler/health.json >"$tmp/logs/demo.log" 2>&1 ||
    { cat "$tmp/logs/demo.log" >&2; die "loading the demo region"; }
echo "  $(wc -c <"$tmp/demo.sql") bytes of SQL loaded into rainbownet-public"

conformance="$root/target/release/conformance"
if [ "$move" -eq 1 ]; then
    step "a town to move: the local host's data written through its API, then rainbownet backup export-sql"
    [ -x "$conformance" ] || cargo build --release -p conformance
    mkdir -p "$tmp/move"
    "$conformance" move out --dir "$tmp/move" || die "writing and exporting the town to move"
fi

# --- 4. secrets, one file per Worker, and wrangler dev of each ---------------------------
step "secrets: a token seed (openssl rand -hex 32), its public key (rainbownet keys public)"
old_umask="$(umask)"
umask 077
seed="$(openssl rand -hex 32)"
public_key="$(RAINBOWNET_JWT_SEED="$seed" "$rainbownet" keys public)"
admin_token="$(openssl rand -hex 24)"
[[ "$public_key" =~ ^[0-9a-f]{64}$ ]] || die "rainbownet keys public printed '$public_key'"
# What each Worker is given, as `wrangler secret put` gives it in docs/operations.md.
declare -A secrets=(
    [portal]="RAINBOWNET_ADMIN_TOKEN RAINBOWNET_JWT_PUBLIC_KEY"
    [care]="RAINBOWNET_ADMIN_TOKEN RAINBOWNET_JWT_SEED"
    [disaster]="RAINBOWNET_JWT_PUBLIC_KEY"
    [health]=""
    [assets]=""
)
# A moved town's TOTP seeds open only under its data key: care is given it (secrets.json).
if [ "$move" -eq 1 ]; then
    secrets[care]+=" RAINBOWNET_DATA_KEY"
    moved_data_key="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).RAINBOWNET_DATA_KEY ?? "")' "$tmp/move/sql/secrets.json")"
    [[ "$moved_data_key" =~ ^[0-9a-f]{64}$ ]] || die "secrets.json of the moved town holds no data key"
fi
secret_value() {
    case "$1" in
        RAINBOWNET_DATA_KEY) echo "$moved_data_key" ;;
        RAINBOWNET_ADMIN_TOKEN) echo "$admin_token" ;;
        RAINBOWNET_JWT_SEED) echo "$seed" ;;
        RAINBOWNET_JWT_PUBLIC_KEY) echo "$public_key" ;;
    esac
}
for f in "${FUNCTIONS[@]}"; do
    : >"$tmp/secrets/$f.env"
    for name in ${secrets[$f]}; do
        echo "$name=$(secret_value "$name")" >>"$tmp/secrets/$f.env"
    done
    printf '  %-9s %s\n' "$f" "${secrets[$f]:-(none)}"
done
umask "$old_umask"

# Free loopback ports: one for each Worker, one for each Worker's inspector, one in front.
# Taken below the kernel's ephemeral range, so that the ports wrangler and workerd open with
# port 0 meanwhile can not land on one of them.
mapfile -t ports < <(node -e '
  const net = require("node:net");
  const fs = require("node:fs");
  const wanted = Number(process.argv[1]);
  let low = 32768;
  try { low = Number(fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").split(/\s+/)[0]) || low; } catch {}
  const top = Math.max(low, 12000) - 1, bottom = Math.max(10000, top - 20000);
  const free = (port) => new Promise((ok) => {
    const s = net.createServer().once("error", () => ok(false));
    s.listen(port, "127.0.0.1", () => s.close(() => ok(true)));
  });
  (async () => {
    const found = new Set();
    for (let tries = 0; found.size < wanted && tries < 1000; tries++) {
      const port = bottom + Math.floor(Math.random() * (top - bottom));
      if (!found.has(port) && (await free(port))) found.add(port);
    }
    for (const port of found) console.log(port);
  })();' $((2 * ${#FUNCTIONS[@]} + 1)))
[ "${#ports[@]}" -eq $((2 * ${#FUNCTIONS[@]} + 1)) ] || die "no free loopback ports"
declare -A port inspector pid
i=0
for f in "${FUNCTIONS[@]}"; do
    port[$f]=${ports[$i]}
    inspector[$f]=${ports[$((i + ${#FUNCTIONS[@]}))]}
    i=$((i + 1))
done
front_port=${ports[$((2 * ${#FUNCTIONS[@]}))]}

# One at a time: workerd processes starting together on one state directory can find its
# SQLite files locked (SQLITE_BUSY) and exit; a Worker that does is started again.
start_worker() {
    local f="$1" attempt deadline
    for attempt in 1 2 3; do
        start_group "$tmp/logs/$f.log" "$wrangler" dev --local \
            -c "edge-config/wrangler/$f.json" --persist-to "$state" \
            --ip 127.0.0.1 --port "${port[$f]}" --inspector-port "${inspector[$f]}" \
            --env-file "$tmp/secrets/$f.env" --show-interactive-dev-session=false
        pid[$f]=$last_pid
        deadline=$((SECONDS + READY_TIMEOUT))
        while ! grep -q "Ready on http://127.0.0.1:${port[$f]}" "$tmp/logs/$f.log"; do
            if ! kill -0 "${pid[$f]}" 2>/dev/null; then
                break
            fi
            if [ "$SECONDS" -ge "$deadline" ]; then
                cat "$tmp/logs/$f.log" >&2
                die "wrangler dev of $f not ready after ${READY_TIMEOUT}s"
            fi
            sleep 0.3
        done
        if grep -q "Ready on http://127.0.0.1:${port[$f]}" "$tmp/logs/$f.log"; then
            printf '  %-9s http://127.0.0.1:%s (pid %s, its own process group)\n' "$f" "${port[$f]}" "${pid[$f]}"
            return 0
        fi
        cp "$tmp/logs/$f.log" "$tmp/logs/$f.attempt-$attempt.log"
        echo "  $f: wrangler dev exited before it was ready (attempt $attempt; log in $f.attempt-$attempt.log)"
        sleep 1
    done
    cat "$tmp/logs/$f.log" >&2
    die "wrangler dev of $f exited"
}

step "wrangler dev --local of each function, on one shared state"
for f in "${FUNCTIONS[@]}"; do
    start_worker "$f"
done

# --- the optional origin in front: routes as Cloudflare would ----------------------------
if [ "$together" -eq 1 ]; then
    step "one origin in front of the five Workers (routes of edge-config/wrangler/*.json)"
    cat >"$tmp/front.mjs" <<'EOF'
// Sends each request to the Worker whose route pattern matches it, the most specific
// (longest) pattern winning, as Cloudflare picks among a zone's routes. A pattern ending in
// `*` matches by prefix; any other must equal the whole path and query string.
import { readFileSync } from "node:fs";
import http from "node:http";

const [listen, ...targets] = process.argv.slice(2);
const routes = [];
for (const target of targets) {
  const [config, port] = target.split("=");
  for (const route of JSON.parse(readFileSync(config, "utf8")).routes ?? []) {
    const path = route.pattern.slice(route.pattern.indexOf("/"));
    routes.push({ path, port: Number(port), prefix: path.endsWith("*") });
  }
}
routes.sort((a, b) => b.path.length - a.path.length);
const pick = (url) =>
  routes.find((r) => (r.prefix ? url.startsWith(r.path.slice(0, -1)) : url === r.path));

http
  .createServer((req, res) => {
    const route = pick(req.url);
    if (!route) {
      res.writeHead(502).end("no route\n");
      return;
    }
    const upstream = http.request(
      { host: "127.0.0.1", port: route.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.headersSent ? res.destroy() : res.writeHead(502).end("upstream error\n"));
    req.pipe(upstream);
  })
  .listen(Number(listen), "127.0.0.1", () => console.log(`front listening on http://127.0.0.1:${listen}`));
EOF
    front_args=()
    for f in "${FUNCTIONS[@]}"; do front_args+=("edge-config/wrangler/$f.json=${port[$f]}"); done
    start_group "$tmp/logs/front.log" node "$tmp/front.mjs" "$front_port" "${front_args[@]}"
    front_pid=$last_pid
    for _ in $(seq 1 100); do
        grep -q "front listening" "$tmp/logs/front.log" && break
        kill -0 "$front_pid" 2>/dev/null || { cat "$tmp/logs/front.log" >&2; die "the front proxy exited"; }
        sleep 0.1
    done
    grep -q "front listening" "$tmp/logs/front.log" || die "the front proxy did not start"
    echo "  http://127.0.0.1:$front_port"
fi

# --- 5. checks ----------------------------------------------------------------------------
failures=0
pass() { printf '  ok    %s\n' "$1"; }
fail() { printf '  FAIL  %s\n' "$1"; failures=$((failures + 1)); }

# request NAME METHOD URL [curl args…]: status in $status, content type in $ctype, body in
# $tmp/body-NAME.
request() {
    local name="$1" method="$2" url="$3"
    shift 3
    local out
    out="$(curl -sS -o "$tmp/body-$name" -w '%{http_code} %{content_type}' -X "$method" \
        --max-time 60 "$@" "$url" 2>"$tmp/curl-$name.err")" || out="000 -"
    status="${out%% *}"
    ctype="${out#* }"
}
# expect LABEL STATUS TYPE_PREFIX: the last request answered STATUS with that content type.
expect() {
    if [ "$status" = "$2" ] && [[ "$ctype" == "$3"* ]]; then
        pass "$1: $status $ctype"
    else
        fail "$1: wanted $2 $3, got $status $ctype"
    fi
}
json_field() { node -e 'const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]]; if (v !== undefined) console.log(typeof v === "object" ? JSON.stringify(v) : v);' "$1" "$2" 2>/dev/null || true; }

# The origin each Worker is asked through: its own port, or (set_base front) the one origin.
declare -A base
set_base() {
    local f
    for f in "${FUNCTIONS[@]}"; do
        if [ "$1" = front ]; then base[$f]="http://127.0.0.1:$front_port"; else base[$f]="http://127.0.0.1:${port[$f]}"; fi
    done
}

# One request to each Worker; none changes the state.
worker_checks() {
    request home GET "${base[portal]}/"
    expect "portal    GET /" 200 "text/html"
    request css GET "${base[assets]}/app/app.css"
    expect "assets    GET /app/app.css" 200 "text/css"
    request healthz GET "${base[health]}/healthz"
    expect "health    GET /healthz" 200 "application/json"
    request municipalities GET "${base[portal]}/api/v1/public/municipalities"
    if [ "$status" = 200 ] && grep -q '23233' "$tmp/body-municipalities"; then
        pass "portal    GET /api/v1/public/municipalities: 200, the demo region is there (shared D1)"
    else
        fail "portal    GET /api/v1/public/municipalities: wanted 200 with the demo region, got $status"
    fi
    request badlogin POST "${base[care]}/api/v1/auth/login" -H 'content-type: application/json' \
        --data '{"email":"nobody@example.jp","password":"not the password","totp":"123456"}'
    expect "care      POST /api/v1/auth/login, unknown account" 401 "application/problem+json"
    request events GET "${base[disaster]}/api/v1/disaster/events"
    expect "disaster  GET /api/v1/disaster/events, no token" 401 "application/problem+json"
}

step "a request to each Worker on its own port"
set_base own
worker_checks
if [ "$together" -eq 1 ]; then
    step "the same requests through the one origin (each must reach the right Worker)"
    set_base front
    worker_checks
fi

step "each Worker holds only its own secrets (wrangler's binding list of each)"
for f in "${FUNCTIONS[@]}"; do
    bound="$(grep -o 'env\.RAINBOWNET_[A-Z_]*' "$tmp/logs/$f.log" | sed 's/^env\.//' | sort -u | paste -sd' ' || true)"
    wanted="$(tr ' ' '\n' <<<"${secrets[$f]}" | grep . | sort -u | paste -sd' ' || true)"
    if [ "$bound" = "$wanted" ]; then
        pass "$(printf '%-9s' "$f") bound: ${bound:-(no RAINBOWNET_ secret)}"
    else
        fail "$(printf '%-9s' "$f") bound: '${bound}', wanted '${wanted}'"
    fi
done
if grep -q 'RAINBOWNET_JWT_SEED' "$tmp/logs/portal.log"; then
    fail "portal    sees RAINBOWNET_JWT_SEED"
else
    pass "portal    does not see RAINBOWNET_JWT_SEED"
fi

step "care signs tokens with the seed; portal and disaster verify them with the public key$([ "$together" -eq 1 ] && echo " (one origin)")"
password="correct horse battery staple"
email="sysadmin-$$@example.jp"
request register POST "${base[care]}/api/v1/auth/professionals" \
    -H "authorization: Bearer $admin_token" -H 'content-type: application/json' \
    --data "{\"organization\":{\"municipality_code\":\"23233\",\"kind\":\"municipality\",\"name\":\"清須市役所\"},\"email\":\"$email\",\"name\":\"試験 管理者\",\"profession\":\"municipal_staff\",\"roles\":[\"sysadmin\"],\"password\":\"$password\"}"
expect "care      POST /api/v1/auth/professionals, bootstrap token" 201 "application/json"
totp_secret="$(json_field "$tmp/body-register" totp_secret)"
access=""
if [ -n "$totp_secret" ]; then
    request wrongpw POST "${base[care]}/api/v1/auth/login" -H 'content-type: application/json' \
        --data "{\"email\":\"$email\",\"password\":\"a wrong password\",\"totp\":\"123456\"}"
    expect "care      POST /api/v1/auth/login, wrong password" 401 "application/problem+json"
    code="$(node -e '
      const crypto = require("node:crypto");
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
      let bits = "";
      for (const c of process.argv[1].replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
      const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
      const counter = Buffer.alloc(8);
      counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30)));
      const mac = crypto.createHmac("sha1", key).update(counter).digest();
      const at = mac[mac.length - 1] & 15;
      console.log(String((mac.readUInt32BE(at) & 0x7fffffff) % 1000000).padStart(6, "0"));
    ' "$totp_secret")"
    request login POST "${base[care]}/api/v1/auth/login" -H 'content-type: application/json' \
        --data "{\"email\":\"$email\",\"password\":\"$password\",\"totp\":\"$code\"}"
    expect "care      POST /api/v1/auth/login, right password and TOTP (needs the seed)" 200 "application/json"
    access="$(json_field "$tmp/body-login" access_token)"
fi
if [ -n "$access" ]; then
    request events_token GET "${base[disaster]}/api/v1/disaster/events" -H "authorization: Bearer $access"
    expect "disaster  GET /api/v1/disaster/events with care's token (public key)" 200 "application/json"
    request notice_token POST "${base[portal]}/api/v1/public/notices" \
        -H "authorization: Bearer $access" -H 'content-type: application/json' --data '{}'
    if [[ "$status" =~ ^4 ]] && [ "$status" != 401 ] && [ "$status" != 403 ]; then
        pass "portal    POST /api/v1/public/notices with care's token: past the token check ($status for the empty body)"
    else
        fail "portal    POST /api/v1/public/notices with care's token: wanted a 4xx other than 401/403, got $status"
    fi
    # The same token with its last character changed: its signature no longer holds.
    if [ "${access: -1}" = A ]; then forged="${access%?}B"; else forged="${access%?}A"; fi
    request notice_forged POST "${base[portal]}/api/v1/public/notices" \
        -H "authorization: Bearer $forged" -H 'content-type: application/json' --data '{}'
    expect "portal    POST /api/v1/public/notices with a forged token" 401 "application/problem+json"
    # Enrolling a sysadmin closed the bootstrap token: care wrote the flag to the auth KV
    # namespace, and the portal reads it from the same local state.
    request notice_bootstrap POST "${base[portal]}/api/v1/public/notices" \
        -H "authorization: Bearer $admin_token" -H 'content-type: application/json' --data '{}'
    expect "portal    bootstrap token refused once a sysadmin exists (shared auth KV)" 403 "application/problem+json"
else
    fail "no access token from care: the token checks did not run"
fi

if [ "$move" -eq 1 ]; then
    step "moving the town in: wrangler d1 execute --file of export-sql's files, wrangler kv bulk put"
    for db in "${DATABASES[@]}"; do
        "$wrangler" d1 execute "rainbownet-$db" --local --persist-to "$state" --file "$tmp/move/sql/$db.sql" \
            -c edge-config/wrangler/health.json >"$tmp/logs/move-$db.log" 2>&1 ||
            { cat "$tmp/logs/move-$db.log" >&2; die "loading $db.sql into rainbownet-$db"; }
        printf '  rainbownet-%-9s %8d bytes of SQL loaded\n' "$db" "$(stat -c %s "$tmp/move/sql/$db.sql")"
    done
    "$wrangler" kv bulk put "$tmp/move/sql/auth-kv.json" --binding AUTH_KV --local --persist-to "$state" \
        -c edge-config/wrangler/care.json >"$tmp/logs/move-kv.log" 2>&1 ||
        { cat "$tmp/logs/move-kv.log" >&2; die "loading auth-kv.json into AUTH_KV"; }
    echo "  AUTH_KV: auth-kv.json loaded"
    if out="$("$conformance" move check --base "${base[care]}" --dir "$tmp/move")"; then
        pass "${out#\[move\] ok    } (Workers)"
    else
        fail "${out#\[move\] FAIL  } (Workers)"
    fi

    step "moving the town out again: wrangler d1 export, rainbownet backup import-sql"
    # wrangler d1 export has no --persist-to: it reads .wrangler/state beside its config.
    mkdir -p "$tmp/export/.wrangler" "$tmp/back"
    cp edge-config/wrangler/health.json "$tmp/export/"
    ln -s "$state" "$tmp/export/.wrangler/state"
    # D1 exports no database with a virtual table: the public one goes table by table, without
    # the full-text tables and their shadow tables (import-sql rebuilds the index).
    tables_query="SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND m.sql NOT LIKE 'CREATE VIRTUAL%'
        AND m.name NOT LIKE 'sqlite/_%' ESCAPE '/' AND m.name NOT LIKE '/_cf/_%' ESCAPE '/'
        AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.sql LIKE 'CREATE VIRTUAL%' AND m.name LIKE v.name || '/_%' ESCAPE '/')"
    for db in "${DATABASES[@]}"; do
        (cd "$tmp/export" && "$wrangler" d1 execute "rainbownet-$db" --local -c health.json --json \
            --command "$tables_query" >"$tmp/tables-$db.json" 2>"$tmp/logs/tables-$db.log") ||
            { cat "$tmp/logs/tables-$db.log" >&2; die "listing the tables of rainbownet-$db"; }
        mapfile -t table_args < <(node -e '
          for (const r of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[0].results)
            console.log("--table"), console.log(r.name);' "$tmp/tables-$db.json")
        (cd "$tmp/export" && "$wrangler" d1 export "rainbownet-$db" --local -c health.json \
            --output "$tmp/back/$db.sql" "${table_args[@]}" >"$tmp/logs/export-$db.log" 2>&1) ||
            { cat "$tmp/logs/export-$db.log" >&2; die "wrangler d1 export of rainbownet-$db"; }
        printf '  rainbownet-%-9s %8d bytes exported (%d tables)\n' "$db" "$(stat -c %s "$tmp/back/$db.sql")" $((${#table_args[@]} / 2))
    done
    cp "$tmp/move/sql/secrets.json" "$tmp/back/"
    "$rainbownet" backup import-sql --from "$tmp/back" --data "$tmp/back-town" >"$tmp/logs/import.log" 2>&1 ||
        { cat "$tmp/logs/import.log" >&2; die "rainbownet backup import-sql"; }
    sed 's/^/  /' "$tmp/logs/import.log"
    if out="$("$conformance" move back --dir "$tmp/move" --data "$tmp/back-town")"; then
        pass "${out#\[move\] ok    } (local host on the imported directory)"
    else
        fail "${out#\[move\] FAIL  } (local host on the imported directory)"
    fi
fi

step "$([ "$failures" -eq 0 ] && echo "all checks passed" || echo "$failures check(s) failed") in $((SECONDS - started)) s"
[ "$failures" -eq 0 ] || exit 1

if [ "$serve" -eq 1 ]; then
    echo
    echo "RainbowNet on http://127.0.0.1:$front_port (Ctrl-C stops every Worker)"
    echo "bootstrap admin token: $admin_token"
    serving=1
    wait "$front_pid"
fi
