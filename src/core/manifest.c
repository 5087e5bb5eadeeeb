/*
 * The M2MES-signed firmware manifest (mcim/manifest.h): its strict CBOR payload, the
 * COSE_Sign1 around it, and its verification against the CI root, shared by the
 * TRE's secure boot, the PVA's reference values and the tools.
 *
 * Verification trusts nothing in the object before the chain is checked: the
 * x5chain is read unauthenticated only to find the certificates, the chain is
 * verified to the root with role m2mes, and the signature is then checked with the
 * leaf's key. The payload is decoded last, so that a failure says first whether
 * the object is authentic, and then whether it is a manifest at all (the context
 * string inside the signed payload is what keeps another signed object of this
 * ecosystem from passing as one).
 */
#include "mcim/manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/check.h"
#include "mcim/bytes.h"
#include "mcim/cbor.h"
#include "mcim/cose.h"

enum {
	KEY_CONTEXT = 1,
	KEY_SEQUENCE,
	KEY_SECURITY_VERSION,
	KEY_PLATFORM,
	KEY_COMPONENTS
};
enum { CKEY_NAME = 1, CKEY_VERSION, CKEY_DIGEST, CKEY_SIZE };

static const char context[] = MCIM_MANIFEST_CONTEXT;

/* 1 when s holds 1..max printable ASCII characters before its NUL. */
static int text_ok(const char *s, size_t max)
{
	size_t n = 0;

	while (n <= max && s[n] != '\0') {
		if (s[n] < 0x20 || s[n] > 0x7e)
			return 0;
		n++;
	}
	return n >= 1 && n <= max;
}

static int names_unique(const struct mcim_manifest *m)
{
	for (size_t i = 0; i < m->n; i++)
		for (size_t j = i + 1; j < m->n; j++)
			if (strcmp(m->components[i].name, m->components[j].name) == 0)
				return 0;
	return 1;
}

static int manifest_ok(const struct mcim_manifest *m)
{
	if (m->n == 0 || m->n > MCIM_MANIFEST_COMPONENTS_MAX ||
	    !text_ok(m->platform, MCIM_MANIFEST_PLATFORM_MAX))
		return 0;
	for (size_t i = 0; i < m->n; i++)
		if (!text_ok(m->components[i].name, MCIM_MANIFEST_NAME_MAX) ||
		    !text_ok(m->components[i].version, MCIM_MANIFEST_VERSION_MAX))
			return 0;
	return names_unique(m);
}

mcim_err mcim_manifest_encode(const struct mcim_manifest *m, uint8_t *out, size_t cap,
			      size_t *out_len)
{
	struct mcim_cbor_writer w;

	MCIM_ASSERT(m != NULL && out_len != NULL);
	MCIM_ASSERT(out != NULL || cap == 0);
	if (!manifest_ok(m))
		return MCIM_ERR_INVALID_ARG;
	mcim_cbor_writer_init(&w, out, cap);
	mcim_cbor_put_map(&w, 5);
	mcim_cbor_put_uint(&w, KEY_CONTEXT);
	mcim_cbor_put_cstr(&w, context);
	mcim_cbor_put_uint(&w, KEY_SEQUENCE);
	mcim_cbor_put_uint(&w, m->sequence);
	mcim_cbor_put_uint(&w, KEY_SECURITY_VERSION);
	mcim_cbor_put_uint(&w, m->security_version);
	mcim_cbor_put_uint(&w, KEY_PLATFORM);
	mcim_cbor_put_cstr(&w, m->platform);
	mcim_cbor_put_uint(&w, KEY_COMPONENTS);
	mcim_cbor_put_array(&w, m->n);
	for (size_t i = 0; i < m->n; i++) {
		const struct mcim_manifest_component *c = &m->components[i];

		mcim_cbor_put_map(&w, c->has_size ? 4 : 3);
		mcim_cbor_put_uint(&w, CKEY_NAME);
		mcim_cbor_put_cstr(&w, c->name);
		mcim_cbor_put_uint(&w, CKEY_VERSION);
		mcim_cbor_put_cstr(&w, c->version);
		mcim_cbor_put_uint(&w, CKEY_DIGEST);
		mcim_cbor_put_bstr(&w, c->digest, sizeof(c->digest));
		if (c->has_size) {
			mcim_cbor_put_uint(&w, CKEY_SIZE);
			mcim_cbor_put_uint(&w, c->size);
		}
	}
	return mcim_cbor_writer_finish(&w, out_len);
}

/* ---- strict decoding ---- */

/* The next key of m, which must be want (keys are read in their only valid order). */
static mcim_err expect_key(struct mcim_cbor_reader *r, struct mcim_cbor_map *m,
			   int64_t want)
{
	int64_t key;
	mcim_err err;

	if (!mcim_cbor_map_more(m))
		return MCIM_ERR_PARSE;
	err = mcim_cbor_map_key_int(r, m, &key);
	if (err != MCIM_OK)
		return err;
	return key == want ? MCIM_OK : MCIM_ERR_PARSE;
}

