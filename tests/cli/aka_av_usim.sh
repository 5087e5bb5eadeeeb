#!/bin/sh
# `mcim aka av` and `mcim aka usim` through the command line:
# - the AuC's vector for TS 35.207 test set 1 (values read from milenage.json) carries
#   the official XRES and MAC-A, and the USIM side answers with RES = XRES;
# - round trips with fresh random RAND and keys, MILENAGE and TUAK, with a serving
#   network name: RES = XRES, CK, IK, RES* = XRES*, KAUSF equal (R-NET-S02);
# - replay (sync failure with AUTS, R-MCIM-C04), tampering and OP given as OPc (MAC
#   failure, with key check values that tell them apart: lessons.md), each exit 1;
# - every usage or input error exit 2 with "mcim: ..." naming the argument.
# shellcheck disable=SC2015 # "A && B || fail" is meant: fail when either is false
set -eu

: "${MCIM_BIN_DIR:?run through ctest}" "${MCIM_VECTORS_DIR:?}"
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

# field NAME: the value of the "NAME value" line in the last output.
field() {
	awk -v k="$1" '$1 == k { print $2 }' "$TMP/out"
}

# first FIELD FILE: the first value of a hex field in a test-data file.
first() {
	sed -n "s/.*\"$1\": \"\\([0-9a-f]*\\)\".*/\\1/p" "$2" | head -n 1
}

