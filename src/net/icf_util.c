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
	memset(p, 0, sizeof(*p));
	p->url = strdup(url);
	if (p->url == NULL)
		return MCIM_ERR_NOMEM;
	pthread_mutex_init(&p->lock, NULL);
	return MCIM_OK;
}

void icf_pool_fini(struct icf_pool *p)
{
	if (p->url == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		net_store_close(p->st[i]);
	pthread_mutex_destroy(&p->lock);
	free(p->url);
	memset(p, 0, sizeof(*p));
}

mcim_err icf_pool_get(struct icf_pool *p, struct net_store **st)
{
	struct net_store_config c = {.url = p->url};

	*st = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->n > 0)
		*st = p->st[--p->n];
	pthread_mutex_unlock(&p->lock);
	return *st != NULL ? MCIM_OK : net_store_open(&c, st, NULL, 0);
}

void icf_pool_put(struct icf_pool *p, struct net_store *st)
{
	if (st == NULL)
		return;
	if (st->in_tx)
		(void)net_store_rollback(st);
	pthread_mutex_lock(&p->lock);
	if (p->n < ICF_POOL_MAX) {
		p->st[p->n++] = st;
		st = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	net_store_close(st);
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

/* ---- key-encryption key ---- */

static mcim_err kek_read(const char *path, uint8_t kek[ICF_KEK_LEN])
{
	char hex[2 * ICF_KEK_LEN + 2];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	mcim_err err;

	if (fd < 0)
		return errno == ENOENT ? MCIM_ERR_NOT_FOUND : MCIM_ERR_IO;
	n = read(fd, hex, sizeof(hex));
	close(fd);
	if (n < 2 * ICF_KEK_LEN)
		err = MCIM_ERR_PARSE;
	else if (mcim_hex_decode_exact(hex, 2 * ICF_KEK_LEN, kek, ICF_KEK_LEN) != MCIM_OK)
		err = MCIM_ERR_PARSE;
	else
		err = MCIM_OK;
	mcim_wipe(hex, sizeof(hex));
	return err;
}

mcim_err icf_kek_load(const char *dir, const char *name, uint8_t kek[ICF_KEK_LEN])
{
	char path[NET_STORE_MSG_MAX * 8], tmp[sizeof(path) + 16];
	char hex[2 * ICF_KEK_LEN + 2];
	mcim_err err;
	int fd, ok;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return MCIM_ERR_INVALID_ARG;
	err = kek_read(path, kek);
	if (err != MCIM_ERR_NOT_FOUND)
		return err;
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return MCIM_ERR_IO;
	err = mcim_rng_fill(mcim_rng_system(), kek, ICF_KEK_LEN);
	if (err == MCIM_OK)
		err = mcim_hex_encode(kek, ICF_KEK_LEN, hex, sizeof(hex));
	mcim_wipe(kek, ICF_KEK_LEN);
	if (err == MCIM_OK) {
		hex[2 * ICF_KEK_LEN] = '\n';
		ok = fchmod(fd, 0600) == 0 &&
		     write(fd, hex, 2 * ICF_KEK_LEN + 1) == 2 * ICF_KEK_LEN + 1 &&
		     fsync(fd) == 0;
		err = ok ? MCIM_OK : MCIM_ERR_IO;
	}
	mcim_wipe(hex, sizeof(hex));
	close(fd);
	/* link() refuses to replace: a daemon that lost the race reads the winner's. */
	if (err == MCIM_OK && link(tmp, path) != 0 && errno != EEXIST)
		err = MCIM_ERR_IO;
	unlink(tmp);
	return err == MCIM_OK ? kek_read(path, kek) : err;
}
