#!/bin/sh
# The TRE's footprint (issue 3), from a built tree: usage
#   scripts/bench-footprint.sh BUILD_DIR [N]
# (a) code size of the TRE's object files, `size`, without OpenSSL or libc;
# (b) heap allocator references in them, `nm -u`;
# (c) peak heap of one device session (boot + attestation + AKA), valgrind massif;
# (d) instructions per open, attestation and AKA, valgrind callgrind over N and 2N
#     operations (default N 16), the difference divided by N.
# Figures and ratios to the goals, then one JSON line. docs/bench.md explains each.
# Exit status 0 when everything was measured (a goal missed is a figure, not a
# failure), 1 when a measurement failed, 2 on usage.
set -eu

GOAL_TEXT=49152  # 48 KiB of text
GOAL_HEAP=131072 # 128 KiB of heap

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR [N]" >&2
	exit 2
fi
build=$1
n=${2:-16}
case $n in '' | *[!0-9]* | 0) echo "$0: N must be a positive integer" >&2; exit 2 ;; esac
src=$build/CMakeFiles/mcim_obj.dir/src
mcim=$build/bin/mcim
if [ ! -d "$src/tre" ] || [ ! -x "$mcim" ]; then
	echo "$0: $build holds no libmcim objects or bin/mcim: build it first" >&2
	exit 2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/mcim-footprint-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# ---- the object sets ----
# TRE: every object under src/tre except the emulated card (card*.o: the UICC is a
# device of its own, its code runs on the card) and the socket client (serve_client:
# the agent's side, in the normal world). Both backends (soft, uicc) are in.
find "$src/tre" -name '*.o' ! -name 'card*.o' ! -name 'serve_client.c.o' | sort \
	>"$work/tre.list"
# The library objects the TRE pulls in, as a static link would: the transitive
# closure over undefined symbols, within src/core, src/aka, src/crypto, src/proto.
find "$src/core" "$src/aka" "$src/crypto" "$src/proto" -name '*.o' | sort >"$work/pool.list"
while read -r o; do
	nm -g --defined-only "$o" | awk -v o="$o" 'NF == 3 { print $3, o }'
done <"$work/pool.list" | sort >"$work/pool.defs"
cp "$work/tre.list" "$work/all.list"
while :; do
	xargs nm -u <"$work/all.list" 2>/dev/null | awk 'NF == 2 { print $2 }' | sort -u \
		>"$work/undef"
	join "$work/undef" "$work/pool.defs" | awk '{ print $2 }' | sort -u |
		comm -23 - "$work/all.list" >"$work/new"
	[ -s "$work/new" ] || break
	sort -u "$work/all.list" "$work/new" -o "$work/all.list"
done
comm -23 "$work/all.list" "$work/tre.list" >"$work/deps.list"

# Per object: text as `size` counts it (code, read-only data, unwind tables), its
# parts, data (initialised, relocated read-only included), bss.
sizes() {
	while read -r o; do
		size -A "$o" | awk -v o="${o#"$src"/}" '
			$1 ~ /^\.text/ { code += $2 }
			$1 ~ /^\.rodata/ { ro += $2 }
			$1 ~ /^\.eh_frame/ { eh += $2 }
			$1 ~ /^\.(data|init_array|fini_array)/ { data += $2 }
			$1 ~ /^\.bss/ { bss += $2 }
			END { printf "%d %d %d %d %d %d %s\n", code + ro + eh, code, ro, eh,
				data, bss, o }'
	done
}
sizes <"$work/tre.list" | sort -rn >"$work/tre.sizes"
sizes <"$work/deps.list" | sort -rn >"$work/deps.sizes"
sum() { awk -v c="$2" '{ s += $c } END { print s + 0 }' "$1"; }
tre_text=$(sum "$work/tre.sizes" 1)
tre_code=$(sum "$work/tre.sizes" 2)
tre_ro=$(sum "$work/tre.sizes" 3)
tre_eh=$(sum "$work/tre.sizes" 4)
tre_data=$(sum "$work/tre.sizes" 5)
dep_text=$(sum "$work/deps.sizes" 1)
dep_data=$(sum "$work/deps.sizes" 5)
all_text=$((tre_text + dep_text))
all_data=$((tre_data + dep_data))
kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "TRE footprint ($build)"
echo "(a) code size, text = .text + .rodata + .eh_frame as size(1) counts it"
printf '  %-44s text %10s  data %9s\n' "TRE only ($(wc -l <"$work/tre.list") objects)" \
	"$(kib "$tre_text")" "$(kib "$tre_data")"
