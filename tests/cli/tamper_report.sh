#!/bin/sh
# R-TRE-G11, R-PRC-602, R-PRC-305 end to end with the real TRE, agent and mcimd: a
# device provisioned, activated and attached; its sealed store then damaged, so the
# TRE opens failed and queues a report signed with its identity key; `mcim device
# report` delivers it (the failed TRE cannot read its certificate: the chain comes
# from the device directory) and the SHO records it: the MCIM's policy (suspend) is
# applied at the AuC, the audit trail has TAMPER_REPORTED. A second delivery brings
# the same report again (a duplicate: nothing changes) and the one this opening made.
# A device no SHO knows is refused (404) and `device provision` relays at its end.
set -eu

. "$(dirname "$0")/lib/mcimd_env.sh"
"$MCIM" device init --dir dev --pki pki >/dev/null
"$MCIM" device init --dir stranger --pki pki >/dev/null

enroll dev

# Provisioning relays the (empty) queue at its end.
"$MCIM" device provision --dir dev --server "$URL" >out 2>err || fail "provision: $(cat out err)"
grep -q '^  tamper *ok *no report queued$' out || fail "provision's relay: $(cat out)"
[ "$(api POST tok-sho1-demo "/v1/tenants/sho1/mcims/$MCIM_ID:activate")" = 200 ] ||
	fail "activate: $(cat api.out)"
"$MCIM" device attach --dir dev >out 2>err || fail "attach: $(cat out err)"

# The sealed store damaged: the TRE opens failed and queues a signed report.
python3 - dev/store/store <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x04
open(p, "wb").write(b)
PY
"$MCIM" device report --dir dev --json >out 2>err || fail "report: $(cat out err)"
python3 - out <<'PY' || fail "report json: $(cat out)"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["result"] == "OK", s
t = s["tamper_reports"]
assert t["result"] == "OK" and t["queued"] == 1, s
assert t["accepted"] == 1 and t["duplicates"] == 0, s
PY
# The SHO applied the MCIM's policy (suspend) and recorded the report.
[ "$(api GET tok-sho1-demo "/v1/tenants/sho1/mcims/$MCIM_ID")" = 200 ] || fail "mcim: $(cat api.out)"
python3 - api.out <<'PY' || fail "mcim after the report: $(cat api.out)"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["state"] == "suspended" and m["auc_state"] == "suspended", m
PY
[ "$(api GET tok-sho1-demo /v1/tenants/sho1/audit)" = 200 ] || fail "audit: $(cat api.out)"
python3 - api.out <<'PY' || fail "audit after the report: $(cat api.out)"
import json, sys
a = json.load(open(sys.argv[1]))["items"]
ev = [(x["event"], x["actor"], x["detail"]) for x in a]
rep = [e for e in ev if e[0] == "TAMPER_REPORTED"]
assert len(rep) == 1 and rep[0][1] == "tre", ev
assert rep[0][2].startswith("seq 1: TAMPERED (TRE failed), policy suspend"), rep
assert ("MCIM_STATE", "tamper", "activated -> suspended") in ev, ev
PY

# Again: the first report is a duplicate; this opening of the failed TRE was a
# tamper event of its own (seq 2).
"$MCIM" device report --dir dev >out 2>err || fail "second report: $(cat out err)"
grep -q '^  tamper *ok *2 queued: 1 accepted, 1 recorded before$' out ||
	fail "second report: $(cat out)"
tail -n 1 out | grep -q '^report: done$' || fail "second report summary: $(cat out)"

# A device no SHO here knows: nothing to send while it boots well; after a bad boot
# its report is refused (404), exit 1.
"$MCIM" device report --dir stranger --server "$URL" >out 2>err || fail "stranger: $(cat out err)"
grep -q '^  tamper *ok *no report queued$' out || fail "stranger, nothing queued: $(cat out)"
python3 - stranger/fw/kernel.bin <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[0] ^= 1
open(p, "wb").write(b)
PY
"$MCIM" device report --dir stranger --server "$URL" >out 2>err && fail "stranger's report"
grep -q '^  tamper *NOT_FOUND' out || fail "stranger: $(cat out)"
echo "tamper_report: ok"
