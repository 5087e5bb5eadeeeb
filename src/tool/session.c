/*
 * The bench's device session (session.h): the MCIM's fixed credential, its AuC with
 * the SEQ kept as decimal text beside the device, and the attest and aka requests
 * with the checks of their answers. Files are read and written with open/read/write,
 * not stdio, so that no FILE buffer lands in the heap being measured.
 */
#include "tool/session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcim/bytes.h"
#include "mcim/rand.h"
#include "tool/devcfg.h"

#define NONCE_LEN 32

void tool_session_mcim(struct mcim_profile *p)
{
	uint8_t op[16];

	p->cred.alg = MCIM_AKA_MILENAGE;
	p->cred.k_len = 16;
	for (uint8_t i = 0; i < 16; i++) {
		p->cred.k[i] = (uint8_t)(0x46 + 3 * i);
		op[i] = (uint8_t)(0xc5 ^ (7 * i));
	}
	mcim_milenage_default_consts(&p->cred.params.milenage);
	(void)mcim_profile_set_op(p, op, sizeof(op));
	(void)mcim_profile_kcv(&p->cred, p->kcv);
	p->amf[0] = 0x80;
	p->amf[1] = 0;
	mcim_sqn_cfg_default(&p->sqn);
	mcim_wipe(op, sizeof(op));
}

mcim_err tool_session_auc_init(struct tool_session_auc *a, uint64_t seq)
{
	struct mcim_profile p;
	mcim_err err;

	memset(&p, 0, sizeof(p));
	tool_session_mcim(&p);
	a->cred = p.cred;
	a->cfg = p.sqn;
	memcpy(a->amf, p.amf, sizeof(a->amf));
	mcim_profile_wipe(&p);
	err = mcim_aka_prepare(&a->kc, &a->cred);
	if (err == MCIM_OK)
		err = mcim_sqn_he_init(&a->cfg, &a->he, seq);
	return err;
}

void tool_session_auc_wipe(struct tool_session_auc *a)
{
	mcim_aka_keyctx_wipe(&a->kc);
	mcim_wipe(&a->cred, sizeof(a->cred));
}

mcim_err tool_session_auc_load(struct tool_session_auc *a, const char *dir)
{
	char path[TOOL_DEVICE_PATH_MAX + 1], text[24], *end;
	unsigned long long seq;
	ssize_t n;
	int fd;

	if (tool_path_join(path, sizeof(path), dir, TOOL_SESSION_AUC_FILE) != MCIM_OK)
		return MCIM_ERR_INVALID_ARG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? MCIM_ERR_NOT_FOUND : MCIM_ERR_IO;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return MCIM_ERR_PARSE;
	text[n] = '\0';
	errno = 0;
	seq = strtoull(text, &end, 10);
	if (errno != 0 || end == text || (*end != '\n' && *end != '\0'))
		return MCIM_ERR_PARSE;
	return tool_session_auc_init(a, (uint64_t)seq);
}

mcim_err tool_session_auc_save(const struct tool_session_auc *a, const char *dir)
{
	char path[TOOL_DEVICE_PATH_MAX + 1], text[24];
	int fd, n, ok;

	if (tool_path_join(path, sizeof(path), dir, TOOL_SESSION_AUC_FILE) != MCIM_OK)
		return MCIM_ERR_INVALID_ARG;
	n = snprintf(text, sizeof(text), "%llu\n", (unsigned long long)a->he.seq);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return MCIM_ERR_IO;
	ok = n > 0 && write(fd, text, (size_t)n) == (ssize_t)n;
	return close(fd) == 0 && ok ? MCIM_OK : MCIM_ERR_IO;
}

mcim_err tool_session_attest_req(uint8_t *req, size_t cap, size_t *len)
{
	uint8_t nonce[NONCE_LEN];
	const struct tool_tre_arg a[2] = {
	    {"nonce", TOOL_ARG_BSTR, nonce, sizeof(nonce), 0},
	    {"mode", TOOL_ARG_TSTR, "remote", 0, 0},
	};
	mcim_err err = mcim_rng_fill(mcim_rng_system(), nonce, sizeof(nonce));

	return err != MCIM_OK ? err : tool_tre_request("attest", a, 2, req, cap, len);
}

/* The answer's result when its status is OK. */
static mcim_err answer(const uint8_t *resp, size_t len, struct tool_tre_resp *r)
{
	mcim_err err = tool_tre_response(resp, len, r);

	return err != MCIM_OK ? err : r->status;
}

mcim_err tool_session_attest_check(const uint8_t *resp, size_t len)
{
	struct tool_tre_resp r;
	const uint8_t *ev;
	size_t ev_len;
	mcim_err err = answer(resp, len, &r);

	if (err == MCIM_OK)
		err =
		    tool_cbor_get_bstr(r.result, r.result_len, "evidence", &ev, &ev_len);
	return err;
}

mcim_err tool_session_aka_req(struct tool_session_auc *a, struct mcim_auth_vector *av,
			      uint8_t *req, size_t cap, size_t *len)
{
	mcim_err err =
	    mcim_auth_generate(&a->kc, &a->cfg, &a->he, a->amf, mcim_rng_system(), av);

	if (err == MCIM_OK) {
		/* after generation: the arguments copy autn_len */
		const struct tool_tre_arg args[2] = {
		    {"autn", TOOL_ARG_BSTR, av->autn, av->autn_len, 0},
		    {"rand", TOOL_ARG_BSTR, av->rand, sizeof(av->rand), 0},
		};

		err = tool_tre_request("aka", args, 2, req, cap, len);
	}
	return err;
}

mcim_err tool_session_aka_check(const struct mcim_auth_vector *av, const uint8_t *resp,
				size_t len)
{
	struct tool_tre_resp r;
	const uint8_t *res;
	size_t res_len;
	mcim_err err = answer(resp, len, &r);

	if (err == MCIM_OK)
		err = tool_cbor_get_bstr(r.result, r.result_len, "res", &res, &res_len);
	if (err == MCIM_OK &&
	    (res_len != av->xres_len || !mcim_ct_equal(res, av->xres, res_len)))
		err = MCIM_ERR_MAC_FAILURE; /* the TRE and the AuC disagree */
	return err;
}
