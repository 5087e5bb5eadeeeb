/*
 * Internal to src/aka: Keccak-f[1600] for TUAK (TS 35.231), on 64-bit lanes.
 *
 * Lane i holds octets 8i..8i+7 of TUAK's 200-octet INOUT string, the first octet in
 * the least significant position. Up to AKA_KECCAK_WAYS independent states are stored
 * interleaved (lane-major) so that a vector path loads one lane of every state with
 * one instruction; TUAK uses this to run f1 and f2345 (or all four of its functions)
 * in one pass. Every path is constant time: rotations by constants, no table indexed
 * by data, no branch on data. Reentrant; nothing allocates.
 */
#ifndef MCIM_AKA_KECCAK_H
#define MCIM_AKA_KECCAK_H

#include <stdint.h>

#define AKA_KECCAK_LANES 25
#define AKA_KECCAK_WAYS	 4

/* Up to four states: lane[i][w] is lane i of state w. Secret: wipe after use. */
struct aka_keccak_x4 {
	_Alignas(32) uint64_t lane[AKA_KECCAK_LANES][AKA_KECCAK_WAYS];
};

/* The implementations. Every one computes the same function. */
enum aka_keccak_impl {
	AKA_KECCAK_PORTABLE, /* plain C, one state after the other */
	AKA_KECCAK_AVX2,     /* x86-64 AVX2: four states side by side */
	AKA_KECCAK_AVX512, /* x86-64 AVX-512F/VL: four states, rotate and ternary logic */
};

/* Applies Keccak-f[1600] iters times to one state s[25] (the portable path). */
void aka_keccak_f1600(uint64_t s[AKA_KECCAK_LANES], unsigned iters);

/*
 * Applies Keccak-f[1600] iters times to states 0..ways-1 (ways 1..4) of st, with the
 * fastest implementation this CPU runs. States from ways on may be changed.
 */
void aka_keccak_f1600_x4(struct aka_keccak_x4 *st, unsigned ways, unsigned iters);

/* 1 when this CPU (and this build) can run impl. */
int aka_keccak_impl_available(enum aka_keccak_impl impl);

/* The implementation aka_keccak_f1600_x4() chooses on this CPU for that many ways. */
enum aka_keccak_impl aka_keccak_impl_for(unsigned ways);

/* As aka_keccak_f1600_x4() with a given implementation, which must be available. */
void aka_keccak_f1600_x4_with(enum aka_keccak_impl impl, struct aka_keccak_x4 *st,
			      unsigned ways, unsigned iters);

#endif
