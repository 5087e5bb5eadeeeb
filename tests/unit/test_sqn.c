/*
 * SQN management (TS 33.102 Annex C) as state with invariants (R-MCIM-C04): SQN
 * layout and the 48-bit limits, the HE's counter and cyclic IND, exhaustion without
 * wrap-around at 2^(48 - IND bits) - 1, the USIM's per-slot freshness with
 * out-of-order acceptance, replay refusal, the delta and age-limit checks, SQN_MS,
 * the HE's reset rule, and randomised properties (after a resynchronisation the HE's
 * next SQN is always accepted; n SQNs at once equal n single ones). Expected values
 * are written out from the annex's definitions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mcim/sqn.h"

static struct mcim_sqn_cfg cfg_of(unsigned ind_bits, uint64_t delta, uint64_t age_limit)
{
	struct mcim_sqn_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.ind_bits = (uint8_t)ind_bits;
	cfg.delta = delta;
	cfg.age_limit = age_limit;
	return cfg;
}

static uint64_t sqn_of(const struct mcim_sqn_cfg *cfg, uint64_t seq, unsigned ind)
{
	uint64_t sqn = 0;

	assert_int_equal(mcim_sqn_make(cfg, seq, ind, &sqn), MCIM_OK);
	return sqn;
}

/* splitmix64: a deterministic generator for the property tests. */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void config_ranges(void **state)
{
	struct mcim_sqn_cfg cfg;

	(void)state;
	mcim_sqn_cfg_default(&cfg);
	assert_int_equal(cfg.ind_bits, 5);
	assert_true(cfg.delta == (UINT64_C(1) << 28));
	assert_true(cfg.age_limit == 0);
	assert_int_equal(mcim_sqn_cfg_check(&cfg), MCIM_OK);
	assert_true(mcim_sqn_seq_max(&cfg) == (UINT64_C(1) << 43) - 1);

	cfg = cfg_of(0, 1, 0);
	assert_int_equal(mcim_sqn_cfg_check(&cfg), MCIM_OK);
	assert_true(mcim_sqn_seq_max(&cfg) == (UINT64_C(1) << 48) - 1);
	cfg = cfg_of(MCIM_SQN_IND_BITS_MAX, 1, 0);
	assert_int_equal(mcim_sqn_cfg_check(&cfg), MCIM_OK);
	assert_true(mcim_sqn_seq_max(&cfg) ==
		    (UINT64_C(1) << (48 - MCIM_SQN_IND_BITS_MAX)) - 1);

	cfg = cfg_of(MCIM_SQN_IND_BITS_MAX + 1, 1, 0);
	assert_int_equal(mcim_sqn_cfg_check(&cfg), MCIM_ERR_INVALID_ARG);
	cfg = cfg_of(5, 0, 0); /* delta 0 would refuse every SQN */
	assert_int_equal(mcim_sqn_cfg_check(&cfg), MCIM_ERR_INVALID_ARG);
	cfg = cfg_of(5, UINT64_C(1) << 43, 0);
	assert_int_equal(mcim_sqn_cfg_check(&cfg), MCIM_ERR_INVALID_ARG);
	cfg = cfg_of(5, (UINT64_C(1) << 43) - 1, (UINT64_C(1) << 43) - 1);
	assert_int_equal(mcim_sqn_cfg_check(&cfg), MCIM_OK);
	cfg = cfg_of(5, 1, UINT64_C(1) << 43);
	assert_int_equal(mcim_sqn_cfg_check(&cfg), MCIM_ERR_INVALID_ARG);
}

