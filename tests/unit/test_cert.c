/*
 * The openmcim PKI (mcim/cert.h). A whole PKI is built once per run: CI root, an M2MES
 * CA with a TRE under it, an M2MES firmware signer, a DPF and a management key for
 * operators 00101 and 310410, a PVA and a DRF. Checked here:
 * - every chain verifies and yields what was issued (R-TRE-G07 TRE id and platform
 *   id, R-SEED-10 backend, R-TRE-N02 assurance level), and OpenSSL's own X.509 code
 *   parses the certificates, checks their signatures and verifies the chains;
 * - each way a chain must fail (T-14: a rogue or wrong-role DRF/DPF/PVA is refused):
 *   wrong role, wrong operator, expired and not yet valid (time driven by the test),
 *   signed by the wrong key, issued by a role that may not issue it, a leaf used as a
 *   CA, revoked serial, malformed or truncated DER, too long or too large;
 * - certificates the issuer refuses to make, forged with the internal encoder, and
 *   DER edits one element at a time (re-signed, so only the edit is wrong), which
 *   every reader must refuse, or accept where the profile allows;
 * - PEM files, both ways with OpenSSL, their modes and their errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/cert_int.h"
#include "crypto/der.h"
#include "mcim/bytes.h"
#include "mcim/cert.h"

#define T0   ((time_t)1767225600) /* 2026-01-01T00:00:00Z */
#define DAY  ((time_t)86400)
#define YEAR (365 * DAY)
#define NOW  (T0 + DAY)

struct party {
	const char *label;
	struct party *issuer; /* NULL for the root */
	struct mcim_p256_priv priv;
	struct mcim_p256_pub pub;
	struct mcim_cert_info info; /* as requested from the issuer */
	uint8_t der[MCIM_CERT_MAX_LEN];
	size_t len;
};

/* ---- Allocation failures (as in test_crypto.c): OpenSSL allocates through these, and
 * a test makes the n-th allocation and every later one fail. ---- */

static long allocs_left = -1; /* -1: none fails */
static long allocs_refused;

static int refuse_alloc(void)
{
	if (allocs_left < 0)
		return 0;
	if (allocs_left == 0) {
		allocs_refused++;
		return 1;
	}
	allocs_left--;
	return 0;
}

static void *t_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return refuse_alloc() ? NULL : malloc(n);
}

static void *t_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return refuse_alloc() ? NULL : realloc(p, n);
}

static void t_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

/* Runs op with allocations failing from the n-th on, n = 0, 1, ..., until op needs no
 * more than n; op checks its own outputs. The run with nothing refused must succeed. */
static void under_oom(const char *what, mcim_err (*op)(void))
{
	for (long n = 0; n < 100000; n++) {
		mcim_err err;

		allocs_refused = 0;
		allocs_left = n;
		err = op();
		allocs_left = -1;
		if (allocs_refused == 0) {
			if (err != MCIM_OK)
				fail_msg("%s: %s with no allocation refused", what,
					 mcim_err_name(err));
			return;
		}
	}
	fail_msg("%s: never completes", what);
}

static struct {
	struct party ci, ca, tre, m2mes, dpf, mgmt, pva, drf;
	struct mcim_p256_priv other; /* belongs to nobody */
	char dir[64];
} pki;

static void set_info(struct mcim_cert_info *i, enum mcim_cert_role role, const char *cn,
		     const char *op, time_t nb, time_t na)
{
	memset(i, 0, sizeof(*i));
	i->role = role;
	snprintf(i->common_name, sizeof(i->common_name), "%s", cn);
	snprintf(i->operator_id, sizeof(i->operator_id), "%s", op);
	i->not_before = nb;
	i->not_after = na;
}

static void issue(struct party *p)
{
	const struct party *is = p->issuer;

	assert_int_equal(mcim_p256_keygen(&p->priv, &p->pub), MCIM_OK);
	assert_int_equal(mcim_cert_issue(&p->info, &p->pub, is ? &is->priv : &p->priv,
					 is ? is->der : NULL, is ? is->len : 0,
					 mcim_rng_system(), p->der, sizeof(p->der),
					 &p->len),
			 MCIM_OK);
}

/* The library's first use, each allocation of its set-up failing in turn: a failed
 * set-up is retried by the next call, not remembered. OpenSSL's own first fetch of
 * each algorithm is done before: OpenSSL 3.0 crashes when a lock allocation fails
 * during its start-up, and once a fetch has failed for want of memory it answers
 * "unsupported" for that algorithm for the rest of the process. */
static mcim_err first_use(void)
{
	struct mcim_p256_priv priv;
	struct mcim_p256_pub pub;
	mcim_err err = mcim_p256_keygen(&priv, &pub);

	mcim_p256_priv_wipe(&priv);
	return err;
}

static int setup_pki(void **state)
{
	struct mcim_p256_pub other_pub;

	(void)state;
	EVP_MD_free(EVP_MD_fetch(NULL, "SHA256", NULL));
	EVP_CIPHER_free(EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL));
	EVP_KDF_free(EVP_KDF_fetch(NULL, "HKDF", NULL));
	EVP_PKEY_CTX_free(EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL));
	under_oom("first use", first_use);
	set_info(&pki.ci.info, MCIM_CERT_ROLE_CI, "openmcim CI", "", T0, T0 + 20 * YEAR);
	issue(&pki.ci);
	pki.ca.issuer = &pki.ci;
	set_info(&pki.ca.info, MCIM_CERT_ROLE_M2MES_CA, "Acme M2MES CA", "", T0,
		 T0 + 15 * YEAR);
	issue(&pki.ca);
	pki.tre.issuer = &pki.ca;
	set_info(&pki.tre.info, MCIM_CERT_ROLE_TRE, "TRE tre-0001", "", T0,
		 T0 + 10 * YEAR);
	strcpy(pki.tre.info.tre_id, "tre-0001");
	strcpy(pki.tre.info.platform_id, "490154203237518");
	pki.tre.info.backend = MCIM_CERT_BACKEND_TPM2;
	pki.tre.info.assurance = 3;
	issue(&pki.tre);
	pki.m2mes.issuer = &pki.ci;
	set_info(&pki.m2mes.info, MCIM_CERT_ROLE_M2MES, "Acme firmware", "", T0,
		 T0 + 5 * YEAR);
	issue(&pki.m2mes);
	pki.dpf.issuer = &pki.ci;
	set_info(&pki.dpf.info, MCIM_CERT_ROLE_DPF, "SHO 00101 DPF", "00101", T0,
		 T0 + 2 * YEAR);
	issue(&pki.dpf);
	pki.mgmt.issuer = &pki.ci;
	set_info(&pki.mgmt.info, MCIM_CERT_ROLE_SHO_MGMT, "SHO 310410 mgmt", "310410", T0,
		 T0 + 2 * YEAR);
	issue(&pki.mgmt);
	pki.pva.issuer = &pki.ci;
	set_info(&pki.pva.info, MCIM_CERT_ROLE_PVA, "PVA", "", T0, T0 + 2 * YEAR);
	issue(&pki.pva);
	pki.drf.issuer = &pki.ci;
	set_info(&pki.drf.info, MCIM_CERT_ROLE_DRF, "RO 00101 DRF", "00101", T0,
		 T0 + 2 * YEAR);
	issue(&pki.drf);
	assert_int_equal(mcim_p256_keygen(&pki.other, &other_pub), MCIM_OK);
	strcpy(pki.dir, "/tmp/mcim-cert-XXXXXX");
	assert_non_null(mkdtemp(pki.dir));
	return 0;
}

static int teardown_pki(void **state)
{
	(void)state;
	assert_int_equal(rmdir(pki.dir), 0);
	return 0;
}

/* Verifies leaf through its issuers up to (not including) the root. */
static mcim_err verify_party(const struct party *leaf, enum mcim_cert_role role,
			     const char *op, time_t now, struct mcim_cert_info *info,
			     struct mcim_p256_pub *pub)
{
	struct mcim_iov inter[MCIM_CERT_CHAIN_MAX];
	struct mcim_cert_policy pol = {role, op, now, NULL, 0};
	size_t n = 0;

	for (const struct party *p = leaf->issuer; p != NULL && p->issuer != NULL;
	     p = p->issuer) {
		inter[n].data = p->der;
		inter[n].len = p->len;
		n++;
	}
	return mcim_cert_verify_chain(leaf->der, leaf->len, inter, n, pki.ci.der,
				      pki.ci.len, &pol, info, pub);
}

/* A chain given as DER pieces: leaf, intermediates, root. */
static mcim_err verify_raw(const uint8_t *leaf, size_t len, const struct mcim_iov *inter,
			   size_t n, enum mcim_cert_role role, time_t now)
{
	struct mcim_cert_policy pol = {role, NULL, now, NULL, 0};

	return mcim_cert_verify_chain(leaf, len, inter, n, pki.ci.der, pki.ci.len, &pol,
				      NULL, NULL);
}

static void parsed_info(const struct party *p, struct mcim_cert_info *info)
{
	assert_int_equal(mcim_cert_parse(p->der, p->len, info, NULL), MCIM_OK);
}

/* ---- Chains that verify. ---- */

static void expect_info(const struct mcim_cert_info *got, const struct party *p)
{
	const struct mcim_cert_info *want = &p->info;

	assert_int_equal(got->role, want->role);
	assert_string_equal(got->common_name, want->common_name);
	assert_string_equal(got->operator_id, want->operator_id);
	assert_string_equal(got->tre_id, want->tre_id);
	assert_string_equal(got->platform_id, want->platform_id);
	assert_int_equal(got->backend, want->backend);
	assert_int_equal(got->assurance, want->assurance);
	assert_int_equal(got->not_before, want->not_before);
	assert_int_equal(got->not_after, want->not_after);
	assert_string_equal(got->issuer_name,
			    p->issuer ? p->issuer->info.common_name : want->common_name);
	assert_int_equal(got->serial.len, 16);
	assert_int_equal(got->serial.v[0] & 0xc0, 0x40); /* positive, full length */
}

/* R-TRE-G07, R-SEED-10, R-TRE-N02: the TRE chain carries TRE id, platform id, backend
 * and assurance level; every role's chain verifies. */
static void chains_verify(void **state)
{
	struct {
		struct party *p;
		const char *op;
	} cases[] = {
	    {&pki.tre, NULL},	 {&pki.ca, NULL},     {&pki.m2mes, NULL},
	    {&pki.dpf, "00101"}, {&pki.dpf, NULL},    {&pki.mgmt, "310410"},
	    {&pki.pva, NULL},	 {&pki.drf, "00101"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mcim_cert_info info;
		struct mcim_p256_pub pub;
		struct party *p = cases[i].p;

		memset(&info, 0xee, sizeof(info));
		assert_int_equal(
		    verify_party(p, p->info.role, cases[i].op, NOW, &info, &pub),
		    MCIM_OK);
		expect_info(&info, p);
		assert_memory_equal(pub.q, p->pub.q, 65);
		assert_int_equal(
		    verify_party(p, p->info.role, cases[i].op, NOW, NULL, NULL), MCIM_OK);
	}
}

static void parse_fields(void **state)
{
	struct party *all[] = {&pki.ci,	 &pki.ca,   &pki.tre, &pki.m2mes,
			       &pki.dpf, &pki.mgmt, &pki.pva, &pki.drf};

	(void)state;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		struct mcim_cert_info info;
		struct mcim_p256_pub pub;
		int ca = all[i]->info.role == MCIM_CERT_ROLE_CI ||
			 all[i]->info.role == MCIM_CERT_ROLE_M2MES_CA;

		assert_int_equal(mcim_cert_parse(all[i]->der, all[i]->len, &info, &pub),
				 MCIM_OK);
		expect_info(&info, all[i]);
		assert_memory_equal(pub.q, all[i]->pub.q, 65);
		assert_int_equal(info.is_ca, ca);
		assert_int_equal(info.path_len, all[i] == &pki.ci   ? 1
						: all[i] == &pki.ca ? 0
								    : -1);
		assert_int_equal(mcim_cert_parse(all[i]->der, all[i]->len, &info, NULL),
				 MCIM_OK);
	}
}

