#!/bin/sh
# `mcim demo --devices 5 --json`: the real mcimd on loopback with a fresh SQLite store,
# five devices manufactured (the fifth with a modified firmware component),
# batch-registered, provisioned through ICF, DRF, PVA and DPF, activated by their SHO
# and attached with 5G AKA (MILENAGE and TUAK subscribers). Exit 0 and the expected
# counts only when every outcome is the expected one: the modified device is refused
# by the PVA (R-PRC-201..205), the others attach with both key confirmations
# (R-PRC-105, R-PRC-108); the modified device's boot before its update queued a
# signed tamper report, which its SHO accepted (R-TRE-G11). Also: --keep leaves a
# working directory, usage errors.
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
"$MCIM" demo --devices 5 --json --keep "$TMP/keep" >"$TMP/out" 2>"$TMP/err"
rc=$?
set -e
[ "$rc" -eq 0 ] || {
	cat "$TMP/out" "$TMP/err" >&2
	[ -f "$TMP/keep/mcimd.log" ] && tail -n 20 "$TMP/keep/mcimd.log" >&2
	fail "mcim demo --devices 5: exit status $rc"
}
python3 - "$TMP/out" <<'PY' || fail "summary: $(cat "$TMP/out")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["devices"] == 5, s
assert s["provisioned"] == 4, s
assert s["attached"] == 4, s
assert s["tamper_reports"] == 1, s
assert s["refused"] == {"pva:BAD_BOOT": 1}, s
assert s["expected"] is True, s
assert s["steps"]["attach"]["unexpected"] == 0, s
PY
[ -d "$TMP/keep/pki" ] && [ -f "$TMP/keep/mcimd.db" ] || fail "--keep left no work"
# The daemon was stopped: nothing listens on its port file any more.
[ ! -f "$TMP/keep/mcimd.port" ] || fail "mcimd still running (port file left)"

set +e
"$MCIM" demo --devices 0 >"$TMP/out" 2>"$TMP/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "--devices 0: exit status $rc, expected 2"
"$MCIM" demo --keep "$TMP/keep" >"$TMP/out" 2>"$TMP/err" && fail "--keep of an existing dir"
echo "demo_net: ok"