static void layout(void **state)
{
	struct mcim_sqn_cfg cfg = cfg_of(5, 1000, 0), bad = cfg_of(7, 1, 0);
	static const uint8_t bytes[6] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab};
	uint8_t out[6];
	uint64_t sqn = 77;

	(void)state;
	/* SEQ in the most significant 43 bits, IND in the 5 least significant. */
	assert_true(sqn_of(&cfg, 1, 0) == 32);
	assert_true(sqn_of(&cfg, 3, 7) == 3 * 32 + 7);
	assert_true(sqn_of(&cfg, (UINT64_C(1) << 43) - 1, 31) == (UINT64_C(1) << 48) - 1);
	assert_true(mcim_sqn_seq(&cfg, 3 * 32 + 7) == 3);
	assert_int_equal(mcim_sqn_ind(&cfg, 3 * 32 + 7), 7);
	assert_int_equal(mcim_sqn_make(&cfg, UINT64_C(1) << 43, 0, &sqn),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_sqn_make(&cfg, 1, 32, &sqn), MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_sqn_make(&bad, 1, 0, &sqn), MCIM_ERR_INVALID_ARG);
	assert_true(sqn == 77); /* untouched on error */

	cfg = cfg_of(0, 1, 0);
	assert_true(sqn_of(&cfg, 12345, 0) == 12345);
	assert_int_equal(mcim_sqn_ind(&cfg, 12345), 0);

	assert_true(mcim_sqn_from_bytes(bytes) == UINT64_C(0x0123456789ab));
	mcim_sqn_to_bytes(UINT64_C(0x0123456789ab), out);
	assert_memory_equal(out, bytes, 6);
	mcim_sqn_to_bytes(MCIM_SQN_MAX, out);
	assert_true(mcim_sqn_from_bytes(out) == MCIM_SQN_MAX);
}

static void he_cyclic_ind(void **state)
{
	struct mcim_sqn_cfg cfg = cfg_of(5, 1000, 0);
	struct mcim_sqn_he he, before;
	uint64_t sqn;

	(void)state;
	assert_int_equal(mcim_sqn_he_init(&cfg, &he, 0), MCIM_OK);
	/* Every SQN takes SEQ_HE + 1; IND runs 0..31 and starts again. */
	for (unsigned i = 0; i < 70; i++) {
		assert_int_equal(mcim_sqn_he_next(&cfg, &he, &sqn), MCIM_OK);
		assert_true(mcim_sqn_seq(&cfg, sqn) == i + 1);
		assert_int_equal(mcim_sqn_ind(&cfg, sqn), i % 32);
	}
	assert_true(he.seq == 70);
	assert_int_equal(he.next_ind, 70 % 32);

	/* A serving node's own IND (C.1.2) leaves the cyclic allocation alone. */
	assert_int_equal(mcim_sqn_he_next_ind(&cfg, &he, 17, &sqn), MCIM_OK);
	assert_true(sqn == sqn_of(&cfg, 71, 17));
	assert_int_equal(he.next_ind, 70 % 32);
	before = he;
	sqn = 5;
	assert_int_equal(mcim_sqn_he_next_ind(&cfg, &he, 32, &sqn), MCIM_ERR_INVALID_ARG);
	assert_memory_equal(&he, &before, sizeof(he));
	assert_true(sqn == 5);

	/* No IND bits: SQN = SEQ. */
	cfg = cfg_of(0, 1000, 0);
	assert_int_equal(mcim_sqn_he_init(&cfg, &he, 41), MCIM_OK);
	assert_int_equal(mcim_sqn_he_next(&cfg, &he, &sqn), MCIM_OK);
	assert_true(sqn == 42);
	assert_int_equal(mcim_sqn_he_next_ind(&cfg, &he, 0, &sqn), MCIM_OK);
	assert_true(sqn == 43);
}

/* SEQ stops at 2^(48 - IND bits) - 1 and reports exhaustion instead of wrapping. */
static void he_exhaustion(void **state)
{
	static const unsigned ind_bits[] = {0, 5, MCIM_SQN_IND_BITS_MAX};
	uint64_t sqns[4] = {1, 2, 3, 4};

	(void)state;
	for (size_t t = 0; t < sizeof(ind_bits) / sizeof(ind_bits[0]); t++) {
		struct mcim_sqn_cfg cfg = cfg_of(ind_bits[t], 1, 0);
		uint64_t max = (UINT64_C(1) << (48 - ind_bits[t])) - 1, sqn;
		struct mcim_sqn_he he, before;

		assert_int_equal(mcim_sqn_he_init(&cfg, &he, max + 1),
				 MCIM_ERR_INVALID_ARG);
		assert_int_equal(mcim_sqn_he_init(&cfg, &he, max - 2), MCIM_OK);
		assert_int_equal(mcim_sqn_he_next(&cfg, &he, &sqn), MCIM_OK);
		assert_true(mcim_sqn_seq(&cfg, sqn) == max - 1);
		/* Two more do not fit: all or nothing. */
		before = he;
		assert_int_equal(mcim_sqn_he_next_n(&cfg, &he, 2, sqns),
				 MCIM_ERR_SQN_EXHAUSTED);
		assert_memory_equal(&he, &before, sizeof(he));
		assert_true(sqns[0] == 1 && sqns[1] == 2);
		/* A count so large that SEQ_HE + n would pass 2^64. */
		assert_int_equal(mcim_sqn_he_next_n(&cfg, &he, SIZE_MAX, sqns),
				 MCIM_ERR_SQN_EXHAUSTED);
		assert_int_equal(mcim_sqn_he_next_n(&cfg, &he, 0, NULL), MCIM_OK);
		assert_int_equal(mcim_sqn_he_next(&cfg, &he, &sqn), MCIM_OK);
		assert_true(mcim_sqn_seq(&cfg, sqn) == max);
		assert_true(sqn <= MCIM_SQN_MAX);
		before = he;
		assert_int_equal(mcim_sqn_he_next(&cfg, &he, &sqn),
				 MCIM_ERR_SQN_EXHAUSTED);
		assert_int_equal(mcim_sqn_he_next_ind(&cfg, &he, 0, &sqn),
				 MCIM_ERR_SQN_EXHAUSTED);
		assert_memory_equal(&he, &before, sizeof(he));
		assert_true(he.seq == max);
	}
}