static void names(void **state)
{
	static const char *const roles[] = {"ci",	"m2mes-ca", "m2mes", "tre", "dpf",
					    "sho-mgmt", "pva",	    "drf",   "icf"};
	static const char *const backends[] = {"soft", "tpm2", "uicc"};
	enum mcim_cert_role r;
	enum mcim_cert_backend b;

	(void)state;
	for (int i = 0; i < 9; i++) {
		assert_string_equal(mcim_cert_role_name((enum mcim_cert_role)(i + 1)),
				    roles[i]);
		assert_int_equal(mcim_cert_role_from_name(roles[i], &r), MCIM_OK);
		assert_int_equal(r, i + 1);
	}
	assert_null(mcim_cert_role_name((enum mcim_cert_role)0));
	assert_null(mcim_cert_role_name((enum mcim_cert_role)10));
	assert_int_equal(mcim_cert_role_from_name("root", &r), MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_cert_role_from_name("", &r), MCIM_ERR_INVALID_ARG);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(
		    mcim_cert_backend_name((enum mcim_cert_backend)(i + 1)), backends[i]);
		assert_int_equal(mcim_cert_backend_from_name(backends[i], &b), MCIM_OK);
		assert_int_equal(b, i + 1);
	}
	assert_null(mcim_cert_backend_name(MCIM_CERT_BACKEND_NONE));
	assert_null(mcim_cert_backend_name((enum mcim_cert_backend)4));
	assert_int_equal(mcim_cert_backend_from_name("TPM2", &b), MCIM_ERR_INVALID_ARG);
}

/* ---- OpenSSL reads what we write. ---- */

static X509 *to_x509(const struct party *p)
{
	const unsigned char *q = p->der;
	X509 *x = d2i_X509(NULL, &q, (long)p->len);

	assert_non_null(x);
	assert_ptr_equal(q, p->der + p->len);
	return x;
}

static void check_ext(X509 *x, const char *oid, int critical, const uint8_t *value,
		      size_t len)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	int idx = X509_get_ext_by_OBJ(x, obj, -1);
	X509_EXTENSION *ext;
	const ASN1_OCTET_STRING *data;

	assert_non_null(obj);
	if (value == NULL) {
		assert_int_equal(idx, -1);
		ASN1_OBJECT_free(obj);
		return;
	}
	assert_true(idx >= 0);
	ext = X509_get_ext(x, idx);
	assert_int_equal(X509_EXTENSION_get_critical(ext), critical);
	data = X509_EXTENSION_get_data(ext);
	assert_int_equal(ASN1_STRING_length(data), len);
	assert_memory_equal(ASN1_STRING_get0_data(data), value, len);
	ASN1_OBJECT_free(obj);
}

static void openssl_reads_them(void **state)
{
	struct party *all[] = {&pki.ci,	 &pki.ca,   &pki.tre, &pki.m2mes,
			       &pki.dpf, &pki.mgmt, &pki.pva, &pki.drf};

	(void)state;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const struct party *p = all[i];
		const struct party *is = p->issuer ? p->issuer : p;
		X509 *x = to_x509(p), *ix = to_x509(is);
		struct mcim_cert_info info;
		char cn[80];
		BIGNUM *serial;
		uint8_t serial_be[32], role_ext[3] = {0x0a, 0x01, (uint8_t)p->info.role};
		uint8_t op_ext[10];
		int ca = p->info.role <= MCIM_CERT_ROLE_M2MES_CA;

		parsed_info(p, &info);
		assert_int_equal(X509_get_version(x), 2);
		assert_int_equal(X509_verify(x, X509_get0_pubkey(ix)), 1);
		assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(x),
						      NID_commonName, cn,
						      sizeof(cn)) > 0);
		assert_string_equal(cn, p->info.common_name);
		assert_int_equal(
		    X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(ix)), 0);
		serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
		assert_int_equal(BN_num_bytes(serial), (int)info.serial.len);
		BN_bn2bin(serial, serial_be);
		assert_memory_equal(serial_be, info.serial.v, info.serial.len);
		BN_free(serial);
		assert_int_equal(
		    ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), p->info.not_before), 0);
		assert_int_equal(
		    ASN1_TIME_cmp_time_t(X509_get0_notAfter(x), p->info.not_after), 0);
		assert_int_equal(X509_check_ca(x) != 0, ca);
		assert_int_equal(X509_get_pathlen(x), p == &pki.ci   ? 1
						      : p == &pki.ca ? 0
								     : -1);
		assert_int_equal(X509_get_key_usage(x),
				 ca ? KU_KEY_CERT_SIGN | KU_CRL_SIGN
				    : KU_DIGITAL_SIGNATURE);
		assert_non_null(X509_get0_subject_key_id(x));
		if (p->issuer != NULL)
			assert_int_equal(
			    ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(x),
						  X509_get0_subject_key_id(ix)),
			    0);
		check_ext(x, MCIM_CERT_OID_ROLE, 1, role_ext, sizeof(role_ext));
		op_ext[0] = 0x13;
		op_ext[1] = (uint8_t)strlen(p->info.operator_id);
		memcpy(op_ext + 2, p->info.operator_id, op_ext[1]);
		check_ext(x, MCIM_CERT_OID_OPERATOR, 1, op_ext[1] ? op_ext : NULL,
			  2u + op_ext[1]);
		if (p != &pki.tre)
			check_ext(x, MCIM_CERT_OID_TRE, 0, NULL, 0);
		X509_free(ix);
		X509_free(x);
	}
}

/* The TRE extension as OpenSSL sees it, against its DER written out here. */
static void openssl_tre_extension(void **state)
{
	static const uint8_t tre_ext[] = {
	    0x30, 0x24, 0x0c, 0x08, 't',  'r', 'e', '-', '0', '0',  '0',  '1', 0x0c,
	    0x0f, '4',	'9',  '0',  '1',  '5', '4', '2', '0', '3',  '2',  '3', '7',
	    '5',  '1',	'8',  0x0c, 0x04, 't', 'p', 'm', '2', 0x02, 0x01, 0x03};
	X509 *x = to_x509(&pki.tre);

	(void)state;
	check_ext(x, MCIM_CERT_OID_TRE, 0, tre_ext, sizeof(tre_ext));
	X509_free(x);
}

/* OpenSSL's own path validation accepts the chains (the openmcim extensions are
 * critical, which it is told to let pass) in its strict RFC 5280 mode. */
static int openssl_chain(const struct party *leaf, time_t now)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	X509 *root = to_x509(&pki.ci), *x = to_x509(leaf);
	X509_VERIFY_PARAM *vp;
	int ok;

	assert_true(store != NULL && ctx != NULL && untrusted != NULL);
	assert_int_equal(X509_STORE_add_cert(store, root), 1);
	for (const struct party *p = leaf->issuer; p != NULL && p->issuer != NULL;
	     p = p->issuer)
		assert_true(sk_X509_push(untrusted, to_x509(p)) > 0);
	assert_int_equal(X509_STORE_CTX_init(ctx, store, x, untrusted), 1);
	vp = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(vp, now);
	X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_X509_STRICT |
					    X509_V_FLAG_IGNORE_CRITICAL);
	ok = X509_verify_cert(ctx);
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(untrusted, X509_free);
	X509_free(x);
	X509_free(root);
	X509_STORE_free(store);
	return ok;
}

static void openssl_verifies_chains(void **state)
{
	(void)state;
	assert_int_equal(openssl_chain(&pki.tre, NOW), 1);
	assert_int_equal(openssl_chain(&pki.dpf, NOW), 1);
	assert_int_equal(openssl_chain(&pki.pva, NOW), 1);
	assert_int_equal(openssl_chain(&pki.tre, T0 + 11 * YEAR), 0);
}

/* ---- Chains that must fail. ---- */

/* T-14: a genuine certificate of another role or operator is refused. */
static void wrong_role_or_operator(void **state)
{
	(void)state;
	assert_int_equal(
	    verify_party(&pki.tre, MCIM_CERT_ROLE_DPF, NULL, NOW, NULL, NULL),
	    MCIM_ERR_WRONG_ROLE);
	assert_int_equal(
	    verify_party(&pki.dpf, MCIM_CERT_ROLE_SHO_MGMT, "00101", NOW, NULL, NULL),
	    MCIM_ERR_WRONG_ROLE);
	assert_int_equal(
	    verify_party(&pki.pva, MCIM_CERT_ROLE_DRF, NULL, NOW, NULL, NULL),
	    MCIM_ERR_WRONG_ROLE);
	assert_int_equal(verify_party(&pki.ca, MCIM_CERT_ROLE_TRE, NULL, NOW, NULL, NULL),
			 MCIM_ERR_WRONG_ROLE);
	/* Operators: another PLMN, the same digits with a 3-digit MNC, none at all. */
	assert_int_equal(
	    verify_party(&pki.dpf, MCIM_CERT_ROLE_DPF, "00102", NOW, NULL, NULL),
	    MCIM_ERR_WRONG_ROLE);
	assert_int_equal(
	    verify_party(&pki.dpf, MCIM_CERT_ROLE_DPF, "001010", NOW, NULL, NULL),
	    MCIM_ERR_WRONG_ROLE);
	assert_int_equal(
	    verify_party(&pki.mgmt, MCIM_CERT_ROLE_SHO_MGMT, "00101", NOW, NULL, NULL),
	    MCIM_ERR_WRONG_ROLE);
	assert_int_equal(
	    verify_party(&pki.pva, MCIM_CERT_ROLE_PVA, "00101", NOW, NULL, NULL),
	    MCIM_ERR_WRONG_ROLE);
	assert_int_equal(verify_party(&pki.pva, MCIM_CERT_ROLE_PVA, "", NOW, NULL, NULL),
			 MCIM_OK);
}

/* Validity includes both ends; every certificate of the chain counts, the root too. */
static void validity_dates(void **state)
{
	const struct mcim_cert_info *t = &pki.tre.info, *c = &pki.ci.info;

	(void)state;
	assert_int_equal(
	    verify_party(&pki.tre, MCIM_CERT_ROLE_TRE, NULL, t->not_before, NULL, NULL),
	    MCIM_OK);
	assert_int_equal(
	    verify_party(&pki.tre, MCIM_CERT_ROLE_TRE, NULL, t->not_after, NULL, NULL),
	    MCIM_OK);
	assert_int_equal(verify_party(&pki.tre, MCIM_CERT_ROLE_TRE, NULL,
				      t->not_before - 1, NULL, NULL),
			 MCIM_ERR_EXPIRED);
	assert_int_equal(verify_party(&pki.tre, MCIM_CERT_ROLE_TRE, NULL,
				      t->not_after + 1, NULL, NULL),
			 MCIM_ERR_EXPIRED);
	assert_int_equal(verify_party(&pki.ca, MCIM_CERT_ROLE_M2MES_CA, NULL,
				      c->not_after + 1, NULL, NULL),
			 MCIM_ERR_EXPIRED);
	/* Dates come before the expected role. */
	assert_int_equal(verify_party(&pki.tre, MCIM_CERT_ROLE_DPF, NULL,
				      t->not_after + 1, NULL, NULL),
			 MCIM_ERR_EXPIRED);
}

/* A certificate made with the internal encoder: issued under issuer's name (NULL:
 * self-issued) and signed with key, whatever the profile or the role table say. */
static size_t forge(const struct mcim_cert_info *info, const struct mcim_p256_pub *pub,
		    const struct party *issuer, const struct mcim_p256_priv *key,
		    uint8_t *out)
{
	struct crypto_cert ic;
	size_t len = 0;

	if (issuer != NULL)
		assert_int_equal(crypto_cert_parse(issuer->der, issuer->len, &ic),
				 MCIM_OK);
	assert_int_equal(crypto_cert_encode(info, pub, issuer ? &ic : NULL, key, out,
					    MCIM_CERT_MAX_LEN, &len),
			 MCIM_OK);
	return len;
}

/* A leaf valid longer than its CA: the CA's expiry ends the chain. */
static void expired_intermediate(void **state)
{
	struct mcim_cert_info info;
	uint8_t der[MCIM_CERT_MAX_LEN];
	struct mcim_iov ca = {pki.ca.der, pki.ca.len};
	size_t len;

	(void)state;
	parsed_info(&pki.tre, &info);
	info.not_after = T0 + 18 * YEAR;
	len = forge(&info, &pki.tre.pub, &pki.ca, &pki.ca.priv, der);
	assert_int_equal(verify_raw(der, len, &ca, 1, MCIM_CERT_ROLE_TRE, T0 + 14 * YEAR),
			 MCIM_OK);
	assert_int_equal(verify_raw(der, len, &ca, 1, MCIM_CERT_ROLE_TRE, T0 + 16 * YEAR),
			 MCIM_ERR_EXPIRED);
}

