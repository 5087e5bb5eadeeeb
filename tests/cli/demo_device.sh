#!/bin/sh
# `mcim device provision|attach|status` against the real mcimd on loopback: one
# device through ICF, DRF, PVA and DPF (each step printed), the SHO's activation
# pulled and relayed, a 5G attach with both key confirmations, with the TRE linked and
# through `mcim tre serve`'s socket; a second provisioning is refused by the DRF
# (the registration is used: R-PRC-104), an attach before activation finds no MCIM.
set -eu

: "${MCIM_BIN_DIR:?run through ctest}"
MCIM="$MCIM_BIN_DIR/mcim"
MCIMD="$MCIM_BIN_DIR/mcimd"
TMP=$(mktemp -d)
PID=
SPID=
cleanup() {
	[ -z "$SPID" ] || kill "$SPID" 2>/dev/null || true
	[ -z "$PID" ] || kill "$PID" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

. "$(dirname "$0")/lib/mcimd_env.sh"
"$MCIM" device init --dir dev --pki pki >/dev/null

api() { # tenant-token path json
	curl -sS -o "$TMP/api.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
		-H 'Content-Type: application/json' --data "$3" "$URL$2"
}
TRE=$(python3 -c 'import json;print(json.load(open("dev/factory.json"))["tre_id"])')
PCIDS=$(python3 -c 'import json;p=json.load(open("dev/factory.json"))["pcid"];print(json.dumps([{"pcid":p["imsi"],"k":p["k"],"opc":p["opc"]}]))')
MAN=$(base64 -w0 dev/manifest.cose)
[ "$(api tok-vno-demo /v1/tenants/vno/pcids "$PCIDS")" = 200 ] || fail "pcids: $(cat api.out)"
[ "$(api tok-pva-demo /v1/tenants/pva/reference-values "{\"manifest\":\"$MAN\"}")" = 201 ] ||
	fail "reference values: $(cat api.out)"
[ "$(api tok-sho1-demo /v1/tenants/sho1/registrations "{\"tre_id\":\"$TRE\",\"sho\":\"00101\"}")" = 201 ] ||
	fail "registration: $(cat api.out)"
[ "$(api tok-sho1-demo /v1/tenants/sho1/mcims "{\"tre_id\":\"$TRE\",\"algorithm\":\"tuak\"}")" = 201 ] ||
	fail "order: $(cat api.out)"
MCIM_ID=$(python3 -c 'import json;print(json.load(open("api.out"))["mcim_id"])')

"$MCIM" device provision --dir dev --server "$URL" >out 2>err || fail "provision: $(cat out err)"
for step in icf drf pva dpf; do
	grep -q "^  $step *ok " out || fail "no ok step $step: $(cat out)"
done
tail -n 1 out | grep -q '^provision: done$' || fail "provision summary: $(cat out)"
grep -q '"dpf_url"' dev/agent.json || fail "agent.json"
! grep -qi '"k"\|opc\|kausf' dev/agent.json || fail "a secret in agent.json"

# Not activated yet: no MCIM to attach with.
"$MCIM" device attach --dir dev >out 2>err && fail "attach before activation"
grep -q 'NOT_FOUND' out || fail "attach before activation: $(cat out)"

[ "$(api tok-sho1-demo "/v1/tenants/sho1/mcims/$MCIM_ID:activate" '')" = 200 ] ||
	fail "activate: $(cat api.out)"
"$MCIM" device attach --dir dev --json >out 2>err || fail "attach: $(cat out err)"
python3 - out <<'PY' || fail "attach json: $(cat out)"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["result"] == "OK", s
steps = {x["step"]: x for x in s["steps"]}
assert steps["mgmt"]["detail"] == "activate: MCIM activated", s
assert "both key confirmations match" in steps["attach"]["detail"], s
PY

# The TRE in its own process: the agent reaches it through the socket.
"$MCIM" tre serve --dir dev --socket "$TMP/tre.sock" >serve.log 2>&1 &
SPID=$!
i=0
while [ ! -S "$TMP/tre.sock" ]; do
	i=$((i + 1))
	[ "$i" -lt 200 ] || fail "no TRE socket"
	sleep 0.05
done
"$MCIM" device attach --dir dev --socket "$TMP/tre.sock" >out 2>err ||
	fail "attach over the socket: $(cat out err)"
"$MCIM" device status --dir dev --socket "$TMP/tre.sock" --json >out ||
	fail "status over the socket"
grep -q '"state":"activated"' out || fail "status: $(cat out)"
kill "$SPID"
wait "$SPID" 2>/dev/null || true
SPID=

"$MCIM" device status --dir dev >out || fail "status"
grep -q "^MCIM .*tuak  activated$" out || fail "status text: $(cat out)"
# The registration was used by the download: the DRF refuses a second one.
"$MCIM" device provision --dir dev --server "$URL" >out 2>err && fail "second provision"
grep -q '^  drf *NOT_FOUND' out || fail "second provision: $(cat out)"
set +e
"$MCIM" device provision --server "$URL" >out 2>err
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "provision without --dir: exit status $rc, expected 2"
# Nothing listening: the agent retries, then reports the transport failure (IO).
"$MCIM" device init --dir dev2 --pki pki >/dev/null
"$MCIM" device provision --dir dev2 --server http://127.0.0.1:9 --retries 1 \
	--timeout 500 >out 2>err && fail "provision without a server"
grep -q '^  icf *IO ' out || fail "no server: $(cat out err)"
[ ! -f dev2/agent.json ] || fail "agent.json written without a token"
echo "demo_device: ok"
