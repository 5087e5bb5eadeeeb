/*
 * The 3GPP KDF and the AKA key hierarchy on it: KASME for EPS; RES* and XRES*, KAUSF,
 * KSEAF and HXRES* for 5G; plus the network identities they take (PLMN identity, serving
 * network name) built from MCC/MNC text. Each derivation lists its parameters in
 * the order of the clause it cites; the HMAC itself, with the key processed once,
 * is crypto/hmac.c's (on the SHA-256 of crypto/sha256_int.h, not OpenSSL's: these
 * messages are one or two blocks, where EVP's dispatch costs more than the hashing).
 * Every function keys an HMAC state on its stack, derives, and wipes the state.
 */
#include "mcim/kdf.h"

#include <string.h>

#include "core/check.h"
#include "crypto/hmac_int.h"
#include "crypto/sha256_int.h"
#include "mcim/bytes.h"

_Static_assert(MCIM_KDF_PARAMS_MAX == CRYPTO_KDF_PARAMS_MAX,
	       "the public and internal parameter limits must agree");

static int ckik_len_ok(size_t len)
{
	return len == 16 || len == 32;
}

static int snn_ok(const char *snn, size_t snn_len)
{
	return snn != NULL && snn_len >= 1 && snn_len <= MCIM_SNN_MAX;
}

/* Keys a state with key (n parts), runs the KDF, wipes the state. */
static mcim_err kdf_parts(const struct mcim_iov *key, size_t nkey, uint8_t fc,
			  const struct mcim_iov *params, size_t n, uint8_t out[32])
{
	struct crypto_hmac h;
	mcim_err err;

	err = crypto_hmac_setkey(&h, key, nkey);
	if (err == MCIM_OK)
		err = crypto_hmac_kdf(&h, fc, params, n, out);
	crypto_hmac_clear(&h);
	return err;
}

mcim_err mcim_kdf(const uint8_t *key, size_t key_len, uint8_t fc,
		  const struct mcim_iov *params, size_t n, uint8_t out[MCIM_KDF_OUT_LEN])
{
	struct mcim_iov k = {key, key_len};

	MCIM_ASSERT((key != NULL || key_len == 0) && (params != NULL || n == 0) &&
		    out != NULL);
	if (n > MCIM_KDF_PARAMS_MAX)
		return MCIM_ERR_INVALID_ARG;
	for (size_t i = 0; i < n; i++) {
		MCIM_ASSERT(params[i].data != NULL || params[i].len == 0);
		if (params[i].len > MCIM_KDF_PARAM_MAX)
			return MCIM_ERR_INVALID_ARG;
	}
	return kdf_parts(&k, 1, fc, params, n, out);
}

/* 1 when s is exactly min..max decimal digits. */
static int digits(const char *s, size_t min, size_t max)
{
	size_t n = 0;

	while (n <= max && s[n] >= '0' && s[n] <= '9')
		n++;
	return s[n] == '\0' && n >= min && n <= max;
}

mcim_err mcim_plmn_encode(const char *mcc, const char *mnc, uint8_t out[MCIM_PLMN_LEN])
{
	uint8_t mnc3;

	MCIM_ASSERT(mcc != NULL && mnc != NULL && out != NULL);
	if (!digits(mcc, 3, 3) || !digits(mnc, 2, 3))
		return MCIM_ERR_INVALID_ARG;
	/* TS 24.008 10.5.1.13: digit 1 in the low nibble; a 2-digit MNC has F as its
	 * third digit. */
	mnc3 = mnc[2] == '\0' ? 0xf : (uint8_t)(mnc[2] - '0');
	out[0] = (uint8_t)((mcc[1] - '0') << 4 | (mcc[0] - '0'));
	out[1] = (uint8_t)(mnc3 << 4 | (mcc[2] - '0'));
	out[2] = (uint8_t)((mnc[1] - '0') << 4 | (mnc[0] - '0'));
	return MCIM_OK;
}

mcim_err mcim_snn_build(const char *mcc, const char *mnc, char out[MCIM_SNN_PLMN_LEN + 1])
{
	static const char head[] = "5G:mnc", mid[] = ".mcc", tail[] = ".3gppnetwork.org";
	char buf[MCIM_SNN_PLMN_LEN + 1];
	size_t off = 0;

	MCIM_ASSERT(mcc != NULL && mnc != NULL && out != NULL);
	if (!digits(mcc, 3, 3) || !digits(mnc, 2, 3))
		return MCIM_ERR_INVALID_ARG;
	memcpy(buf, head, sizeof(head) - 1);
	off += sizeof(head) - 1;
	/* The network name always carries three MNC digits (TS 23.003 28.2). */
	if (mnc[2] == '\0')
		buf[off++] = '0';
	memcpy(buf + off, mnc, strlen(mnc));
	off += strlen(mnc);
	memcpy(buf + off, mid, sizeof(mid) - 1);
	off += sizeof(mid) - 1;
	memcpy(buf + off, mcc, 3);
	off += 3;
	memcpy(buf + off, tail, sizeof(tail));
	off += sizeof(tail) - 1;
	MCIM_ASSERT(off == MCIM_SNN_PLMN_LEN);
	memcpy(out, buf, sizeof(buf));
	return MCIM_OK;
}

