#!/bin/sh
# Installs the Debian 12 packages that openmcim's build, tests, demo and benchmarks
# need, and only those that are missing. Idempotent and silent when all are present,
# so every make target can call it on a fresh machine.
set -eu

packages="build-essential cmake pkg-config clang clang-format valgrind
libssl-dev libcbor-dev libjansson-dev libsqlite3-dev libcmocka-dev
libmicrohttpd-dev libcurl4-openssl-dev sqlite3 curl openssl"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "deps: need root or sudo to install:$missing" >&2; exit 1; }
	sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