static void wrong_signer(void **state)
{
	struct mcim_cert_info info;
	struct mcim_p256_pub other_pub;
	uint8_t der[MCIM_CERT_MAX_LEN], root2[MCIM_CERT_MAX_LEN];
	struct mcim_iov ca = {pki.ca.der, pki.ca.len};
	struct mcim_p256_priv k2;
	struct mcim_cert_policy pol = {MCIM_CERT_ROLE_TRE, NULL, NOW, NULL, 0};
	size_t len, root2_len;

	(void)state;
	/* A TRE certificate naming the M2MES CA but signed by someone else's key. */
	parsed_info(&pki.tre, &info);
	len = forge(&info, &pki.tre.pub, &pki.ca, &pki.other, der);
	assert_int_equal(verify_raw(der, len, &ca, 1, MCIM_CERT_ROLE_TRE, NOW),
			 MCIM_ERR_BAD_CERT);
	/* Signed by the CI instead of the M2MES CA it names. */
	len = forge(&info, &pki.tre.pub, &pki.ca, &pki.ci.priv, der);
	assert_int_equal(verify_raw(der, len, &ca, 1, MCIM_CERT_ROLE_TRE, NOW),
			 MCIM_ERR_BAD_CERT);
	/* One octet of the signed part changed (the subject's name). */
	memcpy(der, pki.tre.der, pki.tre.len);
	for (size_t i = pki.tre.len - 8; i-- > 0;) /* the last one: the TRE extension's */
		if (memcmp(der + i, "tre-0001", 8) == 0) {
			der[i + 7] = '2';
			break;
		}
	assert_int_equal(mcim_cert_parse(der, pki.tre.len, &info, NULL), MCIM_OK);
	assert_string_equal(info.tre_id, "tre-0002");
	assert_int_equal(verify_raw(der, pki.tre.len, &ca, 1, MCIM_CERT_ROLE_TRE, NOW),
			 MCIM_ERR_BAD_CERT);
	/* Another root with the same name: nothing of this PKI chains to it. */
	assert_int_equal(mcim_p256_keygen(&k2, &other_pub), MCIM_OK);
	assert_int_equal(mcim_cert_issue(&pki.ci.info, &other_pub, &k2, NULL, 0,
					 mcim_rng_system(), root2, sizeof(root2),
					 &root2_len),
			 MCIM_OK);
	assert_int_equal(mcim_cert_verify_chain(pki.tre.der, pki.tre.len, &ca, 1, root2,
						root2_len, &pol, NULL, NULL),
			 MCIM_ERR_BAD_CERT);
	/* The trust anchor must be a CI root: the M2MES CA as root is refused. */
	assert_int_equal(mcim_cert_verify_chain(pki.tre.der, pki.tre.len, NULL, 0,
						pki.ca.der, pki.ca.len, &pol, NULL, NULL),
			 MCIM_ERR_BAD_CERT);
	/* A ci certificate that is not self-issued is no root either. */
	parsed_info(&pki.ci, &info);
	len = forge(&info, &pki.ci.pub, &pki.ca, &pki.ca.priv, der);
	assert_int_equal(mcim_cert_verify_chain(pki.dpf.der, pki.dpf.len, NULL, 0, der,
						len, &pol, NULL, NULL),
			 MCIM_ERR_BAD_CERT);
	mcim_p256_priv_wipe(&k2);
}

/* The role table: ci -> m2mes-ca, m2mes, dpf, sho-mgmt, pva, drf, icf; m2mes-ca -> tre.
 */
static void role_table(void **state)
{
	struct mcim_cert_info info;
	uint8_t der[MCIM_CERT_MAX_LEN], mid[MCIM_CERT_MAX_LEN];
	struct mcim_iov chain[2];
	size_t len, mid_len;

	(void)state;
	/* The issuer refuses. */
	assert_int_equal(mcim_cert_issue(&pki.dpf.info, &pki.dpf.pub, &pki.ca.priv,
					 pki.ca.der, pki.ca.len, mcim_rng_system(), der,
					 sizeof(der), &len),
			 MCIM_ERR_WRONG_ROLE);
	assert_int_equal(mcim_cert_issue(&pki.tre.info, &pki.tre.pub, &pki.ci.priv,
					 pki.ci.der, pki.ci.len, mcim_rng_system(), der,
					 sizeof(der), &len),
			 MCIM_ERR_WRONG_ROLE);
	assert_int_equal(mcim_cert_issue(&pki.ca.info, &pki.ca.pub, &pki.ca.priv,
					 pki.ca.der, pki.ca.len, mcim_rng_system(), der,
					 sizeof(der), &len),
			 MCIM_ERR_WRONG_ROLE);
	assert_int_equal(mcim_cert_issue(&pki.ci.info, &pki.ci.pub, &pki.ci.priv,
					 pki.ci.der, pki.ci.len, mcim_rng_system(), der,
					 sizeof(der), &len),
			 MCIM_ERR_WRONG_ROLE);
	assert_int_equal(mcim_cert_issue(&pki.pva.info, &pki.pva.pub, &pki.pva.priv, NULL,
					 0, mcim_rng_system(), der, sizeof(der), &len),
			 MCIM_ERR_WRONG_ROLE);
	/* Forged anyway, the verifier refuses: an M2MES CA certifying a DPF... */
	parsed_info(&pki.dpf, &info);
	len = forge(&info, &pki.dpf.pub, &pki.ca, &pki.ca.priv, der);
	chain[0] = (struct mcim_iov){pki.ca.der, pki.ca.len};
	assert_int_equal(verify_raw(der, len, chain, 1, MCIM_CERT_ROLE_DPF, NOW),
			 MCIM_ERR_BAD_CERT);
	/* ... the CI certifying a TRE directly ... */
	parsed_info(&pki.tre, &info);
	len = forge(&info, &pki.tre.pub, &pki.ci, &pki.ci.priv, der);
	assert_int_equal(verify_raw(der, len, NULL, 0, MCIM_CERT_ROLE_TRE, NOW),
			 MCIM_ERR_BAD_CERT);
	/* ... and an M2MES CA under an M2MES CA (a chain of four). */
	parsed_info(&pki.ca, &info);
	strcpy(info.common_name, "Sub CA");
	mid_len = forge(&info, &pki.m2mes.pub, &pki.ca, &pki.ca.priv, mid);
	{
		struct crypto_cert sub;
		struct mcim_cert_info leaf;

		assert_int_equal(crypto_cert_parse(mid, mid_len, &sub), MCIM_OK);
		parsed_info(&pki.tre, &leaf);
		assert_int_equal(crypto_cert_encode(&leaf, &pki.tre.pub, &sub,
						    &pki.m2mes.priv, der, sizeof(der),
						    &len),
				 MCIM_OK);
	}
	chain[0] = (struct mcim_iov){mid, mid_len};
	chain[1] = (struct mcim_iov){pki.ca.der, pki.ca.len};
	assert_int_equal(verify_raw(der, len, chain, 2, MCIM_CERT_ROLE_TRE, NOW),
			 MCIM_ERR_BAD_CERT);
}

/* A leaf presented as a CA: it signs, but its role may issue nothing. */
static void leaf_as_ca(void **state)
{
	struct mcim_cert_info info;
	uint8_t der[MCIM_CERT_MAX_LEN];
	struct mcim_iov chain[1];
	size_t len;

	(void)state;
	assert_int_equal(mcim_cert_issue(&pki.tre.info, &pki.tre.pub, &pki.dpf.priv,
					 pki.dpf.der, pki.dpf.len, mcim_rng_system(), der,
					 sizeof(der), &len),
			 MCIM_ERR_WRONG_ROLE);
	parsed_info(&pki.tre, &info);
	len = forge(&info, &pki.tre.pub, &pki.dpf, &pki.dpf.priv, der);
	chain[0] = (struct mcim_iov){pki.dpf.der, pki.dpf.len};
	assert_int_equal(verify_raw(der, len, chain, 1, MCIM_CERT_ROLE_TRE, NOW),
			 MCIM_ERR_BAD_CERT);
	parsed_info(&pki.dpf, &info);
	len = forge(&info, &pki.dpf.pub, &pki.pva, &pki.pva.priv, der);
	chain[0] = (struct mcim_iov){pki.pva.der, pki.pva.len};
	assert_int_equal(verify_raw(der, len, chain, 1, MCIM_CERT_ROLE_DPF, NOW),
			 MCIM_ERR_BAD_CERT);
}

/* The profile's rules, broken through the internal encoder: every reader refuses. */
static void profile_forgeries(void **state)
{
	(void)state;
#define EDIT(party, body)                                                                \
	do {                                                                             \
		struct mcim_cert_info info;                                              \
		uint8_t der[MCIM_CERT_MAX_LEN];                                          \
		size_t len;                                                              \
		parsed_info(&(party), &info);                                            \
		body;                                                                    \
		len =                                                                    \
		    forge(&info, &(party).pub, (party).issuer,                           \
			  (party).issuer ? &(party).issuer->priv : &(party).priv, der);  \
		assert_int_equal(mcim_cert_parse(der, len, &info, NULL),                 \
				 MCIM_ERR_BAD_CERT);                                     \
	} while (0)
	EDIT(pki.ca, info.is_ca = 0; info.path_len = -1); /* a CA role without its flag */
	EDIT(pki.dpf, info.is_ca = 1; info.path_len = 0); /* a leaf role with it */
	EDIT(pki.ci, info.path_len = 0);		  /* the root's path length */
	EDIT(pki.ca, info.path_len = 1);
	EDIT(pki.ca, info.path_len = -1);
	EDIT(pki.dpf, info.operator_id[0] = '\0');	  /* operator required */
	EDIT(pki.tre, strcpy(info.operator_id, "00101")); /* operator not allowed */
	EDIT(pki.ci, strcpy(info.operator_id, "00101"));
	EDIT(pki.dpf, strcpy(info.operator_id, "0010")); /* MCC + 1-digit MNC */
	EDIT(pki.dpf, strcpy(info.operator_id, "00a01"));
	EDIT(pki.tre, info.tre_id[0] = '\0'); /* TRE fields required on tre */
	EDIT(pki.tre, info.platform_id[0] = '\0');
	EDIT(pki.tre, info.not_before = info.not_after + 1);
	EDIT(pki.tre, info.common_name[0] = '\0');
	EDIT(pki.tre, info.common_name[0] = '\t');
	EDIT(pki.dpf, info.role = MCIM_CERT_ROLE_TRE); /* a tre without TRE fields */
#undef EDIT
	{
		/* A PVA run by an operator may say so. */
		struct mcim_cert_info info;
		uint8_t der[MCIM_CERT_MAX_LEN];
		size_t len;

		parsed_info(&pki.pva, &info);
		strcpy(info.operator_id, "00101");
		len = forge(&info, &pki.pva.pub, &pki.ci, &pki.ci.priv, der);
		assert_int_equal(verify_raw(der, len, NULL, 0, MCIM_CERT_ROLE_PVA, NOW),
				 MCIM_OK);
	}
}

static void revoked_serials(void **state)
{
	struct mcim_cert_info tre, ca, root;
	struct mcim_cert_serial list[3];
	struct mcim_iov inter = {pki.ca.der, pki.ca.len};
	struct mcim_cert_policy pol = {MCIM_CERT_ROLE_TRE, NULL, NOW, list, 0};

	(void)state;
	parsed_info(&pki.tre, &tre);
	parsed_info(&pki.ca, &ca);
	parsed_info(&pki.ci, &root);
	memset(list, 0, sizeof(list));
	parsed_info(&pki.dpf, &root); /* an unrelated serial first */
	list[0] = root.serial;
	parsed_info(&pki.ci, &root);
	pol.n_revoked = 1;
	assert_int_equal(mcim_cert_verify_chain(pki.tre.der, pki.tre.len, &inter, 1,
						pki.ci.der, pki.ci.len, &pol, NULL, NULL),
			 MCIM_OK);
	list[1] = tre.serial;
	pol.n_revoked = 2;
	assert_int_equal(mcim_cert_verify_chain(pki.tre.der, pki.tre.len, &inter, 1,
						pki.ci.der, pki.ci.len, &pol, NULL, NULL),
			 MCIM_ERR_BAD_CERT);
	list[1] = ca.serial; /* the CA revoked: everything under it falls */
	assert_int_equal(mcim_cert_verify_chain(pki.tre.der, pki.tre.len, &inter, 1,
						pki.ci.der, pki.ci.len, &pol, NULL, NULL),
			 MCIM_ERR_BAD_CERT);
	/* A serial that is a prefix of a revoked one is not revoked. */
	list[1] = tre.serial;
	list[1].len--;
	assert_int_equal(mcim_cert_verify_chain(pki.tre.der, pki.tre.len, &inter, 1,
						pki.ci.der, pki.ci.len, &pol, NULL, NULL),
			 MCIM_OK);
	/* The root is a trust anchor: a list cannot revoke it (remove it from the
	 * configuration instead). */
	list[2] = root.serial;
	pol.n_revoked = 3;
	assert_int_equal(mcim_cert_verify_chain(pki.tre.der, pki.tre.len, &inter, 1,
						pki.ci.der, pki.ci.len, &pol, NULL, NULL),
			 MCIM_OK);
}

