/*
 * The openmcim certificate profile (mcim/cert.h): issuing, reading and chain
 * verification of X.509 v3 certificates with ECDSA P-256/SHA-256, the role table
 * of who may certify whom, and the openmcim extensions (role, operator id, TRE
 * attributes).
 *
 * The DER is written and read here with crypto/der.h rather than through OpenSSL's
 * X509 objects: the profile is small, the reader is strict (one encoding per
 * certificate, every length checked against the buffer, no allocation) and the
 * device side verifies chains with a fixed amount of stack. Signatures go through
 * mcim/crypto.h. The test suite checks the output against OpenSSL's own X.509
 * parser and signature check.
 */
#include "crypto/cert_int.h"

#include <string.h>

#include "core/check.h"
#include "mcim/bytes.h"

/* 1.2.840.10045.2.1 id-ecPublicKey, 1.2.840.10045.3.1.7 prime256v1 (RFC 5480). */
const uint8_t crypto_oid_ec_public_key[7] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
const uint8_t crypto_oid_prime256v1[8] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
/* 1.2.840.10045.4.3.2 ecdsa-with-SHA256 (RFC 5758 3.2), without parameters. */
static const uint8_t oid_ecdsa_sha256[8] = {0x2a, 0x86, 0x48, 0xce,
					    0x3d, 0x04, 0x03, 0x02};
static const uint8_t oid_common_name[3] = {0x55, 0x04, 0x03};
static const uint8_t oid_basic_constraints[3] = {0x55, 0x1d, 0x13};
static const uint8_t oid_key_usage[3] = {0x55, 0x1d, 0x0f};
static const uint8_t oid_subject_key_id[3] = {0x55, 0x1d, 0x0e};
static const uint8_t oid_authority_key_id[3] = {0x55, 0x1d, 0x23};
/* MCIM_CERT_OID_ARC .1.1 / .1.2 / .1.3: the arc's encoding plus two sub-identifiers. */
#define OID_ARC_BYTES                                                                    \
	0x69, 0x81, 0x8d, 0x8a, 0xac, 0x97, 0xc2, 0xad, 0x8a, 0x96, 0xf1, 0xa6, 0xa6,    \
	    0x8c, 0xb1, 0xaa, 0xf9, 0x96, 0x94, 0x2a
static const uint8_t oid_role[22] = {OID_ARC_BYTES, 0x01, 0x01};
static const uint8_t oid_operator[22] = {OID_ARC_BYTES, 0x01, 0x02};
static const uint8_t oid_tre[22] = {OID_ARC_BYTES, 0x01, 0x03};

/* keyUsage bits (RFC 5280 4.2.1.3), bit 0 first. */
#define KU_DIGITAL_SIGNATURE (1u << 0)
#define KU_KEY_CERT_SIGN     (1u << 5)
#define KU_CRL_SIGN	     (1u << 6)
#define KU_CA		     (KU_KEY_CERT_SIGN | KU_CRL_SIGN)

#define KEY_ID_LEN  20 /* RFC 7093 method 1: the leftmost 160 bits of SHA-256 */
#define SERIAL_LEN  16
#define EXT_MAX	    16 /* extensions in one certificate */
#define ROLE_MAX    MCIM_CERT_ROLE_ICF
#define YEAR_MIN    1950
#define YEAR_MAX    9999
#define UTC_YEAR_TO 2049 /* RFC 5280 4.1.2.5: UTCTime through 2049 */

enum op_rule { OP_ABSENT, OP_OPTIONAL, OP_REQUIRED };

struct role_rule {
	const char *name;
	uint8_t ca;
	int8_t path_len;
	uint8_t op;
	uint16_t may_certify; /* bit r: may issue a certificate of role r */
};

#define R(role) (1u << (role))
static const struct role_rule roles[ROLE_MAX + 1] = {
    [MCIM_CERT_ROLE_CI] = {"ci", 1, 1, OP_ABSENT,
			   R(MCIM_CERT_ROLE_M2MES_CA) | R(MCIM_CERT_ROLE_M2MES) |
			       R(MCIM_CERT_ROLE_DPF) | R(MCIM_CERT_ROLE_SHO_MGMT) |
			       R(MCIM_CERT_ROLE_PVA) | R(MCIM_CERT_ROLE_DRF) |
			       R(MCIM_CERT_ROLE_ICF)},
    [MCIM_CERT_ROLE_M2MES_CA] = {"m2mes-ca", 1, 0, OP_ABSENT, R(MCIM_CERT_ROLE_TRE)},
    [MCIM_CERT_ROLE_M2MES] = {"m2mes", 0, -1, OP_ABSENT, 0},
    [MCIM_CERT_ROLE_TRE] = {"tre", 0, -1, OP_ABSENT, 0},
    [MCIM_CERT_ROLE_DPF] = {"dpf", 0, -1, OP_REQUIRED, 0},
    [MCIM_CERT_ROLE_SHO_MGMT] = {"sho-mgmt", 0, -1, OP_REQUIRED, 0},
    [MCIM_CERT_ROLE_PVA] = {"pva", 0, -1, OP_OPTIONAL, 0},
    [MCIM_CERT_ROLE_DRF] = {"drf", 0, -1, OP_OPTIONAL, 0},
    [MCIM_CERT_ROLE_ICF] = {"icf", 0, -1, OP_REQUIRED, 0},
};
#undef R

static const char *const backend_names[] = {
    [MCIM_CERT_BACKEND_SOFT] = "soft",
    [MCIM_CERT_BACKEND_TPM2] = "tpm2",
    [MCIM_CERT_BACKEND_UICC] = "uicc",
};
#define BACKEND_MAX MCIM_CERT_BACKEND_UICC

