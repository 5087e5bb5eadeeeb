#!/bin/sh
# `mcim aka vectors`: every official test-data file passes and the last line counts
# every set (counted here from the files, not by mcim); a changed expected value is a
# FAIL line naming the field, exit 1; each malformed file of tests/data/bad-vectors is
# exit 2 with a message naming the file, the set and the field; usage errors exit 2.
# R-MCIM-C03: the algorithm sets against the 3GPP test data.
set -eu

: "${MCIM_BIN_DIR:?run through ctest}" "${MCIM_VECTORS_DIR:?}" "${MCIM_SOURCE_DIR:?}"
MCIM="$MCIM_BIN_DIR/mcim"
BAD="$MCIM_SOURCE_DIR/tests/data/bad-vectors"
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

last_line() {
	tail -n 1 "$TMP/out"
}

# The official files: all pass, one line per set, the right count.
sets=$(cat "$MCIM_VECTORS_DIR"/*.json | grep -o '"name"' | wc -l | tr -d ' ')
[ "$sets" -gt 0 ] || fail "no sets found in $MCIM_VECTORS_DIR"
run aka vectors "$MCIM_VECTORS_DIR"/*.json
expect_rc 0 "official files"
[ "$(last_line)" = "$sets passed, 0 failed" ] ||
	fail "official files: last line \"$(last_line)\", expected \"$sets passed, 0 failed\""
[ "$(grep -c '^PASS  ' "$TMP/out")" -eq "$sets" ] || fail "official files: PASS lines"
[ ! -s "$TMP/err" ] || fail "official files: stderr: $(cat "$TMP/err")"
for alg in milenage tuak keccak-f1600 kdf milenage-resync; do
	grep -q "^PASS  $alg  " "$TMP/out" || fail "no $alg set ran"
done
grep -q '^PASS  milenage  TS 35.207 test set 1$' "$TMP/out" || fail "PASS line format"

# JSON output: the same counts.
run aka vectors --json "$MCIM_VECTORS_DIR"/*.json
expect_rc 0 "--json"
tail -n 1 "$TMP/out" | grep -q "\"passed\": $sets, \"failed\": 0, \"bad_files\": 0}" ||
	fail "--json totals: $(tail -n 1 "$TMP/out")"
[ "$(grep -c '"result": "pass"' "$TMP/out")" -eq "$sets" ] || fail "--json results"

# A changed expected value: the first f2 of milenage.json gets another first digit.
awk '!done && /"f2": "/ {
	i = index($0, "\"f2\": \"") + 7
	c = substr($0, i, 1)
	$0 = substr($0, 1, i - 1) (c == "0" ? "1" : "0") substr($0, i + 1)
	done = 1
} { print }' "$MCIM_VECTORS_DIR/milenage.json" >"$TMP/wrong.json"
cmp -s "$TMP/wrong.json" "$MCIM_VECTORS_DIR/milenage.json" && fail "awk changed nothing"
ms=$(grep -o '"name"' "$MCIM_VECTORS_DIR/milenage.json" | wc -l | tr -d ' ')
run aka vectors "$TMP/wrong.json"
expect_rc 1 "a wrong expected value"
[ "$(last_line)" = "$((ms - 1)) passed, 1 failed" ] || fail "wrong value: $(last_line)"
grep -q '^FAIL  milenage  .*: f2: expected [0-9a-f]*, got [0-9a-f]*$' "$TMP/out" ||
	fail "FAIL line: $(grep FAIL "$TMP/out")"

# Malformed files: exit 2, "mcim: FILE: set ...: field ...: why: strerror".
check_bad() { # file, what the message must say
	run aka vectors "$BAD/$1"
	expect_rc 2 "$1"
	grep -q "^mcim: $BAD/$1: .*$2" "$TMP/err" || fail "$1: message: $(cat "$TMP/err")"
	[ "$(last_line)" = "0 passed, 0 failed" ] || fail "$1: last line $(last_line)"
}
check_bad not-json.json "line 3: .*: malformed input"
check_bad unknown-algorithm.json 'unknown algorithm "snow3g"'
check_bad missing-field.json 'set "no rand": field "rand": missing: malformed input'
check_bad bad-hex.json 'set "not hex": field "input": not valid hex'
check_bad wrong-length.json 'set "short k": field "k": 20 octets, expected 16 or 32'
run aka vectors "$TMP/absent.json"
expect_rc 2 "a missing file"
grep -q "^mcim: $TMP/absent.json: No such file" "$TMP/err" || fail "missing file message"

# A bad file among good ones: the good ones still run, exit 2 wins over 1.
run aka vectors "$MCIM_VECTORS_DIR/kdf.json" "$BAD/bad-hex.json" "$TMP/wrong.json"
expect_rc 2 "mixed files"
kdf=$(grep -o '"name"' "$MCIM_VECTORS_DIR/kdf.json" | wc -l | tr -d ' ')
[ "$(last_line)" = "$((kdf + ms - 1)) passed, 1 failed" ] || fail "mixed: $(last_line)"

# Usage.
run aka vectors
expect_rc 2 "no FILE"
grep -q "^mcim: aka vectors: no FILE given" "$TMP/err" || fail "no FILE message"
run aka vectors --frob "$MCIM_VECTORS_DIR/kdf.json"
expect_rc 2 "unknown option"
grep -q "^mcim: aka vectors: unknown option --frob" "$TMP/err" || fail "option message"
run aka vectors --help
expect_rc 0 "--help"
grep -q "^usage: mcim aka vectors" "$TMP/out" || fail "--help text"
echo "aka_vectors: ok"