random_hex() { # octets
	od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

# TS 35.207 test set 1 through the AuC (values from the official file).
M="$MCIM_VECTORS_DIR/milenage.json"
K=$(first k "$M")
OPC=$(first opc "$M")
OP=$(first op "$M")
RAND=$(first rand "$M")
SQN=$(first sqn "$M")
AMF=$(first amf "$M")
F1=$(first f1 "$M")
F2=$(first f2 "$M")
F3=$(first f3 "$M")
[ ${#K} -eq 32 ] && [ ${#F2} -eq 16 ] || fail "could not read milenage.json"
run aka av --k "$K" --opc "$OPC" --sqn "$SQN" --amf "$AMF" --rand "$RAND"
expect_rc 0 "av, TS 35.207 set 1"
[ "$(field XRES)" = "$F2" ] || fail "XRES $(field XRES), expected $F2"
[ "$(field CK)" = "$F3" ] || fail "CK $(field CK), expected $F3"
AUTN=$(field AUTN)
[ "${AUTN#????????????"$AMF"}" = "$F1" ] || fail "AUTN $AUTN: AMF || MAC-A not $AMF$F1"
# OP instead of OPc gives the same vector.
run aka av --k "$K" --op "$OP" --sqn "$SQN" --amf "$AMF" --rand "$RAND"
expect_rc 0 "av with OP"
[ "$(field AUTN)" = "$AUTN" ] || fail "av with OP: another AUTN"
# The USIM one SEQ behind (same IND) accepts; RES = the official XRES.
SQN_MS=$(printf '%012x' $((0x$SQN - 32)))
run aka usim --k "$K" --opc "$OPC" --rand "$RAND" --autn "$AUTN" --sqn-ms "$SQN_MS"
expect_rc 0 "usim, TS 35.207 set 1"
[ "$(field RESULT)" = ok ] && [ "$(field RES)" = "$F2" ] || fail "usim RES $(field RES)"
[ "$(field SQN)" = "$SQN" ] || fail "usim SQN $(field SQN)"

# round_trip ALG CRED-OPTIONS...: fresh RAND, SQN SEQ 1 IND 1, a fresh USIM.
round_trip() {
	alg=$1
	shift
	run aka av --alg "$alg" "$@" --sqn 000000000021 --amf 8000 --mcc 208 --mnc 93
	expect_rc 0 "av $alg"
	cp "$TMP/out" "$TMP/av"
	rand=$(field RAND)
	autn=$(field AUTN)
	[ ${#rand} -eq 32 ] || fail "av $alg: RAND $rand"
	run aka usim --alg "$alg" "$@" --rand "$rand" --autn "$autn" --mcc 208 --mnc 93
	expect_rc 0 "usim $alg"
	for pair in XRES:RES CK:CK IK:IK XRES*:RES* KAUSF:KAUSF SNN:SNN; do
		a=$(awk -v k="${pair%%:*}" '$1 == k { print $2 }' "$TMP/av")
		b=$(field "${pair#*:}")
		[ -n "$a" ] && [ "$a" = "$b" ] || fail "$alg: AuC ${pair%%:*} $a, USIM ${pair#*:} $b"
	done
	[ "$(field SNN)" = "5G:mnc093.mcc208.3gppnetwork.org" ] || fail "SNN $(field SNN)"
}
round_trip milenage --k "$(random_hex 16)" --opc "$(random_hex 16)"
round_trip milenage --k "$(random_hex 16)" --op "$(random_hex 16)"
round_trip tuak --k "$(random_hex 32)" --topc "$(random_hex 32)" --mac-bits 128 \
	--res-bits 256 --ck-bits 256 --ik-bits 256
[ "$(field KAUSF | wc -c)" -eq 65 ] || fail "TUAK KAUSF: $(field KAUSF)"
[ "$(field RES | wc -c)" -eq 65 ] || fail "TUAK 256-bit RES: $(field RES)"
[ "$(field CK | wc -c)" -eq 65 ] || fail "TUAK 256-bit CK: $(field CK)"
round_trip tuak --k "$(random_hex 16)" --top "$(random_hex 32)" --keccak-iterations 3

# JSON output carries the same values.
run aka av --k "$K" --opc "$OPC" --sqn "$SQN" --amf "$AMF" --rand "$RAND" --json
expect_rc 0 "av --json"
grep -q "^{\"alg\": \"milenage\", \"rand\": \"$RAND\", \"xres\": \"$F2\"," "$TMP/out" ||
	fail "av --json: $(cat "$TMP/out")"
grep -q "\"autn\": \"$AUTN\"" "$TMP/out" || fail "av --json AUTN"

# Replay: the USIM has accepted this SQN already -> sync failure and AUTS, exit 1.
run aka usim --k "$K" --opc "$OPC" --rand "$RAND" --autn "$AUTN" --sqn-ms "$SQN"
expect_rc 1 "replayed AUTN"
[ "$(sed -n 1p "$TMP/out")" = "RESULT   sync failure" ] || fail "replay: $(cat "$TMP/out")"
[ "$(field AUTS | wc -c)" -eq 29 ] || fail "AUTS $(field AUTS)"
# Tampered AUTN (last digit of MAC-A changed) -> MAC failure, exit 1.
last=$(printf '%s' "$AUTN" | cut -c32)
[ "$last" = 0 ] && other=1 || other=0
BAD_AUTN=$(printf '%s' "$AUTN" | cut -c1-31)$other
run aka usim --k "$K" --opc "$OPC" --rand "$RAND" --autn "$BAD_AUTN" --sqn-ms "$SQN_MS"
expect_rc 1 "tampered AUTN"
grep -q "^RESULT   MAC failure$" "$TMP/out" || fail "tampered: $(cat "$TMP/out")"
run aka usim --k "$K" --opc "$OPC" --rand "$RAND" --autn "$BAD_AUTN" --json
expect_rc 1 "tampered AUTN, --json"
grep -q '^{"result": "MAC failure", "opc_kcv": "[0-9a-f]\{8\}"}$' "$TMP/out" ||
	fail "tampered --json: $(cat "$TMP/out")"
# OP given as OPc -> MAC failure; the key check values tell the two apart.
run aka usim --k "$K" --opc "$OP" --rand "$RAND" --autn "$AUTN" --sqn-ms "$SQN_MS"
expect_rc 1 "OP given as OPc"
grep -q "^RESULT   MAC failure$" "$TMP/out" || fail "OP as OPc: $(cat "$TMP/out")"
wrong_kcv=$(field OPc-KCV)
run aka av --k "$K" --opc "$OPC" --sqn "$SQN" --amf "$AMF" --rand "$RAND"
[ -n "$wrong_kcv" ] && [ "$(field OPc-KCV)" != "$wrong_kcv" ] || fail "KCVs"

# Usage and bad input: exit 2, "mcim: ..." on stderr naming the argument.
usage() { # message pattern, then the arguments
	pattern=$1
	shift
	run "$@"
	expect_rc 2 "$*"
	grep -q "^mcim: $pattern" "$TMP/err" || fail "$*: stderr: $(cat "$TMP/err")"
	[ ! -s "$TMP/out" ] || fail "$*: stdout not empty"
}
AV="aka av --sqn 000000000021 --amf 8000"
# shellcheck disable=SC2086 # $AV is split on purpose
{
	usage "aka av: --k is needed" $AV --opc "$OPC"
	usage "aka av: --op or --opc is needed" $AV --k "$K"
	usage "aka av: give --op or --opc, not both" $AV --k "$K" --op "$OP" --opc "$OPC"
	usage "aka av: --top/--topc are TUAK's" $AV --k "$K" --topc "$OPC$OPC"
	usage "aka av: --op/--opc are MILENAGE's" $AV --alg tuak --k "$K" --opc "$OPC"
	usage "aka av: the length options are TUAK's" $AV --k "$K" --opc "$OPC" --res-bits 32
	usage "aka av: --keccak-iterations is TUAK's" $AV --k "$K" --opc "$OPC" \
		--keccak-iterations 2
	usage "aka av: --alg: \"snow3g\"" $AV --alg snow3g --k "$K" --opc "$OPC"
	usage "--k: 15 octets, expected 16: invalid argument" $AV --k "${K%??}" --opc "$OPC"
	usage "--k: 17 octets, expected 16 or 32" $AV --alg tuak --k "${K}00" --topc "$OPC$OPC"
	usage "--k: an odd number of hex digits: malformed input" $AV --k "${K}0" --opc "$OPC"
	usage "--opc: not hex digits: malformed input" $AV --k "$K" --opc "x${OPC#?}"
	usage "--mac-bits: 96 is not a length" $AV --alg tuak --k "$K" --topc "$OPC$OPC" \
		--mac-bits 96
	usage "--keccak-iterations: 0 is not in 1..255" $AV --alg tuak --k "$K" \
		--topc "$OPC$OPC" --keccak-iterations 0
	usage "--ind-bits: 7 is not in 0..6" $AV --k "$K" --opc "$OPC" --ind-bits 7
	usage "--ind-bits: \"five\" is not a decimal number" $AV --k "$K" --opc "$OPC" \
		--ind-bits five
	usage "aka av: give --snn or --mcc/--mnc, not both" $AV --k "$K" --opc "$OPC" \
		--snn x --mcc 208 --mnc 93
	usage "aka av: --mcc and --mnc go together" $AV --k "$K" --opc "$OPC" --mnc 93
	usage "--mcc/--mnc: " $AV --k "$K" --opc "$OPC" --mcc 2080 --mnc 93
	usage "aka av: unexpected argument \"extra\"" $AV --k "$K" --opc "$OPC" extra
	usage "--k: more than 64 octets" $AV --k "$K$K$K$K$K" --opc "$OPC"
	usage "--snn: not 1..255 octets" $AV --k "$K" --opc "$OPC" --snn ""
	usage "--snn: not 1..255 octets" $AV --k "$K" --opc "$OPC" \
		--snn "$(printf '%0256d' 0)"
}
# A serving network name is text: JSON output escapes it.
run aka av --k "$K" --opc "$OPC" --sqn "$SQN" --amf "$AMF" --snn 'a"b\c' --json
expect_rc 0 "--snn with quotes"
grep -q '"snn": "a\\"b\\\\c"' "$TMP/out" || fail "JSON escaping: $(cat "$TMP/out")"
usage "aka av: --sqn and --amf are needed" aka av --k "$K" --opc "$OPC" --amf 8000
usage "--sqn: its SEQ is 0" aka av --k "$K" --opc "$OPC" --amf 8000 --sqn 00000000001f
usage "--amf: 1 octet, expected 2" aka av --k "$K" --opc "$OPC" --amf 80 --sqn "$SQN"
usage "--rand: 15 octets, expected 16" aka av --k "$K" --opc "$OPC" --amf 80ff \
	--sqn "$SQN" --rand "${RAND%??}"
usage "aka av: unknown option --frob" aka av --frob
usage "aka av: --sqn needs a value" aka av --k "$K" --opc "$OPC" --amf 8000 --sqn
usage "aka usim: --rand and --autn are needed" aka usim --k "$K" --opc "$OPC" \
	--autn "$AUTN"
usage "--autn: 15 octets, expected 16" aka usim --k "$K" --opc "$OPC" --rand "$RAND" \
	--autn "${AUTN%??}"
usage "--autn: 16 octets, expected 24" aka usim --alg tuak --k "$K" --topc "$OPC$OPC" \
	--mac-bits 128 --rand "$RAND" --autn "$AUTN"
usage "--sqn-ms: 5 octets, expected 6" aka usim --k "$K" --opc "$OPC" --rand "$RAND" \
	--autn "$AUTN" --sqn-ms 0000000000
usage "unknown command \"frob\"" frob
usage "aka: unknown command \"frob\"" aka frob
usage "a command is needed" 
usage "aka: a command is needed" aka

# Help at every level: usage on stdout, exit 0.
for cmd in "" aka "aka av" "aka usim" "aka vectors"; do
	# shellcheck disable=SC2086 # the words of $cmd are separate arguments
	run $cmd --help
	expect_rc 0 "mcim $cmd --help"
	grep -q "^usage: mcim $cmd" "$TMP/out" || fail "mcim $cmd --help: $(cat "$TMP/out")"
	# shellcheck disable=SC2086
	run $cmd -h
	expect_rc 0 "mcim $cmd -h"
done
echo "aka_av_usim: ok"
