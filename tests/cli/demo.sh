#!/bin/sh
# `mcim demo aka`: an AKA round between libmcim's AuC and USIM for a MILENAGE and a TUAK
# subscriber, with replay, resynchronisation and tampering; exit 0 and the summary
# line only when every outcome is the expected one (R-NET-S02: keys match on both
# sides; R-MCIM-C04: resynchronisation from AUTS works). No key is printed: the only
# long hex strings in the narrative are RANDs (R-SEED-07: K is never exposed).
set -eu

: "${MCIM_BIN_DIR:?run through ctest}"
MCIM="$MCIM_BIN_DIR/mcim"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

set +e
"$MCIM" demo aka >"$TMP/out" 2>"$TMP/err"
rc=$?
set -e
[ "$rc" -eq 0 ] || {
	cat "$TMP/out" "$TMP/err" >&2
	fail "mcim demo aka: exit status $rc"
}
[ ! -s "$TMP/err" ] || fail "mcim demo aka wrote to stderr: $(cat "$TMP/err")"
tail -n 1 "$TMP/out" | grep -q '^demo: 2 of 2 subscribers completed, [1-9][0-9]* outcomes as expected, 0 unexpected$' ||
	fail "summary line: $(tail -n 1 "$TMP/out")"
! grep -q '^    FAIL' "$TMP/out" || fail "a FAIL line: $(grep '^    FAIL' "$TMP/out")"
for what in "MILENAGE subscriber" "TUAK subscriber" "SYNC_FAILURE" \
	"SEQ_HE was behind, reset to SEQ_MS" "SEQ_HE already ahead" "MAC_FAILURE" \
	"KASME: AuC kcv" "KAUSF: AuC kcv" "AUSF: RES\* = XRES\*"; do
	grep -q "$what" "$TMP/out" || fail "no \"$what\" in the narrative"
done
# Both ends' key check values agree on every derived-key line.
grep 'kcv [0-9a-f]*, USIM kcv' "$TMP/out" | while read -r line; do
	auc=$(printf '%s\n' "$line" | sed 's/.*AuC kcv \([0-9a-f]*\),.*/\1/')
	usim=$(printf '%s\n' "$line" | sed 's/.*USIM kcv \([0-9a-f]*\).*/\1/')
	[ "$auc" = "$usim" ] || fail "$line"
done
# No hex string of 32 digits or more except on the lines that show a RAND.
! grep -v 'RAND [0-9a-f]\{32\}$' "$TMP/out" | grep -q '[0-9a-f]\{32\}' ||
	fail "a key-sized hex string: $(grep -v RAND "$TMP/out" | grep '[0-9a-f]\{32\}')"

set +e
"$MCIM" demo aka extra >"$TMP/out" 2>"$TMP/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "mcim demo aka extra: exit status $rc, expected 2"
grep -q '^mcim: demo aka: unexpected argument "extra"' "$TMP/err" || fail "usage message"
"$MCIM" demo aka --help | grep -q "^usage: mcim demo aka" || fail "mcim demo aka --help"
"$MCIM" demo --help | grep -q "^usage: mcim demo \[--devices N\]" || fail "mcim demo --help"
echo "demo: ok"
