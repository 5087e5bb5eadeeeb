/*
 * The local maintenance user (R-TRE-G08): a PIN set at manufacture, stored as a
 * salted hash, with a retry counter that is decremented and made durable BEFORE the
 * PIN is compared, so that cutting the power after a wrong guess cannot give the
 * guess back. After `limit` wrong PINs in a row the PIN is locked for good: the
 * maintenance functions close, the remote ones (SHO, M2MES) are unaffected. A
 * verified PIN opens a session (a random token, in memory only, TRE_SESSION_TTL
 * seconds) that the maintenance commands present.
 *
 * Record "pin": version 1 (1) || retries left (1) || limit (1) || salt (16) || hash (32)
 * with hash = HMAC-SHA-256(derive_key("mcim/tre/pin", salt), PIN): the key comes from
 * the device root key, so even a copy of the plaintext store gives no offline
 * dictionary attack on another device's PIN.
 */
#include "tre/tre_int.h"

#include <stdio.h>
#include <string.h>

#include "mcim/bytes.h"

#define PIN_REC_LEN 51
#define SALT_LEN    16

struct pin_rec {
	unsigned left, limit;
	uint8_t salt[SALT_LEN];
	uint8_t hash[MCIM_SHA256_LEN];
};

static mcim_err pin_get(struct tre_int *t, struct pin_rec *p)
{
	uint8_t v[PIN_REC_LEN];
	size_t len;
	mcim_err err;

	err = tre_store_get(&t->st, TRE_KEY_PIN, strlen(TRE_KEY_PIN), v, sizeof(v), &len);
	if (err != MCIM_OK)
		return err;
	if (len != PIN_REC_LEN || v[0] != 1 || v[2] == 0 || v[2] > TRE_PIN_TRIES_MAX ||
	    v[1] > v[2])
		return MCIM_ERR_TAMPERED;
	p->left = v[1];
	p->limit = v[2];
	memcpy(p->salt, v + 3, SALT_LEN);
	memcpy(p->hash, v + 3 + SALT_LEN, MCIM_SHA256_LEN);
	return MCIM_OK;
}

static mcim_err pin_put(struct tre_int *t, const struct pin_rec *p)
{
	uint8_t v[PIN_REC_LEN];

	v[0] = 1;
	v[1] = (uint8_t)p->left;
	v[2] = (uint8_t)p->limit;
	memcpy(v + 3, p->salt, SALT_LEN);
	memcpy(v + 3 + SALT_LEN, p->hash, MCIM_SHA256_LEN);
	return tre_store_put(&t->st, TRE_KEY_PIN, strlen(TRE_KEY_PIN), v, sizeof(v));
}

static mcim_err pin_hash(struct tre_int *t, const uint8_t salt[SALT_LEN],
			 const uint8_t *pin, size_t len, uint8_t out[MCIM_SHA256_LEN])
{
	uint8_t key[TRE_KEY_LEN];
	struct mcim_iov part = {pin, len};
	mcim_err err;

	err = tre_derive_key(t->be, "mcim/tre/pin", salt, SALT_LEN, key);
	if (err == MCIM_OK)
		err = mcim_hmac_sha256(key, sizeof(key), &part, 1, out);
	mcim_wipe(key, sizeof(key));
	return err;
}

void tre_pin_info(struct tre_int *t, bool *set, unsigned *left, unsigned *limit)
{
	struct pin_rec p;

	*set = pin_get(t, &p) == MCIM_OK;
	*left = *set ? p.left : 0;
	*limit = *set ? p.limit : 0;
	mcim_wipe(&p, sizeof(p));
}

mcim_err tre_pin_put(struct tre_int *t, const uint8_t *pin, size_t len, unsigned tries)
{
	struct pin_rec p;
	mcim_err err;

	if (len < TRE_PIN_MIN || len > TRE_PIN_MAX || tries == 0 ||
	    tries > TRE_PIN_TRIES_MAX)
		return MCIM_ERR_INVALID_ARG;
	p.left = p.limit = tries;
	err = mcim_rng_fill(t->rng, p.salt, SALT_LEN);
	if (err == MCIM_OK)
		err = pin_hash(t, p.salt, pin, len, p.hash);
	if (err == MCIM_OK)
		err = pin_put(t, &p);
	mcim_wipe(&p, sizeof(p));
	return err;
}