static int role_valid(unsigned long role)
{
	return role >= MCIM_CERT_ROLE_CI && role <= ROLE_MAX;
}

static int may_certify(enum mcim_cert_role issuer, enum mcim_cert_role subject)
{
	return (roles[issuer].may_certify >> subject & 1u) != 0;
}

const char *mcim_cert_role_name(enum mcim_cert_role role)
{
	return role_valid((unsigned long)role) ? roles[role].name : NULL;
}

mcim_err mcim_cert_role_from_name(const char *name, enum mcim_cert_role *role)
{
	MCIM_ASSERT(name != NULL && role != NULL);
	for (unsigned r = MCIM_CERT_ROLE_CI; r <= ROLE_MAX; r++)
		if (strcmp(name, roles[r].name) == 0) {
			*role = (enum mcim_cert_role)r;
			return MCIM_OK;
		}
	return MCIM_ERR_INVALID_ARG;
}

const char *mcim_cert_backend_name(enum mcim_cert_backend backend)
{
	return backend >= MCIM_CERT_BACKEND_SOFT && backend <= BACKEND_MAX
		   ? backend_names[backend]
		   : NULL;
}

mcim_err mcim_cert_backend_from_name(const char *name, enum mcim_cert_backend *backend)
{
	MCIM_ASSERT(name != NULL && backend != NULL);
	for (unsigned b = MCIM_CERT_BACKEND_SOFT; b <= BACKEND_MAX; b++)
		if (strcmp(name, backend_names[b]) == 0) {
			*backend = (enum mcim_cert_backend)b;
			return MCIM_OK;
		}
	return MCIM_ERR_INVALID_ARG;
}

/* ---- The profile, shared by the issuer (on its input) and every reader. ---- */

/* The length of a NUL-terminated printable string within cap octets, or -1. */
static long text_len(const char *s, size_t cap)
{
	size_t n = 0;

	while (n < cap && s[n] != '\0') {
		if (s[n] < 0x20 || s[n] > 0x7e)
			return -1;
		n++;
	}
	return n < cap ? (long)n : -1;
}