static void he_bad_state(void **state)
{
	struct mcim_sqn_cfg cfg = cfg_of(5, 10, 0), bad = cfg_of(5, 0, 0);
	struct mcim_sqn_he he;
	uint64_t sqn = 9;
	int reset = 7;

	(void)state;
	assert_int_equal(mcim_sqn_he_init(&bad, &he, 0), MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_sqn_he_init(&cfg, &he, 0), MCIM_OK);
	assert_int_equal(mcim_sqn_he_next(&bad, &he, &sqn), MCIM_ERR_INVALID_ARG);
	/* A record read back from storage with a SEQ or IND out of range. */
	he.seq = UINT64_C(1) << 43;
	assert_int_equal(mcim_sqn_he_next(&cfg, &he, &sqn), MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_sqn_he_next_ind(&cfg, &he, 1, &sqn), MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_sqn_he_resync(&cfg, &he, 0, &reset), MCIM_ERR_INVALID_ARG);
	he.seq = 0;
	he.next_ind = 32;
	assert_int_equal(mcim_sqn_he_next(&cfg, &he, &sqn), MCIM_ERR_INVALID_ARG);
	he.next_ind = 0;
	assert_int_equal(mcim_sqn_he_resync(&cfg, &he, MCIM_SQN_MAX + 1, &reset),
			 MCIM_ERR_INVALID_ARG);
	assert_true(sqn == 9 && reset == 7);
}

static void he_batch_equals_singles(void **state)
{
	struct mcim_sqn_cfg cfg = cfg_of(5, 100, 0);
	struct mcim_sqn_he a, b;
	uint64_t batch[40], single;

	(void)state;
	assert_int_equal(mcim_sqn_he_init(&cfg, &a, 1000), MCIM_OK);
	a.next_ind = 29;
	b = a;
	assert_int_equal(mcim_sqn_he_next_n(&cfg, &a, 40, batch), MCIM_OK);
	for (size_t i = 0; i < 40; i++) {
		assert_int_equal(mcim_sqn_he_next(&cfg, &b, &single), MCIM_OK);
		assert_true(single == batch[i]);
	}
	assert_memory_equal(&a, &b, sizeof(a));
}