/* Truncated, bit-flipped, garbage, oversized: never accepted. */
static void malformed(void **state)
{
	struct mcim_cert_info info;
	struct mcim_iov ca = {pki.ca.der, pki.ca.len};
	uint8_t der[MCIM_CERT_MAX_LEN + 1];

	(void)state;
	for (size_t len = 0; len < pki.tre.len; len++) {
		assert_int_equal(mcim_cert_parse(pki.tre.der, len, &info, NULL),
				 MCIM_ERR_BAD_CERT);
		assert_int_equal(
		    verify_raw(pki.tre.der, len, &ca, 1, MCIM_CERT_ROLE_TRE, NOW),
		    MCIM_ERR_BAD_CERT);
	}
	/* Every single bit of the leaf: the chain fails (most often the parse, else the
	 * signature), never with a verdict about role or date. */
	for (size_t bit = 0; bit < 8 * pki.tre.len; bit++) {
		memcpy(der, pki.tre.der, pki.tre.len);
		der[bit / 8] ^= (uint8_t)(1u << bit % 8);
		assert_int_equal(
		    verify_raw(der, pki.tre.len, &ca, 1, MCIM_CERT_ROLE_TRE, NOW),
		    MCIM_ERR_BAD_CERT);
	}
	/* And of the intermediate. */
	for (size_t bit = 0; bit < 8 * pki.ca.len; bit += 3) {
		struct mcim_iov bad = {der, pki.ca.len};

		memcpy(der, pki.ca.der, pki.ca.len);
		der[bit / 8] ^= (uint8_t)(1u << bit % 8);
		assert_int_equal(verify_raw(pki.tre.der, pki.tre.len, &bad, 1,
					    MCIM_CERT_ROLE_TRE, NOW),
				 MCIM_ERR_BAD_CERT);
	}
	memcpy(der, pki.tre.der, pki.tre.len);
	der[pki.tre.len] = 0;
	assert_int_equal(mcim_cert_parse(der, pki.tre.len + 1, &info, NULL),
			 MCIM_ERR_BAD_CERT);
	for (size_t i = 0; i < sizeof(der); i++)
		der[i] = (uint8_t)(i * 131 + 7);
	assert_int_equal(mcim_cert_parse(der, 1000, &info, NULL), MCIM_ERR_BAD_CERT);
	assert_int_equal(mcim_cert_parse(der, 0, &info, NULL), MCIM_ERR_BAD_CERT);
	assert_int_equal(mcim_cert_parse(der, MCIM_CERT_MAX_LEN + 1, &info, NULL),
			 MCIM_ERR_TOO_LARGE);
	/* DER's rules: indefinite length, a long form for a short length, more length
	 * octets than allowed, a leading zero length octet, a high tag number, a length
	 * running past the end. */
	{
		static const char *const bad[] = {
		    "30800000",
		    "3081030201",
		    "308400000003020100",
		    "30820003020100",
		    "1f0100",
		    "3082010000",
		    "30",
		    "3005020100",
		    "3081",
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			size_t len;

			assert_int_equal(mcim_hex_decode(bad[i], strlen(bad[i]), der,
							 sizeof(der), &len),
					 MCIM_OK);
			assert_int_equal(mcim_cert_parse(der, len, &info, NULL),
					 MCIM_ERR_BAD_CERT);
		}
	}
}

/* The chain's bounds are checked before anything is parsed. */
static void bounds(void **state)
{
	static uint8_t big[MCIM_CERT_MAX_LEN + 1];
	struct mcim_iov inter[3] = {
	    {pki.ca.der, pki.ca.len}, {pki.ca.der, pki.ca.len}, {pki.ca.der, pki.ca.len}};
	struct mcim_cert_policy pol = {MCIM_CERT_ROLE_TRE, NULL, NOW, NULL, 0};

	(void)state;
	memcpy(big, pki.tre.der, pki.tre.len);
	/* Too deep: five certificates. */
	assert_int_equal(mcim_cert_verify_chain(pki.tre.der, pki.tre.len, inter, 3,
						pki.ci.der, pki.ci.len, &pol, NULL, NULL),
			 MCIM_ERR_TOO_LARGE);
	/* Four is allowed in size, refused by the role table. */
	assert_int_equal(mcim_cert_verify_chain(pki.tre.der, pki.tre.len, inter, 2,
						pki.ci.der, pki.ci.len, &pol, NULL, NULL),
			 MCIM_ERR_BAD_CERT);
	/* Too large: leaf, intermediate, root. */
	assert_int_equal(mcim_cert_verify_chain(big, sizeof(big), inter, 1, pki.ci.der,
						pki.ci.len, &pol, NULL, NULL),
			 MCIM_ERR_TOO_LARGE);
	inter[0] = (struct mcim_iov){big, sizeof(big)};
	assert_int_equal(mcim_cert_verify_chain(pki.tre.der, pki.tre.len, inter, 1,
						pki.ci.der, pki.ci.len, &pol, NULL, NULL),
			 MCIM_ERR_TOO_LARGE);
	inter[0] = (struct mcim_iov){pki.ca.der, pki.ca.len};
	assert_int_equal(mcim_cert_verify_chain(pki.tre.der, pki.tre.len, inter, 1, big,
						sizeof(big), &pol, NULL, NULL),
			 MCIM_ERR_TOO_LARGE);
	/* A malformed root. */
	assert_int_equal(mcim_cert_verify_chain(pki.tre.der, pki.tre.len, inter, 1,
						pki.ci.der, pki.ci.len - 1, &pol, NULL,
						NULL),
			 MCIM_ERR_BAD_CERT);
}

/* ---- What the issuer refuses. ---- */

static mcim_err failing_fill(void *self, uint8_t *buf, size_t len)
{
	(void)self;
	(void)buf;
	(void)len;
	return MCIM_ERR_RANDOM;
}

static mcim_err counting_fill(void *self, uint8_t *buf, size_t len)
{
	uint8_t *next = self;

	for (size_t i = 0; i < len; i++)
		buf[i] = (*next)++;
	return MCIM_OK;
}

static mcim_err issue_under(const struct mcim_cert_info *info, const struct party *issuer,
			    const struct mcim_p256_pub *pub, uint8_t *out, size_t cap,
			    size_t *len)
{
	return mcim_cert_issue(info, pub, &issuer->priv, issuer->der, issuer->len,
			       mcim_rng_system(), out, cap, len);
}

static void issue_refusals(void **state)
{
	static uint8_t big[MCIM_CERT_MAX_LEN + 1];
	struct mcim_cert_info info;
	struct mcim_p256_pub bad_pub;
	struct mcim_p256_priv zero;
	uint8_t der[MCIM_CERT_MAX_LEN], next = 0;
	struct mcim_rng failing = {failing_fill, NULL}, counting = {counting_fill, &next};
	size_t len;

	(void)state;
#define REFUSED(party, body, want)                                                       \
	do {                                                                             \
		info = (party).info;                                                     \
		body;                                                                    \
		assert_int_equal(issue_under(&info, (party).issuer, &(party).pub, der,   \
					     sizeof(der), &len),                         \
				 want);                                                  \
	} while (0)
	REFUSED(pki.dpf, info.common_name[0] = '\0', MCIM_ERR_INVALID_ARG);
	REFUSED(pki.dpf, info.common_name[3] = 0x7f, MCIM_ERR_INVALID_ARG);
	REFUSED(pki.dpf, memset(info.common_name, 'a', sizeof(info.common_name)),
		MCIM_ERR_INVALID_ARG);
	REFUSED(pki.dpf, info.role = (enum mcim_cert_role)0, MCIM_ERR_INVALID_ARG);
	REFUSED(pki.dpf, info.role = (enum mcim_cert_role)10, MCIM_ERR_INVALID_ARG);
	REFUSED(pki.dpf, info.operator_id[0] = '\0', MCIM_ERR_INVALID_ARG);
	REFUSED(pki.dpf, strcpy(info.operator_id, "0010"), MCIM_ERR_INVALID_ARG);
	REFUSED(pki.dpf, strcpy(info.operator_id, "00 01"), MCIM_ERR_INVALID_ARG);
	REFUSED(pki.dpf, memset(info.operator_id, '1', sizeof(info.operator_id)),
		MCIM_ERR_INVALID_ARG);
	REFUSED(pki.tre, strcpy(info.operator_id, "00101"), MCIM_ERR_INVALID_ARG);
	REFUSED(pki.tre, info.tre_id[0] = '\0', MCIM_ERR_INVALID_ARG);
	REFUSED(pki.tre, info.platform_id[0] = '\0', MCIM_ERR_INVALID_ARG);
	REFUSED(pki.tre, info.backend = MCIM_CERT_BACKEND_NONE, MCIM_ERR_INVALID_ARG);
	REFUSED(pki.tre, info.backend = (enum mcim_cert_backend)4, MCIM_ERR_INVALID_ARG);
	REFUSED(pki.tre, info.assurance = 256, MCIM_ERR_INVALID_ARG);
	REFUSED(pki.dpf, strcpy(info.tre_id, "x"), MCIM_ERR_INVALID_ARG);
	REFUSED(pki.dpf, info.backend = MCIM_CERT_BACKEND_SOFT, MCIM_ERR_INVALID_ARG);
	REFUSED(pki.dpf, info.assurance = 1, MCIM_ERR_INVALID_ARG);
	REFUSED(pki.dpf, info.not_before = info.not_after + 1, MCIM_ERR_INVALID_ARG);
	/* Not within the issuer's validity. */
	REFUSED(pki.dpf, info.not_before = T0 - 1, MCIM_ERR_INVALID_ARG);
	REFUSED(pki.tre, info.not_after = T0 + 16 * YEAR, MCIM_ERR_INVALID_ARG);
	/* The issuer's key is not the one given; a key that is no key. */
	memset(&zero, 0, sizeof(zero));
	info = pki.dpf.info;
	assert_int_equal(mcim_cert_issue(&info, &pki.dpf.pub, &pki.other, pki.ci.der,
					 pki.ci.len, mcim_rng_system(), der, sizeof(der),
					 &len),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(mcim_cert_issue(&info, &pki.dpf.pub, &zero, pki.ci.der,
					 pki.ci.len, mcim_rng_system(), der, sizeof(der),
					 &len),
			 MCIM_ERR_INVALID_ARG);
	/* A subject key that is no point. */
	bad_pub = pki.dpf.pub;
	bad_pub.q[64] ^= 1;
	assert_int_equal(mcim_cert_issue(&info, &bad_pub, &pki.ci.priv, pki.ci.der,
					 pki.ci.len, mcim_rng_system(), der, sizeof(der),
					 &len),
			 MCIM_ERR_INVALID_ARG);
	/* A self-signed root whose key is not its subject's. */
	assert_int_equal(mcim_cert_issue(&pki.ci.info, &pki.ci.pub, &pki.other, NULL, 0,
					 mcim_rng_system(), der, sizeof(der), &len),
			 MCIM_ERR_INVALID_ARG);
	/* Dates a certificate cannot carry. */
	info = pki.ci.info;
	info.not_before = -631152001; /* 1949-12-31T23:59:59Z */
	assert_int_equal(mcim_cert_issue(&info, &pki.ci.pub, &pki.ci.priv, NULL, 0,
					 mcim_rng_system(), der, sizeof(der), &len),
			 MCIM_ERR_INVALID_ARG);
	info = pki.ci.info;
	info.not_after = 253402300800; /* 10000-01-01T00:00:00Z */
	assert_int_equal(mcim_cert_issue(&info, &pki.ci.pub, &pki.ci.priv, NULL, 0,
					 mcim_rng_system(), der, sizeof(der), &len),
			 MCIM_ERR_INVALID_ARG);
	/* Issuer certificates that are not certificates. */
	info = pki.dpf.info;
	assert_int_equal(mcim_cert_issue(&info, &pki.dpf.pub, &pki.ci.priv, pki.ci.der,
					 pki.ci.len - 1, mcim_rng_system(), der,
					 sizeof(der), &len),
			 MCIM_ERR_BAD_CERT);
	assert_int_equal(mcim_cert_issue(&info, &pki.dpf.pub, &pki.ci.priv, big,
					 sizeof(big), mcim_rng_system(), der, sizeof(der),
					 &len),
			 MCIM_ERR_TOO_LARGE);
	/* Output too small; no randomness. */
	assert_int_equal(mcim_cert_issue(&info, &pki.dpf.pub, &pki.ci.priv, pki.ci.der,
					 pki.ci.len, mcim_rng_system(), der, 100, &len),
			 MCIM_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(mcim_cert_issue(&info, &pki.dpf.pub, &pki.ci.priv, pki.ci.der,
					 pki.ci.len, &failing, der, sizeof(der), &len),
			 MCIM_ERR_RANDOM);
	/* The serial comes from the generator given: 16 octets, top bits 01. */
	assert_int_equal(mcim_cert_issue(&info, &pki.dpf.pub, &pki.ci.priv, pki.ci.der,
					 pki.ci.len, &counting, der, sizeof(der), &len),
			 MCIM_OK);
	assert_int_equal(mcim_cert_parse(der, len, &info, NULL), MCIM_OK);
	assert_int_equal(info.serial.len, 16);
	assert_int_equal(info.serial.v[0], 0x40);
	for (size_t i = 1; i < 16; i++)
		assert_int_equal(info.serial.v[i], i);
#undef REFUSED
}

/* Times at the edges of the two encodings, against the C library's timegm. */
static void time_encoding(void **state)
{
	static const struct {
		int y, mo, d, h, mi, s;
	} when[] = {
	    {1950, 1, 1, 0, 0, 0},	{1969, 12, 31, 23, 59, 59},
	    {1970, 1, 1, 0, 0, 0},	{2000, 2, 29, 12, 0, 0},
	    {2049, 12, 31, 23, 59, 59}, {2050, 1, 1, 0, 0, 0},
	    {2100, 2, 28, 23, 59, 59},	{2400, 2, 29, 0, 0, 1},
	    {9999, 12, 31, 23, 59, 59},
	};
	struct mcim_cert_info info = pki.ci.info;
	uint8_t der[MCIM_CERT_MAX_LEN];
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(when) / sizeof(when[0]); i++) {
		struct tm tm = {0};
		struct mcim_cert_info got;
		X509 *x;
		const unsigned char *p = der;

		tm.tm_year = when[i].y - 1900;
		tm.tm_mon = when[i].mo - 1;
		tm.tm_mday = when[i].d;
		tm.tm_hour = when[i].h;
		tm.tm_min = when[i].mi;
		tm.tm_sec = when[i].s;
		info = pki.ci.info;
		info.not_before = timegm(&tm);
		info.not_after = info.not_before;
		assert_int_equal(mcim_cert_issue(&info, &pki.ci.pub, &pki.ci.priv, NULL,
						 0, mcim_rng_system(), der, sizeof(der),
						 &len),
				 MCIM_OK);
		assert_int_equal(mcim_cert_parse(der, len, &got, NULL), MCIM_OK);
		assert_int_equal(got.not_before, info.not_before);
		assert_int_equal(got.not_after, info.not_after);
		x = d2i_X509(NULL, &p, (long)len);
		assert_non_null(x);
		assert_int_equal(
		    ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), info.not_before), 0);
		assert_int_equal(ASN1_STRING_type(X509_get0_notBefore(x)),
				 when[i].y <= 2049 ? V_ASN1_UTCTIME
						   : V_ASN1_GENERALIZEDTIME);
		X509_free(x);
	}
}

