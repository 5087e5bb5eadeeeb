#!/bin/sh
# R-SEED-09, R-SEED-05 end to end with the real TRE, agent and mcimd: an SHO
# replaces a provisioned MCIM's policy through the operator API (PUT .../policy: no
# change of subscription any more, wipe on tamper); `mcim device attach` relays the
# signed set_policy command, the TRE applies it (its registry shows the new allowed
# operations and the command's counter), its signed result comes back and the SHO's
# view of the MCIM shows the confirmed policy.
set -eu

. "$(dirname "$0")/lib/mcimd_env.sh"
"$MCIM" device init --dir dev --pki pki >/dev/null
enroll dev
"$MCIM" device provision --dir dev --server "$URL" >out 2>err || fail "provision: $(cat out err)"
[ "$(api POST tok-sho1-demo "/v1/tenants/sho1/mcims/$MCIM_ID:activate")" = 200 ] ||
	fail "activate: $(cat api.out)"
"$MCIM" device attach --dir dev >out 2>err || fail "attach: $(cat out err)"

POLICY='{"allowed": ["activate", "suspend", "resume", "delete", "aka-3g", "aka-eps", "aka-5g"], "on_tamper": "wipe"}'
[ "$(api PUT tok-sho1-demo "/v1/tenants/sho1/mcims/$MCIM_ID/policy" "$POLICY")" = 200 ] ||
	fail "put policy: $(cat api.out)"
python3 - api.out <<'PY' || fail "before the TRE's result: $(cat api.out)"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["pending_commands"] == 1 and m["policy"]["on_tamper"] == "suspend", m
PY
"$MCIM" device attach --dir dev >out 2>err || fail "attach relaying set_policy: $(cat out err)"
"$MCIM" tre list --dir dev --json >out 2>err || fail "tre list: $(cat out err)"
python3 - out <<'PY' || fail "the TRE's registry: $(cat out)"
import json, sys
m = json.load(open(sys.argv[1]))["result"]["mcims"][0]
assert m["state"] == "activated", m
assert m["allowed"] == 0xff & ~(1 << 4), m  # all but release
assert m["mgmt_counter"] == 2, m             # activate, then set_policy
PY
[ "$(api GET tok-sho1-demo "/v1/tenants/sho1/mcims/$MCIM_ID")" = 200 ] || fail "get: $(cat api.out)"
python3 - api.out <<'PY' || fail "after the TRE's result: $(cat api.out)"
import json, sys
m = json.load(open(sys.argv[1]))
p = m["policy"]
assert m["pending_commands"] == 0 and m["state"] == "activated", m
assert p["on_tamper"] == "wipe" and "release" not in p["allowed"], m
PY
echo "ok: policy set by the SHO, applied by the TRE"
