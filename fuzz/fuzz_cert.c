/*
 * libFuzzer target for the certificate decoder and chain verifier (mcim/cert.h):
 * arbitrary input goes to mcim_cert_parse and, as the leaf, to mcim_cert_verify_chain
 * under a fixed CI root, once with a fixed M2MES CA as the intermediate and once
 * without. Invariants, checked on every input:
 * - errors are only the documented ones, TOO_LARGE exactly above MCIM_CERT_MAX_LEN;
 * - a refused input leaves the output untouched; parsing is deterministic and what
 *   it reports is inside the profile: bounded, printable, NUL-terminated strings, a
 *   known role with its CA flag, path length and operator id rule, TRE fields
 *   exactly in tre certificates, a serial without a leading zero octet, a public key
 *   on the curve, not_before <= not_after;
 * - the verifier fails as the parser does on what the parser refuses, accepts only
 *   what it parses (same content, same key), and only for a role the issuer may
 *   certify (tre under the CA, the root's roles directly under the root);
 * - a parsed certificate whose serial is on the revocation list is BAD_CERT.
 * With MCIM_FUZZ_WRITE_SEEDS=DIR in the environment it writes valid certificates of
 * every role, issued under the fixed keys, to DIR and exits (scripts/fuzz.sh).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcim/cert.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond,         \
				__FILE__, __LINE__);                                     \
			abort();                                                         \
		}                                                                        \
	} while (0)

#define T0  ((time_t)1767225600) /* 2026-01-01T00:00:00Z */
#define DAY ((time_t)86400)
#define NOW (T0 + DAY)

/* Not secrets: fixed so that seeds written by one run verify in every other. */
static const struct mcim_p256_priv ci_key = {{
    0x3b, 0x1f, 0x8e, 0x4a, 0x77, 0x02, 0xc5, 0x91, 0x6d, 0x28, 0xe0,
    0x53, 0x9a, 0x14, 0xbf, 0x66, 0x0c, 0xd7, 0x42, 0x85, 0x19, 0xfa,
    0x33, 0x6e, 0xa1, 0x58, 0x2d, 0x90, 0x4b, 0xc2, 0x07, 0x7e,
}};
static const struct mcim_p256_priv ca_key = {{
    0x62, 0x0a, 0xd4, 0x39, 0x8f, 0x15, 0x7c, 0xe3, 0x21, 0x9b, 0x46,
    0xf0, 0x5d, 0x82, 0x37, 0xa8, 0x1e, 0xc9, 0x74, 0x0b, 0xe6, 0x53,
    0x98, 0x2f, 0x41, 0xbd, 0x6a, 0x05, 0xd8, 0x13, 0x7f, 0x2c,
}};

static uint8_t ci_der[MCIM_CERT_MAX_LEN], ca_der[MCIM_CERT_MAX_LEN];
static size_t ci_len, ca_len;

/* Serial numbers from a counter, so that the fixed certificates are reproducible. */
static mcim_err counter_fill(void *self, uint8_t *buf, size_t len)
{
	unsigned *n = self;

	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(*n + i);
	(*n)++;
	return MCIM_OK;
}

static unsigned counter;
static const struct mcim_rng counter_rng = {counter_fill, &counter};

static void set_info(struct mcim_cert_info *i, enum mcim_cert_role role, const char *cn,
		     const char *op)
{
	memset(i, 0, sizeof(*i));
	i->role = role;
	snprintf(i->common_name, sizeof(i->common_name), "%s", cn);
	snprintf(i->operator_id, sizeof(i->operator_id), "%s", op);
	i->not_before = T0;
	i->not_after = T0 + 3650 * DAY;
}

static void make_issuers(void)
{
	struct mcim_cert_info info;
	struct mcim_p256_pub pub;

	if (mcim_p256_pub_from_priv(&ci_key, &pub) != MCIM_OK)
		abort();
	set_info(&info, MCIM_CERT_ROLE_CI, "fuzz CI", "");
	if (mcim_cert_issue(&info, &pub, &ci_key, NULL, 0, &counter_rng, ci_der,
			    sizeof(ci_der), &ci_len) != MCIM_OK)
		abort();
	if (mcim_p256_pub_from_priv(&ca_key, &pub) != MCIM_OK)
		abort();
	set_info(&info, MCIM_CERT_ROLE_M2MES_CA, "fuzz M2MES CA", "");
	if (mcim_cert_issue(&info, &pub, &ci_key, ci_der, ci_len, &counter_rng, ca_der,
			    sizeof(ca_der), &ca_len) != MCIM_OK)
		abort();
}

/* s is a NUL-terminated printable string within cap octets; returns its length. */
static size_t text(const char *s, size_t cap)
{
	size_t n = 0;

	while (n < cap && s[n] != '\0') {
		CHECK(s[n] >= 0x20 && s[n] <= 0x7e);
		n++;
	}
	CHECK(n < cap);
	return n;
}