/* C.2.2: a fresh SEQ per IND slot; slots may be used out of order; replays fail. */
static void ms_slots(void **state)
{
	struct mcim_sqn_cfg cfg = cfg_of(5, 1000, 0);
	struct mcim_sqn_ms ms, before;
	uint64_t high;

	(void)state;
	mcim_sqn_ms_init(&ms);
	assert_int_equal(mcim_sqn_ms_highest(&cfg, &ms, &high), MCIM_OK);
	assert_true(high == 0);
	/* SEQ 0 is never above the initial SEQ_MS(i) = 0. */
	assert_int_equal(mcim_sqn_ms_check(&cfg, &ms, sqn_of(&cfg, 0, 3)),
			 MCIM_ERR_SYNC_FAILURE);

	assert_int_equal(mcim_sqn_ms_accept(&cfg, &ms, sqn_of(&cfg, 5, 3)), MCIM_OK);
	before = ms;
	assert_int_equal(mcim_sqn_ms_accept(&cfg, &ms, sqn_of(&cfg, 5, 3)),
			 MCIM_ERR_SYNC_FAILURE); /* replay */
	assert_int_equal(mcim_sqn_ms_accept(&cfg, &ms, sqn_of(&cfg, 4, 3)),
			 MCIM_ERR_SYNC_FAILURE); /* older in the same slot */
	assert_memory_equal(&ms, &before, sizeof(ms));
	/* Lower SEQs in other slots are fresh: vectors used out of order. */
	assert_int_equal(mcim_sqn_ms_accept(&cfg, &ms, sqn_of(&cfg, 4, 4)), MCIM_OK);
	assert_int_equal(mcim_sqn_ms_accept(&cfg, &ms, sqn_of(&cfg, 2, 31)), MCIM_OK);
	assert_int_equal(mcim_sqn_ms_accept(&cfg, &ms, sqn_of(&cfg, 6, 3)), MCIM_OK);
	assert_true(ms.seq[3] == 6 && ms.seq[4] == 4 && ms.seq[31] == 2);
	assert_int_equal(mcim_sqn_ms_highest(&cfg, &ms, &high), MCIM_OK);
	assert_true(high == sqn_of(&cfg, 6, 3));
	/* Equal SEQs: the larger IND makes the larger SQN. */
	assert_int_equal(mcim_sqn_ms_accept(&cfg, &ms, sqn_of(&cfg, 6, 9)), MCIM_OK);
	assert_int_equal(mcim_sqn_ms_highest(&cfg, &ms, &high), MCIM_OK);
	assert_true(high == sqn_of(&cfg, 6, 9));

	/* check never changes the state, whatever it answers. */
	before = ms;
	assert_int_equal(mcim_sqn_ms_check(&cfg, &ms, sqn_of(&cfg, 7, 3)), MCIM_OK);
	assert_int_equal(mcim_sqn_ms_check(&cfg, &ms, sqn_of(&cfg, 6, 3)),
			 MCIM_ERR_SYNC_FAILURE);
	assert_memory_equal(&ms, &before, sizeof(ms));
	assert_int_equal(mcim_sqn_ms_check(&cfg, &ms, MCIM_SQN_MAX + 1),
			 MCIM_ERR_INVALID_ARG);
}

/* C.2.2: SEQ - SEQ_MS <= delta, measured from the highest SEQ anywhere. */
static void ms_delta(void **state)
{
	struct mcim_sqn_cfg cfg = cfg_of(5, 10, 0);
	struct mcim_sqn_ms ms;

	(void)state;
	mcim_sqn_ms_init(&ms);
	assert_int_equal(mcim_sqn_ms_check(&cfg, &ms, sqn_of(&cfg, 10, 0)), MCIM_OK);
	assert_int_equal(mcim_sqn_ms_check(&cfg, &ms, sqn_of(&cfg, 11, 0)),
			 MCIM_ERR_SYNC_FAILURE);
	assert_int_equal(mcim_sqn_ms_accept(&cfg, &ms, sqn_of(&cfg, 10, 1)), MCIM_OK);
	/* Another slot still at 0: the limit counts from SEQ_MS = 10. */
	assert_int_equal(mcim_sqn_ms_check(&cfg, &ms, sqn_of(&cfg, 20, 2)), MCIM_OK);
	assert_int_equal(mcim_sqn_ms_check(&cfg, &ms, sqn_of(&cfg, 21, 2)),
			 MCIM_ERR_SYNC_FAILURE);

	/* The largest delta allowed, at the top of the range: no overflow. */
	cfg = cfg_of(5, (UINT64_C(1) << 43) - 1, 0);
	mcim_sqn_ms_init(&ms);
	assert_int_equal(
	    mcim_sqn_ms_accept(&cfg, &ms, sqn_of(&cfg, (UINT64_C(1) << 43) - 1, 0)),
	    MCIM_OK);
	assert_int_equal(mcim_sqn_ms_check(&cfg, &ms, sqn_of(&cfg, 1, 1)), MCIM_OK);
}