printf '  %-44s      (.text %s, .rodata %s, .eh_frame %s)\n' "" "$(kib "$tre_code")" \
	"$(kib "$tre_ro")" "$(kib "$tre_eh")"
printf '  %-44s text %10s  data %9s\n' "library code it pulls in ($(wc -l <"$work/deps.list"))" \
	"$(kib "$dep_text")" "$(kib "$dep_data")"
printf '  %-44s text %10s  data %9s\n' "TRE + that code (judged)" "$(kib "$all_text")" \
	"$(kib "$all_data")"
echo "  goal: TRE + the code it pulls in <= 48 KiB of text (OpenSSL, libcbor, libc"
echo "  excluded): $(ratio "$all_text" "$GOAL_TEXT") of the goal; TRE only:" \
	"$(ratio "$tre_text" "$GOAL_TEXT")"
echo "  largest objects (text, data, object):"
sort -rn "$work/tre.sizes" "$work/deps.sizes" | head -12 |
	awk '{ printf "    %7d %6d  %s\n", $1, $5, $7 }'
echo "  largest functions and tables (nm --size-sort):"
while read -r o; do
	nm -S --size-sort -t d "$o" | awk -v o="${o#"$src"/}" \
		'NF == 4 && $3 ~ /^[TtRrDd]$/ { printf "%d %s %s %s\n", $2, $3, $4, o }'
done <"$work/all.list" | sort -rn | head -10 |
	awk '{ printf "    %7d %s %-36s %s\n", $1, $2, $3, $4 }'

# ---- (b) allocator references ----
echo "(b) heap allocator references (nm -u) in the TRE and the code it pulls in"
alloc_re='^(malloc|calloc|realloc|reallocarray|free|strdup|strndup|posix_memalign|aligned_alloc|memalign|valloc)$'
indirect_re='^(fopen|fdopen|freopen|opendir|fdopendir|asprintf|vasprintf|getline|getdelim|open_memstream|scandir|realpath|tmpfile)$'
ossl_re='^(CRYPTO_malloc|CRYPTO_zalloc|CRYPTO_realloc|CRYPTO_free|CRYPTO_clear_free|CRYPTO_strdup|CRYPTO_secure_malloc)$'
refs() {
	while read -r o; do
		nm -u "$o" | awk -v o="${o#"$src"/}" -v re="$1" \
			'NF == 2 && $2 ~ re { printf "    %-32s %s\n", o, $2 }'
	done <"$work/all.list"
}
refs "$alloc_re" >"$work/malloc"
refs "$indirect_re" >"$work/indirect"
refs "$ossl_re" >"$work/ossl"
malloc_refs=$(wc -l <"$work/malloc")
if [ "$malloc_refs" -eq 0 ]; then
	echo "  malloc/calloc/realloc/free/strdup...: none (goal: none)"
else
	echo "  malloc family: $malloc_refs references (goal: none):"
	cat "$work/malloc"
fi
echo "  libc calls that allocate inside: $(wc -l <"$work/indirect")"
cat "$work/indirect"
echo "  OpenSSL allocator called directly (its heap, accepted): $(wc -l <"$work/ossl")"
cat "$work/ossl"

# ---- (c), (d): valgrind ----
heap_peak=null
heap_useful=null
ir_open=null
ir_attest=null
ir_aka=null
if ! command -v valgrind >/dev/null 2>&1; then
	echo "(c), (d) skipped: valgrind is not installed"
