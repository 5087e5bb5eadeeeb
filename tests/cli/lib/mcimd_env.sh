# Sourced by the CLI tests that need a running mcimd (not a test itself: ctest runs
# tests/cli/*.sh only). Sets MCIM, MCIMD, TMP and a trap that stops mcimd and removes
# TMP; defines fail, hash, api and enroll, makes a demo PKI in $TMP, starts mcimd on
# loopback with an SHO (sho1), an RO, a PVA and a VNO (tokens tok-<tenant>-demo), and
# sets PID, URL and the working directory $TMP. With MCIMD_TLS=1 mcimd serves HTTPS
# with a certificate for 127.0.0.1 from a CA made here ($TMP/tls-ca.pem).
: "${MCIM_BIN_DIR:?run through ctest}"
MCIM="$MCIM_BIN_DIR/mcim"
MCIMD="$MCIM_BIN_DIR/mcimd"
TMP=$(mktemp -d)
PID=
cleanup() {
	[ -z "$PID" ] || kill "$PID" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	[ -f "$TMP/mcimd.log" ] && tail -n 20 "$TMP/mcimd.log" >&2
	exit 1
}

hash() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

cd "$TMP"
"$MCIM" pki init pki >/dev/null
TLS_JSON=
SCHEME=http
CURL_CA=
if [ "${MCIMD_TLS:-0}" = 1 ]; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=mcimd test CA" -keyout tls-ca.key -out tls-ca.pem 2>/dev/null ||
		fail "openssl: CA"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/CN=mcimd test" -keyout tls.key -out tls.csr 2>/dev/null ||
		fail "openssl: request"
	printf 'subjectAltName=IP:127.0.0.1\n' >tls.ext
	openssl x509 -req -in tls.csr -CA tls-ca.pem -CAkey tls-ca.key -CAcreateserial \
		-days 2 -extfile tls.ext -out tls.pem 2>/dev/null || fail "openssl: certificate"
	TLS_JSON='"tls": {"cert": "tls.pem", "key": "tls.key"},'
	SCHEME=https
	CURL_CA="--cacert $TMP/tls-ca.pem"
fi
cat >mcimd.json <<JSON
{"listen": {"address": "127.0.0.1", "port": 0}, "store": {"path": "mcimd.db"}, $TLS_JSON
 "pki": {"dir": "pki"}, "log": {"level": "warn"},
 "tenants": [
  {"name": "sho1", "kind": "sho", "plmn": "00101", "api_token_sha256": ["$(hash tok-sho1-demo)"]},
  {"name": "ro", "kind": "ro", "plmn": "001002"},
  {"name": "pva", "kind": "pva", "plmn": "00190", "api_token_sha256": ["$(hash tok-pva-demo)"]},
  {"name": "vno", "kind": "vno", "plmn": "00199", "api_token_sha256": ["$(hash tok-vno-demo)"]}]}
JSON
"$MCIMD" --config mcimd.json --port-file port >mcimd.log 2>&1 &
PID=$!
i=0
while [ ! -s port ]; do
	i=$((i + 1))
	[ "$i" -lt 200 ] || fail "mcimd wrote no port file"
	sleep 0.05
done
URL="$SCHEME://127.0.0.1:$(cat port)"

# api METHOD TOKEN PATH [JSON]: the operator API; the answer in $TMP/api.out, the
# HTTP status on stdout.
api() {
	if [ $# -ge 4 ]; then
		curl -sS $CURL_CA -o "$TMP/api.out" -w '%{http_code}' -X "$1" \
			-H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
			--data "$4" "$URL$3"
	else
		curl -sS $CURL_CA -o "$TMP/api.out" -w '%{http_code}' -X "$1" \
			-H "Authorization: Bearer $2" "$URL$3"
	fi
}

# enroll DIR: the device made in DIR known to the network as a factory and its
# operators would make it: its PCID imported by the VNO, its firmware's reference
# values at the PVA, its TRE registered for sho1 and an MCIM ordered (MCIM_ID).
enroll() {
	tre=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["tre_id"])' "$1/factory.json")
	pcids=$(python3 -c 'import json,sys;p=json.load(open(sys.argv[1]))["pcid"];print(json.dumps([{"pcid":p["imsi"],"k":p["k"],"opc":p["opc"]}]))' "$1/factory.json")
	man=$(base64 -w0 "$1/manifest.cose")
	[ "$(api POST tok-vno-demo /v1/tenants/vno/pcids "$pcids")" = 200 ] ||
		fail "pcids: $(cat "$TMP/api.out")"
	[ "$(api POST tok-pva-demo /v1/tenants/pva/reference-values "{\"manifest\":\"$man\"}")" = 201 ] ||
		fail "reference values: $(cat "$TMP/api.out")"
	[ "$(api POST tok-sho1-demo /v1/tenants/sho1/registrations "{\"tre_id\":\"$tre\",\"sho\":\"00101\"}")" = 201 ] ||
		fail "registration: $(cat "$TMP/api.out")"
	[ "$(api POST tok-sho1-demo /v1/tenants/sho1/mcims "{\"tre_id\":\"$tre\"}")" = 201 ] ||
		fail "order: $(cat "$TMP/api.out")"
	MCIM_ID=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["mcim_id"])' "$TMP/api.out")
}
