/*
 * MILENAGE (3GPP TS 35.206): f1, f1*, f2, f3, f4, f5 and f5* on AES-128, with the
 * operator's r1..r5 and c1..c5. The key context holds the expanded AES key, OPc and
 * the OPc parts of the OUTi inputs, so an AuC serving a subscriber does that work once.
 * One compute() call encrypts TEMP = E_K(RAND xor OPc), then all requested OUTi blocks
 * together.
 */
#include <assert.h>
#include <string.h>

#include "aka_int.h"
#include "core/endian.h"
#include "crypto/aes128.h"
#include "mcim/bytes.h"

/*
 * A 128-bit block as two big-endian halves: MILENAGE's rotations by r bits become a
 * few shifts instead of a loop over octets.
 */
struct u128 {
	uint64_t hi, lo;
};

struct milenage_state {
	struct crypto_aes128 aes;
	struct u128 opc;
	/* rot(OPc, ri) xor ci: rotation is linear, so the OPc part of every OUTi input is
	 * fixed per subscriber and computed once here. */
	struct u128 opc_rot_c[5];
	uint8_t r[5];
};

_Static_assert(sizeof(struct milenage_state) <= MCIM_AKA_KEYCTX_STATE_MAX,
	       "MILENAGE state must fit the key context");

void mcim_milenage_default_consts(struct mcim_milenage_consts *consts)
{
	static const uint8_t r[5] = {64, 0, 32, 64, 96};

	assert(consts != NULL);
	memset(consts, 0, sizeof(*consts));
	memcpy(consts->r, r, sizeof(r));
	/* c1 = 0; c2..c5 have the single bit 1, 2, 4, 8 in the last octet. */
	for (int i = 1; i < 5; i++)
		consts->c[i][15] = (uint8_t)(1u << (i - 1));
}

mcim_err mcim_milenage_opc(const uint8_t k[16], const uint8_t op[16], uint8_t opc[16])
{
	struct crypto_aes128 aes;
	uint8_t out[16];
	mcim_err err;

	assert(k != NULL && op != NULL && opc != NULL);
	crypto_aes128_init(&aes, k);
	err = crypto_aes128_encrypt(&aes, op, out, 1);
	if (err == MCIM_OK)
		for (int i = 0; i < 16; i++)
			opc[i] = out[i] ^ op[i];
	crypto_aes128_wipe(&aes);
	mcim_wipe(out, sizeof(out));
	return err;
}

static struct u128 u128_load(const uint8_t b[16])
{
	struct u128 v = {mcim_load_be64(b), mcim_load_be64(b + 8)};
	return v;
}

static void u128_store(uint8_t b[16], struct u128 v)
{
	mcim_store_be64(b, v.hi);
	mcim_store_be64(b + 8, v.lo);
}

static struct u128 u128_xor(struct u128 a, struct u128 b)
{
	struct u128 v = {a.hi ^ b.hi, a.lo ^ b.lo};
	return v;
}

/* x rotated towards the most significant bit by r bits, 0 <= r < 128 (TS 35.206 4.1). */
static struct u128 rot128(struct u128 x, unsigned r)
{
	struct u128 v;

	if (r >= 64) {
		uint64_t t = x.hi;
		x.hi = x.lo;
		x.lo = t;
		r -= 64;
	}
	if (r == 0)
		return x;
	v.hi = x.hi << r | x.lo >> (64 - r);
	v.lo = x.lo << r | x.hi >> (64 - r);
	return v;
}

static mcim_err milenage_check(const struct mcim_aka_cred *cred)
{
	for (int i = 0; i < 5; i++)
		if (cred->params.milenage.r[i] > 127)
			return MCIM_ERR_INVALID_ARG;
	return cred->k_len == 16 ? MCIM_OK : MCIM_ERR_INVALID_ARG;
}

static void milenage_prepare(struct mcim_aka_keyctx *kc, const struct mcim_aka_cred *cred)
{
	struct milenage_state *st = (struct milenage_state *)kc->state;
	const struct mcim_milenage_consts *mc = &cred->params.milenage;

	crypto_aes128_init(&st->aes, cred->k);
	st->opc = u128_load(cred->opc);
	for (int i = 0; i < 5; i++) {
		st->r[i] = mc->r[i];
		st->opc_rot_c[i] =
		    u128_xor(rot128(st->opc, mc->r[i]), u128_load(mc->c[i]));
	}
}

