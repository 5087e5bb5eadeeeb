# Sourced by the CLI tests that need a running mcimd (not a test itself: ctest runs
# tests/cli/*.sh only). Expects MCIM, MCIMD, TMP and a cleanup trap that kills $PID;
# defines fail and hash, makes a demo PKI in $TMP, starts mcimd on loopback with an
# SHO (sho1), an RO, a PVA and a VNO (tokens tok-<tenant>-demo), and sets PID, URL
# and the working directory $TMP.
fail() {
	echo "FAIL: $*" >&2
	[ -f "$TMP/mcimd.log" ] && tail -n 20 "$TMP/mcimd.log" >&2
	exit 1
}

hash() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

cd "$TMP"
"$MCIM" pki init pki >/dev/null
cat >mcimd.json <<JSON
{"listen": {"address": "127.0.0.1", "port": 0}, "store": {"path": "mcimd.db"},
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
URL="http://127.0.0.1:$(cat port)"
