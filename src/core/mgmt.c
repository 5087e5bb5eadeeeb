/*
 * SHO management commands (include/mcim/mgmt.h): the payload codec, signing on the
 * SHO side, and peek/verify on the TRE side. The payload starts with its context
 * string, so the signature covers the kind of object as well as its fields; the
 * decoder accepts only the one deterministic encoding of a command and checks every
 * value, so that two commands with one meaning cannot differ in their bytes.
 */
#include "mcim/mgmt.h"

#include <string.h>

#include "core/check.h"
#include "mcim/cbor.h"

#define PAYLOAD_ITEMS 6
#define CONTEXT_LEN   (sizeof(MCIM_MGMT_CONTEXT) - 1)

enum { R_NEW_SHO = 0, R_EXP };

const char *mcim_mgmt_cmd_name(enum mcim_mgmt_cmd cmd)
{
	switch (cmd) {
	case MCIM_MGMT_ACTIVATE:
		return "activate";
	case MCIM_MGMT_SUSPEND:
		return "suspend";
	case MCIM_MGMT_RESUME:
		return "resume";
	case MCIM_MGMT_DELETE:
		return "delete";
	case MCIM_MGMT_RELEASE:
		return "release";
	case MCIM_MGMT_SET_POLICY:
		return "set_policy";
	}
	return NULL;
}