/* ---- One element at a time: DER edits, re-signed by the right issuer. ---- */

struct elem {
	uint8_t tag;
	struct crypto_der content, whole;
};

static size_t children(struct crypto_der d, struct elem *el, size_t max)
{
	size_t n = 0;

	while (d.len != 0) {
		assert_true(n < max);
		assert_int_equal(
		    crypto_der_get_any(&d, &el[n].tag, &el[n].content, &el[n].whole),
		    MCIM_OK);
		n++;
	}
	return n;
}

/* Writes the elements of d (back to front), with the one at `at` replaced by repl;
 * every element around it is re-wrapped so that its length follows. */
static void rewrite(struct crypto_der_w *w, struct crypto_der d,
		    const struct crypto_der *at, const uint8_t *repl, size_t repl_len)
{
	struct elem el[32];
	size_t n = children(d, el, 32);

	for (size_t i = n; i-- > 0;) {
		const struct crypto_der *c = &el[i].content;

		if (el[i].whole.p == at->p && el[i].whole.len == at->len) {
			crypto_der_w_raw(w, repl, repl_len);
		} else if (at->p >= c->p && at->p + at->len <= c->p + c->len) {
			size_t mark = crypto_der_w_len(w);

			rewrite(w, *c, at, repl, repl_len);
			crypto_der_w_wrap(w, el[i].tag, mark);
		} else {
			crypto_der_w_raw(w, el[i].whole.p, el[i].whole.len);
		}
	}
}

/* The element of the TBSCertificate reached by child indexes (an OCTET STRING holding
 * DER, an extension's value, is entered like a SEQUENCE). */
static struct crypto_der tbs_elem(const struct crypto_cert *c, const int *path,
				  size_t depth)
{
	struct crypto_der d = c->tbs, content;
	struct elem el[32];
	uint8_t tag;

	assert_int_equal(crypto_der_get_any(&d, &tag, &content, NULL), MCIM_OK);
	for (size_t k = 0;; k++) {
		size_t n = children(content, el, 32);

		assert_true(path[k] >= 0 && (size_t)path[k] < n);
		if (k + 1 == depth)
			return el[path[k]].whole;
		content = el[path[k]].content;
	}
}

/* A certificate: SEQUENCE { tbs, sigAlg, BIT STRING sig } with the signature by key. */
static size_t assemble(const uint8_t *tbs, size_t tbs_len, const uint8_t *alg,
		       size_t alg_len, const struct mcim_p256_priv *key, uint8_t *out)
{
	static const uint8_t zero = 0;
	uint8_t sig[64];
	struct crypto_der_w w;
	const uint8_t *p;
	size_t len;

	assert_int_equal(mcim_p256_sign(key, tbs, tbs_len, sig), MCIM_OK);
	crypto_der_w_init(&w, out, MCIM_CERT_MAX_LEN);
	crypto_der_w_ecdsa_sig(&w, sig);
	crypto_der_w_raw(&w, &zero, 1);
	crypto_der_w_wrap(&w, CRYPTO_DER_BIT_STRING, 0);
	crypto_der_w_raw(&w, alg, alg_len);
	crypto_der_w_raw(&w, tbs, tbs_len);
	crypto_der_w_wrap(&w, CRYPTO_DER_SEQUENCE, 0);
	assert_int_equal(crypto_der_w_done(&w, &p, &len), MCIM_OK);
	memmove(out, p, len);
	return len;
}

static const uint8_t alg_es256[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
				    0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};

/* The party's certificate with one TBS element replaced ('$' in repl_hex stands for
 * the element's own encoding), re-signed by its issuer. */
static size_t edited(const struct party *p, const int *path, size_t depth,
		     const char *repl_hex, uint8_t *out)
{
	struct crypto_cert c;
	struct crypto_der at, whole, content;
	uint8_t repl[MCIM_CERT_MAX_LEN], tbs_buf[MCIM_CERT_MAX_LEN];
	size_t repl_len = 0, tbs_len;
	struct crypto_der_w w;
	const uint8_t *tbs;
	uint8_t tag;

	assert_int_equal(crypto_cert_parse(p->der, p->len, &c), MCIM_OK);
	at = tbs_elem(&c, path, depth);
	for (const char *h = repl_hex; *h != '\0';) {
		if (*h == '$') {
			memcpy(repl + repl_len, at.p, at.len);
			repl_len += at.len;
			h++;
			continue;
		}
		assert_int_equal(mcim_hex_decode(h, 2, repl + repl_len, 1, &tbs_len),
				 MCIM_OK);
		repl_len++;
		h += 2;
	}
	whole = c.tbs;
	assert_int_equal(crypto_der_get_any(&whole, &tag, &content, NULL), MCIM_OK);
	crypto_der_w_init(&w, tbs_buf, sizeof(tbs_buf));
	rewrite(&w, content, &at, repl, repl_len);
	crypto_der_w_wrap(&w, CRYPTO_DER_SEQUENCE, 0);
	assert_int_equal(crypto_der_w_done(&w, &tbs, &tbs_len), MCIM_OK);
	return assemble(tbs, tbs_len, alg_es256, sizeof(alg_es256),
			p->issuer ? &p->issuer->priv : &p->priv, out);
}

/* TBS children: 0 version, 1 serial, 2 signature, 3 issuer, 4 validity, 5 subject,
 * 6 subjectPublicKeyInfo, 7 extensions. Extensions: 0 basicConstraints, 1 keyUsage,
 * 2 subjectKeyIdentifier, then (not on the root) 3 authorityKeyIdentifier, then role,
 * then operator (dpf) or TRE (tre). Inside a critical extension the value is child 2
 * and its DER child 2.0; inside a non-critical one, 1 and 1.0. */
#define P(...)                                                                           \
	(const int[]){__VA_ARGS__}, sizeof((const int[]){__VA_ARGS__}) / sizeof(int)

/* Hex of the fixed strings used below. */
#define H_TRE_ID   "0c087472652d30303031"
#define H_PLATFORM "0c0f343930313534323033323337353138"

