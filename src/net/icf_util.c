/*
 * What the ICF and the PVA share beneath their protocol logic: the store connection
 * pool their worker threads borrow from, base64 (the ICF session travels base64url
 * in an HTTP header; operators send signed manifests and keys inside JSON), and the
 * key-encryption key file from which the ICF derives its at-rest keys.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcim/bytes.h"
#include "mcim/rand.h"
#include "net/icf_int.h"
#include "net/store/store.h"

mcim_err icf_pool_init(struct icf_pool *p, const char *url)
{
	struct net_store_config c = {.url = url};

	return net_store_pool_acquire(&c, &p->p);
}

void icf_pool_fini(struct icf_pool *p)
{
	net_store_pool_release(p->p);
	p->p = NULL;
}

mcim_err icf_pool_get(struct icf_pool *p, struct net_store **st)
{
	return net_store_pool_get(p->p, st);
}

void icf_pool_put(struct icf_pool *p, struct net_store *st)
{
	net_store_pool_put(p->p, st);
}

/* ---- base64 ---- */

static int b64_value(char c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

mcim_err icf_b64_decode(const char *in, size_t len, int url, uint8_t *out, size_t cap,
			size_t *out_len)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;

	if (!url && len % 4 == 0 && len > 0 && in[len - 1] == '=')
		len -= (len > 1 && in[len - 2] == '=') ? 2 : 1;
	if (len % 4 == 1)
		return MCIM_ERR_PARSE;
	for (size_t i = 0; i < len; i++) {
		int v = b64_value(in[i], url);

		if (v < 0)
			return MCIM_ERR_PARSE;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return MCIM_ERR_TOO_LARGE;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	if ((acc & ((1u << bits) - 1)) != 0)
		return MCIM_ERR_PARSE; /* a canonical encoding leaves no bits behind */
	*out_len = n;
	return MCIM_OK;
}

mcim_err icf_b64url_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;

	if (cap < (len + 2) / 3 * 4 + 1)
		return MCIM_ERR_BUFFER_TOO_SMALL;
	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[n++] = a[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		out[n++] = a[(acc << (6 - bits)) & 63];
	out[n] = '\0';
	return MCIM_OK;
}
