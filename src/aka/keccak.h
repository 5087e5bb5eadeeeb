/*
 * Internal to src/aka: Keccak-f[1600] for TUAK (TS 35.231), on 64-bit lanes.
 *
 * Lane i holds octets 8i..8i+7 of TUAK's 200-octet INOUT string, the first octet in
 * the least significant position. Two independent states are stored interleaved
 * (lane-major) so that a vector path loads one lane of both with one instruction;
 * TUAK uses this to run f1 and f2345 (or f1* and f5*) in one pass. A vector path
 * costs the same for one state as for two, and on the CPUs this is written for (full
 * 512-bit data paths) as much per instruction at 128 bits as at 256 or 512: more ways
 * would only buy batch generation, which asks for its vectors one at a time. Every
 * path is constant time: rotations by constants, no table indexed by data, no branch
 * on data. Reentrant; nothing allocates.
 */
#ifndef MCIM_AKA_KECCAK_H
#define MCIM_AKA_KECCAK_H

#include <stdint.h>

#define AKA_KECCAK_LANES 25
#define AKA_KECCAK_WAYS	 2

/* Two states: lane[i][w] is lane i of state w. Secret: wipe after use. */
struct aka_keccak_x2 {
	_Alignas(16) uint64_t lane[AKA_KECCAK_LANES][AKA_KECCAK_WAYS];
};

/* The implementations. Every one computes the same function. */
enum aka_keccak_impl {
	AKA_KECCAK_PORTABLE, /* plain C, one state after the other */
	AKA_KECCAK_AVX2,     /* x86-64 AVX2: both states side by side */
	AKA_KECCAK_AVX512, /* x86-64 AVX-512F/VL: both states, rotate and ternary logic */
};

/* Applies Keccak-f[1600] iters times to one state s[25] (the portable path). */
void aka_keccak_f1600(uint64_t s[AKA_KECCAK_LANES], unsigned iters);

/*
 * TUAK's INOUT strings end in fixed padding (TS 35.231 clause 6): 0x1f in INOUT[96]
 * (lane 12), 0x80 in INOUT[135] (the top octet of lane 16), zeros in the other lanes
 * from 12 on. Only lanes 0..AKA_TUAK_SET_LANES-1 vary.
 */
#define AKA_TUAK_SET_LANES  12
#define AKA_TUAK_PAD_START  ((uint64_t)0x1f)
#define AKA_TUAK_PAD_END    ((uint64_t)0x80 << 56)
#define AKA_TUAK_LANE_START 12
#define AKA_TUAK_LANE_END   16

/*
 * Applies Keccak-f[1600] iters times to states 0..ways-1 (ways 1 or 2) of st, two TUAK
 * INOUT strings of which the caller has set only lanes 0..AKA_TUAK_SET_LANES-1, with
 * the fastest implementation this CPU runs. The padding lanes are supplied here,
 * whatever st holds there, so that the caller neither writes nor the fast paths load
 * them. The whole result is written to st; with one way, state 1 may be changed.
 */
void aka_keccak_tuak_x2(struct aka_keccak_x2 *st, unsigned ways, unsigned iters);

/* 1 when this CPU (and this build) can run impl. */
int aka_keccak_impl_available(enum aka_keccak_impl impl);

/* The implementation aka_keccak_tuak_x2() chooses on this CPU for that many ways. */
enum aka_keccak_impl aka_keccak_impl_for(unsigned ways);

/*
 * For tests: Keccak-f[1600] iters times on any states 0..ways-1 of st (all 25 lanes
 * read) with a given implementation, which must be available.
 */
void aka_keccak_f1600_x2_with(enum aka_keccak_impl impl, struct aka_keccak_x2 *st,
			      unsigned ways, unsigned iters);

/* As aka_keccak_tuak_x2() with a given implementation, which must be available. */
void aka_keccak_tuak_x2_with(enum aka_keccak_impl impl, struct aka_keccak_x2 *st,
			     unsigned ways, unsigned iters);

/*
 * For tests that compare the paths through every caller (TUAK key contexts, AuC
 * vectors): nonzero makes aka_keccak_impl_for() choose the portable path from now on
 * (process-wide), zero restores the CPU's choice.
 */
void aka_keccak_force_portable(int on);

#endif