mcim_err tre_session_check(struct tre_int *t, const uint8_t *session, size_t len)
{
	if (t->session_exp == 0 || tre_now(t) >= t->session_exp || len != TRE_SESSION_LEN)
		return MCIM_ERR_DENIED;
	return mcim_ct_equal(session, t->session, TRE_SESSION_LEN) ? MCIM_OK
								   : MCIM_ERR_DENIED;
}

static void session_end(struct tre_int *t)
{
	mcim_wipe(t->session, sizeof(t->session));
	t->session_exp = 0;
}

mcim_err tre_cmd_pin_verify(struct tre_int *t, const struct tre_args *a,
			    struct mcim_cbor_writer *res)
{
	struct pin_rec p;
	uint8_t got[MCIM_SHA256_LEN];
	char detail[64];
	struct tre_ev ev = {.type = TRE_EV_PIN_VERIFY, .detail = detail};
	bool ok;
	mcim_err err;

	session_end(t);
	err = pin_get(t, &p);
	if (err != MCIM_OK)
		return err;
	if (p.left == 0) {
		mcim_wipe(&p, sizeof(p));
		return MCIM_ERR_LOCKED;
	}
	/* The attempt is paid for before the PIN is looked at. */
	p.left--;
	err = tre_tx_begin(t);
	if (err == MCIM_OK) {
		err = pin_put(t, &p);
		if (err != MCIM_OK)
			tre_tx_abort(t);
	}
	if (err == MCIM_OK) {
		snprintf(detail, sizeof(detail), "attempt, %u left if wrong", p.left);
		ev.outcome = MCIM_ERR_DENIED;
		err = tre_tx_commit(t, &ev);
	}
	if (err == MCIM_OK)
		err = pin_hash(t, p.salt, a->v[0].data, a->v[0].len, got);
	if (err != MCIM_OK) {
		mcim_wipe(&p, sizeof(p));
		return err;
	}
	ok = mcim_ct_equal(got, p.hash, sizeof(got));
	mcim_wipe(got, sizeof(got));
	if (!ok) {
		mcim_cbor_put_map(res, 1);
		mcim_cbor_put_key_uint(res, "left", p.left);
		mcim_wipe(&p, sizeof(p));
		return MCIM_ERR_DENIED;
	}
	p.left = p.limit;
	err = tre_tx_begin(t);
	if (err == MCIM_OK) {
		err = pin_put(t, &p);
		if (err != MCIM_OK)
			tre_tx_abort(t);
	}
	mcim_wipe(&p, sizeof(p));
	if (err == MCIM_OK) {
		snprintf(detail, sizeof(detail), "verified, session opened");
		ev.outcome = MCIM_OK;
		err = tre_tx_commit(t, &ev);
	}
	if (err == MCIM_OK)
		err = mcim_rng_fill(t->rng, t->session, sizeof(t->session));
	if (err != MCIM_OK) {
		session_end(t);
		return err;
	}
	t->session_exp = tre_now(t) + TRE_SESSION_TTL;
	mcim_cbor_put_map(res, 2);
	mcim_cbor_put_key_uint(res, "expires", t->session_exp);
	mcim_cbor_put_key_bstr(res, "session", t->session, sizeof(t->session));
	return MCIM_OK;
}

mcim_err tre_cmd_pin_change(struct tre_int *t, const struct tre_args *a,
			    struct mcim_cbor_writer *res)
{
	struct pin_rec p;
	struct tre_ev ev = {.type = TRE_EV_PIN_CHANGED, .detail = "PIN changed"};
	mcim_err err;

	err = pin_get(t, &p);
	if (err != MCIM_OK)
		return err;
	err = tre_tx_begin(t);
	if (err != MCIM_OK)
		return err;
	err = tre_pin_put(t, a->v[1].data, a->v[1].len, p.limit);
	mcim_wipe(&p, sizeof(p));
	if (err != MCIM_OK) {
		tre_tx_abort(t);
		return err;
	}
	err = tre_tx_commit(t, &ev);
	if (err != MCIM_OK)
		return err;
	mcim_cbor_put_map(res, 0);
	return MCIM_OK;
}

mcim_err tre_cmd_pin_logout(struct tre_int *t, const struct tre_args *a,
			    struct mcim_cbor_writer *res)
{
	(void)a;
	session_end(t);
	mcim_cbor_put_map(res, 0);
	return MCIM_OK;
}
