#!/bin/sh
# The device agent over HTTPS (T-05: the ICF session and the operator's tokens never
# cross a network in clear): mcimd serves TLS with a certificate from the operator's
# own CA; `mcim device provision --cacert` verifies the server against that CA only,
# saves it, and `device attach` and `device report` use it again without the option.
# Without the CA (the system's store does not know it), or with another CA, the first
# step fails on the transport, says so, and nothing is provisioned.
set -eu

command -v openssl >/dev/null || { echo "FAIL: openssl is not installed (scripts/deps.sh installs it)" >&2; exit 1; }
MCIMD_TLS=1
. "$(dirname "$0")/lib/mcimd_env.sh"
case $URL in https://*) ;; *) fail "the fixture did not start mcimd on TLS: $URL" ;; esac
"$MCIM" device init --dir dev --pki pki >/dev/null
enroll dev

# Not trusted: the system's store, then a CA that did not sign the server.
"$MCIM" device provision --dir dev --server "$URL" --retries 0 >out 2>err &&
	fail "provisioned against a server nobody vouched for"
grep -q "icf .*IO .*/icf/v1/challenge: SSL peer certificate" out ||
	fail "untrusted server: $(cat out err)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=someone else" -keyout other.key -out other.pem 2>/dev/null
"$MCIM" device provision --dir dev --server "$URL" --cacert other.pem --retries 0 >out 2>err &&
	fail "provisioned with another CA"
grep -q "icf .*IO .*SSL peer certificate" out || fail "another CA: $(cat out err)"
[ "$(api GET tok-sho1-demo "/v1/tenants/sho1/mcims/$MCIM_ID")" = 200 ] || fail "mcim: $(cat api.out)"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["state"] == "created", m' api.out ||
	fail "a refused transport changed the order: $(cat api.out)"
rc=0
"$MCIM" device provision --dir dev --server "$URL" --cacert /nonexistent/ca.pem >out 2>err || rc=$?
[ "$rc" -eq 2 ] || fail "a CA file that is not there: exit $rc, expected 2"

# The operator's CA: provisioned, and the CA is remembered for what follows.
"$MCIM" device provision --dir dev --server "$URL" --cacert tls-ca.pem >out 2>err ||
	fail "provision over TLS: $(cat out err)"
python3 -c 'import json,sys,os; j=json.load(open(sys.argv[1])); assert j["cacert"] == os.path.realpath("tls-ca.pem"), j' dev/agent.json ||
	fail "agent.json: $(cat dev/agent.json)"
[ "$(api POST tok-sho1-demo "/v1/tenants/sho1/mcims/$MCIM_ID:activate")" = 200 ] ||
	fail "activate: $(cat api.out)"
(cd / && "$MCIM" device attach --dir "$TMP/dev" >"$TMP/out" 2>"$TMP/err") ||
	fail "attach with the saved CA: $(cat out err)"
"$MCIM" device report --dir dev >out 2>err || fail "report with the saved CA: $(cat out err)"
[ "$(api GET tok-sho1-demo "/v1/tenants/sho1/mcims/$MCIM_ID")" = 200 ] || fail "mcim: $(cat api.out)"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["state"] == "activated", m' api.out ||
	fail "after attach: $(cat api.out)"
echo "ok: device agent over TLS"