static int operator_ok(const char *id)
{
	size_t n = strnlen(id, MCIM_PROFILE_OPERATOR_MAX + 1);

	if (n < 5 || n > MCIM_PROFILE_OPERATOR_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (id[i] < '0' || id[i] > '9')
			return 0;
	return 1;
}

static mcim_err check(const struct mcim_mgmt *c)
{
	if (c->counter == 0 || mcim_mgmt_cmd_name(c->cmd) == NULL)
		return MCIM_ERR_INVALID_ARG;
	if (c->cmd == MCIM_MGMT_RELEASE && !operator_ok(c->u.release.new_sho))
		return MCIM_ERR_INVALID_ARG;
	if (c->cmd == MCIM_MGMT_SET_POLICY && mcim_policy_check(&c->u.policy) != MCIM_OK)
		return MCIM_ERR_INVALID_ARG;
	return MCIM_OK;
}

mcim_err mcim_mgmt_encode(const struct mcim_mgmt *cmd, uint8_t *out, size_t cap,
			  size_t *len)
{
	struct mcim_cbor_writer w;
	mcim_err err;

	MCIM_ASSERT(cmd != NULL && len != NULL && (out != NULL || cap == 0));
	err = check(cmd);
	if (err != MCIM_OK)
		return err;
	mcim_cbor_writer_init(&w, out, cap);
	mcim_cbor_put_array(&w, PAYLOAD_ITEMS);
	mcim_cbor_put_tstr(&w, MCIM_MGMT_CONTEXT, CONTEXT_LEN);
	mcim_cbor_put_bstr(&w, cmd->tre_id, sizeof(cmd->tre_id));
	mcim_cbor_put_bstr(&w, cmd->mcim_id, sizeof(cmd->mcim_id));
	mcim_cbor_put_uint(&w, cmd->counter);
	mcim_cbor_put_uint(&w, (uint64_t)cmd->cmd);
	switch (cmd->cmd) {
	case MCIM_MGMT_ACTIVATE:
		mcim_cbor_put_map(&w, 1);
		mcim_cbor_put_uint(&w, 0);
		mcim_cbor_put_bool(&w, cmd->u.swap);
		break;
	case MCIM_MGMT_SUSPEND:
	case MCIM_MGMT_RESUME:
	case MCIM_MGMT_DELETE:
		mcim_cbor_put_map(&w, 0);
		break;
	case MCIM_MGMT_RELEASE:
		mcim_cbor_put_map(&w, 2);
		mcim_cbor_put_uint(&w, R_NEW_SHO);
		mcim_cbor_put_cstr(&w, cmd->u.release.new_sho);
		mcim_cbor_put_uint(&w, R_EXP);
		mcim_cbor_put_int(&w, cmd->u.release.exp);
		break;
	case MCIM_MGMT_SET_POLICY:
		mcim_policy_write(&w, &cmd->u.policy);
		break;
	}
	return mcim_cbor_writer_finish(&w, len);
}

static mcim_err read_fixed(struct mcim_cbor_reader *r, uint8_t *out, size_t len)
{
	const uint8_t *d;
	size_t n;
	mcim_err err = mcim_cbor_read_bstr(r, &d, &n);

	if (err != MCIM_OK)
		return err;
	if (n != len)
		return MCIM_ERR_INVALID_ARG;
	memcpy(out, d, len);
	return MCIM_OK;
}

static mcim_err map_of(struct mcim_cbor_reader *r, struct mcim_cbor_map *m, size_t pairs)
{
	mcim_err err = mcim_cbor_map_open(r, m);

	if (err == MCIM_OK && m->left != pairs)
		err = MCIM_ERR_PARSE;
	return err;
}

static mcim_err key(struct mcim_cbor_reader *r, struct mcim_cbor_map *m, int64_t want)
{
	int64_t k;
	mcim_err err;

	if (!mcim_cbor_map_more(m))
		return MCIM_ERR_PARSE;
	err = mcim_cbor_map_key_int(r, m, &k);
	if (err == MCIM_OK && k != want)
		err = MCIM_ERR_PARSE;
	return err;
}

static mcim_err read_release(struct mcim_cbor_reader *r, struct mcim_mgmt *c)
{
	struct mcim_cbor_map m;
	const char *s;
	size_t n;
	mcim_err err = map_of(r, &m, 2);

	if (err == MCIM_OK)
		err = key(r, &m, R_NEW_SHO);
	if (err == MCIM_OK)
		err = mcim_cbor_read_tstr(r, &s, &n);
	if (err == MCIM_OK && n > MCIM_PROFILE_OPERATOR_MAX)
		err = MCIM_ERR_TOO_LARGE;
	if (err == MCIM_OK) {
		memcpy(c->u.release.new_sho, s, n);
		c->u.release.new_sho[n] = '\0';
		err = key(r, &m, R_EXP);
	}
	if (err == MCIM_OK)
		err = mcim_cbor_read_int(r, &c->u.release.exp);
	return err;
}

static mcim_err read_params(struct mcim_cbor_reader *r, struct mcim_mgmt *c)
{
	struct mcim_cbor_map m;
	mcim_err err;

	switch (c->cmd) {
	case MCIM_MGMT_ACTIVATE:
		err = map_of(r, &m, 1);
		if (err == MCIM_OK)
			err = key(r, &m, 0);
		if (err == MCIM_OK)
			err = mcim_cbor_read_bool(r, &c->u.swap);
		return err;
	case MCIM_MGMT_SUSPEND:
	case MCIM_MGMT_RESUME:
	case MCIM_MGMT_DELETE:
		return map_of(r, &m, 0);
	case MCIM_MGMT_RELEASE:
		return read_release(r, c);
	case MCIM_MGMT_SET_POLICY:
		return mcim_policy_read(r, &c->u.policy);
	}
	return MCIM_ERR_INVALID_ARG;
}

mcim_err mcim_mgmt_decode(const uint8_t *buf, size_t len, struct mcim_mgmt *out)
{
	struct mcim_cbor_reader r;
	struct mcim_mgmt c;
	const char *ctx;
	size_t n;
	uint64_t v;
	mcim_err err;

	MCIM_ASSERT(out != NULL && (buf != NULL || len == 0));
	memset(&c, 0, sizeof(c));
	mcim_cbor_reader_init(&r, buf, len);
	err = mcim_cbor_read_array(&r, &n);
	if (err == MCIM_OK && n != PAYLOAD_ITEMS)
		err = MCIM_ERR_PARSE;
	if (err == MCIM_OK)
		err = mcim_cbor_read_tstr(&r, &ctx, &n);
	if (err == MCIM_OK &&
	    (n != CONTEXT_LEN || memcmp(ctx, MCIM_MGMT_CONTEXT, n) != 0))
		err = MCIM_ERR_PARSE;
	if (err == MCIM_OK)
		err = read_fixed(&r, c.tre_id, sizeof(c.tre_id));
	if (err == MCIM_OK)
		err = read_fixed(&r, c.mcim_id, sizeof(c.mcim_id));
	if (err == MCIM_OK)
		err = mcim_cbor_read_uint(&r, &c.counter);
	if (err == MCIM_OK)
		err = mcim_cbor_read_uint(&r, &v);
	if (err == MCIM_OK) {
		if (v == 0 || v > MCIM_MGMT_SET_POLICY)
			return MCIM_ERR_INVALID_ARG;
		c.cmd = (enum mcim_mgmt_cmd)v;
		err = read_params(&r, &c);
	}
	if (err == MCIM_OK && mcim_cbor_remaining(&r) != 0)
		err = MCIM_ERR_PARSE;
	if (err == MCIM_OK)
		err = check(&c);
	if (err == MCIM_OK)
		*out = c;
	return err;
}

mcim_err mcim_mgmt_sign(const struct mcim_mgmt *cmd, const struct mcim_p256_priv *key,
			uint8_t *out, size_t cap, size_t *len)
{
	uint8_t payload[MCIM_MGMT_SIGNED_MAX];
	size_t plen;
	mcim_err err;

	MCIM_ASSERT(cmd != NULL && key != NULL && len != NULL &&
		    (out != NULL || cap == 0));
	err = mcim_mgmt_encode(cmd, payload, sizeof(payload), &plen);
	if (err != MCIM_OK)
		return err;
	return mcim_cose_sign1_sign(key, payload, plen, NULL, out, cap, len);
}

mcim_err mcim_mgmt_peek(const uint8_t *buf, size_t len, struct mcim_mgmt *out)
{
	struct mcim_cose_sign1 msg;
	mcim_err err;

	MCIM_ASSERT(out != NULL && (buf != NULL || len == 0));
	err = mcim_cose_sign1_peek(buf, len, &msg);
	if (err != MCIM_OK)
		return err;
	return mcim_mgmt_decode(msg.payload, msg.payload_len, out);
}

mcim_err mcim_mgmt_verify(const uint8_t *buf, size_t len, const struct mcim_p256_pub *pub,
			  struct mcim_mgmt *out)
{
	struct mcim_cose_sign1 msg;
	mcim_err err;

	MCIM_ASSERT(pub != NULL && out != NULL && (buf != NULL || len == 0));
	err = mcim_cose_sign1_verify(buf, len, NULL, 0, pub, &msg);
	if (err != MCIM_OK)
		return err;
	return mcim_mgmt_decode(msg.payload, msg.payload_len, out);
}
