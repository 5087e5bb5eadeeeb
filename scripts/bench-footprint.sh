#!/bin/sh
# The TRE's footprint (issue 3), from a built tree: usage
#   scripts/bench-footprint.sh BUILD_DIR [N]
# BUILD_DIR is a default build (`make bench`: build-bench, OpenSSL backend, -O2) or a
# device profile build (build-bench-device: MCIM_DEVICE_PROFILE=ON, the builtin crypto
# backend, -Os, no unwind tables, unused sections dropped at link).
# (a) code size of libmcim's object files, size(1), without OpenSSL, libcbor or libc:
#     the TRE with its soft backend (judged), the uicc backend, the library code they
#     pull in (core, aka, crypto, proto), the total; and bin/mcim-tre as linked;
# (b) heap allocator references in those objects, `nm -u`;
# (c) peak heap of one device session in bin/mcim-tre (load device.json, open with
#     the secure boot, attest, AKA, close), valgrind massif; in a tree with the
#     OpenSSL backend, also the same session in bin/mcim (libmcim on OpenSSL);
# (d) instructions per open, attestation, AKA and whole session in bin/mcim-tre,
#     valgrind callgrind over N and 2N operations (default N 16), the difference
#     divided by N.
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
tre=$build/bin/mcim-tre
if [ ! -d "$src/tre" ] || [ ! -x "$mcim" ] || [ ! -x "$tre" ]; then
	echo "$0: $build holds no libmcim objects, bin/mcim or bin/mcim-tre: build it first" >&2
	exit 2
