/*
 * Keccak-f[1600] as TUAK uses it: the six permutation sets of TS 35.232, read from
 * keccak.json at run time, through the public octet interface and through every
 * implementation this CPU runs (portable, AVX2, AVX-512) in both ways of a two-way
 * pass; the implementations agreeing with the portable one on random states, way
 * counts and iteration counts, also when they supply TUAK's padding themselves; the
 * iteration count meaning repeated application; and the forced portable choice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aka/keccak.h"
#include "mcim/aka.h"
#include "tool/vecfile.h"
#include "vectors_env.h"

static const enum aka_keccak_impl impls[] = {
    AKA_KECCAK_PORTABLE,
    AKA_KECCAK_AVX2,
    AKA_KECCAK_AVX512,
};
#define NIMPLS (sizeof(impls) / sizeof(impls[0]))

/* Lane i of the state holds octets 8i..8i+7, the first the least significant. */
static void octets_to_lanes(uint64_t lanes[25], const uint8_t octets[200])
{
	for (int i = 0; i < 25; i++) {
		lanes[i] = 0;
		for (int b = 0; b < 8; b++)
			lanes[i] |= (uint64_t)octets[8 * i + b] << (8 * b);
	}
}

/* A deterministic filler for the other ways and the agreement tests (xorshift64). */
static uint64_t next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void fill(uint64_t lanes[25], uint64_t *seed)
{
	for (int i = 0; i < 25; i++)
		lanes[i] = next(seed);
}

static void set_way(struct aka_keccak_x2 *st, unsigned w, const uint64_t lanes[25])
{
	for (int i = 0; i < 25; i++)
		st->lane[i][w] = lanes[i];
}

static void assert_way(const struct aka_keccak_x2 *st, unsigned w,
		       const uint64_t lanes[25])
{
	for (int i = 0; i < 25; i++)
		assert_true(st->lane[i][w] == lanes[i]);
}

static size_t open_sets(struct vecfile *vf)
{
	char path[4096];

	assert_int_equal(
	    vecfile_open(vf, vectors_path("keccak.json", path, sizeof(path))), MCIM_OK);
	assert_string_equal(vf->algorithm, "keccak-f1600");
	assert_true(vf->nsets >= 6);
	return vf->nsets;
}

static void official_sets_octets(void **state)
{
	struct vecfile vf;
	uint8_t in[200], out[200];

	(void)state;
	for (size_t i = 0, n = open_sets(&vf); i < n; i++) {
		assert_int_equal(vecfile_hex(&vf, i, "input", in, 200), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "output", out, 200), MCIM_OK);
		mcim_tuak_keccak_f1600(in);
		assert_memory_equal(in, out, 200);
	}
	vecfile_close(&vf);
}

/* Each set in each position of a pass with 1..4 ways, the other ways busy. */
static void official_sets_every_impl(void **state)
{
	struct vecfile vf;
	uint8_t in[200], out[200];
	uint64_t lin[25], lout[25], other[25], seed = 0x9e3779b97f4a7c15u;

	(void)state;
	for (size_t i = 0, n = open_sets(&vf); i < n; i++) {
		assert_int_equal(vecfile_hex(&vf, i, "input", in, 200), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "output", out, 200), MCIM_OK);
		octets_to_lanes(lin, in);
		octets_to_lanes(lout, out);

		memcpy(other, lin, sizeof(other));
		aka_keccak_f1600(other, 1);
		assert_memory_equal(other, lout, sizeof(lout));

		for (size_t m = 0; m < NIMPLS; m++) {
			if (!aka_keccak_impl_available(impls[m]))
				continue;
			for (unsigned ways = 1; ways <= AKA_KECCAK_WAYS; ways++)
				for (unsigned pos = 0; pos < ways; pos++) {
					struct aka_keccak_x2 st;

					for (unsigned w = 0; w < AKA_KECCAK_WAYS; w++) {
						fill(other, &seed);
						set_way(&st, w, other);
					}
					set_way(&st, pos, lin);
					aka_keccak_f1600_x2_with(impls[m], &st, ways, 1);
					assert_way(&st, pos, lout);
				}
		}
	}
	vecfile_close(&vf);
}

/* Every implementation gives the portable result on unrelated states. */
static void impls_agree(void **state)
{
	uint64_t seed = 0x0123456789abcdefu;

	(void)state;
	for (int round = 0; round < 64; round++)
		for (unsigned iters = 1; iters <= 3; iters++)
			for (unsigned ways = 1; ways <= AKA_KECCAK_WAYS; ways++) {
				uint64_t ref[AKA_KECCAK_WAYS][25];
				struct aka_keccak_x2 orig;

				for (unsigned w = 0; w < AKA_KECCAK_WAYS; w++) {
					fill(ref[w], &seed);
					set_way(&orig, w, ref[w]);
				}
				for (unsigned w = 0; w < ways; w++)
					aka_keccak_f1600(ref[w], iters);
				for (size_t m = 0; m < NIMPLS; m++) {
					struct aka_keccak_x2 st = orig;

					if (!aka_keccak_impl_available(impls[m]))
						continue;
					aka_keccak_f1600_x2_with(impls[m], &st, ways,
								 iters);
					for (unsigned w = 0; w < ways; w++)
						assert_way(&st, w, ref[w]);
				}
			}
}

