/*
 * A constant-time check of the builtin P-256, run by ctest under valgrind (the
 * ctgrind method): the secret inputs are marked undefined with
 * VALGRIND_MAKE_MEM_UNDEFINED, so memcheck reports every branch and every memory
 * index that depends on them. The program calls the primitives a secret goes
 * through (fixed-base and variable-base multiplication, conversion to affine and to
 * octets, the arithmetic mod n of signing, the RFC 6979 generator, field inversion)
 * and never branches on a result itself; valgrind --error-exitcode=1 turns any
 * report into a failure. The public functions add only branches on verdicts (key in
 * range, nonce candidate in range, r and s nonzero), which are not checked here.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <valgrind/memcheck.h>

#include "crypto/builtin/p256_int.h"

#define SECRET(p, len) VALGRIND_MAKE_MEM_UNDEFINED((p), (len))

int main(void)
{
	static const uint8_t g_enc[MCIM_P256_PUB_LEN] = {
	    0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5,
	    0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4,
	    0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a,
	    0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33,
	    0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5};
	uint8_t d[CRYPTO_P256_BYTES], digest[MCIM_SHA256_LEN] = {1},
				      out[CRYPTO_P256_BYTES];
	uint64_t k[CRYPTO_P256_LIMBS], t[CRYPTO_P256_LIMBS], u[CRYPTO_P256_LIMBS];
	struct crypto_p256_affine g, a;
	struct crypto_p256_point r;
	struct crypto_p256_rfc6979 gen;
	uint64_t mask;

	if (crypto_p256_point_decode(&g, g_enc) != MCIM_OK) {
		fprintf(stderr, "p256_builtin_ctgrind: G does not decode\n");
		return 1;
	}
	/* Any value will do: it is the data flow that is checked. */
	memset(d, 0x5a, sizeof(d));
	SECRET(d, sizeof(d));

	crypto_p256_sc_from_bytes(k, d);
	mask = crypto_p256_sc_in_range(k);
	crypto_p256_mul_base(&r, k);
	(void)crypto_p256_to_affine(&a, &r);
	crypto_p256_fe_to_bytes(out, a.x);
	crypto_p256_mul(&r, &g, k);
	(void)crypto_p256_to_affine(&a, &r);
	crypto_p256_fe_to_bytes(out, a.x);
	crypto_p256_fe_inv(t, a.y);

	/* Signing's arithmetic: s = k^-1 (e + r d). */
	crypto_p256_sc_reduce(t, k);
	crypto_p256_sc_to_mont(u, t);
	crypto_p256_sc_inv(u, u);
	crypto_p256_sc_mul(t, u, k);
	crypto_p256_sc_add(t, t, k);
	crypto_p256_sc_neg(u, t);
	crypto_p256_sc_cmov(t, u, mask);
	crypto_p256_sc_to_bytes(out, t);

	crypto_p256_rfc6979_init(&gen, d, digest, NULL, 0);
	crypto_p256_rfc6979_next(&gen, out);
	crypto_p256_rfc6979_next(&gen, out);
	crypto_p256_rfc6979_wipe(&gen);
	return 0;
}