/* A text of 1..max printable characters into dst[max + 1]. */
static mcim_err read_text(struct mcim_cbor_reader *r, char *dst, size_t max)
{
	const char *s;
	size_t len;
	mcim_err err = mcim_cbor_read_tstr(r, &s, &len);

	if (err != MCIM_OK)
		return err;
	if (len == 0 || len > max)
		return MCIM_ERR_PARSE;
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return MCIM_ERR_PARSE;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return MCIM_OK;
}

static mcim_err read_u32(struct mcim_cbor_reader *r, uint32_t *v)
{
	uint64_t u;
	mcim_err err = mcim_cbor_read_uint(r, &u);

	if (err != MCIM_OK)
		return err;
	if (u > UINT32_MAX)
		return MCIM_ERR_TOO_LARGE;
	*v = (uint32_t)u;
	return MCIM_OK;
}

static mcim_err read_component(struct mcim_cbor_reader *r,
			       struct mcim_manifest_component *c)
{
	struct mcim_cbor_map m;
	const uint8_t *digest;
	size_t digest_len;
	mcim_err err;

	memset(c, 0, sizeof(*c));
	err = mcim_cbor_map_open(r, &m);
	if (err == MCIM_OK)
		err = expect_key(r, &m, CKEY_NAME);
	if (err == MCIM_OK)
		err = read_text(r, c->name, MCIM_MANIFEST_NAME_MAX);
	if (err == MCIM_OK)
		err = expect_key(r, &m, CKEY_VERSION);
	if (err == MCIM_OK)
		err = read_text(r, c->version, MCIM_MANIFEST_VERSION_MAX);
	if (err == MCIM_OK)
		err = expect_key(r, &m, CKEY_DIGEST);
	if (err == MCIM_OK)
		err = mcim_cbor_read_bstr(r, &digest, &digest_len);
	if (err == MCIM_OK && digest_len != MCIM_SHA256_LEN)
		err = MCIM_ERR_PARSE;
	if (err != MCIM_OK)
		return err;
	memcpy(c->digest, digest, MCIM_SHA256_LEN);
	if (mcim_cbor_map_more(&m)) {
		err = expect_key(r, &m, CKEY_SIZE);
		if (err == MCIM_OK)
			err = mcim_cbor_read_uint(r, &c->size);
		if (err != MCIM_OK)
			return err;
		c->has_size = true;
	}
	return mcim_cbor_map_more(&m) ? MCIM_ERR_PARSE : MCIM_OK;
}

static mcim_err read_manifest(struct mcim_cbor_reader *r, struct mcim_manifest *m)
{
	struct mcim_cbor_map map;
	const char *ctx;
	size_t ctx_len, n;
	mcim_err err;

	err = mcim_cbor_map_open(r, &map);
	if (err == MCIM_OK)
		err = expect_key(r, &map, KEY_CONTEXT);
	if (err == MCIM_OK)
		err = mcim_cbor_read_tstr(r, &ctx, &ctx_len);
	if (err == MCIM_OK &&
	    (ctx_len != sizeof(context) - 1 || memcmp(ctx, context, ctx_len) != 0))
		err = MCIM_ERR_PARSE;
	if (err == MCIM_OK)
		err = expect_key(r, &map, KEY_SEQUENCE);
	if (err == MCIM_OK)
		err = read_u32(r, &m->sequence);
	if (err == MCIM_OK)
		err = expect_key(r, &map, KEY_SECURITY_VERSION);
	if (err == MCIM_OK)
		err = read_u32(r, &m->security_version);
	if (err == MCIM_OK)
		err = expect_key(r, &map, KEY_PLATFORM);
	if (err == MCIM_OK)
		err = read_text(r, m->platform, MCIM_MANIFEST_PLATFORM_MAX);
	if (err == MCIM_OK)
		err = expect_key(r, &map, KEY_COMPONENTS);
	if (err == MCIM_OK)
		err = mcim_cbor_read_array(r, &n);
	if (err != MCIM_OK)
		return err;
	if (n == 0)
		return MCIM_ERR_PARSE;
	if (n > MCIM_MANIFEST_COMPONENTS_MAX)
		return MCIM_ERR_TOO_LARGE;
	for (size_t i = 0; i < n; i++) {
		err = read_component(r, &m->components[i]);
		if (err != MCIM_OK)
			return err;
	}
	m->n = n;
	if (mcim_cbor_map_more(&map) || !names_unique(m))
		return MCIM_ERR_PARSE;
	return MCIM_OK;
}

