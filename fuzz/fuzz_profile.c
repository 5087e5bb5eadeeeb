/*
 * libFuzzer target for the MCIM profile and management command decoders
 * (mcim/profile.h, mcim/mgmt.h). The first octet picks the decoder; the rest is its
 * input. Invariants (a violation aborts, which libFuzzer reports as a crash):
 * - a decoder never reads past its length (ASan) and returns a known error or OK;
 * - a profile that decodes re-encodes to exactly the octets decoded (one encoding per
 *   value), and so does a management payload;
 * - on error the profile output is all zero (its secrets wiped).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcim/mgmt.h"
#include "mcim/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond,         \
				__FILE__, __LINE__);                                     \
			abort();                                                         \
		}                                                                        \
	} while (0)

static int known(mcim_err err)
{
	return err >= MCIM_OK && err < MCIM_ERR_COUNT_;
}

static void profile(const uint8_t *in, size_t len)
{
	static const struct mcim_profile zero;
	static struct mcim_profile p;
	static uint8_t again[MCIM_PROFILE_ENCODED_MAX];
	size_t n;
	mcim_err err = mcim_profile_decode(in, len, &p);

	CHECK(known(err));
	if (err != MCIM_OK) {
		CHECK(memcmp(&p, &zero, sizeof(p)) == 0);
		return;
	}
	CHECK(mcim_profile_encode(&p, again, sizeof(again), &n) == MCIM_OK);
	CHECK(n == len && memcmp(again, in, len) == 0);
	mcim_profile_wipe(&p);
}

static void mgmt(const uint8_t *in, size_t len, int signed_form)
{
	struct mcim_mgmt c;
	uint8_t again[MCIM_MGMT_SIGNED_MAX];
	size_t n;
	mcim_err err;

	if (signed_form) {
		CHECK(known(mcim_mgmt_peek(in, len, &c)));
		return;
	}
	err = mcim_mgmt_decode(in, len, &c);
	CHECK(known(err));
	if (err != MCIM_OK)
		return;
	CHECK(mcim_mgmt_encode(&c, again, sizeof(again), &n) == MCIM_OK);
	CHECK(n == len && memcmp(again, in, len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		profile(data + 1, size - 1);
		break;
	case 1:
		mgmt(data + 1, size - 1, 0);
		break;
	default:
		mgmt(data + 1, size - 1, 1);
		break;
	}
	return 0;
}
