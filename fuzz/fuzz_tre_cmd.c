/*
 * libFuzzer target for the TRE's command interface (mcim/tre.h, R-TRE-G01, T-09):
 * arbitrary requests go to mcim_tre_call on a real TRE, manufactured once at start-up
 * in a temp directory (soft backend, a one-component firmware, a throw-away PKI made
 * with libmcim alone) and issued, so that every command is reachable. Invariants,
 * checked on every input:
 * - mcim_tre_call always answers (MCIM_OK) with a response of at most
 *   MCIM_TRE_MSG_MAX octets that is one deterministic CBOR map
 *   {"error": name, "result": ..., "status": code} whose name is the code's;
 * - the TRE stays open and in a state of the enum;
 * - status still answers OK afterwards.
 * With MCIM_FUZZ_WRITE_SEEDS=DIR in the environment it writes a request per command
 * to DIR and exits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcim/bytes.h"
#include "mcim/cbor.h"
#include "mcim/cert.h"
#include "mcim/manifest.h"
#include "mcim/tre.h"
#include "tre/soft/soft.h"

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

static struct mcim_tre tre;
static uint8_t resp[MCIM_TRE_MSG_MAX];
static char dir[64], hw[96], store[96], fw[96];

struct party {
	struct mcim_p256_priv priv;
	struct mcim_p256_pub pub;
	uint8_t der[MCIM_CERT_MAX_LEN];
	size_t len;
};

static void issue(struct party *p, const struct party *issuer, enum mcim_cert_role role,
		  const struct mcim_p256_pub *pub, const char *tre_id)
{
	struct mcim_cert_info info;

	memset(&info, 0, sizeof(info));
	info.role = role;
	snprintf(info.common_name, sizeof(info.common_name), "fuzz %d", (int)role);
	info.not_before = time(NULL) - 3600;
	info.not_after = time(NULL) + 3600L * 24 * 365;
	if (tre_id != NULL) {
		snprintf(info.tre_id, sizeof(info.tre_id), "%s", tre_id);
		snprintf(info.platform_id, sizeof(info.platform_id), "356938035643809");
		info.backend = MCIM_CERT_BACKEND_SOFT;
		info.assurance = 1;
	}
	if (pub == NULL) {
		CHECK(mcim_p256_keygen(&p->priv, &p->pub) == MCIM_OK);
		pub = &p->pub;
	}
	CHECK(mcim_cert_issue(&info, pub, issuer ? &issuer->priv : &p->priv,
			      issuer ? issuer->der : NULL, issuer ? issuer->len : 0,
			      mcim_rng_system(), p->der, sizeof(p->der),
			      &p->len) == MCIM_OK);
}

/* The value of key in the response's result map (a bstr), or NULL. */
static const uint8_t *result_bstr(const uint8_t *buf, size_t len, const char *key)
{
	struct mcim_cbor_reader r;
	struct mcim_cbor_map m, res;
	const char *k;
	size_t kl, vl;
	const uint8_t *v;

	mcim_cbor_reader_init(&r, buf, len);
	CHECK(mcim_cbor_map_open(&r, &m) == MCIM_OK);
	CHECK(mcim_cbor_map_key_tstr(&r, &m, &k, &kl) == MCIM_OK);
	CHECK(mcim_cbor_skip(&r) == MCIM_OK);
	CHECK(mcim_cbor_map_key_tstr(&r, &m, &k, &kl) == MCIM_OK);
	CHECK(mcim_cbor_map_open(&r, &res) == MCIM_OK);
	while (mcim_cbor_map_more(&res)) {
		CHECK(mcim_cbor_map_key_tstr(&r, &res, &k, &kl) == MCIM_OK);
		if (kl == strlen(key) && memcmp(k, key, kl) == 0) {
			CHECK(mcim_cbor_read_bstr(&r, &v, &vl) == MCIM_OK);
			return v;
		}
		CHECK(mcim_cbor_skip(&r) == MCIM_OK);
	}
	return NULL;
}

static size_t call(const uint8_t *req, size_t len)
{
	size_t n;

	CHECK(mcim_tre_call(&tre, req, len, resp, sizeof(resp), &n) == MCIM_OK);
	return n;
}