static void der_edits(void **state)
{
	const struct {
		const char *what;
		struct party *p;
		const int *path;
		size_t depth;
		const char *repl;
		mcim_err want;
	} cases[] = {
	    {"version 2", &pki.tre, P(0), "a003020101", MCIM_ERR_BAD_CERT},
	    {"version of nine octets", &pki.tre, P(0), "a00b0209010000000000000002",
	     MCIM_ERR_BAD_CERT},
	    {"no version", &pki.tre, P(0), "", MCIM_ERR_BAD_CERT},
	    {"serial 0", &pki.tre, P(1), "020100", MCIM_ERR_BAD_CERT},
	    {"serial negative", &pki.tre, P(1), "020180", MCIM_ERR_BAD_CERT},
	    {"serial not minimal", &pki.tre, P(1), "02020001", MCIM_ERR_BAD_CERT},
	    {"serial 21 octets", &pki.tre, P(1),
	     "0215010101010101010101010101010101010101010101", MCIM_ERR_BAD_CERT},
	    {"serial 20 octets", &pki.tre, P(1),
	     "02140101010101010101010101010101010101010101", MCIM_OK},
	    {"serial with sign octet", &pki.tre, P(1), "020200ff", MCIM_OK},
	    {"signature alg SHA-384", &pki.tre, P(2), "300a06082a8648ce3d040303",
	     MCIM_ERR_BAD_CERT},
	    {"signature alg with NULL", &pki.tre, P(2), "300c06082a8648ce3d0403020500",
	     MCIM_ERR_BAD_CERT},
	    {"issuer without CN", &pki.tre, P(3), "300e310c300a060355040a0c03414243",
	     MCIM_ERR_BAD_CERT},
	    {"subject with two CNs", &pki.tre, P(5),
	     "301a310b300906035504030c024141310b300906035504030c024242",
	     MCIM_ERR_BAD_CERT},
	    {"subject O and CN", &pki.tre, P(5),
	     "301b310c300a060355040a0c03414243310b3009060355040313024141", MCIM_OK},
	    {"CN PrintableString", &pki.tre, P(5), "300d310b3009060355040313024141",
	     MCIM_OK},
	    {"CN BMPString", &pki.tre, P(5), "300f310d300b06035504031e0400410041",
	     MCIM_ERR_BAD_CERT},
	    {"CN control octet", &pki.tre, P(5), "300d310b300906035504030c02410a",
	     MCIM_ERR_BAD_CERT},
	    {"CN empty", &pki.tre, P(5), "300b3109300706035504030c00", MCIM_ERR_BAD_CERT},
	    {"CN 65 octets", &pki.tre, P(5),
	     "304c314a304806035504030c414141414141414141414141414141414141414141414141414"
	     "14141"
	     "414141414141414141414141414141414141414141414141414141414141414141414141414"
	     "1",
	     MCIM_ERR_BAD_CERT},
	    {"empty RDN", &pki.tre, P(5), "30023100", MCIM_ERR_BAD_CERT},
	    {"attribute type not an OID", &pki.tre, P(5),
	     "3018310b3009060355040313024141310930070201010c024242", MCIM_ERR_BAD_CERT},
	    {"attribute with trailing data", &pki.tre, P(5),
	     "3011310f300d0603550403130241410c024242", MCIM_ERR_BAD_CERT},
	    {"validity month 13", &pki.tre, P(4, 0), "170d3236313330313030303030305a",
	     MCIM_ERR_BAD_CERT},
	    {"validity day 32", &pki.tre, P(4, 0), "170d3236303133323030303030305a",
	     MCIM_ERR_BAD_CERT},
	    {"validity 2027-02-29", &pki.tre, P(4, 0), "170d3237303232393030303030305a",
	     MCIM_ERR_BAD_CERT},
	    {"validity 2028-02-29", &pki.tre, P(4, 0), "170d3238303232393030303030305a",
	     MCIM_OK},
	    {"validity hour 24", &pki.tre, P(4, 0), "170d3236303130313234303030305a",
	     MCIM_ERR_BAD_CERT},
	    {"validity minute 60", &pki.tre, P(4, 0), "170d3236303130313030363030305a",
	     MCIM_ERR_BAD_CERT},
	    {"validity second 60", &pki.tre, P(4, 0), "170d3236303130313030303036305a",
	     MCIM_ERR_BAD_CERT},
	    {"validity without Z", &pki.tre, P(4, 0), "170d32363031303130303030303030",
	     MCIM_ERR_BAD_CERT},
	    {"validity not a digit", &pki.tre, P(4, 0), "170d3236303130313030303030415a",
	     MCIM_ERR_BAD_CERT},
	    {"validity with fraction", &pki.tre, P(4, 0),
	     "170f3236303130313030303030302e305a", MCIM_ERR_BAD_CERT},
	    {"GeneralizedTime in 2049", &pki.tre, P(4, 1),
	     "180f32303439303130313030303030305a", MCIM_ERR_BAD_CERT},
	    {"GeneralizedTime in 2050", &pki.tre, P(4, 1),
	     "180f32303530303130313030303030305a", MCIM_OK},
	    {"GeneralizedTime year digit", &pki.tre, P(4, 1),
	     "180f3230354130313031303030305a", MCIM_ERR_BAD_CERT},
	    {"validity as INTEGER", &pki.tre, P(4, 1), "020101", MCIM_ERR_BAD_CERT},
	    {"validity starts after it ends", &pki.tre, P(4, 0),
	     "170d3439313233313233353935395a", MCIM_ERR_BAD_CERT},
	    {"validity with a third time", &pki.tre, P(4, 1), "$$", MCIM_ERR_BAD_CERT},
	    {"key on secp384r1", &pki.tre, P(6, 0, 1), "06052b81040022",
	     MCIM_ERR_BAD_CERT},
	    {"RSA key", &pki.tre, P(6, 0, 0), "06092a864886f70d010101",
	     MCIM_ERR_BAD_CERT},
	    {"key algorithm with extra", &pki.tre, P(6, 0, 1), "$0500",
	     MCIM_ERR_BAD_CERT},
	    {"compressed key", &pki.tre, P(6, 1),
	     "032200020303030303030303030303030303030303030303030303030303030303030303",
	     MCIM_ERR_BAD_CERT},
	    {"key point not on the curve", &pki.tre, P(6, 1),
	     "034200040000000000000000000000000000000000000000000000000000000000000000000"
	     "00000"
	     "00000000000000000000000000000000000000000000000000000001",
	     MCIM_ERR_BAD_CERT},
	    {"issuerUniqueID", &pki.tre, P(6), "$81020000", MCIM_ERR_BAD_CERT},
	    {"no extensions", &pki.tre, P(7), "", MCIM_ERR_BAD_CERT},
	    {"empty extensions", &pki.tre, P(7), "a3023000", MCIM_ERR_BAD_CERT},
	    {"extensions not [3]", &pki.tre, P(7), "a4023000", MCIM_ERR_BAD_CERT},
	    {"data after the extensions", &pki.tre, P(7), "$0500", MCIM_ERR_BAD_CERT},
	    {"extension twice", &pki.tre, P(7, 0, 2), "$$", MCIM_ERR_BAD_CERT},
	    {"unknown extension", &pki.tre, P(7, 0, 2), "$300d06032a030404060c0474657374",
	     MCIM_OK},
	    {"unknown critical extension", &pki.tre, P(7, 0, 2),
	     "$301006032a03040101ff04060c0474657374", MCIM_ERR_BAD_CERT},
	    {"critical FALSE written", &pki.tre, P(7, 0, 0),
	     "300c0603551d130101000402 3000", MCIM_ERR_BAD_CERT},
	    {"extension not a SEQUENCE", &pki.tre, P(7, 0, 2), "0500", MCIM_ERR_BAD_CERT},
	    {"extension OID missing", &pki.tre, P(7, 0, 2), "30020400",
	     MCIM_ERR_BAD_CERT},
	    {"extension with trailing data", &pki.tre, P(7, 0, 2, 1), "$0500",
	     MCIM_ERR_BAD_CERT},
	    {"no basicConstraints", &pki.tre, P(7, 0, 0), "", MCIM_ERR_BAD_CERT},
	    {"no keyUsage", &pki.tre, P(7, 0, 1), "", MCIM_ERR_BAD_CERT},
	    {"no role", &pki.tre, P(7, 0, 4), "", MCIM_ERR_BAD_CERT},
	    {"role 0", &pki.tre, P(7, 0, 4, 2, 0), "0a0100", MCIM_ERR_BAD_CERT},
	    {"role 10", &pki.tre, P(7, 0, 4, 2, 0), "0a010a", MCIM_ERR_BAD_CERT},
	    {"role as INTEGER", &pki.tre, P(7, 0, 4, 2, 0), "020104", MCIM_ERR_BAD_CERT},
	    {"role with trailing data", &pki.tre, P(7, 0, 4, 2, 0), "$0500",
	     MCIM_ERR_BAD_CERT},
	    {"role changed to pva", &pki.tre, P(7, 0, 4, 2, 0), "0a0107",
	     MCIM_ERR_BAD_CERT},
	    {"leaf with CA key usage", &pki.tre, P(7, 0, 1, 2, 0), "03020106",
	     MCIM_ERR_BAD_CERT},
	    {"key usage trailing zero bit", &pki.tre, P(7, 0, 1, 2, 0), "03020680",
	     MCIM_ERR_BAD_CERT},
	    {"key usage unused bit set", &pki.tre, P(7, 0, 1, 2, 0), "03020781",
	     MCIM_ERR_BAD_CERT},
	    {"key usage unused count 8", &pki.tre, P(7, 0, 1, 2, 0), "03020880",
	     MCIM_ERR_BAD_CERT},
	    {"key usage three octets", &pki.tre, P(7, 0, 1, 2, 0), "0304008000 80",
	     MCIM_ERR_BAD_CERT},
	    {"key usage and more", &pki.tre, P(7, 0, 1, 2, 0), "0302078001",
	     MCIM_ERR_BAD_CERT},
	    {"key usage nine bits", &pki.tre, P(7, 0, 1, 2, 0), "0303078080",
	     MCIM_ERR_BAD_CERT},
	    {"cA FALSE written", &pki.tre, P(7, 0, 0, 2, 0), "3003010100",
	     MCIM_ERR_BAD_CERT},
	    {"pathLen without cA", &pki.tre, P(7, 0, 0, 2, 0), "3003020100",
	     MCIM_ERR_BAD_CERT},
	    {"basicConstraints and more", &pki.tre, P(7, 0, 0, 2, 0), "$0500",
	     MCIM_ERR_BAD_CERT},
	    {"root pathLen 300", &pki.ci, P(7, 0, 0, 2, 0), "30070101ff0202012c",
	     MCIM_ERR_BAD_CERT},
	    {"root without pathLen", &pki.ci, P(7, 0, 0, 2, 0), "30030101ff",
	     MCIM_ERR_BAD_CERT},
	    {"root pathLen and more", &pki.ci, P(7, 0, 0, 2, 0), "30080101ff0201010500",
	     MCIM_ERR_BAD_CERT},
	    {"operator with a letter", &pki.dpf, P(7, 0, 5, 2, 0), "13053030314130",
	     MCIM_ERR_BAD_CERT},
	    {"operator as UTF8String", &pki.dpf, P(7, 0, 5, 2, 0), "0c053030313031",
	     MCIM_ERR_BAD_CERT},
	    {"operator 7 digits", &pki.dpf, P(7, 0, 5, 2, 0), "130730303130313031",
	     MCIM_ERR_BAD_CERT},
	    {"operator 310410", &pki.dpf, P(7, 0, 5, 2, 0), "1306333130343130", MCIM_OK},
	    {"operator with trailing data", &pki.dpf, P(7, 0, 5, 2, 0), "$0500",
	     MCIM_ERR_BAD_CERT},
	    {"TRE backend tpm3", &pki.tre, P(7, 0, 5, 1, 0),
	     "3024" H_TRE_ID H_PLATFORM "0c0474706d33020103", MCIM_ERR_BAD_CERT},
	    {"TRE backend soft", &pki.tre, P(7, 0, 5, 1, 0),
	     "3024" H_TRE_ID H_PLATFORM "0c04736f6674020103", MCIM_OK},
	    {"TRE backend long", &pki.tre, P(7, 0, 5, 1, 0),
	     "302c" H_TRE_ID H_PLATFORM "0c0c736f6674736f6674736f6674020103",
	     MCIM_ERR_BAD_CERT},
	    {"TRE assurance 255", &pki.tre, P(7, 0, 5, 1, 0),
	     "3025" H_TRE_ID H_PLATFORM "0c0474706d32020200ff", MCIM_OK},
	    {"TRE assurance 256", &pki.tre, P(7, 0, 5, 1, 0),
	     "3025" H_TRE_ID H_PLATFORM "0c0474706d32020201 00", MCIM_ERR_BAD_CERT},
	    {"TRE without assurance", &pki.tre, P(7, 0, 5, 1, 0),
	     "3021" H_TRE_ID H_PLATFORM "0c0474706d32", MCIM_ERR_BAD_CERT},
	    {"TRE with more", &pki.tre, P(7, 0, 5, 1, 0),
	     "3026" H_TRE_ID H_PLATFORM "0c0474706d320201030500", MCIM_ERR_BAD_CERT},
	    {"TRE id empty", &pki.tre, P(7, 0, 5, 1, 0),
	     "301c0c00" H_PLATFORM "0c0474706d32020103", MCIM_ERR_BAD_CERT},
	    {"TRE id as PrintableString", &pki.tre, P(7, 0, 5, 1, 0),
	     "3024130874726 52d30303031" H_PLATFORM "0c0474706d32020103",
	     MCIM_ERR_BAD_CERT},
	    {"TRE platform id missing", &pki.tre, P(7, 0, 5, 1, 0),
	     "3013" H_TRE_ID "0c0474706d32020103", MCIM_ERR_BAD_CERT},
	    {"TRE backend missing", &pki.tre, P(7, 0, 5, 1, 0),
	     "301e" H_TRE_ID H_PLATFORM "020103", MCIM_ERR_BAD_CERT},
	    {"TRE value not a SEQUENCE", &pki.tre, P(7, 0, 5, 1, 0), "0500",
	     MCIM_ERR_BAD_CERT},
	    {"TRE extension on a DPF", &pki.dpf, P(7, 0, 5),
	     "$3040061669818d8aac97c2ad8a96f1a6a68cb1aaf996942a0103042630240c08747265"
	     "2d303030310c0f3439303135343230333233373531380c0474706d32020103",
	     MCIM_ERR_BAD_CERT},
	    {"TRE value and more", &pki.tre, P(7, 0, 5, 1, 0), "$0500",
	     MCIM_ERR_BAD_CERT},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t der[MCIM_CERT_MAX_LEN];
		char hex_clean[1024];
		size_t len, o = 0;
		mcim_err got;
		struct mcim_cert_info info;

		/* Spaces in the table are for the reader. */
		for (const char *h = cases[i].repl; *h != '\0'; h++)
			if (*h != ' ')
				hex_clean[o++] = *h;
		hex_clean[o] = '\0';
		len = edited(cases[i].p, cases[i].path, cases[i].depth, hex_clean, der);
		got = mcim_cert_parse(der, len, &info, NULL);
		if (got != cases[i].want)
			fail_msg("%s: parse gives %s, expected %s", cases[i].what,
				 mcim_err_name(got), mcim_err_name(cases[i].want));
		if (got == MCIM_OK && cases[i].p == &pki.tre) {
			struct mcim_iov ca = {pki.ca.der, pki.ca.len};

			got = verify_raw(der, len, &ca, 1, MCIM_CERT_ROLE_TRE,
					 info.not_before);
			if (got != MCIM_OK)
				fail_msg("%s: the chain gives %s", cases[i].what,
					 mcim_err_name(got));
		}
	}
}