mcim_err mcim_kdf_kasme(const uint8_t *ck, size_t ck_len, const uint8_t *ik,
			size_t ik_len, const uint8_t plmn[MCIM_PLMN_LEN],
			const uint8_t sqn_xor_ak[6], uint8_t kasme[MCIM_KASME_LEN])
{
	const struct mcim_iov key[2] = {{ck, ck_len}, {ik, ik_len}};
	const struct mcim_iov p[2] = {{plmn, MCIM_PLMN_LEN}, {sqn_xor_ak, 6}};

	MCIM_ASSERT(ck != NULL && ik != NULL && plmn != NULL && sqn_xor_ak != NULL &&
		    kasme != NULL);
	if (!ckik_len_ok(ck_len) || !ckik_len_ok(ik_len))
		return MCIM_ERR_INVALID_ARG;
	return kdf_parts(key, 2, MCIM_FC_KASME, p, 2, kasme);
}

mcim_err mcim_kdf_res_star(const uint8_t *ck, size_t ck_len, const uint8_t *ik,
			   size_t ik_len, const char *snn, size_t snn_len,
			   const uint8_t rand[16], const uint8_t *res, size_t res_len,
			   uint8_t res_star[MCIM_RES_STAR_LEN])
{
	const struct mcim_iov key[2] = {{ck, ck_len}, {ik, ik_len}};
	const struct mcim_iov p[3] = {{snn, snn_len}, {rand, 16}, {res, res_len}};
	uint8_t full[MCIM_KDF_OUT_LEN];
	mcim_err err;

	MCIM_ASSERT(ck != NULL && ik != NULL && rand != NULL && res != NULL &&
		    res_star != NULL);
	if (!ckik_len_ok(ck_len) || !ckik_len_ok(ik_len) || !snn_ok(snn, snn_len) ||
	    res_len < 4 || res_len > 32)
		return MCIM_ERR_INVALID_ARG;
	err = kdf_parts(key, 2, MCIM_FC_RES_STAR, p, 3, full);
	if (err == MCIM_OK)
		memcpy(res_star, full + MCIM_KDF_OUT_LEN - MCIM_RES_STAR_LEN,
		       MCIM_RES_STAR_LEN);
	mcim_wipe(full, sizeof(full));
	return err;
}

mcim_err mcim_kdf_kausf(const uint8_t *ck, size_t ck_len, const uint8_t *ik,
			size_t ik_len, const char *snn, size_t snn_len,
			const uint8_t sqn_xor_ak[6], uint8_t kausf[MCIM_KAUSF_LEN])
{
	const struct mcim_iov key[2] = {{ck, ck_len}, {ik, ik_len}};
	const struct mcim_iov p[2] = {{snn, snn_len}, {sqn_xor_ak, 6}};

	MCIM_ASSERT(ck != NULL && ik != NULL && sqn_xor_ak != NULL && kausf != NULL);
	if (!ckik_len_ok(ck_len) || !ckik_len_ok(ik_len) || !snn_ok(snn, snn_len))
		return MCIM_ERR_INVALID_ARG;
	return kdf_parts(key, 2, MCIM_FC_KAUSF, p, 2, kausf);
}

mcim_err mcim_kdf_kseaf(const uint8_t kausf[MCIM_KAUSF_LEN], const char *snn,
			size_t snn_len, uint8_t kseaf[MCIM_KSEAF_LEN])
{
	const struct mcim_iov key = {kausf, MCIM_KAUSF_LEN};
	const struct mcim_iov p = {snn, snn_len};

	MCIM_ASSERT(kausf != NULL && kseaf != NULL);
	if (!snn_ok(snn, snn_len))
		return MCIM_ERR_INVALID_ARG;
	return kdf_parts(&key, 1, MCIM_FC_KSEAF, &p, 1, kseaf);
}

mcim_err mcim_kdf_hxres_star(const uint8_t rand[16],
			     const uint8_t xres_star[MCIM_RES_STAR_LEN],
			     uint8_t hxres_star[MCIM_HXRES_STAR_LEN])
{
	struct crypto_sha256 s;
	uint8_t d[MCIM_SHA256_LEN];

	MCIM_ASSERT(rand != NULL && xres_star != NULL && hxres_star != NULL);
	crypto_sha256_init(&s);
	crypto_sha256_update(&s, rand, 16);
	crypto_sha256_update(&s, xres_star, MCIM_RES_STAR_LEN);
	crypto_sha256_final(&s, d);
	memcpy(hxres_star, d + MCIM_SHA256_LEN - MCIM_HXRES_STAR_LEN,
	       MCIM_HXRES_STAR_LEN);
	mcim_wipe(d, sizeof(d));
	return MCIM_OK;
}
