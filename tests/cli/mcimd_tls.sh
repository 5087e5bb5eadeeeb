#!/bin/sh
# mcimd over TLS (T-05: bearer tokens and device sessions never cross a network in
# clear): the real daemon with tls.cert/tls.key (a P-256 certificate for 127.0.0.1
# made here with the openssl command) answers HTTPS that verifies against that
# certificate, with the operator API's token checks unchanged, and does not speak
# plain HTTP on the same port. A public address without
# TLS, an unreadable key or a key that is not the certificate's: refused, exit 2 or 1
# with the fault named.
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

for c in curl openssl; do
	command -v "$c" >/dev/null || fail "$c is not installed (scripts/deps.sh installs it)"
done

cert() { # name: a self-signed P-256 certificate for 127.0.0.1 and its key
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=mcimd test" -addext "subjectAltName=IP:127.0.0.1" \
		-keyout "$TMP/$1.key" -out "$TMP/$1.pem" 2>/dev/null || fail "openssl req"
}
cert server
cert other

TOKEN="sho-a-token-tls-5b1c"
HASH=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
"$MCIM_BIN_DIR/mcim" pki init "$TMP/pki" --sho sho-a:00101 >/dev/null || fail "mcim pki init"
config() { # address, tls section (may be empty), file
	cat >"$3" <<JSON
{
  "listen": {"address": "$1", "port": 0},
  "store": {"path": "store.db"},
  "pki": {"dir": "pki"},
  $2
  "tenants": [{"name": "sho-a", "kind": "sho", "plmn": "00101", "api_token_sha256": ["$HASH"]}],
  "limits": {"threads": 2, "shutdown_grace_s": 5}
}
JSON
}
config 127.0.0.1 '"tls": {"cert": "server.pem", "key": "server.key"},' "$TMP/mcimd.json"

"$MCIMD" --config "$TMP/mcimd.json" --port-file "$TMP/port" 2>"$TMP/log" &
PID=$!
i=0
while [ ! -s "$TMP/port" ]; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || fail "no port file after 10 s"
	kill -0 "$PID" 2>/dev/null || fail "mcimd exited early"
	sleep 0.1
done
PORT=$(cat "$TMP/port")
BASE="https://127.0.0.1:$PORT"
code() { curl -s -o "$TMP/body" -w '%{http_code}' "$@" || true; }

[ "$(code --cacert "$TMP/server.pem" "$BASE/healthz")" = 200 ] || fail "/healthz over TLS"
[ "$(code --cacert "$TMP/server.pem" "$BASE/v1/tenants/sho-a")" = 401 ] ||
	fail "no token over TLS: not 401"
[ "$(code --cacert "$TMP/server.pem" -H "Authorization: Bearer $TOKEN" \
	"$BASE/v1/tenants/sho-a")" = 200 ] || fail "token over TLS: not 200"
# A client that trusts another certificate refuses the server (curl: 000).
[ "$(code --cacert "$TMP/other.pem" "$BASE/healthz")" = 000 ] ||
	fail "verified against the wrong certificate"
# Plain HTTP on the TLS port gets no HTTP answer.
[ "$(code --max-time 5 "http://127.0.0.1:$PORT/healthz")" != 200 ] ||
	fail "plain HTTP answered on the TLS port"

kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
PID=
[ "$rc" -eq 0 ] || fail "exit status $rc after SIGTERM"
grep -q "$TOKEN" "$TMP/log" && fail "the token is in the log"

# A public address without TLS is refused before anything starts.
config 0.0.0.0 "" "$TMP/public.json"
rc=0
"$MCIMD" --config "$TMP/public.json" 2>"$TMP/err" || rc=$?
[ "$rc" -eq 2 ] || fail "public address without TLS: exit $rc, expected 2"
grep -q "listen.address: 0.0.0.0 is reachable from other hosts" "$TMP/err" ||
	fail "public address: $(cat "$TMP/err")"

# Unreadable key; a key that is not the certificate's.
for case in missing mismatch; do
	if [ "$case" = missing ]; then
		tls='"tls": {"cert": "server.pem", "key": "absent.key"},'
		want="tls.key $TMP/absent.key: cannot read it"
	else
		tls='"tls": {"cert": "server.pem", "key": "other.key"},'
		want="usable certificate and key"
	fi
	config 127.0.0.1 "$tls" "$TMP/bad.json"
	rc=0
	"$MCIMD" --config "$TMP/bad.json" 2>"$TMP/err" || rc=$?
	[ "$rc" -ne 0 ] || fail "$case key: mcimd started"
	grep -q "$want" "$TMP/err" || fail "$case key: $(cat "$TMP/err")"
done
echo "mcimd tls: ok"
