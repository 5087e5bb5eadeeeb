#!/bin/sh
# `mcim pki`: init makes the documented layout (keys 0600) and never overwrites; show
# lists every entity, --json parses and agrees with the index; verify passes on a
# fresh PKI and exits 1 naming the file of a corrupted certificate or key; revoke puts
# an entity on the list, verify then reports it as revoked; usage errors exit 2.
# T-14 (roles and operator ids checked), R-TRE-G03 (credentials made out of band).
set -eu

: "${MCIM_BIN_DIR:?run through ctest}"
MCIM="$MCIM_BIN_DIR/mcim"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# run ARGS...: stdout in $TMP/out, stderr in $TMP/err, exit status in $rc.
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

json_ok() {
	python3 -c 'import json, sys; json.load(sys.stdin)' <"$TMP/out" ||
		fail "$1: not JSON: $(cat "$TMP/out")"
}

mode_of() {
	stat -c %a "$1"
}

P="$TMP/pki"

# ---- init ----
run pki init "$P"
expect_rc 0 "init"
grep -q "^created $P: 10 entities$" "$TMP/out" || fail "init: $(head -n 1 "$TMP/out")"
for e in ci m2mes-ca m2mes sho1-dpf sho1-mgmt sho2-dpf sho2-mgmt ro-drf vno-icf pva; do
	[ -f "$P/$e/cert.pem" ] || fail "no $P/$e/cert.pem"
	[ "$(mode_of "$P/$e/key.pem")" = 600 ] || fail "$e/key.pem mode $(mode_of "$P/$e/key.pem")"
	grep -q "^$e " "$TMP/out" || fail "init does not list $e"
	grep -q -- "-----BEGIN PRIVATE KEY-----" "$P/$e/key.pem" || fail "$e/key.pem"
done
[ "$(mode_of "$P")" = 700 ] || fail "$P mode $(mode_of "$P")"
grep -q '^sho1-dpf  *dpf  *00101 ' "$TMP/out" || fail "sho1-dpf row"
grep -q '^vno-icf  *icf  *00199 ' "$TMP/out" || fail "vno-icf row"
python3 - "$P/pki.json" <<'EOF' || fail "pki.json"
import json, sys
idx = json.load(open(sys.argv[1]))
assert idx["version"] == 1 and idx["root"] == "ci", idx
names = {e["name"]: e for e in idx["entities"]}
assert names["sho2-mgmt"]["role"] == "sho-mgmt" and names["sho2-mgmt"]["operator_id"] == "00102"
assert all(e["cert"] == e["name"] + "/cert.pem" and e["key"] == e["name"] + "/key.pem"
           for e in idx["entities"])
EOF

# Never overwritten; nothing left behind.
run pki init "$P"
expect_rc 1 "init over a PKI"
grep -q "^mcim: $P: exists and is not empty" "$TMP/err" || fail "overwrite message: $(cat "$TMP/err")"
! ls "$TMP" | grep -q tmp || fail "a temporary directory was left: $(ls "$TMP")"

# Operators of one's own, --json, --days.
run pki init "$TMP/p2" --sho a:00101 --sho b:310410 --vno 26201 --days 30 --json
expect_rc 0 "init --sho --json"
json_ok "init --json"
python3 - "$TMP/out" <<'EOF' || fail "init --json content: $(cat "$TMP/out")"
import json, sys, datetime
o = json.load(open(sys.argv[1]))
names = {e["name"]: e for e in o["entities"]}
assert sorted(names) == sorted(["ci", "m2mes-ca", "m2mes", "a-dpf", "a-mgmt", "b-dpf",
                                "b-mgmt", "ro-drf", "vno-icf", "pva"]), names
assert names["b-dpf"]["operator_id"] == "310410"
assert names["vno-icf"]["operator_id"] == "26201"
end = datetime.datetime.strptime(names["pva"]["not_after"], "%Y-%m-%dT%H:%M:%SZ")
days = (end - datetime.datetime.utcnow()).days
assert 28 <= days <= 30, days
assert all(len(e["fingerprint"]) == 64 and not e["revoked"] for e in o["entities"])
EOF

# Usage errors: exit 2, nothing made.
for args in "pki init" "pki init $TMP/u --sho nocolon" "pki init $TMP/u --sho a:1" \
	"pki init $TMP/u --sho a:00101 --sho a:00102" "pki init $TMP/u --days 0" \
	"pki init $TMP/u --days x" "pki init $TMP/u --vno 12" "pki init $TMP/u --bogus" \
	"pki init $TMP/u $TMP/v" "pki show" "pki verify" "pki verify $P --at soon" \
	"pki revoke $P" "pki revoke $P nobody" "pki revoke $P ci" "pki frobnicate" "pki"; do
	# shellcheck disable=SC2086
	run $args
	expect_rc 2 "$args"
	grep -q '^mcim: ' "$TMP/err" || fail "$args: no message"
done
[ ! -e "$TMP/u" ] || fail "a usage error made $TMP/u"
run pki revoke "$P" nobody
grep -q 'nobody' "$TMP/err" || fail "revoke nobody: $(cat "$TMP/err")"
for sub in init show verify revoke; do
	run pki "$sub" --help
	expect_rc 0 "pki $sub --help"
	grep -q "^usage: mcim pki $sub" "$TMP/out" || fail "pki $sub --help"
done
run pki --help
expect_rc 0 "pki --help"
grep -q "verify" "$TMP/out" || fail "pki --help lists verify"