/* Manufactures and issues the TRE. */
static void setup(void)
{
	static struct party ci, ca, m2mes, trec;
	struct mcim_tre_component comp = {"firmware", fw, 1};
	struct mcim_tre_config cfg = {0};
	struct mcim_manifest mf = {0};
	struct mcim_p256_pub id_pub;
	struct mcim_iov chain = {NULL, 0};
	static uint8_t req[MCIM_TRE_MSG_MAX], manifest[8192];
	const uint8_t image[] = "fuzz firmware";
	uint8_t tre_id[16] = {0x0f, 0x22};
	char id_hex[33];
	size_t n, mlen;
	const uint8_t *p;
	struct mcim_cbor_writer w;
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/fuzz-tre-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(hw, sizeof(hw), "%s/hw", dir);
	snprintf(store, sizeof(store), "%s/store", dir);
	snprintf(fw, sizeof(fw), "%s/fw.bin", dir);
	CHECK(mkdir(store, 0700) == 0);
	f = fopen(fw, "wb");
	CHECK(f != NULL && fwrite(image, 1, sizeof(image), f) == sizeof(image));
	fclose(f);
	CHECK(tre_soft_manufacture(hw, tre_id, NULL, NULL) == MCIM_OK);
	cfg.backend = MCIM_CERT_BACKEND_SOFT;
	cfg.hw_dir = hw;
	cfg.store_dir = store;
	cfg.components = &comp;
	cfg.n_components = 1;
	CHECK(mcim_tre_open(&tre, &cfg) == MCIM_OK);
	CHECK(mcim_tre_state(&tre, NULL) == MCIM_TRE_UNISSUED);

	mcim_cbor_writer_init(&w, req, sizeof(req));
	mcim_cbor_put_map(&w, 1);
	mcim_cbor_put_cstr(&w, "cmd");
	mcim_cbor_put_cstr(&w, "mfg-keys");
	CHECK(mcim_cbor_writer_finish(&w, &n) == MCIM_OK);
	n = call(req, n);
	p = result_bstr(resp, n, "id_pub");
	CHECK(p != NULL);
	memcpy(id_pub.q, p, sizeof(id_pub.q));

	mcim_hex_encode(tre_id, sizeof(tre_id), id_hex, sizeof(id_hex));
	issue(&ci, NULL, MCIM_CERT_ROLE_CI, NULL, NULL);
	issue(&ca, &ci, MCIM_CERT_ROLE_M2MES_CA, NULL, NULL);
	issue(&m2mes, &ci, MCIM_CERT_ROLE_M2MES, NULL, NULL);
	issue(&trec, &ca, MCIM_CERT_ROLE_TRE, &id_pub, id_hex);
	mf.sequence = 1;
	mf.security_version = 1;
	snprintf(mf.platform, sizeof(mf.platform), "fuzz");
	mf.n = 1;
	snprintf(mf.components[0].name, sizeof(mf.components[0].name), "firmware");
	snprintf(mf.components[0].version, sizeof(mf.components[0].version), "1");
	CHECK(mcim_sha256(image, sizeof(image), mf.components[0].digest) == MCIM_OK);
	chain.data = m2mes.der;
	chain.len = m2mes.len;
	CHECK(mcim_manifest_sign(&mf, &m2mes.priv, &chain, 1, manifest, sizeof(manifest),
				 &mlen) == MCIM_OK);

	/* keys in the profile's order: by length, then octet-wise */
	mcim_cbor_writer_init(&w, req, sizeof(req));
	mcim_cbor_put_map(&w, 2);
	mcim_cbor_put_cstr(&w, "cmd");
	mcim_cbor_put_cstr(&w, "mfg-issue");
	mcim_cbor_put_cstr(&w, "args");
	mcim_cbor_put_map(&w, 11);
	mcim_cbor_put_cstr(&w, "ca");
	mcim_cbor_put_bstr(&w, ca.der, ca.len);
	mcim_cbor_put_cstr(&w, "ci");
	mcim_cbor_put_bstr(&w, ci.der, ci.len);
	mcim_cbor_put_cstr(&w, "pin");
	mcim_cbor_put_cstr(&w, "1234");
	mcim_cbor_put_cstr(&w, "cert");
	mcim_cbor_put_bstr(&w, trec.der, trec.len);
	mcim_cbor_put_cstr(&w, "model");
	mcim_cbor_put_cstr(&w, "fuzz");
	mcim_cbor_put_cstr(&w, "pcid_k");
	mcim_cbor_put_bstr(&w, tre_id, 16);
	mcim_cbor_put_cstr(&w, "manifest");
	mcim_cbor_put_bstr(&w, manifest, mlen);
	mcim_cbor_put_cstr(&w, "pcid_opc");
	mcim_cbor_put_bstr(&w, tre_id, 16);
	mcim_cbor_put_cstr(&w, "pcid_imsi");
	mcim_cbor_put_cstr(&w, "001990000000001");
	mcim_cbor_put_cstr(&w, "pin_tries");
	mcim_cbor_put_uint(&w, 15);
	mcim_cbor_put_cstr(&w, "platform_id");
	mcim_cbor_put_cstr(&w, "356938035643809");
	CHECK(mcim_cbor_writer_finish(&w, &n) == MCIM_OK);
	call(req, n);
	CHECK(mcim_tre_state(&tre, NULL) == MCIM_TRE_READY);
}

