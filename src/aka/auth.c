/*
 * The AKA procedure of TS 33.102 6.3 over any algorithm set: the AuC builds vectors
 * (and 5G HE vectors, TS 33.501 6.1.3.2) from the HE's SQN state and the caller's
 * random generator, the USIM checks AUTN and answers RES/CK/IK or AUTS, and the AuC
 * resynchronises from AUTS. Everything algorithm-specific goes through
 * mcim_aka_compute(); the lengths it reports are checked once here (a set that
 * reports a length outside the AKA ranges is an internal error), so the rest of the
 * file can trust them. The 5G vector keys one HMAC state with CK||IK and derives
 * XRES* and KAUSF from it, saving one key setup (two SHA-256 blocks) per vector.
 *
 * The AuC path is hot (millions of vectors per second): outputs are cleared with
 * mcim_wipe() and copied with fixed sizes, because compilers turn memset and
 * variable-length memcpy of these structures into string instructions (rep stos,
 * rep movs) whose start-up alone took longer than the MILENAGE kernel.
 */
#include "mcim/auth.h"

#include <string.h>

#include "core/check.h"
#include "crypto/hmac_int.h"
#include "mcim/bytes.h"

static const uint8_t dummy_amf[MCIM_AKA_AMF_LEN] = {0, 0};

static int lengths_ok(const struct mcim_aka_out *o)
{
	return o->mac_len >= 8 && o->mac_len <= MCIM_AKA_MAC_MAX && o->res_len >= 4 &&
	       o->res_len <= MCIM_AKA_RES_MAX && (o->ck_len == 16 || o->ck_len == 32) &&
	       (o->ik_len == 16 || o->ik_len == 32);
}

/*
 * dst (32 octets) = the first len (<= 32) octets of src, then zeros: src past len is
 * whatever the algorithm set left there, masked out. Word by word against a mask
 * taken from a ramp at offset 32 - len (lengths are public, so indexing by one leaks
 * nothing); a loop over octets costs more here than the AES rounds of a vector.
 */
static void copy_padded(uint8_t dst[32], const uint8_t src[32], size_t len)
{
	static const uint8_t ramp[64] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	const uint8_t *mask = ramp + 32 - len;

	MCIM_ASSERT(len <= 32);
	for (size_t i = 0; i < 32; i += 8) {
		uint64_t w, m;

		memcpy(&w, src + i, 8);
		memcpy(&m, mask + i, 8);
		w &= m;
		memcpy(dst + i, &w, 8);
	}
}

_Static_assert(MCIM_AKA_MAC_MAX == 32 && MCIM_AKA_RES_MAX == 32 &&
		   MCIM_AKA_CK_MAX == 32 && MCIM_AKA_IK_MAX == 32,
	       "copy_padded() copies 32-octet output fields");

/*
 * f1..f5 for one RAND drawn from rng and one SQN; AUTN assembled into autn, all
 * MCIM_AKA_AUTN_MAX octets of it (the MAC zero-padded).
 */
static mcim_err quintet(const struct mcim_aka_keyctx *kc, uint64_t sqn,
			const uint8_t amf[MCIM_AKA_AMF_LEN], const struct mcim_rng *rng,
			uint8_t rand[MCIM_AKA_RAND_LEN], uint8_t autn[MCIM_AKA_AUTN_MAX],
			uint8_t *autn_len, struct mcim_aka_out *o)
{
	uint8_t sqnb[MCIM_AKA_SQN_LEN];
	mcim_err err;

	err = mcim_rng_fill(rng, rand, MCIM_AKA_RAND_LEN);
	if (err != MCIM_OK)
		return err;
	mcim_sqn_to_bytes(sqn, sqnb);
	err = mcim_aka_compute(kc, MCIM_AKA_F1 | MCIM_AKA_F2345, rand, sqnb, amf, o);
	if (err != MCIM_OK)
		return err;
	if (!lengths_ok(o))
		return MCIM_ERR_INTERNAL;
	for (int i = 0; i < MCIM_AKA_SQN_LEN; i++)
		autn[i] = sqnb[i] ^ o->ak[i];
	autn[MCIM_AKA_SQN_LEN] = amf[0];
	autn[MCIM_AKA_SQN_LEN + 1] = amf[1];
	copy_padded(autn + MCIM_AKA_SQN_LEN + MCIM_AKA_AMF_LEN, o->mac_a, o->mac_len);
	*autn_len = (uint8_t)(MCIM_AKA_SQN_LEN + MCIM_AKA_AMF_LEN + o->mac_len);
	return MCIM_OK;
}

