/*
 * net/icf_int.h: the small machinery the ICF (icf*.c) and the PVA (pva*.c) share: a
 * pool of store connections that worker threads borrow, base64 for the session
 * header and for JSON bodies, and the key-encryption key on disk that seals the
 * ICF's PCID secrets at rest.
 *
 * Threads: the pool is locked; the rest is reentrant.
 */
#ifndef MCIM_NET_ICF_INT_H
#define MCIM_NET_ICF_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/err.h"

struct net_store;
struct net_store_pool;

/* The process's shared pool of connections to one database (net/store/store.h). */
struct icf_pool {
	struct net_store_pool *p;
};

/* Joins the pool of url. Errors: MCIM_ERR_NOMEM. */
mcim_err icf_pool_init(struct icf_pool *p, const char *url);
/* Leaves it (the last one out closes its connections). */
void icf_pool_fini(struct icf_pool *p);
/* A connection for this call (the store's open errors). */
mcim_err icf_pool_get(struct icf_pool *p, struct net_store **st);
/* Gives it back; an open transaction is rolled back first. st may be NULL. */
void icf_pool_put(struct icf_pool *p, struct net_store *st);

/*
 * Decodes base64 (RFC 4648 §4, "=" padding optional) or, with url set, base64url
 * (§5, no padding) of len characters into out. Errors: MCIM_ERR_PARSE (a character
 * outside the alphabet, a bad length or padding, non-zero trailing bits),
 * MCIM_ERR_TOO_LARGE (more than cap octets).
 */
mcim_err icf_b64_decode(const char *in, size_t len, int url, uint8_t *out, size_t cap,
			size_t *out_len);
/* base64url without padding of in[0..len) into out (cap >= 4 * ceil(len / 3) + 1). */
mcim_err icf_b64url_encode(const uint8_t *in, size_t len, char *out, size_t cap);

#endif