else
	"$mcim" bench tre --make-device "$work/dev" >/dev/null
	dev=$work/dev/dev

	echo "(c) peak heap of one device session in its own process: load device.json,"
	echo "    open (store, audit log, secure boot), attest, AKA, close (valgrind massif)"
	valgrind --tool=massif --pages-as-heap=no --peak-inaccuracy=0.0 --threshold=0.0 \
		--depth=80 --alloc-fn=CRYPTO_malloc --alloc-fn=CRYPTO_zalloc \
		--alloc-fn=CRYPTO_realloc --massif-out-file="$work/massif.out" \
		"$mcim" bench tre --device "$dev" --op full --iterations 1 \
		>/dev/null 2>"$work/massif.err" || {
		cat "$work/massif.err" >&2
		exit 1
	}
	set -- $(awk -F= '
		$1 == "mem_heap_B" { b = $2 }
		$1 == "mem_heap_extra_B" { if (b + $2 > peak) { peak = b + $2; useful = b } }
		END { print peak + 0, useful + 0 }' "$work/massif.out")
	heap_peak=$1
	heap_useful=$2
	printf '  %-44s %s (%s asked for, the rest allocator overhead)\n' "peak heap" \
		"$(kib "$heap_peak")" "$(kib "$heap_useful")"
	echo "  goal < 128 KiB (OpenSSL included): $(ratio "$heap_peak" "$GOAL_HEAP") of the goal"
	echo "  live at the peak, by the first function of openmcim's own code on the stack:"
	# The peak snapshot's tree, from the allocator up: each subtree's bytes go to its
	# first frame in the mcim binary (libmcim is linked in statically).
	awk -v prog="$(cd "$(dirname "$mcim")" && pwd)/mcim" '
		/^heap_tree=/ { inpeak = ($0 == "heap_tree=peak"); next }
		/^snapshot=/ && inpeak { exit }
		!inpeak || !/^ *n[0-9]+: / { next }
		{
			match($0, /^ */); d = RLENGTH
			for (k in mark) if (k + 0 >= d) delete mark[k]
			own = 0
			for (k in mark) own = 1
			if (own) next
			if (index($0, "(in " prog ")") > 0) {
				fn = $0
				sub(/^ *n[0-9]+: [0-9]+ 0x[0-9A-Fa-f]+: /, "", fn)
				sub(/ \(in .*$/, "", fn)
				by[fn] += $2; mark[d] = 1
			} else if ($1 == "n0:" && d > 0) {
				by["(no openmcim frame: loader, libc)"] += $2
			}
		}
		END { for (f in by) if (by[f] > 0) printf "%d %s\n", by[f], f }' \
		"$work/massif.out" | sort -rn | head -8 |
		awk '{ b = $1; $1 = ""; printf "    %9.1f KiB %s\n", b / 1024, $0 }'

	echo "(d) instructions (valgrind callgrind, only inside mcim_tre_open/_close or"
	echo "    mcim_tre_call; (run of 2N - run of N) / N, N = $n)"
	irs() { # op, iterations, collect options
		op=$1
		it=$2
		shift 2
		valgrind --tool=callgrind --callgrind-out-file="$work/cg.$op.$it" "$@" \
			"$mcim" bench tre --device "$dev" --op "$op" --iterations "$it" \
			>/dev/null 2>"$work/cg.err" || {
			cat "$work/cg.err" >&2
			exit 1
		}
		awk '$1 == "totals:" { t = $2 } $1 == "summary:" && !t { t = $2 }
			END { print t + 0 }' "$work/cg.$op.$it"
	}
	per_op() {
		a=$(irs "$1" "$n" "$2" ${3:+"$3"})
		b=$(irs "$1" $((2 * n)) "$2" ${3:+"$3"})
		echo $(((b - a) / n))
	}
	ir_open=$(per_op open --toggle-collect=mcim_tre_open --toggle-collect=mcim_tre_close)
	ir_attest=$(per_op attest --toggle-collect=mcim_tre_call)
	ir_aka=$(per_op aka --toggle-collect=mcim_tre_call)
	printf '  %-44s %12s instructions\n' "open + close (secure boot of 3 components)" "$ir_open"
	printf '  %-44s %12s instructions\n' "attest (remote evidence)" "$ir_attest"
	printf '  %-44s %12s instructions\n' "aka (3G, SQN committed, audited)" "$ir_aka"
fi

printf '{"bench": "footprint", "tre_text_b": %d, "tre_data_b": %d, "deps_text_b": %d, ' \
	"$tre_text" "$tre_data" "$dep_text"
printf '"deps_data_b": %d, "text_b": %d, "data_b": %d, "text_goal_b": %d, ' \
	"$dep_data" "$all_text" "$all_data" "$GOAL_TEXT"
printf '"text_over_goal": %s, "malloc_refs": %d, "heap_peak_b": %s, ' \
	"$(ratio "$all_text" "$GOAL_TEXT")" "$malloc_refs" "$heap_peak"
printf '"heap_useful_b": %s, "heap_goal_b": %d, "heap_over_goal": %s, ' "$heap_useful" \
	"$GOAL_HEAP" "$([ "$heap_peak" = null ] && echo null || ratio "$heap_peak" "$GOAL_HEAP")"
printf '"ir_per_open": %s, "ir_per_attest": %s, "ir_per_aka": %s}\n' "$ir_open" \
	"$ir_attest" "$ir_aka"
