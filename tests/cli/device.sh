#!/bin/sh
# `mcim device`: init manufactures a device directory with the documented layout
# (hw and store 0700, factory export 0600, the TRE certificate chaining to the PKI's
# CI root with the TRE id and IMEI, R-TRE-G03/G07), refuses a non-empty directory and
# bad options (exit 2); boot prints each component's verdict, exits 0 on a good boot
# and 1 naming the component and reason on a bad one (R-TRE-G02); --json parses.
set -eu

: "${MCIM_BIN_DIR:?run through ctest}"
MCIM="$MCIM_BIN_DIR/mcim"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

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

jq_py() { # jq_py EXPR: evaluates EXPR on the JSON in $TMP/out (as j)
	python3 -c "import json,sys; j=json.load(open('$TMP/out')); print($1)"
}

mode_of() {
	stat -c %a "$1"
}

P="$TMP/pki"
D="$TMP/dev"
run pki init "$P"
expect_rc 0 "pki init"

# ---- usage ----
run device init --dir "$D"
expect_rc 2 "init without --pki"
run device init --dir "$D" --pki "$P" --components 17
expect_rc 2 "--components 17"
run device init --dir "$D" --pki "$P" --backend tpm9
expect_rc 2 "--backend tpm9"
run device frobnicate
expect_rc 2 "unknown subcommand"
run device init --help
expect_rc 0 "--help"
grep -q "factory.json" "$TMP/out" || fail "help names the factory export"

# ---- init ----
run device init --dir "$D" --pki "$P" --imei 356938035643809 --pin 24681357 --components 4 --json
expect_rc 0 "init"
[ "$(jq_py 'j["state"]')" = ready ] || fail "init state: $(cat "$TMP/out")"
[ "$(jq_py 'j["imei"]')" = 356938035643809 ] || fail "imei"
ID=$(jq_py 'j["tre_id"]')
[ ${#ID} -eq 32 ] || fail "tre_id $ID"
for f in device.json manifest.cose tre-cert.pem m2mes-ca.pem factory.json hw/root hw/counters store/store store/audit.log fw/bootloader.bin fw/modem.bin; do
	[ -f "$D/$f" ] || fail "no $D/$f"
done
[ "$(mode_of "$D/hw")" = 700 ] || fail "hw mode"
[ "$(mode_of "$D/store")" = 700 ] || fail "store mode"
[ "$(mode_of "$D/factory.json")" = 600 ] || fail "factory.json mode"
python3 - "$D/factory.json" "$ID" <<'PY' || fail "factory.json content"
import json, sys
f = json.load(open(sys.argv[1]))
assert f["tre_id"] == sys.argv[2]
assert f["pin"] == "24681357"
assert f["pcid"]["imsi"].startswith("00199") and len(f["pcid"]["imsi"]) == 15
assert len(f["pcid"]["k"]) == 32 and len(f["pcid"]["opc"]) == 32
PY
# The certificate chains to the CI root and names the TRE and the platform.
openssl verify -ignore_critical -CAfile "$P/ci/cert.pem" -untrusted "$P/m2mes-ca/cert.pem" "$D/tre-cert.pem" >/dev/null ||
	fail "TRE certificate does not chain to the CI root"
openssl x509 -in "$D/tre-cert.pem" -noout -text | grep -q "$ID" || fail "certificate without the TRE id"
openssl x509 -in "$D/tre-cert.pem" -noout -text | grep -q 356938035643809 || fail "certificate without the IMEI"
# Secrets never in the clear in the store.
K=$(python3 -c "import json; print(json.load(open('$D/factory.json'))['pcid']['k'])")
python3 - "$D/store/store" "$K" <<'PY' || fail "K in clear in the sealed store"
import sys
assert bytes.fromhex(sys.argv[2]) not in open(sys.argv[1], "rb").read()
PY

run device init --dir "$D" --pki "$P"
expect_rc 2 "init over an existing device"
grep -q "already exists" "$TMP/err" || fail "init over a device: $(cat "$TMP/err")"

# ---- boot ----
run device boot --dir "$D"
expect_rc 0 "boot"
grep -q '^bootloader *ok' "$TMP/out" || fail "boot output: $(cat "$TMP/out")"
grep -q '^state *ready' "$TMP/out" || fail "boot state"
run device boot --dir "$D" --json
expect_rc 0 "boot --json"
[ "$(jq_py 'len(j["components"])')" = 4 ] || fail "components in JSON"

echo tampered >>"$D/fw/kernel.bin"
run device boot --dir "$D"
expect_rc 1 "boot with a modified kernel"
grep -q '^kernel *REFUSED *digest-mismatch' "$TMP/out" || fail "kernel verdict: $(cat "$TMP/out")"
grep -q "bad-boot: BAD_BOOT: components: kernel digest-mismatch" "$TMP/err" || fail "boot reason: $(cat "$TMP/err")"
run device boot --dir "$D" --json
expect_rc 1 "boot --json, bad"
[ "$(jq_py 'j["state"]')" = bad-boot ] || fail "bad boot JSON"

run device boot --dir "$TMP/nothing"
expect_rc 1 "boot without a device"
echo PASS
