#!/bin/sh
# `mcim tre`: status (exit 0 ready; exit 1 naming TAMPERED, ROLLBACK, FOREIGN_STORE
# or BAD_BOOT, R-TRE-G11), identity, attest, the PCID's AKA against `mcim aka av`,
# PIN and tamper reports, audit verify offline (exit 1 naming the break, R-TRE-G09),
# and the same commands through `mcim tre serve --socket` (0600, SIGTERM ends it).
set -eu

: "${MCIM_BIN_DIR:?run through ctest}"
MCIM="$MCIM_BIN_DIR/mcim"
TMP=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$TMP"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

run() {
	set +e
	"$MCIM" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	set -e
}

expect_rc() {
	[ "$rc" -eq "$1" ] || {
		cat "$TMP/out" "$TMP/err" >&2
		fail "$2: exit status $rc, expected $1"
	}
}

jq_py() {
	python3 -c "import json,sys; j=json.load(open('$TMP/out')); print($1)"
}

P="$TMP/pki"
D="$TMP/dev"
run pki init "$P"
expect_rc 0 "pki init"
run device init --dir "$D" --pki "$P" --pin 24681357
expect_rc 0 "device init"
cp -a "$D" "$TMP/pristine"

# ---- status, identity, attest ----
run tre status --dir "$D"
expect_rc 0 "status"
grep -q '^state *ready' "$TMP/out" || fail "status: $(cat "$TMP/out")"
run tre status --dir "$D" --json
expect_rc 0 "status --json"
[ "$(jq_py 'j["result"]["state"]')" = ready ] || fail "status JSON"
[ "$(jq_py 'j["error"]')" = OK ] || fail "status error"
run tre identity --dir "$D" --json
expect_rc 0 "identity"
[ "$(jq_py 'len(j["result"]["chain"])')" = 2 ] || fail "identity chain"
IMSI=$(jq_py 'j["result"]["pcid"]')
run tre attest --dir "$D" --nonce 0000000000000000000000000000000000000000000000000000000000000001 --out "$TMP/ev.cose"
expect_rc 0 "attest"
[ -s "$TMP/ev.cose" ] || fail "no evidence written"
run tre attest --dir "$D" --nonce 00
expect_rc 2 "attest with a short nonce"
run tre status
expect_rc 2 "status without --dir or --socket"

# ---- AKA with the PCID, against the ICF's AuC (mcim aka av) ----
K=$(python3 -c "import json; print(json.load(open('$D/factory.json'))['pcid']['k'])")
OPC=$(python3 -c "import json; print(json.load(open('$D/factory.json'))['pcid']['opc'])")
run aka av --k "$K" --opc "$OPC" --sqn 000000000020 --amf 8000 --json
expect_rc 0 "aka av"
RAND=$(jq_py 'j["rand"]')
AUTN=$(jq_py 'j["autn"]')
XRES=$(jq_py 'j["xres"]')
run tre aka --dir "$D" --pcid --rand "$RAND" --autn "$AUTN" --json
expect_rc 0 "tre aka --pcid"
[ "$(jq_py 'j["result"]["res"]')" = "$XRES" ] || fail "RES differs from XRES"
run tre aka --dir "$D" --pcid --rand "$RAND" --autn "$AUTN" --json
expect_rc 1 "replayed challenge"
[ "$(jq_py 'j["error"]')" = SYNC_FAILURE ] || fail "replay: $(cat "$TMP/out")"
run tre aka --dir "$D" --rand "$RAND" --autn "$AUTN"
expect_rc 1 "aka without an active MCIM"
grep -q NOT_FOUND "$TMP/err" || fail "aka without MCIM: $(cat "$TMP/err")"

# ---- PIN ----
run tre pin --dir "$D" --pin 11111111
expect_rc 1 "wrong PIN"
grep -q '^left *4' "$TMP/out" || fail "retries left: $(cat "$TMP/out")"
run tre pin --dir "$D" --pin 24681357 --new-pin 97531975
expect_rc 0 "PIN change"
run tre pin --dir "$D" --pin 24681357
expect_rc 1 "old PIN"
run tre pin --dir "$D" --pin 97531975 stray
expect_rc 2 "an argument no command takes"
run tre reports --dir "$D" --ack 1
expect_rc 2 "--ack without --pin"