static mcim_err vector_at(const struct mcim_aka_keyctx *kc, uint64_t sqn,
			  const uint8_t amf[MCIM_AKA_AMF_LEN], const struct mcim_rng *rng,
			  struct mcim_auth_vector *av)
{
	struct mcim_aka_out o;
	mcim_err err;

	/* Padding included, so that equal vectors are equal as memory. */
	mcim_wipe(av, sizeof(*av));
	err = quintet(kc, sqn, amf, rng, av->rand, av->autn, &av->autn_len, &o);
	if (err == MCIM_OK) {
		copy_padded(av->xres, o.res, o.res_len);
		copy_padded(av->ck, o.ck, o.ck_len);
		copy_padded(av->ik, o.ik, o.ik_len);
		av->xres_len = o.res_len;
		av->ck_len = o.ck_len;
		av->ik_len = o.ik_len;
		av->sqn = sqn;
	} else {
		mcim_auth_vector_wipe(av);
	}
	mcim_aka_out_wipe(&o);
	return err;
}

void mcim_auth_vector_wipe(struct mcim_auth_vector *av)
{
	MCIM_ASSERT(av != NULL);
	mcim_wipe(av, sizeof(*av));
}

mcim_err mcim_auth_generate_n(const struct mcim_aka_keyctx *kc,
			      const struct mcim_sqn_cfg *cfg, struct mcim_sqn_he *he,
			      const uint8_t amf[MCIM_AKA_AMF_LEN],
			      const struct mcim_rng *rng, struct mcim_auth_vector *avs,
			      size_t n)
{
	struct mcim_sqn_he next;
	mcim_err err = MCIM_OK;

	MCIM_ASSERT(kc != NULL && cfg != NULL && he != NULL && amf != NULL &&
		    rng != NULL);
	MCIM_ASSERT(avs != NULL || n == 0);
	/* SQNs come from a copy that replaces he only once every vector exists. */
	next = *he;
	for (size_t i = 0; i < n && err == MCIM_OK; i++) {
		uint64_t sqn;

		err = mcim_sqn_he_next(cfg, &next, &sqn);
		if (err == MCIM_OK)
			err = vector_at(kc, sqn, amf, rng, &avs[i]);
	}
	if (err != MCIM_OK) {
		mcim_wipe(avs, n * sizeof(*avs));
		return err;
	}
	*he = next;
	return MCIM_OK;
}

mcim_err mcim_auth_generate(const struct mcim_aka_keyctx *kc,
			    const struct mcim_sqn_cfg *cfg, struct mcim_sqn_he *he,
			    const uint8_t amf[MCIM_AKA_AMF_LEN],
			    const struct mcim_rng *rng, struct mcim_auth_vector *av)
{
	MCIM_ASSERT(av != NULL);
	return mcim_auth_generate_n(kc, cfg, he, amf, rng, av, 1);
}

void mcim_auth_5g_vector_wipe(struct mcim_auth_5g_vector *av)
{
	MCIM_ASSERT(av != NULL);
	mcim_wipe(av, sizeof(*av));
}