mcim_err mcim_manifest_decode(const uint8_t *buf, size_t len, struct mcim_manifest *m)
{
	static const struct mcim_manifest empty;
	struct mcim_manifest tmp = empty;
	struct mcim_cbor_reader r;
	mcim_err err;

	MCIM_ASSERT(buf != NULL || len == 0);
	MCIM_ASSERT(m != NULL);
	mcim_cbor_reader_init(&r, buf, len);
	err = read_manifest(&r, &tmp);
	if (err != MCIM_OK)
		return err;
	if (mcim_cbor_remaining(&r) != 0)
		return MCIM_ERR_PARSE;
	*m = tmp;
	return MCIM_OK;
}

/* ---- the signed object ---- */

mcim_err mcim_manifest_sign(const struct mcim_manifest *m,
			    const struct mcim_p256_priv *key,
			    const struct mcim_iov *chain, size_t n_chain, uint8_t *out,
			    size_t cap, size_t *out_len)
{
	uint8_t payload[MCIM_MANIFEST_PAYLOAD_MAX];
	struct mcim_cose_sign1_opts opts = {0};
	size_t payload_len;
	mcim_err err;

	MCIM_ASSERT(m != NULL && key != NULL && chain != NULL && out_len != NULL);
	MCIM_ASSERT(out != NULL || cap == 0);
	if (n_chain == 0 || n_chain > MCIM_COSE_X5CHAIN_MAX)
		return MCIM_ERR_INVALID_ARG;
	err = mcim_manifest_encode(m, payload, sizeof(payload), &payload_len);
	if (err != MCIM_OK)
		return err;
	opts.x5chain = chain;
	opts.x5chain_n = n_chain;
	return mcim_cose_sign1_sign(key, payload, payload_len, &opts, out, cap, out_len);
}

mcim_err mcim_manifest_verify(const uint8_t *buf, size_t len, const uint8_t *ci_root,
			      size_t ci_root_len, time_t now, struct mcim_manifest *m,
			      struct mcim_cert_info *signer)
{
	struct mcim_cose_sign1 msg;
	struct mcim_cert_info leaf;
	mcim_err err;

	MCIM_ASSERT(buf != NULL || len == 0);
	MCIM_ASSERT(ci_root != NULL && m != NULL);
	if (len > MCIM_MANIFEST_MAX_LEN)
		return MCIM_ERR_TOO_LARGE;
	err = mcim_cose_sign1_verify_x5chain(
	    buf, len, ci_root, ci_root_len,
	    &(struct mcim_cert_policy){.role = MCIM_CERT_ROLE_M2MES, .now = now}, &msg,
	    &leaf);
	if (err != MCIM_OK)
		return err;
	err = mcim_manifest_decode(msg.payload, msg.payload_len, m);
	if (err != MCIM_OK)
		return err;
	if (signer != NULL)
		*signer = leaf;
	return MCIM_OK;
}

const struct mcim_manifest_component *mcim_manifest_find(const struct mcim_manifest *m,
							 const char *name)
{
	MCIM_ASSERT(m != NULL && name != NULL);
	for (size_t i = 0; i < m->n && i < MCIM_MANIFEST_COMPONENTS_MAX; i++)
		if (strcmp(m->components[i].name, name) == 0)
			return &m->components[i];
	return NULL;
}

/* ---- file digests ---- */

/* Reads the whole of fd into work; MCIM_ERR_TOO_LARGE when it does not fit. */
/* Feeds the rest of fd into ctx through work, counting the octets into *len. */
static mcim_err hash_stream(int fd, uint8_t *work, size_t cap,
			    struct mcim_sha256_ctx *ctx, uint64_t *len)
{
	for (;;) {
		ssize_t n = read(fd, work, cap);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return MCIM_ERR_IO;
		if (n == 0)
			return MCIM_OK;
		mcim_sha256_update(ctx, work, (size_t)n);
		*len += (uint64_t)n;
	}
}

mcim_err mcim_manifest_hash_file(const char *path, uint8_t *work, size_t work_cap,
				 uint8_t digest[MCIM_SHA256_LEN], uint64_t *size)
{
	struct mcim_sha256_ctx ctx;
	struct stat st;
	uint64_t len = 0;
	int fd;
	mcim_err err;

	MCIM_ASSERT(path != NULL && digest != NULL && work != NULL && work_cap > 0);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? MCIM_ERR_NOT_FOUND : MCIM_ERR_IO;
	mcim_sha256_init(&ctx);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		err = MCIM_ERR_IO;
	else
		err = hash_stream(fd, work, work_cap, &ctx, &len);
	close(fd);
	if (err == MCIM_OK) {
		mcim_sha256_final(&ctx, digest);
		if (size != NULL)
			*size = len;
	}
	mcim_wipe(&ctx, sizeof(ctx));
	return err;
}