/* The outer structure: the signature algorithm and the signature's encoding. */
static void outer_edits(void **state)
{
	static const uint8_t alg_es384[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
					    0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
	struct crypto_cert c;
	struct mcim_cert_info info;
	uint8_t der[MCIM_CERT_MAX_LEN], sig_der[80];
	struct crypto_der_w w;
	const uint8_t *p;
	size_t len;

	(void)state;
	assert_int_equal(crypto_cert_parse(pki.tre.der, pki.tre.len, &c), MCIM_OK);
	len =
	    assemble(c.tbs.p, c.tbs.len, alg_es256, sizeof(alg_es256), &pki.ca.priv, der);
	assert_int_equal(mcim_cert_parse(der, len, &info, NULL), MCIM_OK);
	len =
	    assemble(c.tbs.p, c.tbs.len, alg_es384, sizeof(alg_es384), &pki.ca.priv, der);
	assert_int_equal(mcim_cert_parse(der, len, &info, NULL), MCIM_ERR_BAD_CERT);
	/* r of 33 octets (with no sign octet): too long for P-256. */
	{
		static const uint8_t zero = 0;
		uint8_t r[33];
		size_t mark;

		memset(r, 1, sizeof(r));
		crypto_der_w_init(&w, der, sizeof(der));
		mark = crypto_der_w_len(&w);
		crypto_der_w_small(&w, CRYPTO_DER_INTEGER, 1);
		crypto_der_w_uint(&w, CRYPTO_DER_INTEGER, r, sizeof(r));
		crypto_der_w_wrap(&w, CRYPTO_DER_SEQUENCE, mark);
		crypto_der_w_raw(&w, &zero, 1);
		crypto_der_w_wrap(&w, CRYPTO_DER_BIT_STRING, mark);
		crypto_der_w_raw(&w, alg_es256, sizeof(alg_es256));
		crypto_der_w_raw(&w, c.tbs.p, c.tbs.len);
		crypto_der_w_wrap(&w, CRYPTO_DER_SEQUENCE, 0);
		assert_int_equal(crypto_der_w_done(&w, &p, &len), MCIM_OK);
		assert_int_equal(mcim_cert_parse(p, len, &info, NULL), MCIM_ERR_BAD_CERT);
	}
	/* The signature BIT STRING: unused bits, a non-minimal INTEGER, data after the
	 * ECDSA-Sig-Value and inside it, nothing at all, a truncated one. */
	{
		static const char *const sigs[] = {
		    "0307013006020101020101",
		    "030a0030080202000102020001",
		    "030b00300602010102010105 00",
		    "030b0030080201010201010500",
		    "0300",
		    "03020030",
		};

		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
			char clean[256];
			size_t o = 0, sig_len;

			for (const char *h = sigs[i]; *h != '\0'; h++)
				if (*h != ' ')
					clean[o++] = *h;
			assert_int_equal(
			    mcim_hex_decode(clean, o, sig_der, sizeof(sig_der), &sig_len),
			    MCIM_OK);
			crypto_der_w_init(&w, der, sizeof(der));
			crypto_der_w_raw(&w, sig_der, sig_len);
			crypto_der_w_raw(&w, alg_es256, sizeof(alg_es256));
			crypto_der_w_raw(&w, c.tbs.p, c.tbs.len);
			crypto_der_w_wrap(&w, CRYPTO_DER_SEQUENCE, 0);
			assert_int_equal(crypto_der_w_done(&w, &p, &len), MCIM_OK);
			assert_int_equal(mcim_cert_parse(p, len, &info, NULL),
					 MCIM_ERR_BAD_CERT);
		}
	}
}

/* ---- PEM files. ---- */

static const char *tmp_path(const char *name)
{
	static char path[4][128];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, 128, "%s/%s", pki.dir, name);
	return p;
}