/* XRES*, KAUSF and HXRES* (TS 33.501 A.4, A.2, A.5) from one keyed HMAC state. */
static mcim_err derive_5g(struct crypto_hmac *h, const struct mcim_aka_out *o,
			  const char *snn, size_t snn_len, struct mcim_auth_5g_vector *av)
{
	const struct mcim_iov key[2] = {{o->ck, o->ck_len}, {o->ik, o->ik_len}};
	const struct mcim_iov xres_p[3] = {
	    {snn, snn_len}, {av->rand, MCIM_AKA_RAND_LEN}, {o->res, o->res_len}};
	const struct mcim_iov kausf_p[2] = {{snn, snn_len}, {av->autn, MCIM_AKA_SQN_LEN}};
	const struct mcim_iov hx_p[2] = {{av->rand, MCIM_AKA_RAND_LEN},
					 {av->xres_star, MCIM_RES_STAR_LEN}};
	uint8_t full[MCIM_SHA256_LEN];
	mcim_err err;

	err = crypto_hmac_setkey(h, key, 2);
	if (err == MCIM_OK)
		err = crypto_hmac_kdf2(h, MCIM_FC_RES_STAR, xres_p, 3, full,
				       MCIM_FC_KAUSF, kausf_p, 2, av->kausf);
	if (err == MCIM_OK)
		memcpy(av->xres_star, full + sizeof(full) - MCIM_RES_STAR_LEN,
		       MCIM_RES_STAR_LEN);
	if (err == MCIM_OK)
		err = crypto_hmac_sha256_plain(h, hx_p, 2, full);
	if (err == MCIM_OK)
		memcpy(av->hxres_star, full + sizeof(full) - MCIM_HXRES_STAR_LEN,
		       MCIM_HXRES_STAR_LEN);
	mcim_wipe(full, sizeof(full));
	return err;
}

static mcim_err vector_5g_at(const struct mcim_aka_keyctx *kc, uint64_t sqn,
			     const uint8_t amf[MCIM_AKA_AMF_LEN],
			     const struct mcim_rng *rng, struct crypto_hmac *h,
			     const char *snn, size_t snn_len,
			     struct mcim_auth_5g_vector *av)
{
	struct mcim_aka_out o;
	mcim_err err;

	mcim_wipe(av, sizeof(*av));
	err = quintet(kc, sqn, amf, rng, av->rand, av->autn, &av->autn_len, &o);
	if (err == MCIM_OK)
		err = derive_5g(h, &o, snn, snn_len, av);
	if (err == MCIM_OK)
		av->sqn = sqn;
	else
		mcim_auth_5g_vector_wipe(av);
	mcim_aka_out_wipe(&o);
	return err;
}

mcim_err mcim_auth_generate_5g_n(const struct mcim_aka_keyctx *kc,
				 const struct mcim_sqn_cfg *cfg, struct mcim_sqn_he *he,
				 const uint8_t amf[MCIM_AKA_AMF_LEN],
				 const struct mcim_rng *rng, const char *snn,
				 size_t snn_len, struct mcim_auth_5g_vector *avs,
				 size_t n)
{
	struct mcim_sqn_he next;
	struct crypto_hmac h;
	mcim_err err = MCIM_OK;

	MCIM_ASSERT(kc != NULL && cfg != NULL && he != NULL && amf != NULL &&
		    rng != NULL);
	MCIM_ASSERT(avs != NULL || n == 0);
	if (snn == NULL || snn_len == 0 || snn_len > MCIM_SNN_MAX)
		return MCIM_ERR_INVALID_ARG;
	next = *he;
	for (size_t i = 0; i < n && err == MCIM_OK; i++) {
		uint64_t sqn;

		err = mcim_sqn_he_next(cfg, &next, &sqn);
		if (err == MCIM_OK)
			err = vector_5g_at(kc, sqn, amf, rng, &h, snn, snn_len, &avs[i]);
	}
	crypto_hmac_clear(&h);
	if (err != MCIM_OK) {
		mcim_wipe(avs, n * sizeof(*avs));
		return err;
	}
	*he = next;
	return MCIM_OK;
}