static int operator_id_valid(const char *s)
{
	size_t n = strlen(s);

	if (n != 5 && n != 6)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* 1 when info (whose role is one of the table's) describes a certificate the profile
 * allows. */
static int profile_ok(const struct mcim_cert_info *info)
{
	const struct role_rule *rule;
	long cn, op, tre, plat;
	int is_tre;

	MCIM_ASSERT(role_valid((unsigned long)info->role));
	rule = &roles[info->role];
	cn = text_len(info->common_name, sizeof(info->common_name));
	op = text_len(info->operator_id, sizeof(info->operator_id));
	tre = text_len(info->tre_id, sizeof(info->tre_id));
	plat = text_len(info->platform_id, sizeof(info->platform_id));
	if (cn < 1 || op < 0 || tre < 0 || plat < 0)
		return 0;
	if (op == 0 ? rule->op == OP_REQUIRED
		    : rule->op == OP_ABSENT || !operator_id_valid(info->operator_id))
		return 0;
	is_tre = info->role == MCIM_CERT_ROLE_TRE;
	if (is_tre ? tre == 0 || plat == 0 ||
			 mcim_cert_backend_name(info->backend) == NULL ||
			 info->assurance > MCIM_CERT_ASSURANCE_MAX
		   : tre != 0 || plat != 0 || info->backend != MCIM_CERT_BACKEND_NONE ||
			 info->assurance != 0)
		return 0;
	if (info->is_ca != rule->ca || info->path_len != rule->path_len)
		return 0;
	return info->not_before <= info->not_after;
}

/* ---- Time: seconds since the epoch <-> the proleptic Gregorian calendar, UTC. ---- */

struct civil {
	long long year;
	unsigned month, day, hour, min, sec;
};

/* Days from 1970-01-01 to the date (negative before it), in 400-year eras. */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_time(long long t, struct civil *c)
{
	long long days = (t >= 0 ? t : t - 86399) / 86400;
	long long secs = t - days * 86400;
	long long z = days + 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;

	c->day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	c->month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	c->year = yoe + era * 400 + (c->month <= 2);
	c->hour = (unsigned)(secs / 3600);
	c->min = (unsigned)(secs / 60 % 60);
	c->sec = (unsigned)(secs % 60);
}

static unsigned days_in_month(long long y, unsigned m)
{
	static const uint8_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return days[m - 1] + (m == 2 && leap ? 1u : 0u);
}

static int time_encodable(time_t t)
{
	struct civil c;

	civil_from_time((long long)t, &c);
	return c.year >= YEAR_MIN && c.year <= YEAR_MAX;
}

static void put_digits(char *out, unsigned long long v, size_t n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* UTCTime through 2049, GeneralizedTime after (RFC 5280 4.1.2.5); "Z", no fraction. */
static void put_time(struct crypto_der_w *w, time_t t)
{
	char text[15];
	struct civil c;
	size_t y;

	civil_from_time((long long)t, &c);
	y = c.year <= UTC_YEAR_TO ? 2 : 4;
	put_digits(text, (unsigned long long)c.year, y);
	put_digits(text + y, c.month, 2);
	put_digits(text + y + 2, c.day, 2);
	put_digits(text + y + 4, c.hour, 2);
	put_digits(text + y + 6, c.min, 2);
	put_digits(text + y + 8, c.sec, 2);
	text[y + 10] = 'Z';
	crypto_der_w_prim(w, y == 2 ? CRYPTO_DER_UTC_TIME : CRYPTO_DER_GENERALIZED_TIME,
			  text, y + 11);
}

static int get_digits(const uint8_t *p, size_t n, unsigned long long *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		*v = *v * 10 + (unsigned)(p[i] - '0');
	}
	return 1;
}

static mcim_err get_time(struct crypto_der *d, time_t *t)
{
	struct crypto_der c;
	unsigned long long f[6];
	uint8_t tag;
	size_t y;
	long long year, secs;
	mcim_err err = crypto_der_get_any(d, &tag, &c, NULL);

	if (err != MCIM_OK)
		return err;
	if (tag == CRYPTO_DER_UTC_TIME)
		y = 2;
	else if (tag == CRYPTO_DER_GENERALIZED_TIME)
		y = 4;
	else
		return MCIM_ERR_PARSE;
	if (c.len != y + 11 || c.p[y + 10] != 'Z' || !get_digits(c.p, y, &f[0]))
		return MCIM_ERR_PARSE;
	for (size_t i = 1; i < 6; i++)
		if (!get_digits(c.p + y + 2 * (i - 1), 2, &f[i]))
			return MCIM_ERR_PARSE;
	year = (long long)f[0];
	if (y == 2)
		year += year < 50 ? 2000 : 1900;
	/* One encoding per instant: GeneralizedTime only where UTCTime cannot go. */
	else if (year <= UTC_YEAR_TO)
		return MCIM_ERR_PARSE;
	if (f[1] < 1 || f[1] > 12 || f[2] < 1 ||
	    f[2] > days_in_month(year, (unsigned)f[1]) || f[3] > 23 || f[4] > 59 ||
	    f[5] > 59)
		return MCIM_ERR_PARSE;
	secs = days_from_civil(year, (unsigned)f[1], (unsigned)f[2]) * 86400 +
	       (long long)(f[3] * 3600 + f[4] * 60 + f[5]);
	if ((long long)(time_t)secs != secs)
		return MCIM_ERR_PARSE;
	*t = (time_t)secs;
	return MCIM_OK;
}

/* ---- Writing. ---- */

static void put_name(struct crypto_der_w *w, const char *cn)
{
	size_t mark = crypto_der_w_len(w);

	crypto_der_w_prim(w, CRYPTO_DER_UTF8_STRING, cn, strlen(cn));
	crypto_der_w_prim(w, CRYPTO_DER_OID, oid_common_name, sizeof(oid_common_name));
	crypto_der_w_wrap(w, CRYPTO_DER_SEQUENCE, mark);
	crypto_der_w_wrap(w, CRYPTO_DER_SET, mark);
	crypto_der_w_wrap(w, CRYPTO_DER_SEQUENCE, mark);
}

static void put_sig_alg(struct crypto_der_w *w)
{
	size_t mark = crypto_der_w_len(w);

	crypto_der_w_prim(w, CRYPTO_DER_OID, oid_ecdsa_sha256, sizeof(oid_ecdsa_sha256));
	crypto_der_w_wrap(w, CRYPTO_DER_SEQUENCE, mark);
}

/* Closes an extension whose value was written since mark. */
static void put_ext(struct crypto_der_w *w, size_t mark, const uint8_t *oid,
		    size_t oid_len, int critical)
{
	static const uint8_t true_octet = 0xff;

	crypto_der_w_wrap(w, CRYPTO_DER_OCTET_STRING, mark);
	if (critical)
		crypto_der_w_prim(w, CRYPTO_DER_BOOLEAN, &true_octet, 1);
	crypto_der_w_prim(w, CRYPTO_DER_OID, oid, oid_len);
	crypto_der_w_wrap(w, CRYPTO_DER_SEQUENCE, mark);
}

static mcim_err key_id(const struct mcim_p256_pub *pub, uint8_t id[KEY_ID_LEN])
{
	uint8_t h[MCIM_SHA256_LEN];
	mcim_err err = mcim_sha256(pub->q, sizeof(pub->q), h);

	if (err == MCIM_OK)
		memcpy(id, h, KEY_ID_LEN);
	return err;
}

static mcim_err put_extensions(struct crypto_der_w *w, const struct mcim_cert_info *info,
			       const struct mcim_p256_pub *pub,
			       const struct mcim_p256_pub *issuer_pub)
{
	uint8_t id[KEY_ID_LEN];
	size_t all = crypto_der_w_len(w), mark;
	mcim_err err;

	/* Back to front: TRE, operator, role, AKI, SKI, keyUsage, basicConstraints. */
	if (info->role == MCIM_CERT_ROLE_TRE) {
		/* Encoded as given, even outside the profile (the tests forge with it).
		 */
		const char *backend = mcim_cert_backend_name(info->backend);

		if (backend == NULL)
			backend = "";
		mark = crypto_der_w_len(w);
		crypto_der_w_small(w, CRYPTO_DER_INTEGER, info->assurance);
		crypto_der_w_prim(w, CRYPTO_DER_UTF8_STRING, backend, strlen(backend));
		crypto_der_w_prim(w, CRYPTO_DER_UTF8_STRING, info->platform_id,
				  strlen(info->platform_id));
		crypto_der_w_prim(w, CRYPTO_DER_UTF8_STRING, info->tre_id,
				  strlen(info->tre_id));
		crypto_der_w_wrap(w, CRYPTO_DER_SEQUENCE, mark);
		put_ext(w, mark, oid_tre, sizeof(oid_tre), 0);
	}
	if (info->operator_id[0] != '\0') {
		mark = crypto_der_w_len(w);
		crypto_der_w_prim(w, CRYPTO_DER_PRINTABLE_STRING, info->operator_id,
				  strlen(info->operator_id));
		put_ext(w, mark, oid_operator, sizeof(oid_operator), 1);
	}
	mark = crypto_der_w_len(w);
	crypto_der_w_small(w, CRYPTO_DER_ENUMERATED, (unsigned long)info->role);
	put_ext(w, mark, oid_role, sizeof(oid_role), 1);
	if (issuer_pub != NULL) {
		err = key_id(issuer_pub, id);
		if (err != MCIM_OK)
			return err;
		mark = crypto_der_w_len(w);
		crypto_der_w_prim(w, 0x80, id, sizeof(id)); /* [0] keyIdentifier */
		crypto_der_w_wrap(w, CRYPTO_DER_SEQUENCE, mark);
		put_ext(w, mark, oid_authority_key_id, sizeof(oid_authority_key_id), 0);
	}
	err = key_id(pub, id);
	if (err != MCIM_OK)
		return err;
	mark = crypto_der_w_len(w);
	crypto_der_w_prim(w, CRYPTO_DER_OCTET_STRING, id, sizeof(id));
	put_ext(w, mark, oid_subject_key_id, sizeof(oid_subject_key_id), 0);
	/* keyUsage: the unused-bits count, then the named bits with trailing zeros cut.
	 */
	mark = crypto_der_w_len(w);
	crypto_der_w_prim(w, CRYPTO_DER_BIT_STRING,
			  info->is_ca ? (const uint8_t[]){0x01, 0x06}
				      : (const uint8_t[]){0x07, 0x80},
			  2);
	put_ext(w, mark, oid_key_usage, sizeof(oid_key_usage), 1);
	mark = crypto_der_w_len(w);
	if (info->path_len >= 0)
		crypto_der_w_small(w, CRYPTO_DER_INTEGER, (unsigned long)info->path_len);
	if (info->is_ca) {
		static const uint8_t true_octet = 0xff;

		crypto_der_w_prim(w, CRYPTO_DER_BOOLEAN, &true_octet, 1);
	}
	crypto_der_w_wrap(w, CRYPTO_DER_SEQUENCE, mark);
	put_ext(w, mark, oid_basic_constraints, sizeof(oid_basic_constraints), 1);
	crypto_der_w_wrap(w, CRYPTO_DER_SEQUENCE, all);
	crypto_der_w_wrap(w, CRYPTO_DER_CTX(3), all);
	return MCIM_OK;
}

static void put_spki(struct crypto_der_w *w, const struct mcim_p256_pub *pub)
{
	static const uint8_t no_unused_bits = 0;
	size_t mark = crypto_der_w_len(w), bits;

	bits = crypto_der_w_len(w);
	crypto_der_w_raw(w, pub->q, sizeof(pub->q));
	crypto_der_w_raw(w, &no_unused_bits, 1);
	crypto_der_w_wrap(w, CRYPTO_DER_BIT_STRING, bits);
	bits = crypto_der_w_len(w);
	crypto_der_w_prim(w, CRYPTO_DER_OID, crypto_oid_prime256v1,
			  sizeof(crypto_oid_prime256v1));
	crypto_der_w_prim(w, CRYPTO_DER_OID, crypto_oid_ec_public_key,
			  sizeof(crypto_oid_ec_public_key));
	crypto_der_w_wrap(w, CRYPTO_DER_SEQUENCE, bits);
	crypto_der_w_wrap(w, CRYPTO_DER_SEQUENCE, mark);
}

mcim_err crypto_cert_encode(const struct mcim_cert_info *info,
			    const struct mcim_p256_pub *pub,
			    const struct crypto_cert *issuer,
			    const struct mcim_p256_priv *issuer_priv, uint8_t *out,
			    size_t out_cap, size_t *out_len)
{
	static const uint8_t version3 = 2, no_unused_bits = 0;
	uint8_t tbs_buf[MCIM_CERT_MAX_LEN], cert_buf[MCIM_CERT_MAX_LEN];
	uint8_t sig[MCIM_P256_SIG_LEN];
	struct crypto_der_w w;
	const uint8_t *tbs, *cert;
	size_t tbs_len, cert_len, mark, validity;
	mcim_err err;

	MCIM_ASSERT(info != NULL && pub != NULL && issuer_priv != NULL);
	MCIM_ASSERT(out != NULL && out_len != NULL);
	if (!time_encodable(info->not_before) || !time_encodable(info->not_after))
		return MCIM_ERR_INVALID_ARG;
	crypto_der_w_init(&w, tbs_buf, sizeof(tbs_buf));
	err = put_extensions(&w, info, pub, issuer != NULL ? &issuer->pub : NULL);
	if (err != MCIM_OK)
		return err;
	put_spki(&w, pub);
	put_name(&w, info->common_name);
	validity = crypto_der_w_len(&w);
	put_time(&w, info->not_after);
	put_time(&w, info->not_before);
	crypto_der_w_wrap(&w, CRYPTO_DER_SEQUENCE, validity);
	if (issuer != NULL)
		crypto_der_w_raw(&w, issuer->subject.p, issuer->subject.len);
	else
		put_name(&w, info->common_name);
	put_sig_alg(&w);
	crypto_der_w_uint(&w, CRYPTO_DER_INTEGER, info->serial.v, info->serial.len);
	mark = crypto_der_w_len(&w);
	crypto_der_w_small(&w, CRYPTO_DER_INTEGER, version3);
	crypto_der_w_wrap(&w, CRYPTO_DER_CTX(0), mark);
	crypto_der_w_wrap(&w, CRYPTO_DER_SEQUENCE, 0);
	err = crypto_der_w_done(&w, &tbs, &tbs_len);
	if (err != MCIM_OK)
		return err;
	err = mcim_p256_sign(issuer_priv, tbs, tbs_len, sig);
	if (err != MCIM_OK)
		return err;
	crypto_der_w_init(&w, cert_buf, sizeof(cert_buf));
	crypto_der_w_ecdsa_sig(&w, sig);
	crypto_der_w_raw(&w, &no_unused_bits, 1);
	crypto_der_w_wrap(&w, CRYPTO_DER_BIT_STRING, 0);
	put_sig_alg(&w);
	crypto_der_w_raw(&w, tbs, tbs_len);
	crypto_der_w_wrap(&w, CRYPTO_DER_SEQUENCE, 0);
	err = crypto_der_w_done(&w, &cert, &cert_len);
	if (err != MCIM_OK)
		return err;
	if (cert_len > out_cap)
		return MCIM_ERR_BUFFER_TOO_SMALL;
	memcpy(out, cert, cert_len);
	*out_len = cert_len;
	return MCIM_OK;
}

/* ---- Reading. Every failure below is MCIM_ERR_BAD_CERT to the caller. ---- */

/* A printable string value of 1..cap-1 octets into out. */
static int get_text(const struct crypto_der *v, char *out, size_t cap)
{
	if (v->len == 0 || v->len >= cap)
		return 0;
	for (size_t i = 0; i < v->len; i++)
		if (v->p[i] < 0x20 || v->p[i] > 0x7e)
			return 0;
	memcpy(out, v->p, v->len);
	out[v->len] = '\0';
	return 1;
}

/* A Name: the whole element into *whole, its commonName (required, one only) into cn. */
static int get_name(struct crypto_der *d, struct crypto_der *whole, char *cn, size_t cap)
{
	struct crypto_der name, rdn, atv, value, copy = *d;
	uint8_t tag;
	int have_cn = 0;

	if (crypto_der_get_any(&copy, &tag, &name, whole) != MCIM_OK ||
	    tag != CRYPTO_DER_SEQUENCE)
		return 0;
	while (name.len != 0) {
		if (crypto_der_get(&name, CRYPTO_DER_SET, &rdn) != MCIM_OK ||
		    rdn.len == 0)
			return 0;
		while (rdn.len != 0) {
			if (crypto_der_get(&rdn, CRYPTO_DER_SEQUENCE, &atv) != MCIM_OK)
				return 0;
			if (crypto_der_expect_oid(&atv, oid_common_name,
						  sizeof(oid_common_name)) != MCIM_OK) {
				/* Another attribute: its type must still be an OID. */
				if (crypto_der_get(&atv, CRYPTO_DER_OID, &value) !=
				    MCIM_OK)
					return 0;
				if (crypto_der_get_any(&atv, &tag, &value, NULL) !=
					MCIM_OK ||
				    atv.len != 0)
					return 0;
				continue;
			}
			if (have_cn ||
			    crypto_der_get_any(&atv, &tag, &value, NULL) != MCIM_OK ||
			    atv.len != 0 ||
			    (tag != CRYPTO_DER_UTF8_STRING &&
			     tag != CRYPTO_DER_PRINTABLE_STRING) ||
			    !get_text(&value, cn, cap))
				return 0;
			have_cn = 1;
		}
	}
	*d = copy;
	return have_cn;
}

static int get_sig_alg(struct crypto_der *d)
{
	struct crypto_der seq;

	return crypto_der_get(d, CRYPTO_DER_SEQUENCE, &seq) == MCIM_OK &&
	       crypto_der_expect_oid(&seq, oid_ecdsa_sha256, sizeof(oid_ecdsa_sha256)) ==
		   MCIM_OK &&
	       seq.len == 0;
}

static int get_spki(struct crypto_der *d, struct mcim_p256_pub *pub)
{
	struct crypto_der spki, alg, bits;

	if (crypto_der_get(d, CRYPTO_DER_SEQUENCE, &spki) != MCIM_OK ||
	    crypto_der_get(&spki, CRYPTO_DER_SEQUENCE, &alg) != MCIM_OK ||
	    crypto_der_expect_oid(&alg, crypto_oid_ec_public_key,
				  sizeof(crypto_oid_ec_public_key)) != MCIM_OK ||
	    crypto_der_expect_oid(&alg, crypto_oid_prime256v1,
				  sizeof(crypto_oid_prime256v1)) != MCIM_OK ||
	    alg.len != 0 ||
	    crypto_der_get(&spki, CRYPTO_DER_BIT_STRING, &bits) != MCIM_OK ||
	    spki.len != 0 || bits.len != 1 + sizeof(pub->q) || bits.p[0] != 0)
		return 0;
	memcpy(pub->q, bits.p + 1, sizeof(pub->q));
	return mcim_p256_pub_check(pub) == MCIM_OK;
}

/* keyUsage's named bits as a mask (bit 0 = digitalSignature); DER cuts trailing zeros. */
static int get_key_usage(struct crypto_der *v, unsigned *mask)
{
	struct crypto_der bits;
	unsigned unused, last;

	if (crypto_der_get(v, CRYPTO_DER_BIT_STRING, &bits) != MCIM_OK || v->len != 0 ||
	    bits.len < 2 || bits.len > 3 || bits.p[0] > 7)
		return 0;
	unused = bits.p[0];
	last = bits.p[bits.len - 1];
	if ((last & ((1u << unused) - 1)) != 0 || (last >> unused & 1u) == 0)
		return 0;
	*mask = 0;
	for (size_t i = 1; i < bits.len; i++)
		for (unsigned b = 0; b < 8; b++)
			if (bits.p[i] >> (7 - b) & 1u)
				*mask |= 1u << (8 * (i - 1) + b);
	return 1;
}

/* basicConstraints: cA (DEFAULT FALSE, so present only as TRUE) and pathLen. */
static int get_basic_constraints(struct crypto_der *v, struct mcim_cert_info *info)
{
	struct crypto_der seq, flag;
	unsigned long path_len;

	if (crypto_der_get(v, CRYPTO_DER_SEQUENCE, &seq) != MCIM_OK || v->len != 0)
		return 0;
	info->is_ca = 0;
	info->path_len = -1;
	if (crypto_der_peek(&seq) == CRYPTO_DER_BOOLEAN) {
		if (crypto_der_get(&seq, CRYPTO_DER_BOOLEAN, &flag) != MCIM_OK ||
		    !crypto_der_equal(&flag, (const uint8_t[]){0xff}, 1))
			return 0;
		info->is_ca = 1;
	}
	if (seq.len != 0) {
		if (!info->is_ca ||
		    crypto_der_get_small(&seq, CRYPTO_DER_INTEGER, 255, &path_len) !=
			MCIM_OK ||
		    seq.len != 0)
			return 0;
		info->path_len = (int)path_len;
	}
	return 1;
}

static int get_tre(struct crypto_der *v, struct mcim_cert_info *info)
{
	struct crypto_der seq, s;
	char backend[8];
	unsigned long assurance;
	enum mcim_cert_backend b;

	if (crypto_der_get(v, CRYPTO_DER_SEQUENCE, &seq) != MCIM_OK || v->len != 0 ||
	    crypto_der_get(&seq, CRYPTO_DER_UTF8_STRING, &s) != MCIM_OK ||
	    !get_text(&s, info->tre_id, sizeof(info->tre_id)) ||
	    crypto_der_get(&seq, CRYPTO_DER_UTF8_STRING, &s) != MCIM_OK ||
	    !get_text(&s, info->platform_id, sizeof(info->platform_id)) ||
	    crypto_der_get(&seq, CRYPTO_DER_UTF8_STRING, &s) != MCIM_OK ||
	    !get_text(&s, backend, sizeof(backend)) ||
	    mcim_cert_backend_from_name(backend, &b) != MCIM_OK ||
	    crypto_der_get_small(&seq, CRYPTO_DER_INTEGER, MCIM_CERT_ASSURANCE_MAX,
				 &assurance) != MCIM_OK ||
	    seq.len != 0)
		return 0;
	info->backend = b;
	info->assurance = (unsigned)assurance;
	return 1;
}

enum {
	SEEN_BC = 1 << 0,
	SEEN_KU = 1 << 1,
	SEEN_ROLE = 1 << 2,
};

/* One extension's value by its OID; *known is 0 for an OID not handled here. */
static int get_ext_value(const struct crypto_der *oid, struct crypto_der *v,
			 struct mcim_cert_info *info, unsigned *key_usage, unsigned *seen,
			 int *known)
{
	struct crypto_der s;
	unsigned long role;

	*known = 1;
	if (crypto_der_equal(oid, oid_basic_constraints, sizeof(oid_basic_constraints))) {
		*seen |= SEEN_BC;
		return get_basic_constraints(v, info);
	}
	if (crypto_der_equal(oid, oid_key_usage, sizeof(oid_key_usage))) {
		*seen |= SEEN_KU;
		return get_key_usage(v, key_usage);
	}
	if (crypto_der_equal(oid, oid_role, sizeof(oid_role))) {
		*seen |= SEEN_ROLE;
		if (crypto_der_get_small(v, CRYPTO_DER_ENUMERATED, ROLE_MAX, &role) !=
			MCIM_OK ||
		    v->len != 0 || !role_valid(role))
			return 0;
		info->role = (enum mcim_cert_role)role;
		return 1;
	}
	if (crypto_der_equal(oid, oid_operator, sizeof(oid_operator)))
		return crypto_der_get(v, CRYPTO_DER_PRINTABLE_STRING, &s) == MCIM_OK &&
		       v->len == 0 &&
		       get_text(&s, info->operator_id, sizeof(info->operator_id));
	if (crypto_der_equal(oid, oid_tre, sizeof(oid_tre)))
		return get_tre(v, info);
	*known = 0;
	return 1;
}

static int get_extensions(struct crypto_der *d, struct mcim_cert_info *info,
			  unsigned *key_usage, unsigned *seen)
{
	struct crypto_der outer, list, ext, oid, flag, value;
	struct crypto_der oids[EXT_MAX];
	size_t n = 0;

	if (crypto_der_get(d, CRYPTO_DER_CTX(3), &outer) != MCIM_OK ||
	    crypto_der_get(&outer, CRYPTO_DER_SEQUENCE, &list) != MCIM_OK ||
	    outer.len != 0 || list.len == 0)
		return 0;
	while (list.len != 0) {
		int critical = 0, known;

		if (n == EXT_MAX ||
		    crypto_der_get(&list, CRYPTO_DER_SEQUENCE, &ext) != MCIM_OK ||
		    crypto_der_get(&ext, CRYPTO_DER_OID, &oid) != MCIM_OK)
			return 0;
		/* RFC 5280 4.2: no extension twice. */
		for (size_t i = 0; i < n; i++)
			if (crypto_der_equal(&oids[i], oid.p, oid.len))
				return 0;
		oids[n++] = oid;
		if (crypto_der_peek(&ext) == CRYPTO_DER_BOOLEAN) {
			/* DEFAULT FALSE: DER writes it only as TRUE. */
			if (crypto_der_get(&ext, CRYPTO_DER_BOOLEAN, &flag) != MCIM_OK ||
			    !crypto_der_equal(&flag, (const uint8_t[]){0xff}, 1))
				return 0;
			critical = 1;
		}
		if (crypto_der_get(&ext, CRYPTO_DER_OCTET_STRING, &value) != MCIM_OK ||
		    ext.len != 0 ||
		    !get_ext_value(&oid, &value, info, key_usage, seen, &known))
			return 0;
		if (!known && critical)
			return 0;
	}
	return 1;
}

static int get_tbs(struct crypto_der *tbs, struct crypto_cert *cert, unsigned *key_usage,
		   unsigned *seen)
{
	struct mcim_cert_info *info = &cert->info;
	struct crypto_der version, validity, serial;
	unsigned long v;

	if (crypto_der_get(tbs, CRYPTO_DER_CTX(0), &version) != MCIM_OK ||
	    crypto_der_get_small(&version, CRYPTO_DER_INTEGER, 2, &v) != MCIM_OK ||
	    v != 2 || version.len != 0)
		return 0;
	if (crypto_der_get_uint(tbs, &serial) != MCIM_OK || serial.len == 0 ||
	    serial.len > MCIM_CERT_SERIAL_MAX)
		return 0;
	memcpy(info->serial.v, serial.p, serial.len);
	info->serial.len = serial.len;
	if (!get_sig_alg(tbs) ||
	    !get_name(tbs, &cert->issuer, info->issuer_name, sizeof(info->issuer_name)))
		return 0;
	if (crypto_der_get(tbs, CRYPTO_DER_SEQUENCE, &validity) != MCIM_OK ||
	    get_time(&validity, &info->not_before) != MCIM_OK ||
	    get_time(&validity, &info->not_after) != MCIM_OK || validity.len != 0)
		return 0;
	if (!get_name(tbs, &cert->subject, info->common_name,
		      sizeof(info->common_name)) ||
	    !get_spki(tbs, &cert->pub))
		return 0;
	/* issuerUniqueID and subjectUniqueID ([1], [2]) are not in the profile. */
	return get_extensions(tbs, info, key_usage, seen) && tbs->len == 0;
}

mcim_err crypto_cert_parse(const uint8_t *der, size_t len, struct crypto_cert *cert)
{
	struct crypto_der all = {der, len}, outer, tbs, bits;
	unsigned key_usage = 0, seen = 0;
	uint8_t tag;

	MCIM_ASSERT(der != NULL || len == 0);
	MCIM_ASSERT(cert != NULL);
	if (len > MCIM_CERT_MAX_LEN)
		return MCIM_ERR_TOO_LARGE;
	memset(cert, 0, sizeof(*cert));
	if (crypto_der_get(&all, CRYPTO_DER_SEQUENCE, &outer) != MCIM_OK ||
	    all.len != 0 ||
	    crypto_der_get_any(&outer, &tag, &tbs, &cert->tbs) != MCIM_OK ||
	    tag != CRYPTO_DER_SEQUENCE || !get_sig_alg(&outer) ||
	    crypto_der_get(&outer, CRYPTO_DER_BIT_STRING, &bits) != MCIM_OK ||
	    outer.len != 0)
		return MCIM_ERR_BAD_CERT;
	if (bits.len < 1 || bits.p[0] != 0)
		return MCIM_ERR_BAD_CERT;
	bits.p++;
	bits.len--;
	if (crypto_der_get_ecdsa_sig(&bits, cert->sig) != MCIM_OK || bits.len != 0)
		return MCIM_ERR_BAD_CERT;
	if (!get_tbs(&tbs, cert, &key_usage, &seen))
		return MCIM_ERR_BAD_CERT;
	if (seen != (SEEN_BC | SEEN_KU | SEEN_ROLE) || !profile_ok(&cert->info) ||
	    key_usage != (cert->info.is_ca ? KU_CA : KU_DIGITAL_SIGNATURE))
		return MCIM_ERR_BAD_CERT;
	return MCIM_OK;
}

mcim_err mcim_cert_parse(const uint8_t *der, size_t len, struct mcim_cert_info *info,
			 struct mcim_p256_pub *pub)
{
	struct crypto_cert cert;
	mcim_err err;

	MCIM_ASSERT(info != NULL);
	err = crypto_cert_parse(der, len, &cert);
	if (err != MCIM_OK)
		return err;
	*info = cert.info;
	if (pub != NULL)
		*pub = cert.pub;
	return MCIM_OK;
}

/* ---- Issuing. ---- */

static int pub_equal(const struct mcim_p256_pub *a, const struct mcim_p256_pub *b)
{
	return memcmp(a->q, b->q, sizeof(a->q)) == 0;
}

/* MCIM_OK when priv is the private key of pub. */
static mcim_err key_matches(const struct mcim_p256_priv *priv,
			    const struct mcim_p256_pub *pub)
{
	struct mcim_p256_pub derived;
	mcim_err err = mcim_p256_pub_from_priv(priv, &derived);

	if (err != MCIM_OK)
		return err;
	return pub_equal(&derived, pub) ? MCIM_OK : MCIM_ERR_INVALID_ARG;
}

mcim_err mcim_cert_issue(const struct mcim_cert_info *subject,
			 const struct mcim_p256_pub *subject_pub,
			 const struct mcim_p256_priv *issuer_priv,
			 const uint8_t *issuer_der, size_t issuer_len,
			 const struct mcim_rng *rng, uint8_t *out, size_t out_cap,
			 size_t *out_len)
{
	struct mcim_cert_info info;
	struct crypto_cert issuer;
	mcim_err err;

	MCIM_ASSERT(subject != NULL && subject_pub != NULL && issuer_priv != NULL);
	MCIM_ASSERT(issuer_der != NULL || issuer_len == 0);
	MCIM_ASSERT(rng != NULL && out != NULL && out_len != NULL);
	info = *subject;
	if (!role_valid((unsigned long)info.role))
		return MCIM_ERR_INVALID_ARG;
	info.is_ca = roles[info.role].ca;
	info.path_len = roles[info.role].path_len;
	if (!profile_ok(&info) || mcim_p256_pub_check(subject_pub) != MCIM_OK)
		return MCIM_ERR_INVALID_ARG;
	if (issuer_der == NULL) {
		if (info.role != MCIM_CERT_ROLE_CI)
			return MCIM_ERR_WRONG_ROLE;
		err = key_matches(issuer_priv, subject_pub);
	} else {
		err = crypto_cert_parse(issuer_der, issuer_len, &issuer);
		if (err != MCIM_OK)
			return err;
		if (!may_certify(issuer.info.role, info.role))
			return MCIM_ERR_WRONG_ROLE;
		if (info.not_before < issuer.info.not_before ||
		    info.not_after > issuer.info.not_after)
			return MCIM_ERR_INVALID_ARG;
		err = key_matches(issuer_priv, &issuer.pub);
	}
	if (err != MCIM_OK)
		return err;
	/* 126 random bits: positive, and always SERIAL_LEN octets long. */
	err = mcim_rng_fill(rng, info.serial.v, SERIAL_LEN);
	if (err != MCIM_OK)
		return err;
	info.serial.v[0] = (uint8_t)((info.serial.v[0] & 0x3f) | 0x40);
	info.serial.len = SERIAL_LEN;
	return crypto_cert_encode(&info, subject_pub, issuer_der != NULL ? &issuer : NULL,
				  issuer_priv, out, out_cap, out_len);
}

/* ---- Chains. ---- */

static int revoked(const struct mcim_cert_serial *serial,
		   const struct mcim_cert_policy *p)
{
	for (size_t i = 0; i < p->n_revoked; i++)
		if (p->revoked[i].len == serial->len &&
		    memcmp(p->revoked[i].v, serial->v, serial->len) == 0)
			return 1;
	return 0;
}

static int names_equal(const struct crypto_der *a, const struct crypto_der *b)
{
	return crypto_der_equal(a, b->p, b->len);
}

mcim_err mcim_cert_verify_chain(const uint8_t *leaf, size_t leaf_len,
				const struct mcim_iov *inter, size_t n_inter,
				const uint8_t *root, size_t root_len,
				const struct mcim_cert_policy *policy,
				struct mcim_cert_info *leaf_info,
				struct mcim_p256_pub *leaf_pub)
{
	/* certs[0] is the leaf, certs[n - 1] the root, each issued by the next. */
	struct crypto_cert certs[MCIM_CERT_CHAIN_MAX];
	const struct mcim_cert_info *li;
	size_t n = n_inter + 2;
	mcim_err err;

	MCIM_ASSERT(leaf != NULL && root != NULL && policy != NULL);
	MCIM_ASSERT(inter != NULL || n_inter == 0);
	MCIM_ASSERT(policy->revoked != NULL || policy->n_revoked == 0);
	MCIM_ASSERT(role_valid((unsigned long)policy->role));
	if (n_inter > MCIM_CERT_CHAIN_MAX - 2 || leaf_len > MCIM_CERT_MAX_LEN ||
	    root_len > MCIM_CERT_MAX_LEN)
		return MCIM_ERR_TOO_LARGE;
	for (size_t i = 0; i < n_inter; i++)
		if (inter[i].len > MCIM_CERT_MAX_LEN)
			return MCIM_ERR_TOO_LARGE;
	err = crypto_cert_parse(leaf, leaf_len, &certs[0]);
	for (size_t i = 0; err == MCIM_OK && i < n_inter; i++) {
		MCIM_ASSERT(inter[i].data != NULL || inter[i].len == 0);
		err = crypto_cert_parse(inter[i].data, inter[i].len, &certs[1 + i]);
	}
	if (err == MCIM_OK)
		err = crypto_cert_parse(root, root_len, &certs[n - 1]);
	if (err != MCIM_OK)
		return err;
	if (certs[n - 1].info.role != MCIM_CERT_ROLE_CI ||
	    !names_equal(&certs[n - 1].issuer, &certs[n - 1].subject))
		return MCIM_ERR_BAD_CERT;
	/* The cheap checks of every link first, then the signatures. The CA flags and
	 * path lengths need no separate check: the role table lets only ci and m2mes-ca
	 * issue, and the profile gives exactly those two their CA flag. */
	for (size_t i = 0; i + 1 < n; i++)
		if (!names_equal(&certs[i].issuer, &certs[i + 1].subject) ||
		    !may_certify(certs[i + 1].info.role, certs[i].info.role) ||
		    revoked(&certs[i].info.serial, policy))
			return MCIM_ERR_BAD_CERT;
	for (size_t i = 0; i + 1 < n; i++)
		if (mcim_p256_verify(&certs[i + 1].pub, certs[i].tbs.p, certs[i].tbs.len,
				     certs[i].sig) != MCIM_OK)
			return MCIM_ERR_BAD_CERT;
	for (size_t i = 0; i < n; i++)
		if (policy->now < certs[i].info.not_before ||
		    policy->now > certs[i].info.not_after)
			return MCIM_ERR_EXPIRED;
	li = &certs[0].info;
	if (li->role != policy->role ||
	    (policy->operator_id != NULL &&
	     strcmp(li->operator_id, policy->operator_id) != 0))
		return MCIM_ERR_WRONG_ROLE;
	if (leaf_info != NULL)
		*leaf_info = *li;
	if (leaf_pub != NULL)
		*leaf_pub = certs[0].pub;
	return MCIM_OK;
}