/* C.2.3: with an age limit L, SEQ_MS - SEQ < L. */
static void ms_age_limit(void **state)
{
	struct mcim_sqn_cfg cfg = cfg_of(5, 100, 3), nolimit = cfg_of(5, 100, 0);
	struct mcim_sqn_ms ms;

	(void)state;
	mcim_sqn_ms_init(&ms);
	assert_int_equal(mcim_sqn_ms_accept(&cfg, &ms, sqn_of(&cfg, 10, 0)), MCIM_OK);
	assert_int_equal(mcim_sqn_ms_check(&cfg, &ms, sqn_of(&cfg, 8, 1)), MCIM_OK);
	assert_int_equal(mcim_sqn_ms_check(&cfg, &ms, sqn_of(&cfg, 7, 1)),
			 MCIM_ERR_SYNC_FAILURE);
	assert_int_equal(mcim_sqn_ms_check(&nolimit, &ms, sqn_of(&cfg, 1, 1)), MCIM_OK);
	assert_int_equal(mcim_sqn_ms_accept(&cfg, &ms, sqn_of(&cfg, 8, 1)), MCIM_OK);
	assert_true(ms.seq[1] == 8 && ms.seq[0] == 10);
}

/* The top of the SQN space on the USIM side, for 0, 5 and the maximum IND bits. */
static void ms_top_of_range(void **state)
{
	static const unsigned ind_bits[] = {0, 5, MCIM_SQN_IND_BITS_MAX};

	(void)state;
	for (size_t t = 0; t < sizeof(ind_bits) / sizeof(ind_bits[0]); t++) {
		struct mcim_sqn_cfg cfg = cfg_of(ind_bits[t], 2, 0);
		uint64_t max = (UINT64_C(1) << (48 - ind_bits[t])) - 1, high;
		unsigned top = (1u << ind_bits[t]) - 1;
		struct mcim_sqn_ms ms;

		assert_int_equal(
		    mcim_sqn_ms_init_at(&cfg, &ms, sqn_of(&cfg, max - 1, top)), MCIM_OK);
		assert_int_equal(mcim_sqn_ms_accept(&cfg, &ms, sqn_of(&cfg, max, 0)),
				 MCIM_OK);
		assert_int_equal(mcim_sqn_ms_highest(&cfg, &ms, &high), MCIM_OK);
		assert_true(high == sqn_of(&cfg, max, 0));
		assert_int_equal(mcim_sqn_ms_accept(&cfg, &ms, sqn_of(&cfg, max, top)),
				 top == 0 ? MCIM_ERR_SYNC_FAILURE : MCIM_OK);
		assert_int_equal(mcim_sqn_ms_highest(&cfg, &ms, &high), MCIM_OK);
		assert_true(high == MCIM_SQN_MAX);
		assert_int_equal(mcim_sqn_ms_check(&cfg, &ms, MCIM_SQN_MAX),
				 MCIM_ERR_SYNC_FAILURE);
	}
}

static void ms_bad_state(void **state)
{
	struct mcim_sqn_cfg cfg = cfg_of(5, 10, 0), bad = cfg_of(5, 0, 0);
	struct mcim_sqn_ms ms, before;
	uint64_t high = 3;

	(void)state;
	mcim_sqn_ms_init(&ms);
	assert_int_equal(mcim_sqn_ms_check(&bad, &ms, 32), MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_sqn_ms_init_at(&bad, &ms, 32), MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_sqn_ms_init_at(&cfg, &ms, MCIM_SQN_MAX + 1),
			 MCIM_ERR_INVALID_ARG);
	/* A SEQ beyond the range, and a slot beyond 2^IND bits in use. */
	ms.seq[0] = UINT64_C(1) << 43;
	before = ms;
	assert_int_equal(mcim_sqn_ms_accept(&cfg, &ms, 64), MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_sqn_ms_highest(&cfg, &ms, &high), MCIM_ERR_INVALID_ARG);
	assert_memory_equal(&ms, &before, sizeof(ms));
	mcim_sqn_ms_init(&ms);
	ms.seq[32] = 1;
	assert_int_equal(mcim_sqn_ms_accept(&cfg, &ms, 64), MCIM_ERR_INVALID_ARG);
	assert_true(high == 3);
}