mcim_err mcim_auth_generate_5g(const struct mcim_aka_keyctx *kc,
			       const struct mcim_sqn_cfg *cfg, struct mcim_sqn_he *he,
			       const uint8_t amf[MCIM_AKA_AMF_LEN],
			       const struct mcim_rng *rng, const char *snn,
			       size_t snn_len, struct mcim_auth_5g_vector *av)
{
	MCIM_ASSERT(av != NULL);
	return mcim_auth_generate_5g_n(kc, cfg, he, amf, rng, snn, snn_len, av, 1);
}

void mcim_auth_usim_out_wipe(struct mcim_auth_usim_out *out)
{
	MCIM_ASSERT(out != NULL);
	mcim_wipe(out, sizeof(*out));
}

/* AUTS = SQN_MS xor AK* || MAC-S, MAC-S over the dummy AMF (TS 33.102 6.3.3). */
static mcim_err make_auts(const struct mcim_aka_keyctx *kc,
			  const uint8_t rand[MCIM_AKA_RAND_LEN], uint64_t sqn_ms,
			  struct mcim_auth_usim_out *out)
{
	struct mcim_aka_out o;
	uint8_t sqnb[MCIM_AKA_SQN_LEN];
	mcim_err err;

	mcim_sqn_to_bytes(sqn_ms, sqnb);
	err = mcim_aka_compute(kc, MCIM_AKA_F1STAR | MCIM_AKA_F5STAR, rand, sqnb,
			       dummy_amf, &o);
	if (err == MCIM_OK && !lengths_ok(&o))
		err = MCIM_ERR_INTERNAL;
	if (err == MCIM_OK) {
		for (int i = 0; i < MCIM_AKA_SQN_LEN; i++)
			out->auts[i] = sqnb[i] ^ o.ak_s[i];
		memcpy(out->auts + MCIM_AKA_SQN_LEN, o.mac_s, o.mac_len);
		out->auts_len = (uint8_t)(MCIM_AKA_SQN_LEN + o.mac_len);
	}
	mcim_aka_out_wipe(&o);
	return err;
}

mcim_err mcim_auth_usim(const struct mcim_aka_keyctx *kc, const struct mcim_sqn_cfg *cfg,
			struct mcim_sqn_ms *ms, const uint8_t rand[MCIM_AKA_RAND_LEN],
			const uint8_t *autn, size_t autn_len,
			struct mcim_auth_usim_out *out)
{
	/* f2..f5 in o, then f1 in m: a set may clear the outputs it does not compute. */
	struct mcim_aka_out o, m;
	uint8_t sqnb[MCIM_AKA_SQN_LEN];
	const uint8_t *amf, *mac;
	uint64_t sqn, sqn_ms;
	mcim_err err;

