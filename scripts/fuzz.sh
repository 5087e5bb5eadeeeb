#!/bin/sh
# Runs every libFuzzer target in BUILD_DIR/bin (fuzz_*) for SECONDS each (default 60)
# and fails if any of them finds a crash, a leak, a timeout or a broken invariant.
#
# Each target gets a corpus in fuzz/corpus-<target>/ (git-ignored, kept between runs
# so that coverage accumulates), seeded with the valid objects the target writes
# itself (MCIM_FUZZ_WRITE_SEEDS) and with every "cbor" encoding of the unit tests'
# data (tests/data/*.json). Crash inputs land in BUILD_DIR/fuzz-artifacts/.
#
# usage: scripts/fuzz.sh BUILD_DIR [SECONDS]     (make fuzz FUZZ_SECONDS=30)
set -eu

build=${1:?usage: fuzz.sh BUILD_DIR [SECONDS]}
secs=${2:-}
secs=${secs:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"

# Writes each "cbor": "<hex>" value of the test-data files as one seed file.
seed_from_test_data() {
	corpus=$1
	for json in "$root"/tests/data/*.json; do
		[ -f "$json" ] || continue
		n=0
		sed -n 's/.*"cbor": *"\([0-9a-fA-F]*\)".*/\1/p' "$json" | while read -r hex; do
			n=$((n + 1))
			# perl-base is essential on Debian; xxd is not.
			printf '%s' "$hex" | perl -0777 -ne 'print pack("H*", $_)' \
				>"$corpus/data-$(basename "$json" .json)-$n"
		done
	done
}

found=0
failed=""
for bin in "$build"/bin/fuzz_*; do
	[ -x "$bin" ] || continue
	found=$((found + 1))
	name=$(basename "$bin")
	corpus="$root/fuzz/corpus-$name"
	log="$artifacts/$name.log"
	mkdir -p "$corpus"
	# A target without a seed mode just starts and stops (-runs=0).
	MCIM_FUZZ_WRITE_SEEDS="$corpus" "$bin" -runs=0 >/dev/null 2>&1
	seed_from_test_data "$corpus"
	echo "fuzz: $name for ${secs}s ($(ls "$corpus" | wc -l) inputs in the corpus)"
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
		-print_final_stats=1 -artifact_prefix="$artifacts/$name-" "$corpus" \
		>"$log" 2>&1; then
		grep -E '^stat::number_of_executed_units|^Done' "$log" | sed "s/^/  $name: /"
	else
		echo "fuzz: $name FAILED; the end of $log:" >&2
		tail -n 40 "$log" >&2
		failed="$failed $name"
	fi
done

if [ "$found" -eq 0 ]; then
	echo "fuzz: no fuzz_* binaries in $build/bin (configure with -DMCIM_FUZZ=ON)" >&2
	exit 1
fi
if [ -n "$failed" ]; then
	echo "fuzz: failures:$failed (inputs in $artifacts)" >&2
	exit 1
fi
echo "fuzz: $found targets, no failures"
