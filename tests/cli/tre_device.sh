#!/bin/sh
# `mcim-tre`, the device's TRE program, built on the builtin crypto backend, on a
# device the `mcim` tool made (on the OpenSSL backend in the default build): its
# sessions (open with the secure boot, attest, AKA against the bench MCIM's AuC) read
# and extend the sealed store and audit log the other backend wrote, and `mcim` reads
# back what mcim-tre wrote (status, audit verify offline, more sessions); `mcim-tre
# serve` answers `mcim tre --socket` and ends on SIGTERM; a bad boot, a missing AuC
# state and usage errors are refused with their exit status.
set -eu

: "${MCIM_BIN_DIR:?run through ctest}"
MCIM="$MCIM_BIN_DIR/mcim"
TRE="$MCIM_BIN_DIR/mcim-tre"
TMP=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$TMP"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# run PROGRAM ARGS...: exit status in rc, output in $TMP/out and $TMP/err.
run() {
	set +e
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	set -e
}

expect_rc() {
	[ "$rc" -eq "$1" ] || {
		cat "$TMP/out" "$TMP/err" >&2
		fail "$2: exit status $rc, expected $1"
	}
}

run "$MCIM" bench tre --make-device "$TMP/b"
expect_rc 0 "make device"
D="$TMP/b/dev"
cp -a "$D" "$TMP/pristine"

# ---- sessions on both backends, on the same sealed store ----
run "$TRE" session --dir "$D" --iterations 3
expect_rc 0 "mcim-tre session"
grep -q "^3 x session" "$TMP/out" || fail "session output: $(cat "$TMP/out")"
run "$MCIM" tre status --dir "$D"
expect_rc 0 "mcim reads the store mcim-tre wrote"
run "$MCIM" tre audit verify --dir "$D"
expect_rc 0 "audit log after mcim-tre"
grep -q "^intact" "$TMP/out" || fail "audit: $(cat "$TMP/out")"
run "$MCIM" bench tre --device "$D" --op full --iterations 2
expect_rc 0 "mcim sessions after mcim-tre"
run "$TRE" session --dir "$D"
expect_rc 0 "mcim-tre after mcim"
for op in open attest aka; do
	run "$TRE" session --dir "$D" --op $op --iterations 2
	expect_rc 0 "mcim-tre session --op $op"
	grep -q "^2 x $op" "$TMP/out" || fail "--op $op: $(cat "$TMP/out")"
done
run "$MCIM" tre audit verify --dir "$D"
expect_rc 0 "audit log after both"

# ---- serve ----
S="$TMP/tre.sock"
"$TRE" serve --dir "$D" --socket "$S" 2>"$TMP/serve.err" &
SERVER=$!
i=0
while [ ! -S "$S" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -S "$S" ] || fail "no socket: $(cat "$TMP/serve.err")"
[ "$(stat -c %a "$S")" = 600 ] || fail "socket mode $(stat -c %a "$S")"
run "$MCIM" tre status --socket "$S"
expect_rc 0 "status over mcim-tre's socket"
run "$MCIM" tre attest --socket "$S" \
	--nonce 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
expect_rc 0 "attest over mcim-tre's socket"
run "$TRE" session --dir "$D"
expect_rc 1 "a second TRE on the same device"
grep -q LOCKED "$TMP/err" || fail "second TRE: $(cat "$TMP/err")"
kill -TERM "$SERVER"
wait "$SERVER" || fail "serve exit status $?"
SERVER=
[ ! -e "$S" ] || fail "socket left behind"

# ---- refusals ----
rm -rf "$D"
cp -a "$TMP/pristine" "$D"
echo x >>"$D/fw/agent.bin"
run "$TRE" session --dir "$D"
expect_rc 1 "bad boot"
grep -q "bad-boot" "$TMP/err" || fail "bad boot: $(cat "$TMP/err")"
rm -rf "$D"
cp -a "$TMP/pristine" "$D"
rm "$D/bench-auc.txt"
run "$TRE" session --dir "$D"
expect_rc 1 "no AuC state"
grep -q NOT_FOUND "$TMP/err" || fail "no AuC state: $(cat "$TMP/err")"
for args in "" "session" "serve --dir $D" "session --dir $D --iterations 0" \
	"session --dir $D --socket $S" "serve --dir $D --socket $S --iterations 2" \
	"session --dir $D --op boot" "serve --dir $D --socket $S --op aka" \
	"boot --dir $D"; do
	# shellcheck disable=SC2086
	run "$TRE" $args
	expect_rc 2 "usage: mcim-tre $args"
done
run "$TRE" --help
expect_rc 0 "--help"
echo PASS