static void check_info(const struct mcim_cert_info *i)
{
	size_t op = text(i->operator_id, sizeof(i->operator_id));
	size_t tre = text(i->tre_id, sizeof(i->tre_id));
	size_t plat = text(i->platform_id, sizeof(i->platform_id));
	int is_tre = i->role == MCIM_CERT_ROLE_TRE;
	int is_ca = i->role == MCIM_CERT_ROLE_CI || i->role == MCIM_CERT_ROLE_M2MES_CA;

	CHECK(mcim_cert_role_name(i->role) != NULL);
	CHECK(text(i->common_name, sizeof(i->common_name)) > 0);
	text(i->issuer_name, sizeof(i->issuer_name));
	CHECK(op == 0 || op == 5 || op == 6);
	for (size_t k = 0; k < op; k++)
		CHECK(i->operator_id[k] >= '0' && i->operator_id[k] <= '9');
	if (i->role == MCIM_CERT_ROLE_DPF || i->role == MCIM_CERT_ROLE_SHO_MGMT ||
	    i->role == MCIM_CERT_ROLE_ICF)
		CHECK(op > 0);
	if (i->role != MCIM_CERT_ROLE_PVA && i->role != MCIM_CERT_ROLE_DRF &&
	    i->role != MCIM_CERT_ROLE_DPF && i->role != MCIM_CERT_ROLE_SHO_MGMT &&
	    i->role != MCIM_CERT_ROLE_ICF)
		CHECK(op == 0);
	if (is_tre)
		CHECK(tre > 0 && plat > 0 && mcim_cert_backend_name(i->backend) != NULL &&
		      i->assurance <= MCIM_CERT_ASSURANCE_MAX);
	else
		CHECK(tre == 0 && plat == 0 && i->backend == MCIM_CERT_BACKEND_NONE &&
		      i->assurance == 0);
	CHECK(i->is_ca == is_ca);
	CHECK(i->path_len == (i->role == MCIM_CERT_ROLE_CI	   ? 1
			      : i->role == MCIM_CERT_ROLE_M2MES_CA ? 0
								   : -1));
	CHECK(i->serial.len <= MCIM_CERT_SERIAL_MAX);
	CHECK(i->serial.len == 0 || i->serial.v[0] != 0);
	CHECK(i->not_before <= i->not_after);
}

/* Field by field: padding between the fields carries nothing. */
static int info_equal(const struct mcim_cert_info *a, const struct mcim_cert_info *b)
{
	return a->role == b->role && strcmp(a->common_name, b->common_name) == 0 &&
	       strcmp(a->operator_id, b->operator_id) == 0 &&
	       strcmp(a->tre_id, b->tre_id) == 0 &&
	       strcmp(a->platform_id, b->platform_id) == 0 && a->backend == b->backend &&
	       a->assurance == b->assurance && a->not_before == b->not_before &&
	       a->not_after == b->not_after && a->serial.len == b->serial.len &&
	       memcmp(a->serial.v, b->serial.v, a->serial.len) == 0 &&
	       strcmp(a->issuer_name, b->issuer_name) == 0 && a->is_ca == b->is_ca &&
	       a->path_len == b->path_len;
}

static int root_may_certify(enum mcim_cert_role r)
{
	return r != MCIM_CERT_ROLE_CI && r != MCIM_CERT_ROLE_TRE;
}