fi
cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
crypto=$(cache MCIM_CRYPTO)
build_type=$(cache CMAKE_BUILD_TYPE)
case $(cache MCIM_DEVICE_PROFILE) in ON | on | 1 | TRUE | true) profile=device ;; *) profile=default ;; esac
work=$(mktemp -d "${TMPDIR:-/tmp}/mcim-footprint-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# ---- the object sets ----
# TRE: the objects of src/tre with the soft backend (src/tre/soft), without the
# uicc backend's two (tre_uicc: the core's side of it; uicc/uicc_backend) and the
# socket client (serve_client: the agent's side, in the normal world). The emulated
# card (uicc/card*) is in no set: the UICC is a device of its own.
find "$src/tre" -maxdepth 1 -name '*.o' ! -name serve_client.c.o ! -name tre_uicc.c.o |
	sort >"$work/tre.list"
find "$src/tre/soft" -name '*.o' | sort >>"$work/tre.list"
printf '%s\n' "$src/tre/tre_uicc.c.o" "$src/tre/uicc/uicc_backend.c.o" >"$work/uicc.list"
# The library objects they pull in, as a static link would: the transitive closure
# over undefined symbols, within src/core, src/aka, src/crypto (the backend's
# folder included), src/proto.
find "$src/core" "$src/aka" "$src/crypto" "$src/proto" -name '*.o' | sort >"$work/pool.list"
while read -r o; do
	nm -g --defined-only "$o" | awk -v o="$o" 'NF == 3 { print $3, o }'
done <"$work/pool.list" | sort >"$work/pool.defs"
sort -u "$work/tre.list" "$work/uicc.list" >"$work/all.list"
cp "$work/all.list" "$work/roots.list"
while :; do
	xargs nm -u <"$work/all.list" 2>/dev/null | awk 'NF == 2 { print $2 }' | sort -u \
		>"$work/undef"
	join "$work/undef" "$work/pool.defs" | awk '{ print $2 }' | sort -u |
		comm -23 - "$work/all.list" >"$work/new"
	[ -s "$work/new" ] || break
	sort -u "$work/all.list" "$work/new" -o "$work/all.list"
done
comm -23 "$work/all.list" "$work/roots.list" >"$work/deps.list"

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
sizes <"$work/uicc.list" | sort -rn >"$work/uicc.sizes"
sizes <"$work/deps.list" | sort -rn >"$work/deps.sizes"
for area in core aka crypto proto; do
	awk -v a="$area/" 'index($7, a) == 1' "$work/deps.sizes" >"$work/$area.sizes"
done
sum() { awk -v c="$2" '{ s += $c } END { print s + 0 }' "$1"; }
tre_text=$(sum "$work/tre.sizes" 1)
tre_data=$(sum "$work/tre.sizes" 5)
uicc_text=$(sum "$work/uicc.sizes" 1)
uicc_data=$(sum "$work/uicc.sizes" 5)
dep_text=$(sum "$work/deps.sizes" 1)
dep_data=$(sum "$work/deps.sizes" 5)
all_text=$((tre_text + uicc_text + dep_text))
all_data=$((tre_data + uicc_data + dep_data))
kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
line() { # label, sizes file
	printf '  %-40s text %10s  data %9s\n' "$1 ($(wc -l <"$2"))" \
		"$(kib "$(sum "$2" 1)")" "$(kib "$(sum "$2" 5)")"
}

echo "TRE footprint ($build: $profile build, $build_type, crypto backend $crypto)"
echo "(a) code size of libmcim's objects, text = .text + .rodata + .eh_frame as size(1)"
echo "    counts it, data = initialised data; OpenSSL, libcbor and libc excluded"
line "TRE, soft backend (judged)" "$work/tre.sizes"
printf '  %-40s      (.text %s, .rodata %s, .eh_frame %s)\n' "" \
	"$(kib "$(sum "$work/tre.sizes" 2)")" "$(kib "$(sum "$work/tre.sizes" 3)")" \
	"$(kib "$(sum "$work/tre.sizes" 4)")"
line "uicc backend" "$work/uicc.sizes"
for area in core aka crypto proto; do
	line "library code pulled in: $area" "$work/$area.sizes"
done
printf '  %-40s text %10s  data %9s\n' "total ($(wc -l <"$work/all.list"))" \
	"$(kib "$all_text")" "$(kib "$all_data")"
echo "  goal: the TRE code <= 48 KiB of text: $(ratio "$tre_text" "$GOAL_TEXT") of the goal" \
	"(text + data: $(ratio $((tre_text + tre_data)) "$GOAL_TEXT")); everything above:" \
	"$(ratio "$all_text" "$GOAL_TEXT")"
set -- $(size -A "$tre" | awk '
	$1 ~ /^\.(text|rodata|eh_frame|eh_frame_hdr|init|fini|plt)/ { t += $2 }
	$1 ~ /^\.(data|init_array|fini_array|data\.rel\.ro|got)/ { d += $2 }
	$1 ~ /^\.(bss|tbss)/ { b += $2 }
	END { print t + 0, d + 0, b + 0 }')
bin_text=$1
bin_data=$2
bin_bss=$3
needed=$(readelf -d "$tre" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')
printf '  %-40s text %10s  data %9s  bss %s\n' "bin/mcim-tre as linked" "$(kib "$bin_text")" \
	"$(kib "$bin_data")" "$(kib "$bin_bss")"
echo "    (libmcim in it statically: its builtin variant; shared: ${needed% })"
echo "  largest objects (text, data, object):"
sort -rn "$work/tre.sizes" "$work/uicc.sizes" "$work/deps.sizes" | head -12 |
	awk '{ printf "    %7d %6d  %s\n", $1, $5, $7 }'
echo "  largest functions and tables (nm --size-sort):"
while read -r o; do
	nm -S --size-sort -t d "$o" | awk -v o="${o#"$src"/}" \
		'NF == 4 && $3 ~ /^[TtRrDd]$/ { printf "%d %s %s %s\n", $2, $3, $4, o }'
done <"$work/all.list" | sort -rn | head -10 |
	awk '{ printf "    %7d %s %-36s %s\n", $1, $2, $3, $4 }'

# ---- (b) allocator references ----
echo "(b) heap allocator references (nm -u) in all of the objects above"
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
heap_mcim=null
ir_open=null
ir_attest=null
ir_aka=null
ir_session=null
# peak PROGRAM ARGS...: runs it under massif; prints "peak asked-for".
peak() {
	valgrind --tool=massif --pages-as-heap=no --peak-inaccuracy=0.0 --threshold=0.0 \
		--depth=80 --alloc-fn=CRYPTO_malloc --alloc-fn=CRYPTO_zalloc \
		--alloc-fn=CRYPTO_realloc --massif-out-file="$work/massif.out" \
		"$@" >/dev/null 2>"$work/massif.err" || {
		cat "$work/massif.err" >&2
		exit 1
	}
	awk -F= '
		$1 == "mem_heap_B" { b = $2 }
		$1 == "mem_heap_extra_B" { if (b + $2 > peak) { peak = b + $2; useful = b } }
		END { print peak + 0, useful + 0 }' "$work/massif.out"
}
# by_function PROGRAM: the peak snapshot's bytes, each subtree to the first function of
# PROGRAM (libmcim is linked into it statically) on its allocation stack; a frame is
# PROGRAM's when its function is one PROGRAM defines (nm), with or without debug
# information.
by_function() {
	nm --defined-only "$1" | awk '$2 ~ /^[tT]$/ { print $3 }' >"$work/own"
	awk '
		FILENAME == own { mine[$1] = 1; next }
		/^heap_tree=/ { inpeak = ($0 == "heap_tree=peak"); next }
		/^snapshot=/ && inpeak { exit }
		!inpeak || !/^ *n[0-9]+: / { next }
		{
			match($0, /^ */); d = RLENGTH
			for (k in mark) if (k + 0 >= d) delete mark[k]
			inside = 0
			for (k in mark) inside = 1
			if (inside) next
			fn = $0
			sub(/^ *n[0-9]+: [0-9]+ 0x[0-9A-Fa-f]+: /, "", fn)
			sub(/ \(.*$/, "", fn)
			if (fn in mine) {
				by[fn] += $2; mark[d] = 1
			} else if ($1 == "n0:" && d > 0) {
				by["(no openmcim frame: loader, libc, library set-up)"] += $2
			}
		}
		END { for (f in by) if (by[f] > 0) printf "%d %s\n", by[f], f }' \
		own="$work/own" "$work/own" "$work/massif.out" | sort -rn | head -8 |
		awk '{ b = $1; $1 = ""; printf "    %9.1f KiB %s\n", b / 1024, $0 }'
}
if ! command -v valgrind >/dev/null 2>&1; then
	echo "(c), (d) skipped: valgrind is not installed"
else
	"$mcim" bench tre --make-device "$work/dev" >/dev/null
	dev=$work/dev/dev

	echo "(c) peak heap of one device session in its own process, bin/mcim-tre session:"
	echo "    load device.json, open (store, audit log, secure boot), attest, AKA, close"
	echo "    (valgrind massif)"
	set -- $(peak "$tre" session --dir "$dev")
	heap_peak=$1
	heap_useful=$2
	printf '  %-44s %s (%s asked for, the rest allocator overhead)\n' "peak heap" \
		"$(kib "$heap_peak")" "$(kib "$heap_useful")"
	echo "  goal < 128 KiB (OpenSSL included): $(ratio "$heap_peak" "$GOAL_HEAP") of the goal"
	echo "  live at the peak, by the first function of openmcim's own code on the stack:"
	by_function "$tre"
	if [ "$crypto" = openssl ]; then
		echo "(c') the same session in bin/mcim (libmcim on OpenSSL, and the tools'"
		echo "    libraries: jansson, libcurl, ...): mcim bench tre --op full"
		set -- $(peak "$mcim" bench tre --device "$dev" --op full --iterations 1)
		heap_mcim=$1
		printf '  %-44s %s (%s asked for)\n' "peak heap" "$(kib "$1")" "$(kib "$2")"
		by_function "$mcim"
	fi

	echo "(d) instructions in bin/mcim-tre (valgrind callgrind, only inside"
	echo "    mcim_tre_open/_close or mcim_tre_call; (run of 2N - run of N) / N, N = $n)"
	irs() { # op, iterations, collect options
		op=$1
		it=$2
		shift 2
		valgrind --tool=callgrind --callgrind-out-file="$work/cg.$op.$it" "$@" \
			"$tre" session --dir "$dev" --op "$op" --iterations "$it" \
			>/dev/null 2>"$work/cg.err" || {
			cat "$work/cg.err" >&2
			exit 1
		}
		awk '$1 == "totals:" { t = $2 } $1 == "summary:" && !t { t = $2 }
			END { print t + 0 }' "$work/cg.$op.$it"
	}
	per_op() {
		op=$1
		shift
		a=$(irs "$op" "$n" "$@")
		b=$(irs "$op" $((2 * n)) "$@")
		echo $(((b - a) / n))
	}
	ir_open=$(per_op open --toggle-collect=mcim_tre_open --toggle-collect=mcim_tre_close)
	ir_attest=$(per_op attest --toggle-collect=mcim_tre_call)
	ir_aka=$(per_op aka --toggle-collect=mcim_tre_call)
	ir_session=$(per_op full --toggle-collect=mcim_tre_open \
		--toggle-collect=mcim_tre_close --toggle-collect=mcim_tre_call)
	printf '  %-44s %12s instructions\n' "open + close (secure boot of 3 components)" "$ir_open"
	printf '  %-44s %12s instructions\n' "attest (remote evidence)" "$ir_attest"
	printf '  %-44s %12s instructions\n' "aka (3G, SQN committed, audited)" "$ir_aka"
	printf '  %-44s %12s instructions\n' "session (open, attest, aka, close)" "$ir_session"
fi

printf '{"bench": "footprint", "profile": "%s", "build_type": "%s", "crypto": "%s", ' \
	"$profile" "$build_type" "$crypto"
printf '"tre_text_b": %d, "tre_data_b": %d, "uicc_text_b": %d, "uicc_data_b": %d, ' \
	"$tre_text" "$tre_data" "$uicc_text" "$uicc_data"
for area in core aka crypto proto; do
	printf '"%s_text_b": %d, ' "$area" "$(sum "$work/$area.sizes" 1)"
done
printf '"deps_text_b": %d, "deps_data_b": %d, "text_b": %d, "data_b": %d, ' \
	"$dep_text" "$dep_data" "$all_text" "$all_data"
printf '"tre_bin_text_b": %d, "tre_bin_data_b": %d, ' "$bin_text" "$bin_data"
printf '"text_goal_b": %d, "text_over_goal": %s, "malloc_refs": %d, ' "$GOAL_TEXT" \
	"$(ratio "$tre_text" "$GOAL_TEXT")" "$malloc_refs"
printf '"heap_peak_b": %s, "heap_useful_b": %s, "heap_goal_b": %d, ' "$heap_peak" \
	"$heap_useful" "$GOAL_HEAP"
printf '"heap_over_goal": %s, "heap_peak_mcim_b": %s, ' \
	"$([ "$heap_peak" = null ] && echo null || ratio "$heap_peak" "$GOAL_HEAP")" \
	"$heap_mcim"
printf '"ir_per_open": %s, "ir_per_attest": %s, "ir_per_aka": %s, ' "$ir_open" \
	"$ir_attest" "$ir_aka"
printf '"ir_per_session": %s}\n' "$ir_session"
