#!/bin/sh
# The real mcimd binary: started with a temporary config on 127.0.0.1 port 0 and a
# --port-file, asked /healthz, /metrics and the operator API (bearer tokens whose
# SHA-256 the config holds: 401, 403, 200 for the tenant's own data), stopped with
# SIGTERM (exit 0, port file removed, a clean log with no token in it: T-05), and
# refused with exit 2 and the key path named for bad configs and options. The PKI the
# roles load is made by `mcim pki init`.
set -eu

: "${MCIM_BIN_DIR:?run through ctest}"
MCIMD="$MCIM_BIN_DIR/mcimd"
TMP=$(mktemp -d)
PID=
cleanup() {
	if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; fi
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	[ ! -f "$TMP/log" ] || sed 's/^/  log: /' "$TMP/log" >&2
	exit 1
}

command -v curl >/dev/null || { echo "mcimd: curl not installed, skipped"; exit 0; }

TOKEN_A="sho-a-token-6e1d0c"
TOKEN_B="ro-b-token-91f3aa"
HASH_A=$(printf '%s' "$TOKEN_A" | sha256sum | cut -d' ' -f1)
HASH_B=$(printf '%s' "$TOKEN_B" | sha256sum | cut -d' ' -f1)
"$MCIM_BIN_DIR/mcim" pki init "$TMP/pki" --sho sho-a:00101 >/dev/null || fail "mcim pki init"
cat >"$TMP/mcimd.json" <<JSON
{
  "listen": {"address": "127.0.0.1", "port": 0},
  "roles": ["drf", "pva", "dpf", "auc", "icf"],
  "store": {"path": "store.db"},
  "log": {"level": "info"},
  "pki": {"dir": "pki"},
  "protocol": {"clock_skew_s": 120},
  "drf": {"token_ttl_s": 900, "dpf_url": "http://127.0.0.1:1", "pva_url": "http://127.0.0.1:2"},
  "pva": {"modes": ["remote", "semi"], "semi_lenient": true, "noncritical": ["app"], "min_assurance": 1},
  "tenants": [
    {"name": "sho-a", "kind": "sho", "plmn": "00101", "api_token_sha256": ["$HASH_A"]},
    {"name": "ro-b", "kind": "ro", "plmn": "001002", "api_token_sha256": ["$HASH_B"]}
  ],
  "limits": {"threads": 2, "shutdown_grace_s": 5}
}
JSON

"$MCIMD" --config "$TMP/mcimd.json" --port-file "$TMP/port" --roles dpf,auc 2>"$TMP/log" &
PID=$!
i=0
while [ ! -s "$TMP/port" ]; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || fail "no port file after 10 s"
	kill -0 "$PID" 2>/dev/null || fail "mcimd exited early"
	sleep 0.1
done
PORT=$(cat "$TMP/port")
case "$PORT" in '' | *[!0-9]*) fail "port file holds \"$PORT\"" ;; esac
BASE="http://127.0.0.1:$PORT"

code() { curl -s -o "$TMP/body" -w '%{http_code}' "$@"; }

[ "$(code "$BASE/healthz")" = 200 ] || fail "/healthz status"
[ "$(cat "$TMP/body")" = ok ] || fail "/healthz body: $(cat "$TMP/body")"
[ "$(code "$BASE/nowhere")" = 404 ] || fail "404"
grep -q '"error":"NOT_FOUND"' "$TMP/body" || fail "404 body: $(cat "$TMP/body")"

[ "$(code "$BASE/v1/tenants/sho-a")" = 401 ] || fail "no token: not 401"
[ "$(code -H "Authorization: Bearer wrong" "$BASE/v1/tenants/sho-a")" = 401 ] ||
	fail "wrong token: not 401"
[ "$(code -H "Authorization: Bearer $TOKEN_B" "$BASE/v1/tenants/sho-a")" = 403 ] ||
	fail "other tenant's token: not 403"
[ "$(code -H "Authorization: Bearer $TOKEN_A" "$BASE/v1/tenants/sho-a")" = 200 ] ||
	fail "own tenant: not 200"
[ "$(cat "$TMP/body")" = '{"name":"sho-a","kind":"sho","plmn":"00101","roles":"dpf,auc"}' ] ||
	fail "tenant body: $(cat "$TMP/body")"
[ "$(code -H "Authorization: Bearer $TOKEN_B" "$BASE/v1/tenants/ro-b")" = 200 ] ||
	fail "ro-b: not 200"
grep -q '"plmn":"001002"' "$TMP/body" || fail "ro-b body: $(cat "$TMP/body")"

[ "$(code "$BASE/metrics")" = 200 ] || fail "/metrics status"
grep -q '^mcimd_http_requests_total{method="GET",route="/healthz",status="200"} 1$' "$TMP/body" ||
	fail "/metrics: no healthz count"
grep -q '^mcimd_http_requests_total{method="GET",route="/v1/tenants/{tenant}",status="401"} 2$' "$TMP/body" ||
	fail "/metrics: no 401 count"
grep -q '^# TYPE mcimd_http_request_duration_seconds histogram$' "$TMP/body" ||
	fail "/metrics: no histogram"
# Every line is a comment or "name{labels} value".
if grep -v '^#' "$TMP/body" | grep -qv '^[a-z_:][a-z0-9_:]*\({.*}\)\{0,1\} [0-9.+Inf-]*$'; then
	fail "/metrics: a malformed line"