static void write_seeds(const char *out)
{
	static const char *const cmds[] = {"status",	 "identity",	   "mcim-list",
					   "audit-head", "tamper-reports", "pin-logout",
					   "fw-confirm"};
	uint8_t buf[64];

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct mcim_cbor_writer w;
		char path[512];
		size_t n;
		FILE *f;

		mcim_cbor_writer_init(&w, buf, sizeof(buf));
		mcim_cbor_put_map(&w, 2);
		mcim_cbor_put_cstr(&w, "cmd");
		mcim_cbor_put_cstr(&w, cmds[i]);
		mcim_cbor_put_cstr(&w, "args");
		mcim_cbor_put_map(&w, 0);
		CHECK(mcim_cbor_writer_finish(&w, &n) == MCIM_OK);
		snprintf(path, sizeof(path), "%s/seed-%s", out, cmds[i]);
		f = fopen(path, "wb");
		CHECK(f != NULL && fwrite(buf, 1, n, f) == n);
		fclose(f);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seeds = getenv("MCIM_FUZZ_WRITE_SEEDS");

	(void)argc;
	(void)argv;
	if (seeds != NULL) {
		write_seeds(seeds);
		exit(0);
	}
	setup();
	return 0;
}

/* The response: one map {"error": name, "result": any, "status": code}. */
static void check_response(const uint8_t *buf, size_t len)
{
	struct mcim_cbor_reader r;
	struct mcim_cbor_map m;
	const char *k, *name;
	size_t kl, nl;
	uint64_t status;

	CHECK(len > 0 && len <= MCIM_TRE_MSG_MAX);
	mcim_cbor_reader_init(&r, buf, len);
	CHECK(mcim_cbor_map_open(&r, &m) == MCIM_OK && m.left == 3);
	CHECK(mcim_cbor_map_key_tstr(&r, &m, &k, &kl) == MCIM_OK && kl == 5);
	CHECK(mcim_cbor_read_tstr(&r, &name, &nl) == MCIM_OK);
	CHECK(mcim_cbor_map_key_tstr(&r, &m, &k, &kl) == MCIM_OK && kl == 6);
	CHECK(mcim_cbor_skip(&r) == MCIM_OK);
	CHECK(mcim_cbor_map_key_tstr(&r, &m, &k, &kl) == MCIM_OK && kl == 6);
	CHECK(mcim_cbor_read_uint(&r, &status) == MCIM_OK && status < MCIM_ERR_COUNT_);
	CHECK(mcim_cbor_remaining(&r) == 0);
	CHECK(strlen(mcim_err_name((mcim_err)status)) == nl &&
	      memcmp(mcim_err_name((mcim_err)status), name, nl) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t status_req[] = {0xa1, 0x63, 'c', 'm', 'd', 0x66,
					     's',  't',	 'a', 't', 'u', 's'};
	enum mcim_tre_state st;
	size_t n;

	n = call(data, size);
	check_response(resp, n);
	st = mcim_tre_state(&tre, NULL);
	CHECK(st == MCIM_TRE_READY || st == MCIM_TRE_BAD_BOOT || st == MCIM_TRE_FAILED);
	n = call(status_req, sizeof(status_req));
	check_response(resp, n);
	return 0;
}