static void ms_init_at(void **state)
{
	struct mcim_sqn_cfg cfg = cfg_of(5, 1000, 0);
	struct mcim_sqn_ms ms;
	uint64_t high;

	(void)state;
	assert_int_equal(mcim_sqn_ms_init_at(&cfg, &ms, sqn_of(&cfg, 100, 3)), MCIM_OK);
	assert_int_equal(mcim_sqn_ms_highest(&cfg, &ms, &high), MCIM_OK);
	assert_true(high == sqn_of(&cfg, 100, 3));
	assert_int_equal(mcim_sqn_ms_check(&cfg, &ms, sqn_of(&cfg, 100, 3)),
			 MCIM_ERR_SYNC_FAILURE);
	assert_int_equal(mcim_sqn_ms_check(&cfg, &ms, sqn_of(&cfg, 101, 3)), MCIM_OK);
	assert_int_equal(mcim_sqn_ms_init_at(&cfg, &ms, 0), MCIM_OK);
	assert_int_equal(mcim_sqn_ms_highest(&cfg, &ms, &high), MCIM_OK);
	assert_true(high == 0);
}

/* 6.3.5 / C.3.4: the HE resets SEQ_HE to SEQ_MS only when its next SQN would fail. */
static void he_resync_rule(void **state)
{
	struct mcim_sqn_cfg cfg = cfg_of(5, 10, 0);
	uint64_t sqn_ms = sqn_of(&cfg, 50, 7), sqn;
	struct mcim_sqn_he he;
	struct mcim_sqn_ms ms;
	int reset;

	(void)state;
	assert_int_equal(mcim_sqn_ms_init_at(&cfg, &ms, sqn_ms), MCIM_OK);
	/* Behind the USIM (e.g. a subscriber record restored from an old backup). */
	assert_int_equal(mcim_sqn_he_init(&cfg, &he, 3), MCIM_OK);
	assert_int_equal(mcim_sqn_he_resync(&cfg, &he, sqn_ms, &reset), MCIM_OK);
	assert_int_equal(reset, 1);
	assert_true(he.seq == 50);
	assert_int_equal(mcim_sqn_he_next(&cfg, &he, &sqn), MCIM_OK);
	assert_int_equal(mcim_sqn_ms_accept(&cfg, &ms, sqn), MCIM_OK);
	sqn_ms = sqn;

	/* Equal or ahead by less than delta: the next SQN is fine, nothing changes. */
	assert_int_equal(mcim_sqn_he_init(&cfg, &he, 51), MCIM_OK);
	assert_int_equal(mcim_sqn_he_resync(&cfg, &he, sqn_ms, &reset), MCIM_OK);
	assert_int_equal(reset, 0);
	assert_true(he.seq == 51);
	assert_int_equal(mcim_sqn_he_init(&cfg, &he, 51 + 9), MCIM_OK);
	assert_int_equal(mcim_sqn_he_resync(&cfg, &he, sqn_ms, NULL), MCIM_OK);
	assert_true(he.seq == 60);
	/* Ahead by delta: its next SEQ would be delta + 1 above SEQ_MS. */
	assert_int_equal(mcim_sqn_he_init(&cfg, &he, 51 + 10), MCIM_OK);
	assert_int_equal(mcim_sqn_he_resync(&cfg, &he, sqn_ms, &reset), MCIM_OK);
	assert_int_equal(reset, 1);
	assert_true(he.seq == 51);
	assert_int_equal(mcim_sqn_he_next(&cfg, &he, &sqn), MCIM_OK);
	assert_int_equal(mcim_sqn_ms_check(&cfg, &ms, sqn), MCIM_OK);

	/* An exhausted HE resets to SEQ_MS; at SEQ_MS = max it stays exhausted. */
	assert_int_equal(mcim_sqn_he_init(&cfg, &he, (UINT64_C(1) << 43) - 1), MCIM_OK);
	assert_int_equal(mcim_sqn_he_resync(
			     &cfg, &he, sqn_of(&cfg, (UINT64_C(1) << 43) - 5, 0), &reset),
			 MCIM_OK);
	assert_int_equal(reset, 1);
	assert_true(he.seq == (UINT64_C(1) << 43) - 5);
	assert_int_equal(mcim_sqn_he_init(&cfg, &he, (UINT64_C(1) << 43) - 1), MCIM_OK);
	assert_int_equal(mcim_sqn_he_resync(&cfg, &he, MCIM_SQN_MAX, &reset), MCIM_OK);
	assert_int_equal(mcim_sqn_he_next(&cfg, &he, &sqn), MCIM_ERR_SQN_EXHAUSTED);
}

/*
 * Property: whatever the USIM has accepted and wherever SEQ_HE stands, after the HE
 * resynchronises on the USIM's SQN_MS its next SQN is accepted (unless SEQ is used
 * up), and an HE that was not reset had a next SQN the USIM would take anyway.
 */