fi

kill -TERM "$PID"
set +e
wait "$PID"
rc=$?
set -e
PID=
[ "$rc" -eq 0 ] || fail "exit status $rc after SIGTERM"
[ ! -e "$TMP/port" ] || fail "port file left behind"
grep -q " info mcimd .* listening on 127.0.0.1 port $PORT, roles dpf,auc, 2 tenant(s)$" "$TMP/log" ||
	fail "no start record"
grep -q ' info SIGTERM: stopping$' "$TMP/log" || fail "no stop record"
grep -q '\] GET /v1/tenants/sho-a 200 .* tenant=sho-a$' "$TMP/log" || fail "no access record"
! grep -q "$TOKEN_A\|$TOKEN_B" "$TMP/log" || fail "a token in the log"
! grep -q ' error ' "$TMP/log" || fail "an error record"

# SIGINT stops it too.
"$MCIMD" --config "$TMP/mcimd.json" --port-file "$TMP/port2" --log-level warn 2>"$TMP/log2" &
PID=$!
i=0
while [ ! -s "$TMP/port2" ]; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || fail "no second port file"
	sleep 0.1
done
kill -INT "$PID"
set +e
wait "$PID"
rc=$?
set -e
PID=
[ "$rc" -eq 0 ] || fail "exit status $rc after SIGINT"
[ ! -s "$TMP/log2" ] || fail "records below warn: $(cat "$TMP/log2")"

# Bad configs and options: exit 2, nothing started, the fault named.
expect_usage() {
	want=$1
	shift
	set +e
	"$MCIMD" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	set -e
	[ "$rc" -eq 2 ] || fail "$*: exit status $rc, expected 2"
	grep -qF "$want" "$TMP/err" || fail "$*: message \"$(cat "$TMP/err")\", expected \"$want\""
}
sed 's/"001002"/"0010"/' "$TMP/mcimd.json" >"$TMP/bad.json"
expect_usage "mcimd: $TMP/bad.json: tenants[1].plmn: must be 5 or 6 digits (MCC and MNC)" \
	--config "$TMP/bad.json"
sed "s/\"$HASH_A\"/\"$TOKEN_A\"/" "$TMP/mcimd.json" >"$TMP/bad.json"
expect_usage "tenants[0].api_token_sha256[0]: must be 64 hex digits" --config "$TMP/bad.json"
sed 's/"threads"/"thread"/' "$TMP/mcimd.json" >"$TMP/bad.json"
expect_usage "limits.thread: unknown key" --config "$TMP/bad.json"
sed 's/"semi"\]/"semi", "remote"]/' "$TMP/mcimd.json" >"$TMP/bad.json"
expect_usage 'pva.modes[2]: mode "remote" given twice' --config "$TMP/bad.json"
sed 's/"token_ttl_s": 900/"token_ttl_s": 5/' "$TMP/mcimd.json" >"$TMP/bad.json"
expect_usage "drf.token_ttl_s:" --config "$TMP/bad.json"
sed 's|"http://127.0.0.1:1"|"ftp://x.example"|' "$TMP/mcimd.json" >"$TMP/bad.json"
expect_usage "drf.dpf_url: must be an http:// or https:// URL" --config "$TMP/bad.json"
sed 's/"clock_skew_s": 120/"clock_skew_s": 7200/' "$TMP/mcimd.json" >"$TMP/bad.json"
expect_usage "protocol.clock_skew_s:" --config "$TMP/bad.json"
echo '{"listen": {"port": 1,}}' >"$TMP/bad.json"
expect_usage "not valid JSON: line 1" --config "$TMP/bad.json"
expect_usage "cannot open: No such file or directory" --config "$TMP/none.json"
expect_usage "mcimd: --config FILE is required" --port-file "$TMP/p"
expect_usage "mcimd: --roles: unknown role \"ccif\"" --config "$TMP/mcimd.json" --roles drf,ccif
expect_usage "mcimd: --log-level: \"loud\" is not one of" --config "$TMP/mcimd.json" --log-level loud
expect_usage "mcimd: unknown option --bogus" --bogus
expect_usage "mcimd: --config: missing value" --config
expect_usage "mcimd: unexpected argument \"extra\"" --config "$TMP/mcimd.json" extra

"$MCIMD" --help | grep -q '^usage: mcimd --config FILE' || fail "--help"
"$MCIMD" --version | grep -q '^mcimd [0-9][0-9.]*$' || fail "--version"

# A port already taken: a run-time failure, exit 1.
"$MCIMD" --config "$TMP/mcimd.json" --port-file "$TMP/port3" 2>/dev/null &
PID=$!
i=0
while [ ! -s "$TMP/port3" ]; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || fail "no third port file"
	sleep 0.1
done
sed "s/\"port\": 0/\"port\": $(cat "$TMP/port3")/" "$TMP/mcimd.json" >"$TMP/taken.json"
set +e
"$MCIMD" --config "$TMP/taken.json" 2>"$TMP/err"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "port in use: exit status $rc, expected 1"
grep -q "cannot listen on 127.0.0.1 port" "$TMP/err" || fail "port in use: $(cat "$TMP/err")"
kill -TERM "$PID"
wait "$PID" || fail "third daemon's exit status"
PID=
echo "mcimd: ok"