/*
 * aka_keccak_tuak_x2() on every implementation: lanes 0..11 as given, lanes 12..24
 * TUAK's padding whatever the state held there (random here), the whole result out.
 */
static void tuak_padding_every_impl(void **state)
{
	uint64_t seed = 0x5bd1e9955bd1e995u;

	(void)state;
	for (int round = 0; round < 32; round++)
		for (unsigned iters = 1; iters <= 3; iters++)
			for (unsigned ways = 1; ways <= AKA_KECCAK_WAYS; ways++) {
				uint64_t ref[AKA_KECCAK_WAYS][25];
				struct aka_keccak_x2 orig;

				for (unsigned w = 0; w < AKA_KECCAK_WAYS; w++) {
					fill(ref[w], &seed);
					set_way(&orig, w, ref[w]);
					for (int i = AKA_TUAK_SET_LANES; i < 25; i++)
						ref[w][i] = 0;
					ref[w][AKA_TUAK_LANE_START] = AKA_TUAK_PAD_START;
					ref[w][AKA_TUAK_LANE_END] = AKA_TUAK_PAD_END;
					aka_keccak_f1600(ref[w], iters);
				}
				for (size_t m = 0; m < NIMPLS; m++) {
					struct aka_keccak_x2 st = orig;

					if (!aka_keccak_impl_available(impls[m]))
						continue;
					aka_keccak_tuak_x2_with(impls[m], &st, ways,
								iters);
					for (unsigned w = 0; w < ways; w++)
						assert_way(&st, w, ref[w]);
				}
				aka_keccak_tuak_x2(&orig, ways, iters);
				for (unsigned w = 0; w < ways; w++)
					assert_way(&orig, w, ref[w]);
			}
}

/* The padding constants are those of TS 35.231 clause 6: 0x1f at 96, 0x80 at 135. */
static void tuak_padding_octets(void **state)
{
	uint8_t inout[200];

	(void)state;
	memset(inout, 0, sizeof(inout));
	for (int i = 0; i < 8; i++) {
		inout[8 * AKA_TUAK_LANE_START + i] =
		    (uint8_t)(AKA_TUAK_PAD_START >> (8 * i));
		inout[8 * AKA_TUAK_LANE_END + i] = (uint8_t)(AKA_TUAK_PAD_END >> (8 * i));
	}
	for (int i = 0; i < 200; i++)
		assert_int_equal(inout[i], i == 96 ? 0x1f : i == 135 ? 0x80 : 0);
}

/* TUAK's iteration count applies the permutation that many times. */
static void iterations_repeat(void **state)
{
	struct vecfile vf;
	uint8_t in[200], twice[200];
	uint64_t lanes[25], ref[25];

	(void)state;
	open_sets(&vf);
	assert_int_equal(vecfile_hex(&vf, 0, "input", in, 200), MCIM_OK);
	vecfile_close(&vf);
	memcpy(twice, in, sizeof(in));
	mcim_tuak_keccak_f1600(twice);
	mcim_tuak_keccak_f1600(twice);
	octets_to_lanes(ref, twice);
	octets_to_lanes(lanes, in);
	aka_keccak_f1600(lanes, 2);
	assert_memory_equal(lanes, ref, sizeof(ref));
	octets_to_lanes(lanes, in);
	aka_keccak_f1600(lanes, 1);
	assert_memory_not_equal(lanes, ref, sizeof(ref));
}

/* The choice is one the CPU runs; the portable path is always there. */
static void selection(void **state)
{
	(void)state;
	assert_true(aka_keccak_impl_available(AKA_KECCAK_PORTABLE));
	for (unsigned ways = 1; ways <= AKA_KECCAK_WAYS; ways++)
		assert_true(aka_keccak_impl_available(aka_keccak_impl_for(ways)));
	if (aka_keccak_impl_available(AKA_KECCAK_AVX512))
		assert_int_equal(aka_keccak_impl_for(2), AKA_KECCAK_AVX512);
	else if (aka_keccak_impl_available(AKA_KECCAK_AVX2))
		assert_int_equal(aka_keccak_impl_for(2), AKA_KECCAK_AVX2);
	/* Forcing the portable path (for tests through TUAK) and restoring the choice. */
	aka_keccak_force_portable(1);
	for (unsigned ways = 1; ways <= AKA_KECCAK_WAYS; ways++)
		assert_int_equal(aka_keccak_impl_for(ways), AKA_KECCAK_PORTABLE);
	aka_keccak_force_portable(0);
	if (aka_keccak_impl_available(AKA_KECCAK_AVX512))
		assert_int_equal(aka_keccak_impl_for(1), AKA_KECCAK_AVX512);
	print_message("keccak implementations here: avx2 %d, avx512 %d\n",
		      aka_keccak_impl_available(AKA_KECCAK_AVX2),
		      aka_keccak_impl_available(AKA_KECCAK_AVX512));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(official_sets_octets),
	    cmocka_unit_test(official_sets_every_impl),
	    cmocka_unit_test(impls_agree),
	    cmocka_unit_test(tuak_padding_every_impl),
	    cmocka_unit_test(tuak_padding_octets),
	    cmocka_unit_test(iterations_repeat),
	    cmocka_unit_test(selection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