/* The leaf under the root, through the CA when via_ca. */
static void check_verify(const uint8_t *data, size_t size, mcim_err perr,
			 const struct mcim_cert_info *info,
			 const struct mcim_p256_pub *pub, int via_ca)
{
	const struct mcim_iov inter = {ca_der, ca_len};
	struct mcim_cert_policy policy = {MCIM_CERT_ROLE_TRE, NULL, NOW, NULL, 0};
	struct mcim_cert_info vinfo;
	struct mcim_p256_pub vpub;
	mcim_err verr;

	if (perr == MCIM_OK)
		policy.role = info->role;
	verr = mcim_cert_verify_chain(data, size, &inter, via_ca ? 1 : 0, ci_der, ci_len,
				      &policy, &vinfo, &vpub);
	CHECK(verr == MCIM_OK || verr == MCIM_ERR_TOO_LARGE ||
	      verr == MCIM_ERR_BAD_CERT || verr == MCIM_ERR_EXPIRED ||
	      verr == MCIM_ERR_WRONG_ROLE);
	if (perr != MCIM_OK) {
		CHECK(verr == perr);
		return;
	}
	CHECK(verr != MCIM_ERR_TOO_LARGE && verr != MCIM_ERR_WRONG_ROLE);
	if (verr == MCIM_OK) {
		CHECK(info_equal(&vinfo, info));
		CHECK(memcmp(vpub.q, pub->q, sizeof(vpub.q)) == 0);
		CHECK(via_ca ? info->role == MCIM_CERT_ROLE_TRE
			     : root_may_certify(info->role));
	}
	/* Revoked: refused before any other check can say something else. */
	policy.revoked = &info->serial;
	policy.n_revoked = 1;
	CHECK(mcim_cert_verify_chain(data, size, &inter, via_ca ? 1 : 0, ci_der, ci_len,
				     &policy, NULL, NULL) == MCIM_ERR_BAD_CERT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcim_cert_info info, again;
	struct mcim_p256_pub pub, pub2;
	mcim_err perr;

	memset(&info, 0xa5, sizeof(info));
	perr = mcim_cert_parse(data, size, &info, &pub);
	CHECK(perr == MCIM_OK || perr == MCIM_ERR_TOO_LARGE || perr == MCIM_ERR_BAD_CERT);
	CHECK((perr == MCIM_ERR_TOO_LARGE) == (size > MCIM_CERT_MAX_LEN));
	if (perr != MCIM_OK) {
		/* Outputs are written only on success. */
		for (size_t i = 0; i < sizeof(info); i++)
			CHECK(((const uint8_t *)&info)[i] == 0xa5);
	} else {
		check_info(&info);
		CHECK(mcim_cert_parse(data, size, &again, &pub2) == MCIM_OK);
		CHECK(info_equal(&info, &again));
		CHECK(memcmp(pub.q, pub2.q, sizeof(pub.q)) == 0);
		CHECK(mcim_p256_pub_check(&pub) == MCIM_OK);
	}
	check_verify(data, size, perr, &info, &pub, 1);
	check_verify(data, size, perr, &info, &pub, 0);
	return 0;
}

/* ---- seed corpus ---- */

static void write_seed(const char *dir, const char *name, const uint8_t *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void write_seeds(const char *dir)
{
	static const struct {
		const char *name;
		enum mcim_cert_role role;
		const char *op;
		enum mcim_cert_backend backend;
	} leaves[] = {
	    {"m2mes", MCIM_CERT_ROLE_M2MES, "", MCIM_CERT_BACKEND_NONE},
	    {"dpf", MCIM_CERT_ROLE_DPF, "00101", MCIM_CERT_BACKEND_NONE},
	    {"sho-mgmt", MCIM_CERT_ROLE_SHO_MGMT, "310410", MCIM_CERT_BACKEND_NONE},
	    {"pva", MCIM_CERT_ROLE_PVA, "", MCIM_CERT_BACKEND_NONE},
	    {"pva-op", MCIM_CERT_ROLE_PVA, "00102", MCIM_CERT_BACKEND_NONE},
	    {"drf", MCIM_CERT_ROLE_DRF, "", MCIM_CERT_BACKEND_NONE},
	    {"icf", MCIM_CERT_ROLE_ICF, "00199", MCIM_CERT_BACKEND_NONE},
	    {"tre-soft", MCIM_CERT_ROLE_TRE, "", MCIM_CERT_BACKEND_SOFT},
	    {"tre-tpm2", MCIM_CERT_ROLE_TRE, "", MCIM_CERT_BACKEND_TPM2},
	    {"tre-uicc", MCIM_CERT_ROLE_TRE, "", MCIM_CERT_BACKEND_UICC},
	};
	uint8_t der[MCIM_CERT_MAX_LEN];
	struct mcim_cert_info info;
	struct mcim_p256_priv priv;
	struct mcim_p256_pub pub;
	size_t len;

	write_seed(dir, "ci", ci_der, ci_len);
	write_seed(dir, "m2mes-ca", ca_der, ca_len);
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		int tre = leaves[i].role == MCIM_CERT_ROLE_TRE;

		set_info(&info, leaves[i].role, leaves[i].name, leaves[i].op);
		if (tre) {
			snprintf(info.tre_id, sizeof(info.tre_id), "tre-%zu", i);
			snprintf(info.platform_id, sizeof(info.platform_id),
				 "35693803564380%zu", i);
			info.backend = leaves[i].backend;
			info.assurance = (unsigned)i * 20;
		}
		if (mcim_p256_keygen(&priv, &pub) != MCIM_OK ||
		    mcim_cert_issue(&info, &pub, tre ? &ca_key : &ci_key,
				    tre ? ca_der : ci_der, tre ? ca_len : ci_len,
				    &counter_rng, der, sizeof(der), &len) != MCIM_OK)
			abort();
		mcim_p256_priv_wipe(&priv);
		write_seed(dir, leaves[i].name, der, len);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("MCIM_FUZZ_WRITE_SEEDS");

	(void)argc;
	(void)argv;
	make_issuers();
	if (dir != NULL) {
		write_seeds(dir);
		exit(0);
	}
	return 0;
}