# ---- audit ----
run tre audit verify --dir "$D"
expect_rc 0 "audit verify"
grep -q '^intact' "$TMP/out" || fail "audit verify: $(cat "$TMP/out")"
run tre audit verify --dir "$D" --json
expect_rc 0 "audit verify --json"
[ "$(jq_py 'j["result"]')" = intact ] || fail "audit JSON"
cp "$D/store/audit.log" "$TMP/audit.bak"
python3 - "$D/store/audit.log" <<'PY'
import sys
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
d[44 + 30] ^= 1  # inside the first record
open(p, "wb").write(d)
PY
run tre audit verify --dir "$D"
expect_rc 1 "audit verify, broken"
grep -q "broken at record 1 (offset 44): MODIFIED" "$TMP/err" || fail "break: $(cat "$TMP/err")"
run tre status --dir "$D"
expect_rc 1 "status with a damaged audit log"
grep -q "failed: TAMPERED: audit log" "$TMP/err" || fail "status names the audit log: $(cat "$TMP/err")"
cp "$TMP/audit.bak" "$D/store/audit.log"

# ---- the sealed store: rolled back, tampered, foreign ----
cp "$D/store/store" "$TMP/store.old"
run tre status --dir "$D"
expect_rc 0 "status (one more commit)"
cp "$TMP/store.old" "$D/store/store"
run tre status --dir "$D"
expect_rc 1 "rolled back"
grep -q "failed: ROLLBACK" "$TMP/err" || fail "rollback: $(cat "$TMP/err")"
run tre reports --dir "$D" --json
expect_rc 0 "reports in the failed state"
python3 -c "import json; j=json.load(open('$TMP/out')); assert len(j['result']['reports']) >= 1" ||
	fail "no tamper report"
printf 'X' | dd of="$D/store/store" bs=1 seek=200 conv=notrunc 2>/dev/null
run tre status --dir "$D"
expect_rc 1 "tampered"
grep -q "failed: TAMPERED" "$TMP/err" || fail "tampered: $(cat "$TMP/err")"
run device init --dir "$TMP/other" --pki "$P"
expect_rc 0 "second device"
cp "$TMP/other/store/store" "$D/store/store"
run tre status --dir "$D"
expect_rc 1 "foreign"
grep -q "failed: FOREIGN_STORE" "$TMP/err" || fail "foreign: $(cat "$TMP/err")"

# ---- bad boot ----
rm -rf "$D"
cp -a "$TMP/pristine" "$D"
echo x >>"$D/fw/agent.bin"
run tre status --dir "$D"
expect_rc 1 "bad boot"
grep -q "bad-boot: BAD_BOOT: components: agent digest-mismatch" "$TMP/err" || fail "bad boot: $(cat "$TMP/err")"
run tre list --dir "$D"
expect_rc 1 "list after a bad boot"
grep -q BAD_BOOT "$TMP/err" || fail "list: $(cat "$TMP/err")"

# ---- serve ----
rm -rf "$D"
cp -a "$TMP/pristine" "$D"
S="$TMP/tre.sock"
"$MCIM" tre serve --dir "$D" --socket "$S" 2>"$TMP/serve.err" &
SERVER=$!
i=0
while [ ! -S "$S" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -S "$S" ] || fail "no socket: $(cat "$TMP/serve.err")"
[ "$(stat -c %a "$S")" = 600 ] || fail "socket mode $(stat -c %a "$S")"
run tre status --socket "$S" --json
expect_rc 0 "status over the socket"
[ "$(jq_py 'j["result"]["state"]')" = ready ] || fail "status over the socket"
run tre identity --socket "$S"
expect_rc 0 "identity over the socket"
run tre status --dir "$D"
expect_rc 1 "a second TRE on the same device"
grep -q "LOCKED\|locked" "$TMP/err" || fail "second TRE: $(cat "$TMP/err")"
kill -TERM "$SERVER"
wait "$SERVER" || fail "serve exit status $?"
SERVER=
[ ! -e "$S" ] || fail "socket left behind"
run tre status --socket "$S"
expect_rc 1 "no server"
echo PASS