static void write_text(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* A PEM file written with OpenSSL's base64 encoder (one line). */
static void write_pem_by_hand(const char *path, const char *label, const uint8_t *der,
			      size_t len)
{
	char text[2048];
	int n = snprintf(text, sizeof(text), "-----BEGIN %s-----\n", label);

	n += EVP_EncodeBlock((unsigned char *)text + n, der, (int)len);
	n += snprintf(text + n, sizeof(text) - (size_t)n, "\n-----END %s-----\n", label);
	write_text(path, text, (size_t)n);
}

static void pem_certificates(void **state)
{
	const char *path = tmp_path("tre.pem");
	uint8_t der[MCIM_CERT_MAX_LEN];
	struct stat st;
	size_t len = 0;
	FILE *f;
	X509 *x;

	(void)state;
	assert_int_equal(mcim_cert_write_pem(path, pki.tre.der, pki.tre.len), MCIM_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(mcim_cert_read_pem(path, der, sizeof(der), &len), MCIM_OK);
	assert_int_equal(len, pki.tre.len);
	assert_memory_equal(der, pki.tre.der, len);
	/* OpenSSL reads ours... */
	f = fopen(path, "r");
	assert_non_null(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	assert_non_null(x);
	fclose(f);
	X509_free(x);
	/* ... and we read OpenSSL's, after other text and with CRLF line ends. */
	x = to_x509(&pki.dpf);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("subject=CN = SHO 00101 DPF\r\n", f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	fclose(f);
	X509_free(x);
	assert_int_equal(mcim_cert_read_pem(path, der, sizeof(der), &len), MCIM_OK);
	assert_int_equal(len, pki.dpf.len);
	assert_memory_equal(der, pki.dpf.der, len);
	/* Rewritten in place: the old file is replaced whole. */
	assert_int_equal(mcim_cert_write_pem(path, pki.ci.der, pki.ci.len), MCIM_OK);
	assert_int_equal(mcim_cert_read_pem(path, der, sizeof(der), &len), MCIM_OK);
	assert_int_equal(len, pki.ci.len);
	assert_int_equal(mcim_cert_read_pem(path, der, 100, &len),
			 MCIM_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(mcim_cert_write_pem(path, der, MCIM_CERT_MAX_LEN + 1),
			 MCIM_ERR_TOO_LARGE);
	assert_int_equal(unlink(path), 0);
}

static void pem_keys(void **state)
{
	const char *path = tmp_path("key.pem"), *path2 = tmp_path("key2.pem");
	struct mcim_p256_priv got, bad;
	struct stat st;
	EVP_PKEY *pkey;
	BIGNUM *bn = NULL;
	uint8_t d[32];
	FILE *f;

	(void)state;
	assert_int_equal(mcim_cert_write_key_pem(path, &pki.tre.priv), MCIM_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(mcim_cert_read_key_pem(path, &got), MCIM_OK);
	assert_memory_equal(got.d, pki.tre.priv.d, 32);
	/* OpenSSL reads our key... */
	f = fopen(path, "r");
	assert_non_null(f);
	pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(pkey);
	assert_int_equal(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &bn), 1);
	assert_int_equal(BN_bn2binpad(bn, d, 32), 32);
	assert_memory_equal(d, pki.tre.priv.d, 32);
	BN_clear_free(bn);
	bn = NULL;
	EVP_PKEY_free(pkey);
	/* ... and we read OpenSSL's (PKCS#8), not its SEC1 form or another curve. */
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(pkey);
	f = fopen(path2, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	assert_int_equal(mcim_cert_read_key_pem(path2, &got), MCIM_OK);
	assert_int_equal(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &bn), 1);
	assert_int_equal(BN_bn2binpad(bn, d, 32), 32);
	assert_memory_equal(got.d, d, 32);
	BN_clear_free(bn);
	{
		BIO *bio = BIO_new_file(path2, "w");

		assert_non_null(bio);
		assert_int_equal(PEM_write_bio_PrivateKey_traditional(
				     bio, pkey, NULL, NULL, 0, NULL, NULL),
				 1);
		BIO_free(bio);
	}
	assert_int_equal(mcim_cert_read_key_pem(path2, &got), MCIM_ERR_PARSE);
	EVP_PKEY_free(pkey);
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	assert_non_null(pkey);
	f = fopen(path2, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	EVP_PKEY_free(pkey);
	assert_int_equal(mcim_cert_read_key_pem(path2, &got), MCIM_ERR_PARSE);
	/* A key that is no key is not written. */
	memset(&bad, 0, sizeof(bad));
	assert_int_equal(mcim_cert_write_key_pem(path2, &bad), MCIM_ERR_INVALID_ARG);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(unlink(path2), 0);
	mcim_p256_priv_wipe(&got);
}

/* A PKCS#8 key built field by field. */
struct key_spec {
	unsigned long version, ec_version;
	const uint8_t *curve;
	size_t curve_len;
	int params; /* 0 none, 1 prime256v1, 2 secp384r1 */
	const uint8_t *d;
	size_t d_len;
	const struct mcim_p256_pub *pub;
	size_t pub_len; /* octets of pub written: 65, or fewer to break it */
	int trailing;
};

static size_t pkcs8(const struct key_spec *k, uint8_t *out)
{
	static const uint8_t zero = 0, p384[] = {0x2b, 0x81, 0x04, 0x00, 0x22};
	struct crypto_der_w w;
	const uint8_t *p;
	size_t len, mark, inner;

	crypto_der_w_init(&w, out, 512);
	inner = crypto_der_w_len(&w);
	if (k->trailing)
		crypto_der_w_prim(&w, CRYPTO_DER_OCTET_STRING, &zero, 1);
	if (k->pub != NULL) {
		mark = crypto_der_w_len(&w);
		crypto_der_w_raw(&w, k->pub->q, k->pub_len);
		crypto_der_w_raw(&w, &zero, 1);
		crypto_der_w_wrap(&w, CRYPTO_DER_BIT_STRING, mark);
		crypto_der_w_wrap(&w, CRYPTO_DER_CTX(1), mark);
	}
	if (k->params != 0) {
		mark = crypto_der_w_len(&w);
		if (k->params == 1)
			crypto_der_w_prim(&w, CRYPTO_DER_OID, crypto_oid_prime256v1,
					  sizeof(crypto_oid_prime256v1));
		else
			crypto_der_w_prim(&w, CRYPTO_DER_OID, p384, sizeof(p384));
		crypto_der_w_wrap(&w, CRYPTO_DER_CTX(0), mark);
	}
	crypto_der_w_prim(&w, CRYPTO_DER_OCTET_STRING, k->d, k->d_len);
	crypto_der_w_small(&w, CRYPTO_DER_INTEGER, k->ec_version);
	crypto_der_w_wrap(&w, CRYPTO_DER_SEQUENCE, inner);
	crypto_der_w_wrap(&w, CRYPTO_DER_OCTET_STRING, inner);
	mark = crypto_der_w_len(&w);
	crypto_der_w_prim(&w, CRYPTO_DER_OID, k->curve, k->curve_len);
	crypto_der_w_prim(&w, CRYPTO_DER_OID, crypto_oid_ec_public_key,
			  sizeof(crypto_oid_ec_public_key));
	crypto_der_w_wrap(&w, CRYPTO_DER_SEQUENCE, mark);
	crypto_der_w_small(&w, CRYPTO_DER_INTEGER, k->version);
	crypto_der_w_wrap(&w, CRYPTO_DER_SEQUENCE, 0);
	assert_int_equal(crypto_der_w_done(&w, &p, &len), MCIM_OK);
	memmove(out, p, len);
	return len;
}

static void pem_key_contents(void **state)
{
	static const uint8_t p384[] = {0x2b, 0x81, 0x04, 0x00, 0x22};
	const char *path = tmp_path("k8.pem");
	struct mcim_p256_priv short_key, got;
	struct mcim_p256_pub short_pub;
	uint8_t der[512], zero32[32] = {0}, d33[33];
	const struct key_spec good = {
	    0, 1, crypto_oid_prime256v1, 8, 0, pki.dpf.priv.d, 32, &pki.dpf.pub, 65, 0};
	struct key_spec k;
	size_t len;

	(void)state;
	/* A key whose scalar starts with a zero octet, written without it. */
	assert_int_equal(mcim_p256_keygen(&short_key, &short_pub), MCIM_OK);
	short_key.d[0] = 0;
	assert_int_equal(mcim_p256_pub_from_priv(&short_key, &short_pub), MCIM_OK);
#define KEY(edit, want)                                                                  \
	do {                                                                             \
		k = good;                                                                \
		edit;                                                                    \
		len = pkcs8(&k, der);                                                    \
		write_pem_by_hand(path, "PRIVATE KEY", der, len);                        \
		memset(&got, 0xee, sizeof(got));                                         \
		assert_int_equal(mcim_cert_read_key_pem(path, &got), want);              \
		if ((want) == MCIM_OK)                                                   \
			assert_memory_equal(got.d, k.d_len == 32 ? k.d : short_key.d,    \
					    32);                                         \
		else                                                                     \
			assert_int_equal(got.d[0], 0xee);                                \
	} while (0)
	KEY((void)0, MCIM_OK);
	KEY(k.pub = NULL, MCIM_OK);
	KEY(k.params = 1, MCIM_OK);
	KEY((k.d = short_key.d + 1, k.d_len = 31, k.pub = &short_pub), MCIM_OK);
	KEY(k.params = 2, MCIM_ERR_PARSE);
	KEY(k.pub = &pki.tre.pub, MCIM_ERR_PARSE);
	KEY(k.version = 1, MCIM_ERR_PARSE);
	KEY(k.ec_version = 2, MCIM_ERR_PARSE);
	KEY((k.curve = p384, k.curve_len = sizeof(p384)), MCIM_ERR_PARSE);
	KEY(k.trailing = 1, MCIM_ERR_PARSE);
	KEY((k.d = zero32, k.pub = NULL), MCIM_ERR_INVALID_ARG);
	memset(d33, 1, sizeof(d33));
	KEY((k.d = d33, k.d_len = 33), MCIM_ERR_PARSE);
	KEY(k.d_len = 0, MCIM_ERR_PARSE);
	KEY(k.pub_len = 33, MCIM_ERR_PARSE);
#undef KEY
	/* A block longer than any P-256 key. */
	memset(der, 0x30, 300);
	write_pem_by_hand(path, "PRIVATE KEY", der, 300);
	assert_int_equal(mcim_cert_read_key_pem(path, &got), MCIM_ERR_PARSE);
	assert_int_equal(unlink(path), 0);
	mcim_p256_priv_wipe(&short_key);
	mcim_p256_priv_wipe(&got);
}

static void pem_errors(void **state)
{
	static const char *const bad[] = {
	    "no PEM here\n",
	    "-----BEGIN CERTIFICATE-----\nMII*\n-----END CERTIFICATE-----\n",
	    "-----BEGIN CERTIFICATE-----\nMIIB\n",
	    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END OTHER-----\n",
	    "-----BEGIN CERTIFICATE-----\nAA==AA==\n-----END CERTIFICATE-----\n",
	    "-----BEGIN CERTIFICATE-----\nA===\n-----END CERTIFICATE-----\n",
	    "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n",
	    "-----BEGIN CERTIFICATE-----\nAB==\n-----END CERTIFICATE-----\n",
	    "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
	    "-----BEGIN CERTIFICATE----- \nAAAA\n-----END CERTIFICATE-----\n",
	    "-----BEGIN CERTIFICATE-----",
	};
	static const char ok1[] =
	    "-----BEGIN CERTIFICATE-----\n AA\tA=\r\n-----END CERTIFICATE-----\n";
	static const char ok2[] =
	    "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";
	const char *path = tmp_path("bad.pem");
	uint8_t der[MCIM_CERT_MAX_LEN];
	struct mcim_p256_priv key;
	char *big;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text(path, bad[i], strlen(bad[i]));
		assert_int_equal(mcim_cert_read_pem(path, der, sizeof(der), &len),
				 MCIM_ERR_PARSE);
	}
	/* What is accepted: padding of one and two, whitespace, and nothing else. */
	write_text(path, ok1, strlen(ok1));
	assert_int_equal(mcim_cert_read_pem(path, der, sizeof(der), &len), MCIM_OK);
	assert_int_equal(len, 2);
	write_text(path, ok2, strlen(ok2));
	assert_int_equal(mcim_cert_read_pem(path, der, sizeof(der), &len), MCIM_OK);
	assert_int_equal(len, 1);
	assert_int_equal(mcim_cert_read_key_pem(path, &key), MCIM_ERR_PARSE);
	/* Files that are too big, absent, not files; a directory that does not exist. */
	big = malloc(MCIM_CERT_PEM_MAX + 1);
	assert_non_null(big);
	memset(big, 'A', MCIM_CERT_PEM_MAX + 1);
	write_text(path, big, MCIM_CERT_PEM_MAX + 1);
	free(big);
	assert_int_equal(mcim_cert_read_pem(path, der, sizeof(der), &len),
			 MCIM_ERR_TOO_LARGE);
	assert_int_equal(mcim_cert_read_key_pem(path, &key), MCIM_ERR_TOO_LARGE);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mcim_cert_read_pem(path, der, sizeof(der), &len),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(mcim_cert_read_key_pem(path, &key), MCIM_ERR_NOT_FOUND);
	assert_int_equal(mcim_cert_read_pem(pki.dir, der, sizeof(der), &len),
			 MCIM_ERR_IO);
	assert_int_equal(
	    mcim_cert_write_pem(tmp_path("no/such/dir.pem"), pki.ci.der, pki.ci.len),
	    MCIM_ERR_IO);
	assert_int_equal(
	    mcim_cert_write_key_pem(tmp_path("no/such/dir.key"), &pki.ci.priv),
	    MCIM_ERR_IO);
	{
		char long_path[5000];

		memset(long_path, 'x', sizeof(long_path) - 1);
		long_path[sizeof(long_path) - 1] = '\0';
		assert_int_equal(mcim_cert_write_pem(long_path, pki.ci.der, pki.ci.len),
				 MCIM_ERR_INVALID_ARG);
	}
}

/* Writing fails midway: the old file stays, no temporary file is left behind. */
static void pem_write_failures(void **state)
{
	const char *sub = tmp_path("sub"), *path = tmp_path("limited.pem");
	uint8_t der[MCIM_CERT_MAX_LEN];
	struct rlimit old, small;
	size_t len;

	(void)state;
	/* The name is a directory: the final rename fails. */
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(mcim_cert_write_pem(sub, pki.ci.der, pki.ci.len), MCIM_ERR_IO);
	assert_int_equal(mcim_cert_write_key_pem(sub, &pki.ci.priv), MCIM_ERR_IO);
	assert_int_equal(rmdir(sub), 0); /* empty: the temporary files are gone */
	/* The file size limit stops write(): a full disk as far as the writer sees. */
	assert_int_equal(mcim_cert_write_pem(path, pki.ci.der, pki.ci.len), MCIM_OK);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 100;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	assert_int_equal(mcim_cert_write_pem(path, pki.tre.der, pki.tre.len),
			 MCIM_ERR_IO);
	assert_int_equal(mcim_cert_write_key_pem(path, &pki.tre.priv), MCIM_ERR_IO);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(mcim_cert_read_pem(path, der, sizeof(der), &len), MCIM_OK);
	assert_int_equal(len, pki.ci.len);
	assert_memory_equal(der, pki.ci.der, len);
	assert_int_equal(unlink(path), 0);
}

/* The writer's overflow is sticky and reported at the end. */
static void der_writer_overflow(void **state)
{
	uint8_t buf[8];
	struct crypto_der_w w;
	const uint8_t *p;
	size_t len, mark;

	(void)state;
	crypto_der_w_init(&w, buf, sizeof(buf));
	mark = crypto_der_w_len(&w);
	crypto_der_w_raw(&w, "0123456", 7);
	crypto_der_w_wrap(&w, CRYPTO_DER_OCTET_STRING, mark); /* 9 octets: too many */
	crypto_der_w_small(&w, CRYPTO_DER_INTEGER, 1);
	crypto_der_w_wrap(&w, CRYPTO_DER_SEQUENCE, 0);
	assert_int_equal(crypto_der_w_done(&w, &p, &len), MCIM_ERR_BUFFER_TOO_SMALL);
	crypto_der_w_init(&w, buf, sizeof(buf));
	crypto_der_w_prim(&w, CRYPTO_DER_OCTET_STRING, "012345", 6);
	assert_int_equal(crypto_der_w_done(&w, &p, &len), MCIM_OK);
	assert_int_equal(len, 8);
	crypto_der_w_raw(&w, "x", 1);
	assert_int_equal(crypto_der_w_done(&w, &p, &len), MCIM_ERR_BUFFER_TOO_SMALL);
	/* A certificate that does not fit the caller's buffer is not written. */
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(mcim_cert_issue(&pki.dpf.info, &pki.dpf.pub, &pki.ci.priv,
					 pki.ci.der, pki.ci.len, mcim_rng_system(), buf,
					 sizeof(buf), &len),
			 MCIM_ERR_BUFFER_TOO_SMALL);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xee);
}

/* ---- Issuing, reading, verifying and key files with OpenSSL's allocations
 * failing: an error, or the right result; never a wrong one. ---- */

static mcim_err oom_issue(void)
{
	uint8_t der[MCIM_CERT_MAX_LEN];
	struct mcim_cert_info info;
	size_t len = 0;
	mcim_err err;

	memset(der, 0xee, sizeof(der));
	err = mcim_cert_issue(&pki.tre.info, &pki.tre.pub, &pki.ca.priv, pki.ca.der,
			      pki.ca.len, mcim_rng_system(), der, sizeof(der), &len);
	if (err == MCIM_OK) {
		allocs_left = -1;
		assert_int_equal(mcim_cert_parse(der, len, &info, NULL), MCIM_OK);
		assert_string_equal(info.tre_id, pki.tre.info.tre_id);
	} else {
		assert_int_equal(der[0], 0xee);
	}
	return err;
}

static mcim_err oom_verify(void)
{
	struct mcim_cert_info info;
	mcim_err err;

	memset(&info, 0xee, sizeof(info));
	err = verify_party(&pki.tre, MCIM_CERT_ROLE_TRE, NULL, NOW, &info, NULL);
	if (err == MCIM_OK)
		assert_string_equal(info.tre_id, pki.tre.info.tre_id);
	else
		assert_int_equal(info.role, (enum mcim_cert_role)0xeeeeeeee);
	return err;
}

/* A chain under the wrong CA is never accepted, whatever fails. */
static mcim_err oom_verify_forged(void)
{
	struct mcim_iov dpf = {pki.dpf.der, pki.dpf.len};

	assert_int_not_equal(
	    verify_raw(pki.tre.der, pki.tre.len, &dpf, 1, MCIM_CERT_ROLE_TRE, NOW),
	    MCIM_OK);
	return allocs_refused ? MCIM_ERR_NOMEM : MCIM_OK;
}

static mcim_err oom_parse(void)
{
	struct mcim_cert_info info;

	return mcim_cert_parse(pki.dpf.der, pki.dpf.len, &info, NULL);
}

static mcim_err oom_key_files(void)
{
	const char *path = tmp_path("oom.key");
	struct mcim_p256_priv got;
	mcim_err err = mcim_cert_write_key_pem(path, &pki.drf.priv);

	if (err != MCIM_OK)
		return err;
	memset(&got, 0xee, sizeof(got));
	err = mcim_cert_read_key_pem(path, &got);
	assert_int_equal(unlink(path), 0);
	if (err == MCIM_OK)
		assert_memory_equal(got.d, pki.drf.priv.d, 32);
	else
		assert_int_equal(got.d[0], 0xee);
	mcim_p256_priv_wipe(&got);
	return err;
}

static void allocation_failures(void **state)
{
	(void)state;
	under_oom("issue", oom_issue);
	under_oom("verify", oom_verify);
	under_oom("verify forged", oom_verify_forged);
	under_oom("parse", oom_parse);
	under_oom("key files", oom_key_files);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(chains_verify),
	    cmocka_unit_test(parse_fields),
	    cmocka_unit_test(names),
	    cmocka_unit_test(openssl_reads_them),
	    cmocka_unit_test(openssl_tre_extension),
	    cmocka_unit_test(openssl_verifies_chains),
	    cmocka_unit_test(wrong_role_or_operator),
	    cmocka_unit_test(validity_dates),
	    cmocka_unit_test(expired_intermediate),
	    cmocka_unit_test(wrong_signer),
	    cmocka_unit_test(role_table),
	    cmocka_unit_test(leaf_as_ca),
	    cmocka_unit_test(profile_forgeries),
	    cmocka_unit_test(revoked_serials),
	    cmocka_unit_test(malformed),
	    cmocka_unit_test(bounds),
	    cmocka_unit_test(issue_refusals),
	    cmocka_unit_test(time_encoding),
	    cmocka_unit_test(der_edits),
	    cmocka_unit_test(outer_edits),
	    cmocka_unit_test(pem_certificates),
	    cmocka_unit_test(pem_keys),
	    cmocka_unit_test(pem_key_contents),
	    cmocka_unit_test(pem_errors),
	    cmocka_unit_test(pem_write_failures),
	    cmocka_unit_test(der_writer_overflow),
	    cmocka_unit_test(allocation_failures),
	};

	/* Before OpenSSL allocates anything. */
	if (CRYPTO_set_mem_functions(t_malloc, t_realloc, t_free) != 1) {
		fprintf(stderr, "cannot install the allocation hooks\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
