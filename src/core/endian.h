/*
 * Big-endian loads and stores for the 3GPP wire formats (SQN, lengths, counters).
 * Internal to libmcim.
 */
#ifndef MCIM_CORE_ENDIAN_H
#define MCIM_CORE_ENDIAN_H

#include <stdint.h>

static inline uint64_t mcim_load_be48(const uint8_t b[6])
{
	return (uint64_t)b[0] << 40 | (uint64_t)b[1] << 32 | (uint64_t)b[2] << 24 |
	       (uint64_t)b[3] << 16 | (uint64_t)b[4] << 8 | b[5];
}

static inline void mcim_store_be48(uint8_t b[6], uint64_t v)
{
	for (int i = 5; i >= 0; i--) {
		b[i] = (uint8_t)v;
		v >>= 8;
	}
}

static inline uint64_t mcim_load_be64(const uint8_t b[8])
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static inline void mcim_store_be64(uint8_t b[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		b[i] = (uint8_t)v;
		v >>= 8;
	}
}

static inline void mcim_store_be16(uint8_t b[2], uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline uint16_t mcim_load_be16(const uint8_t b[2])
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

#endif
