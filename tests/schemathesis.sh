#!/usr/bin/env bash
# Fuzzes every operation of schema/openapi.yaml against the local host with Schemathesis and
# fails on any 5xx, on an undocumented status or content type, and on a body that does not
# match the document (errors included: every one must be a problem+json `Problem`).
#
#   tests/schemathesis.sh                  # at most 50 examples per operation
#   SCHEMATHESIS_EXAMPLES=200 tests/schemathesis.sh
#
# The tools (pinned) go into tests/.venv. The host is target/release/rainbownet (built if
# missing) on a free loopback port with the demo region and a data directory of its own, and
# it is stopped afterwards. The document it serves is first validated as OpenAPI 3.1. A sysadmin who is also org admin, municipal staff, disaster
# HQ and a professional is registered with the bootstrap token and logs in (password and
# TOTP); every request carries their access token, renewed with the refresh token before it
# runs out. Logout is fuzzed last, on its own, as it revokes the token it is sent with.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

# Schemathesis, and openapi-spec-validator for the document itself (it checks it against the
# OpenAPI 3.1 schema and resolves its references): Schemathesis reads a document leniently.
PINS="schemathesis==4.32.5 openapi-spec-validator==0.9.0"
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-50}
VENV="$ROOT/tests/.venv"

if [ "$(cat "$VENV/.pins" 2>/dev/null)" != "$PINS" ]; then
    echo "installing $PINS into $VENV"
    if ! python3 -m venv "$VENV"; then
        # Debian's python3 has no venv module without this package.
        command -v apt-get >/dev/null || { echo "python3 -m venv does not work" >&2; exit 1; }
        sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
        $sudo_cmd apt-get update -q && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q python3-venv
        rm -rf "$VENV"
        python3 -m venv "$VENV"
    fi
    # shellcheck disable=SC2086 # one argument per pin
    "$VENV/bin/pip" install --quiet --disable-pip-version-check $PINS
    echo "$PINS" >"$VENV/.pins"
fi
[ -x target/release/rainbownet ] || cargo build --release -p rainbownet

WORK=$(mktemp -d)
ADMIN_TOKEN="schemathesis-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
RAINBOWNET_ADMIN_TOKEN="$ADMIN_TOKEN" target/release/rainbownet serve --demo \
    --addr 127.0.0.1:0 --data "$WORK/data" >"$WORK/host.log" 2>&1 &
HOST_PID=$!
stop() {
    kill "$HOST_PID" 2>/dev/null || true
    wait "$HOST_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap stop EXIT

BASE=
for _ in $(seq 300); do
    BASE=$(sed -n 's|^RainbowNet listening on \(http://[^ ]*\).*|\1|p' "$WORK/host.log")
    [ -n "$BASE" ] && break
    kill -0 "$HOST_PID" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$BASE" ]; then
    echo "the local host did not start:" >&2
    cat "$WORK/host.log" >&2
    exit 1
fi
echo "local host at $BASE (pid $HOST_PID)"

# The document as served must be valid OpenAPI 3.1.
"$VENV/bin/python" -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' \
    "$BASE/api/v1/openapi.json" "$WORK/openapi.json"
"$VENV/bin/openapi-spec-validator" --schema 3.1 "$WORK/openapi.json"

# The hooks module. Run as a script, it registers the caller and logs them in; imported by
# Schemathesis, it gives every request the caller's access token, renewed with the refresh
# token every 4 minutes (tokens live 10). The session is kept in a file, so the second run
# goes on with the tokens the first one left.
cat >"$WORK/rainbownet_auth.py" <<'PY'
import base64, hashlib, hmac, json, os, struct, time, urllib.error, urllib.request

BASE = os.environ["RAINBOWNET_BASE"]
SESSION_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "session.json")
PASSWORD = "schemathesis correct horse battery"


def call(method, path, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def totp(secret, at):
    """RFC 6238: HMAC-SHA1 over the 30-second step, six digits."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def save(tokens):
    with open(SESSION_FILE, "w") as f:
        json.dump({"access": tokens["access_token"], "refresh": tokens["refresh_token"]}, f)


if __name__ == "__main__":
    email = f"schemathesis-{int(time.time())}@example.jp"
    status, enrolment = call("POST", "/api/v1/auth/professionals", {
        "organization": {"municipality_code": "23233", "kind": "municipality", "name": "清須市役所"},
        "email": email, "name": "試験 管理者", "profession": "municipal_staff",
        "roles": ["sysadmin", "org_admin", "municipal_staff", "disaster_hq", "professional"],
        "password": PASSWORD,
    }, token=os.environ["RAINBOWNET_ADMIN_TOKEN"])
    if status != 201:
        raise SystemExit(f"registering the caller: {status} {enrolment}")
    status, tokens = call("POST", "/api/v1/auth/login",
                          {"email": email, "password": PASSWORD, "totp": totp(enrolment["totp_secret"], time.time())})
    if status != 200:
        raise SystemExit(f"logging in: {status} {tokens}")
    save(tokens)
    print(f"logged in as {email}")
else:
    import schemathesis

    @schemathesis.auth(refresh_interval=240)
    class RainbowNet:
        def get(self, case, ctx):
            with open(SESSION_FILE) as f:
                session = json.load(f)
            status, fresh = call("POST", "/api/v1/auth/refresh", {"refresh_token": session["refresh"]})
            if status != 200:
                return session["access"]  # revoked by logout: what it answers is still checked
            save(fresh)
            return fresh["access_token"]

        def set(self, case, data, ctx):
            case.headers = case.headers or {}
            case.headers["Authorization"] = f"Bearer {data}"
PY
RAINBOWNET_BASE="$BASE" RAINBOWNET_ADMIN_TOKEN="$ADMIN_TOKEN" "$VENV/bin/python" "$WORK/rainbownet_auth.py"

CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
run() {
    # From the scratch directory, where Schemathesis leaves its cache.
    (cd "$WORK" && PYTHONPATH="$WORK" SCHEMATHESIS_HOOKS=rainbownet_auth RAINBOWNET_BASE="$BASE" \
        "$VENV/bin/schemathesis" run "$BASE/api/v1/openapi.json" \
        --checks "$CHECKS" --max-examples "$EXAMPLES" --seed 20261126 \
        --workers 2 --request-timeout 30 --no-color --suppress-health-check all \
        --generation-database none "$@")
}

started=$(date +%s)
status=0
run --exclude-operation-id logout || status=$?
# One operation has no links to follow: no stateful phase.
run --include-operation-id logout --phases examples,coverage,fuzzing || status=$?
echo "schemathesis: $(( $(date +%s) - started )) s, exit $status"
if grep -q "panicked" "$WORK/host.log"; then
    echo "the host panicked:" >&2
    grep -A5 "panicked" "$WORK/host.log" >&2
    status=1
fi
exit "$status"