	MCIM_ASSERT(kc != NULL && cfg != NULL && ms != NULL && rand != NULL &&
		    out != NULL);
	MCIM_ASSERT(autn != NULL || autn_len == 0);
	memset(out, 0, sizeof(*out));
	memset(&o, 0, sizeof(o));
	memset(&m, 0, sizeof(m));
	/* Also validates cfg and ms before anything is computed. */
	err = mcim_sqn_ms_highest(cfg, ms, &sqn_ms);
	if (err != MCIM_OK)
		return err;
	/* AK first: it unmasks SQN, which MAC-A covers. */
	err = mcim_aka_compute(kc, MCIM_AKA_F2345, rand, NULL, NULL, &o);
	if (err == MCIM_OK && !lengths_ok(&o))
		err = MCIM_ERR_INTERNAL;
	if (err == MCIM_OK &&
	    autn_len != (size_t)MCIM_AKA_SQN_LEN + MCIM_AKA_AMF_LEN + o.mac_len)
		err = MCIM_ERR_INVALID_ARG;
	if (err != MCIM_OK)
		goto done;
	for (int i = 0; i < MCIM_AKA_SQN_LEN; i++)
		sqnb[i] = autn[i] ^ o.ak[i];
	amf = autn + MCIM_AKA_SQN_LEN;
	mac = amf + MCIM_AKA_AMF_LEN;
	err = mcim_aka_compute(kc, MCIM_AKA_F1, rand, sqnb, amf, &m);
	if (err != MCIM_OK)
		goto done;
	if (!mcim_ct_equal(m.mac_a, mac, o.mac_len)) {
		err = MCIM_ERR_MAC_FAILURE;
		goto done;
	}
	sqn = mcim_sqn_from_bytes(sqnb);
	err = mcim_sqn_ms_accept(cfg, ms, sqn);
	if (err == MCIM_ERR_SYNC_FAILURE) {
		mcim_err aerr = make_auts(kc, rand, sqn_ms, out);
		if (aerr != MCIM_OK)
			err = aerr;
		goto done;
	}
	if (err != MCIM_OK)
		goto done;
	memcpy(out->res, o.res, o.res_len);
	memcpy(out->ck, o.ck, o.ck_len);
	memcpy(out->ik, o.ik, o.ik_len);
	out->res_len = o.res_len;
	out->ck_len = o.ck_len;
	out->ik_len = o.ik_len;
	out->sqn = sqn;
done:
	if (err != MCIM_OK && err != MCIM_ERR_SYNC_FAILURE)
		mcim_auth_usim_out_wipe(out);
	mcim_wipe(sqnb, sizeof(sqnb));
	mcim_aka_out_wipe(&o);
	mcim_aka_out_wipe(&m);
	return err;
}

mcim_err mcim_auth_resync(const struct mcim_aka_keyctx *kc,
			  const struct mcim_sqn_cfg *cfg, struct mcim_sqn_he *he,
			  const uint8_t rand[MCIM_AKA_RAND_LEN], const uint8_t *auts,
			  size_t auts_len, uint64_t *sqn_ms, int *reset)
{
	struct mcim_aka_out o;
	uint8_t sqnb[MCIM_AKA_SQN_LEN];
	uint64_t ms;
	mcim_err err;

	MCIM_ASSERT(kc != NULL && cfg != NULL && he != NULL && rand != NULL);
	MCIM_ASSERT(auts != NULL || auts_len == 0);
	memset(&o, 0, sizeof(o));
	if (mcim_sqn_cfg_check(cfg) != MCIM_OK)
		return MCIM_ERR_INVALID_ARG;
	err = mcim_aka_compute(kc, MCIM_AKA_F5STAR, rand, NULL, NULL, &o);
	if (err == MCIM_OK && !lengths_ok(&o))
		err = MCIM_ERR_INTERNAL;
	if (err == MCIM_OK && auts_len != (size_t)MCIM_AKA_SQN_LEN + o.mac_len)
		err = MCIM_ERR_INVALID_ARG;
	if (err != MCIM_OK)
		goto done;
	for (int i = 0; i < MCIM_AKA_SQN_LEN; i++)
		sqnb[i] = auts[i] ^ o.ak_s[i];
	err = mcim_aka_compute(kc, MCIM_AKA_F1STAR, rand, sqnb, dummy_amf, &o);
	if (err != MCIM_OK)
		goto done;
	if (!mcim_ct_equal(o.mac_s, auts + MCIM_AKA_SQN_LEN, o.mac_len)) {
		err = MCIM_ERR_MAC_FAILURE;
		goto done;
	}
	ms = mcim_sqn_from_bytes(sqnb);
	err = mcim_sqn_he_resync(cfg, he, ms, reset);
	if (err == MCIM_OK && sqn_ms != NULL)
		*sqn_ms = ms;
done:
	mcim_wipe(sqnb, sizeof(sqnb));
	mcim_aka_out_wipe(&o);
	return err;
}
