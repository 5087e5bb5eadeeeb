#!/bin/sh
# docs/openapi.yaml against mcimd's route tables: every operator and operations route
# the daemon registers (struct net_route in src/net/*.c, method and pattern) is an
# operation of the OpenAPI file and every operation of the file is a route, so the
# published API cannot drift from the code; every device-facing CBOR route
# (/icf, /drf, /pva, /dpf, /auc) is described in docs/protocol.md instead.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
python3 - "$ROOT" <<'PY'
import glob, re, sys

root = sys.argv[1]
code, device = set(), set()
route = re.compile(r'\{\s*"(GET|POST|PUT|PATCH|DELETE)",\s*"(/[^"]*)",\s*(NET_API_\w+)', re.S)
for f in sorted(glob.glob(root + "/src/net/*.c")):
    text = open(f).read()
    for method, path, api in route.findall(text):
        if api == "NET_API_DEVICE":
            device.add(path)
        else:
            code.add((method.lower(), path))
    device.update(re.findall(r'"(/(?:icf|drf|pva|dpf|auc)/v1/[^"]*)"', text))

spec, path = set(), None
for line in open(root + "/docs/openapi.yaml"):
    m = re.match(r"^  (/\S*):\s*$", line)
    if m:
        path = m.group(1)
        continue
    if re.match(r"^\S", line):
        path = None
    m = re.match(r"^    (get|post|put|patch|delete):\s*$", line)
    if m and path is not None:
        spec.add((m.group(1), path))

protocol = open(root + "/docs/protocol.md").read()
bad = []
bad += ["in the code, not in docs/openapi.yaml: %s %s" % (m.upper(), p) for m, p in sorted(code - spec)]
bad += ["in docs/openapi.yaml, not in the code: %s %s" % (m.upper(), p) for m, p in sorted(spec - code)]
bad += ["device route not in docs/protocol.md: %s" % p for p in sorted(device) if p not in protocol]
if len(code) < 10 or len(device) < 10:
    bad.append("found only %d operator and %d device routes: the parser is broken" % (len(code), len(device)))
for b in bad:
    print("FAIL:", b, file=sys.stderr)
if bad:
    sys.exit(1)
print("ok: %d operations match the code, %d device routes in docs/protocol.md" % (len(code), len(device)))
PY