/* Which OUTi (0-based) each function needs. */
enum { OUT1 = 0, OUT2, OUT3, OUT4, OUT5 };

static void milenage_outputs(const uint8_t out[5][16], unsigned fns,
			     struct mcim_aka_out *res)
{
	res->mac_len = 8;
	res->res_len = 8;
	res->ck_len = 16;
	res->ik_len = 16;
	if (fns & MCIM_AKA_F1)
		memcpy(res->mac_a, out[OUT1], 8);
	if (fns & MCIM_AKA_F1STAR)
		memcpy(res->mac_s, out[OUT1] + 8, 8);
	if (fns & MCIM_AKA_F2345) {
		memcpy(res->ak, out[OUT2], 6);
		memcpy(res->res, out[OUT2] + 8, 8);
		memcpy(res->ck, out[OUT3], 16);
		memcpy(res->ik, out[OUT4], 16);
	}
	if (fns & MCIM_AKA_F5STAR)
		memcpy(res->ak_s, out[OUT5], 6);
}

static mcim_err milenage_compute(const struct mcim_aka_keyctx *kc, unsigned fns,
				 const uint8_t rand[16], const uint8_t sqn[6],
				 const uint8_t amf[2], struct mcim_aka_out *res)
{
	const struct milenage_state *st = (const struct milenage_state *)kc->state;
	uint8_t temp[16], blocks[5][16], out[5][16];
	struct u128 t;
	int which[5], n = 0;
	mcim_err err;

	u128_store(temp, u128_xor(u128_load(rand), st->opc));
	err = crypto_aes128_encrypt(&st->aes, temp, temp, 1);
	if (err != MCIM_OK)
		goto done;
	t = u128_load(temp);

	if (fns & (MCIM_AKA_F1 | MCIM_AKA_F1STAR)) {
		/* IN1 = SQN || AMF || SQN || AMF */
		uint64_t half = (mcim_load_be48(sqn) << 16) | mcim_load_be16(amf);
		struct u128 in1 = {half, half};
		/* OUT1's input: TEMP xor rot(IN1 xor OPc, r1) xor c1. */
		u128_store(blocks[n], u128_xor(t, u128_xor(rot128(in1, st->r[OUT1]),
							   st->opc_rot_c[OUT1])));
		which[n++] = OUT1;
	}
	/* OUTi's input for i >= 2: rot(TEMP xor OPc, ri) xor ci. */
	if (fns & MCIM_AKA_F2345)
		for (int i = OUT2; i <= OUT4; i++) {
			u128_store(blocks[n],
				   u128_xor(rot128(t, st->r[i]), st->opc_rot_c[i]));
			which[n++] = i;
		}
	if (fns & MCIM_AKA_F5STAR) {
		u128_store(blocks[n],
			   u128_xor(rot128(t, st->r[OUT5]), st->opc_rot_c[OUT5]));
		which[n++] = OUT5;
	}
	if (n > 0) {
		err = crypto_aes128_encrypt(&st->aes, &blocks[0][0], &blocks[0][0],
					    (size_t)n);
		if (err != MCIM_OK)
			goto done;
	}
	for (int b = 0; b < n; b++)
		u128_store(out[which[b]], u128_xor(u128_load(blocks[b]), st->opc));
	milenage_outputs((const uint8_t(*)[16])out, fns, res);
done:
	t.hi = t.lo = 0;
	mcim_wipe(&t, sizeof(t));
	mcim_wipe(temp, sizeof(temp));
	mcim_wipe(blocks, sizeof(blocks));
	mcim_wipe(out, sizeof(out));
	return err;
}

const struct mcim_aka_alg aka_milenage = {
    .id = MCIM_AKA_MILENAGE,
    .name = "milenage",
    .check = milenage_check,
    .prepare = milenage_prepare,
    .compute = milenage_compute,
};