static void resync_property(void **state)
{
	uint64_t seed = 20240601;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		unsigned ind_bits =
		    (unsigned)(next_rand(&seed) % (MCIM_SQN_IND_BITS_MAX + 1));
		struct mcim_sqn_cfg cfg =
		    cfg_of(ind_bits, 1 + next_rand(&seed) % 64,
			   next_rand(&seed) % 4 == 0 ? 1 + next_rand(&seed) % 16 : 0);
		uint64_t max = mcim_sqn_seq_max(&cfg), base, sqn_ms, sqn;
		struct mcim_sqn_he he, probe;
		struct mcim_sqn_ms ms;
		int reset;
		mcim_err err;

		/* Near zero, in the middle, or at the top of the range. */
		base = (uint64_t[]){0, max / 2, max - 200}[next_rand(&seed) % 3];
		mcim_sqn_ms_init(&ms);
		for (int i = 0; i < 40; i++) {
			uint64_t seq = base + next_rand(&seed) % 200;
			unsigned ind = (unsigned)(next_rand(&seed) % (1u << ind_bits));
			err = mcim_sqn_ms_accept(&cfg, &ms, sqn_of(&cfg, seq, ind));
			assert_true(err == MCIM_OK || err == MCIM_ERR_SYNC_FAILURE);
		}
		assert_int_equal(mcim_sqn_ms_highest(&cfg, &ms, &sqn_ms), MCIM_OK);
		assert_int_equal(
		    mcim_sqn_he_init(&cfg, &he, base + next_rand(&seed) % 200), MCIM_OK);
		he.next_ind = (uint8_t)(next_rand(&seed) % (1u << ind_bits));
		probe = he;
		assert_int_equal(mcim_sqn_he_resync(&cfg, &he, sqn_ms, &reset), MCIM_OK);
		if (!reset)
			assert_memory_equal(&he, &probe, sizeof(he));
		err = mcim_sqn_he_next(&cfg, &he, &sqn);
		if (err == MCIM_ERR_SQN_EXHAUSTED) {
			assert_true(mcim_sqn_seq(&cfg, sqn_ms) == max);
			continue;
		}
		assert_int_equal(err, MCIM_OK);
		assert_int_equal(mcim_sqn_ms_check(&cfg, &ms, sqn), MCIM_OK);
	}
}

/* One SQN per IND from a batch, delivered in any order: all fresh, each once. */
static void out_of_order_delivery(void **state)
{
	struct mcim_sqn_cfg cfg = cfg_of(5, 1000, 0);
	struct mcim_sqn_he he;
	struct mcim_sqn_ms ms;
	uint64_t sqns[32], seed = 99;

	(void)state;
	assert_int_equal(mcim_sqn_he_init(&cfg, &he, 0), MCIM_OK);
	mcim_sqn_ms_init(&ms);
	for (int round = 0; round < 20; round++) {
		assert_int_equal(mcim_sqn_he_next_n(&cfg, &he, 32, sqns), MCIM_OK);
		for (int i = 31; i > 0; i--) {
			int j = (int)(next_rand(&seed) % (uint64_t)(i + 1));
			uint64_t t = sqns[i];
			sqns[i] = sqns[j];
			sqns[j] = t;
		}
		for (int i = 0; i < 32; i++)
			assert_int_equal(mcim_sqn_ms_accept(&cfg, &ms, sqns[i]), MCIM_OK);
		for (int i = 0; i < 32; i++)
			assert_int_equal(mcim_sqn_ms_accept(&cfg, &ms, sqns[i]),
					 MCIM_ERR_SYNC_FAILURE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(config_ranges),
	    cmocka_unit_test(layout),
	    cmocka_unit_test(he_cyclic_ind),
	    cmocka_unit_test(he_exhaustion),
	    cmocka_unit_test(he_bad_state),
	    cmocka_unit_test(he_batch_equals_singles),
	    cmocka_unit_test(ms_slots),
	    cmocka_unit_test(ms_delta),
	    cmocka_unit_test(ms_age_limit),
	    cmocka_unit_test(ms_top_of_range),
	    cmocka_unit_test(ms_bad_state),
	    cmocka_unit_test(ms_init_at),
	    cmocka_unit_test(he_resync_rule),
	    cmocka_unit_test(resync_property),
	    cmocka_unit_test(out_of_order_delivery),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