# ---- show ----
run pki show "$P"
expect_rc 0 "show"
[ "$(grep -c '' "$TMP/out")" -eq 11 ] || fail "show: $(cat "$TMP/out")"
grep -q '^NAME  *ROLE  *OPERATOR  *NOT-AFTER  *FINGERPRINT' "$TMP/out" || fail "show header"
fp=$(grep '^sho1-dpf ' "$TMP/out" | awk '{print $5}')
want=$(sed -n '/BEGIN/,/END/p' "$P/sho1-dpf/cert.pem" | grep -v -- ----- | base64 -d | sha256sum | cut -c1-64)
[ "$fp" = "$want" ] || fail "sho1-dpf fingerprint $fp, sha256 of the DER $want"
run pki show "$P" --json
expect_rc 0 "show --json"
json_ok "show --json"
[ "$(grep -o '"name"' "$TMP/out" | wc -l)" -eq 10 ] || fail "show --json entities"
grep -q "\"fingerprint\":\"$want\"" "$TMP/out" || fail "show --json fingerprint"
run pki show "$TMP/nothing"
expect_rc 1 "show of no PKI"
grep -q "$TMP/nothing/pki.json" "$TMP/err" || fail "show names the index: $(cat "$TMP/err")"

# ---- verify ----
run pki verify "$P"
expect_rc 0 "verify"
[ "$(tail -n 1 "$TMP/out")" = "10 ok, 0 revoked, 0 failed" ] || fail "verify: $(tail -n 1 "$TMP/out")"
run pki verify "$P" --json
expect_rc 0 "verify --json"
json_ok "verify --json"
grep -q '"ok":10,"revoked":0,"failed":0' "$TMP/out" || fail "verify --json: $(cat "$TMP/out")"
# In 20 years every certificate has expired.
run pki verify "$P" --at $(($(date +%s) + 20 * 366 * 86400))
expect_rc 1 "verify in 20 years"
grep -q 'sho1-dpf: .*cert.pem: .*EXPIRED' "$TMP/out" || fail "expired: $(cat "$TMP/out")"

# ---- revoke ----
run pki revoke "$P" sho2-dpf --json
expect_rc 0 "revoke"
json_ok "revoke --json"
serial=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["serial"])' <"$TMP/out")
grep -q "^$serial sho2-dpf$" "$P/revoked.txt" || fail "revoked.txt: $(cat "$P/revoked.txt")"
run pki revoke "$P" sho2-dpf
expect_rc 1 "revoke twice"
grep -q 'already revoked' "$TMP/err" || fail "revoke twice: $(cat "$TMP/err")"
run pki verify "$P"
expect_rc 0 "verify with a revoked entity"
grep -q '^revoked  *sho2-dpf$' "$TMP/out" || fail "verify: $(cat "$TMP/out")"
[ "$(tail -n 1 "$TMP/out")" = "9 ok, 1 revoked, 0 failed" ] || fail "verify: $(tail -n 1 "$TMP/out")"
run pki show "$P"
grep -q '^sho2-dpf .*REVOKED$' "$TMP/out" || fail "show revoked: $(cat "$TMP/out")"

# ---- corrupted files: verify exits 1 naming each ----
cp -r "$P" "$TMP/bad"
# A changed octet inside the base64 of the certificate (its signature near the end).
python3 - "$TMP/bad/pva/cert.pem" <<'EOF'
import base64, sys
path = sys.argv[1]
lines = open(path).read().splitlines()
der = bytearray(base64.b64decode("".join(lines[1:-1])))
der[-1] ^= 1
b64 = base64.b64encode(bytes(der)).decode()
body = [b64[i:i + 64] for i in range(0, len(b64), 64)]
open(path, "w").write("\n".join([lines[0]] + body + [lines[-1]]) + "\n")
EOF
printf 'garbage\n' >"$TMP/bad/ro-drf/key.pem"
run pki verify "$TMP/bad"
expect_rc 1 "verify a corrupted PKI"
grep -q "^FAIL  *pva: $TMP/bad/pva/cert.pem: " "$TMP/out" || fail "pva not named: $(cat "$TMP/out")"
grep -q "^FAIL  *ro-drf: $TMP/bad/ro-drf/key.pem: " "$TMP/out" || fail "key not named: $(cat "$TMP/out")"
grep -q '^ok  *sho1-dpf$' "$TMP/out" || fail "the others still verify"
grep -q "2 of 10 entities do not verify" "$TMP/err" || fail "verify summary: $(cat "$TMP/err")"
run pki verify "$TMP/bad" --json
expect_rc 1 "verify --json a corrupted PKI"
json_ok "verify --json corrupted"
grep -q '"failed":2' "$TMP/out" || fail "verify --json failed count"
# A certificate that is not PEM at all: show and verify name it.
printf 'hello\n' >"$TMP/bad/sho1-mgmt/cert.pem"
run pki verify "$TMP/bad"
expect_rc 1 "verify with a non-PEM certificate"
grep -q "^FAIL  *sho1-mgmt: $TMP/bad/sho1-mgmt/cert.pem: no PEM CERTIFICATE block" "$TMP/out" ||
	fail "sho1-mgmt: $(cat "$TMP/out")"
run pki show "$TMP/bad"
expect_rc 1 "show with a broken entity"
grep -q "^sho1-mgmt .*BROKEN: $TMP/bad/sho1-mgmt/cert.pem" "$TMP/out" || fail "show broken"
# A damaged index.
printf '{"version": 1,' >"$TMP/bad/pki.json"
run pki verify "$TMP/bad"
expect_rc 1 "verify with a damaged index"
grep -q "^mcim: $TMP/bad/pki.json: line " "$TMP/err" || fail "index: $(cat "$TMP/err")"

echo "pki: ok"
