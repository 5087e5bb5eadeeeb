/*
 * The TRE's command interface: strict decoding of a request, THE access table (which
 * command runs in which TRE state, and who may call it), the response envelope, and
 * the commands that only report (status, identity, mcim-list, audit-head,
 * tamper-reports) or maintain the audit and tamper queue. Each other command lives in
 * the file of its subject (tre_pin.c, tre_fw.c, tre_mcim.c, tre_mfg.c).
 *
 * Every entry point of the TRE is a row of the table below (R-TRE-G01): a request
 * naming anything else is refused before any code of the TRE runs for it.
 */
#include "tre/tre_int.h"
#include "core/check.h"
#include "tre/tre_dl.h"

#include <stdio.h>
#include <string.h>

#include "mcim/bytes.h"

/* TRE states a command runs in, as bits. */
#define S_FAILED   (1u << MCIM_TRE_FAILED)
#define S_UNISSUED (1u << MCIM_TRE_UNISSUED)
#define S_BAD_BOOT (1u << MCIM_TRE_BAD_BOOT)
#define S_READY	   (1u << MCIM_TRE_READY)
#define S_ISSUED   (S_BAD_BOOT | S_READY)
#define S_ALL	   (S_FAILED | S_UNISSUED | S_ISSUED)

#define SESSION_ARG                                                                      \
	{                                                                                \
		"session", TRE_ARG_BSTR, true, TRE_SESSION_LEN, TRE_SESSION_LEN          \
	}

struct tre_cmd {
	const char *name;
	tre_cmd_fn run;
	enum tre_access access;
	unsigned states;
	bool changes; /* may change state: a refusal is audited */
	const struct tre_arg_spec *args;
	size_t nargs;
};

static const struct tre_arg_spec a_attest[] = {
    {"nonce", TRE_ARG_BSTR, true, 32, 32},
    {"mode", TRE_ARG_TSTR, true, 1, 16},
};
static const struct tre_arg_spec a_aka[] = {
    {"rand", TRE_ARG_BSTR, true, 16, 16},
    {"autn", TRE_ARG_BSTR, true, 8, MCIM_AKA_AUTN_MAX},
    {"kind", TRE_ARG_TSTR, false, 2, 3},
    {"plmn", TRE_ARG_BSTR, false, MCIM_PLMN_LEN, MCIM_PLMN_LEN},
    {"snn", TRE_ARG_TSTR, false, 1, MCIM_SNN_MAX},
    {"target", TRE_ARG_TSTR, false, 4, 4},
};
static const struct tre_arg_spec a_install[] = {
    {"package", TRE_ARG_BSTR, true, 1, MCIM_TRE_MSG_MAX},
};
static const struct tre_arg_spec a_mgmt[] = {
    {"command", TRE_ARG_BSTR, true, 1, 2048},
};
static const struct tre_arg_spec a_fw_update[] = {
    {"manifest", TRE_ARG_BSTR, true, 1, TRE_STORE_VALUE_MAX},
};
static const struct tre_arg_spec a_pin_verify[] = {
    {"pin", TRE_ARG_TSTR, true, 1, TRE_PIN_MAX},
};
/* A maintenance command's session is its first argument (run_command reads it). */
static const struct tre_arg_spec a_pin_change[] = {
    SESSION_ARG,
    {"new_pin", TRE_ARG_TSTR, true, TRE_PIN_MIN, TRE_PIN_MAX},
};
static const struct tre_arg_spec a_tamper_ack[] = {
    SESSION_ARG,
    {"seq", TRE_ARG_UINT, true, 0, UINT64_MAX},
};
static const struct tre_arg_spec a_session[] = {SESSION_ARG};
static const struct tre_arg_spec a_mfg_issue[] = {
    {"cert", TRE_ARG_BSTR, true, 1, MCIM_CERT_MAX_LEN},
    {"ca", TRE_ARG_BSTR, true, 1, MCIM_CERT_MAX_LEN},
    {"ci", TRE_ARG_BSTR, true, 1, MCIM_CERT_MAX_LEN},
    {"manifest", TRE_ARG_BSTR, true, 1, TRE_STORE_VALUE_MAX},
    {"platform_id", TRE_ARG_TSTR, true, 1, TRE_PLATFORM_ID_MAX},
    {"model", TRE_ARG_TSTR, true, 1, TRE_MODEL_MAX},
    {"pcid_imsi", TRE_ARG_TSTR, true, 6, 15},
    {"pcid_k", TRE_ARG_BSTR, true, 16, 16},
    {"pcid_opc", TRE_ARG_BSTR, true, 16, 16},
    {"pin", TRE_ARG_TSTR, true, TRE_PIN_MIN, TRE_PIN_MAX},
    {"pin_tries", TRE_ARG_UINT, true, 1, TRE_PIN_TRIES_MAX},
};

/* The largest argument list; struct tre_args holds TRE_ARGS_MAX. */
_Static_assert(sizeof(a_mfg_issue) / sizeof(a_mfg_issue[0]) <= TRE_ARGS_MAX,
	       "TRE_ARGS_MAX");

#define ARGS(a) a, sizeof(a) / sizeof(a[0])
#define NO_ARGS NULL, 0

/* THE access table. docs/tre.md repeats it with each command's arguments and result. */
static const struct tre_cmd commands[] = {
    {"status", tre_cmd_status, TRE_ACC_AGENT, S_ALL, false, NO_ARGS},
    {"tamper-reports", tre_cmd_tamper_list, TRE_ACC_AGENT, S_ALL, false, NO_ARGS},
    {"identity", tre_cmd_identity, TRE_ACC_AGENT, S_ISSUED, false, NO_ARGS},
    {"attest", tre_cmd_attest, TRE_ACC_AGENT, S_ISSUED, false, ARGS(a_attest)},
    {"audit-head", tre_cmd_audit_head, TRE_ACC_AGENT, S_ISSUED, false, NO_ARGS},
    {"mcim-list", tre_cmd_list, TRE_ACC_AGENT, S_READY, false, NO_ARGS},
    {"aka", tre_cmd_aka, TRE_ACC_AGENT, S_READY, true, ARGS(a_aka)},
    {"install", tre_cmd_install, TRE_ACC_SIGNED, S_READY, true, ARGS(a_install)},
    {"mgmt", tre_cmd_mgmt, TRE_ACC_SIGNED, S_READY, true, ARGS(a_mgmt)},
    {"dl-discover", tre_cmd_dl_discover, TRE_ACC_AGENT, S_READY, true, NO_ARGS},
    {"dl-m1", tre_cmd_dl_m1, TRE_ACC_AGENT, S_READY, true, ARGS(tre_dl_m1_args)},
    {"dl-m3", tre_cmd_dl_m3, TRE_ACC_SIGNED, S_READY, true, ARGS(tre_dl_m3_args)},
    {"dl-install", tre_cmd_dl_install, TRE_ACC_SIGNED, S_READY, true,
     ARGS(tre_dl_install_args)},
    {"mgmt-signed", tre_cmd_mgmt_signed, TRE_ACC_SIGNED, S_READY, true, ARGS(a_mgmt)},
    {"attach", tre_cmd_attach, TRE_ACC_AGENT, S_READY, true, ARGS(tre_dl_attach_args)},
    {"attach-confirm", tre_cmd_attach_confirm, TRE_ACC_AGENT, S_READY, true,
     ARGS(tre_dl_confirm_args)},
    {"fw-update", tre_cmd_fw_update, TRE_ACC_SIGNED, S_ISSUED, true, ARGS(a_fw_update)},
    {"fw-confirm", tre_cmd_fw_confirm, TRE_ACC_AGENT, S_READY, true, NO_ARGS},
    {"pin-verify", tre_cmd_pin_verify, TRE_ACC_AGENT, S_ISSUED, true, ARGS(a_pin_verify)},
    {"pin-change", tre_cmd_pin_change, TRE_ACC_MAINTENANCE, S_ISSUED, true,
     ARGS(a_pin_change)},
    {"pin-logout", tre_cmd_pin_logout, TRE_ACC_AGENT, S_ISSUED, false, NO_ARGS},
    {"tamper-ack", tre_cmd_tamper_ack, TRE_ACC_MAINTENANCE, S_ISSUED, true,
     ARGS(a_tamper_ack)},
    {"audit-checkpoint", tre_cmd_audit_checkpoint, TRE_ACC_MAINTENANCE, S_ISSUED, true,
     ARGS(a_session)},
    {"mfg-keys", tre_cmd_mfg_keys, TRE_ACC_FACTORY, S_UNISSUED, true, NO_ARGS},
    {"mfg-issue", tre_cmd_mfg_issue, TRE_ACC_FACTORY, S_UNISSUED, true,
     ARGS(a_mfg_issue)},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct tre_cmd *find_cmd(const char *name, size_t len)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strlen(commands[i].name) == len &&
		    memcmp(commands[i].name, name, len) == 0)
			return &commands[i];
	return NULL;
}

/* Reads one argument's value per its spec. */
static mcim_err read_arg(struct mcim_cbor_reader *r, const struct tre_arg_spec *s,
			 struct tre_arg *v)
{
	const char *text;
	mcim_err err;

	switch (s->type) {
	case TRE_ARG_BSTR:
		err = mcim_cbor_read_bstr(r, &v->data, &v->len);
		break;
	case TRE_ARG_TSTR:
		err = mcim_cbor_read_tstr(r, &text, &v->len);
		v->data = (const uint8_t *)text;
		break;
	case TRE_ARG_UINT:
		err = mcim_cbor_read_uint(r, &v->u);
		if (err == MCIM_OK && (v->u < s->min || v->u > s->max))
			return MCIM_ERR_INVALID_ARG;
		v->present = err == MCIM_OK;
		return err;
	case TRE_ARG_BOOL:
		err = mcim_cbor_read_bool(r, &v->b);
		v->present = err == MCIM_OK;
		return err;
	default:
		err = mcim_cbor_read_item(r, &v->data, &v->len);
		break;
	}
	if (err != MCIM_OK)
		return err;
	if (s->type != TRE_ARG_ANY && (v->len < s->min || v->len > s->max))
		return MCIM_ERR_INVALID_ARG;
	v->present = true;
	return MCIM_OK;
}

static mcim_err read_args(struct mcim_cbor_reader *r, const struct tre_cmd *c,
			  struct tre_args *a)
{
	struct mcim_cbor_map m;
	size_t n = c->nargs;
	mcim_err err;

	err = mcim_cbor_map_open(r, &m);
	if (err != MCIM_OK)
		return err;
	while (mcim_cbor_map_more(&m)) {
		const char *key;
		size_t key_len, i;

		err = mcim_cbor_map_key_tstr(r, &m, &key, &key_len);
		if (err != MCIM_OK)
			return err;
		for (i = 0; i < n; i++)
			if (strlen(c->args[i].name) == key_len &&
			    memcmp(c->args[i].name, key, key_len) == 0)
				break;
		if (i == n)
			return MCIM_ERR_INVALID_ARG; /* an argument the command does not
							take */
		err = read_arg(r, &c->args[i], &a->v[i]);
		if (err != MCIM_OK)
			return err;
	}
	for (size_t i = 0; i < n; i++)
		if (c->args[i].required && !a->v[i].present)
			return MCIM_ERR_INVALID_ARG;
	return MCIM_OK;
}

/* {"cmd": name, "args": {...}} ("args" optional), nothing after it. */
static mcim_err decode_request(const uint8_t *req, size_t len, const struct tre_cmd **cmd,
			       struct tre_args *a)
{
	struct mcim_cbor_reader r;
	struct mcim_cbor_map m;
	const char *key, *name;
	size_t key_len, name_len;
	bool have_args = false;
	mcim_err err;

	*cmd = NULL;
	memset(a, 0, sizeof(*a));
	mcim_cbor_reader_init(&r, req, len);
	err = mcim_cbor_map_open(&r, &m);
	if (err != MCIM_OK)
		return err;
	if (m.left < 1 || m.left > 2)
		return MCIM_ERR_PARSE;
	err = mcim_cbor_map_key_tstr(&r, &m, &key, &key_len);
	if (err != MCIM_OK)
		return err;
	if (key_len != 3 || memcmp(key, "cmd", 3) != 0)
		return MCIM_ERR_PARSE;
	err = mcim_cbor_read_tstr(&r, &name, &name_len);
	if (err != MCIM_OK)
		return err;
	*cmd = find_cmd(name, name_len);
	if (*cmd == NULL)
		return MCIM_ERR_UNSUPPORTED;
	if (mcim_cbor_map_more(&m)) {
		err = mcim_cbor_map_key_tstr(&r, &m, &key, &key_len);
		if (err != MCIM_OK)
			return err;
		if (key_len != 4 || memcmp(key, "args", 4) != 0)
			return MCIM_ERR_PARSE;
		err = read_args(&r, *cmd, a);
		if (err != MCIM_OK)
			return err;
		have_args = true;
	}
	if (mcim_cbor_remaining(&r) != 0)
		return MCIM_ERR_PARSE;
	if (!have_args)
		for (size_t i = 0; i < (*cmd)->nargs; i++)
			if ((*cmd)->args[i].required)
				return MCIM_ERR_INVALID_ARG;
	return MCIM_OK;
}

/* Why cmd does not run in the TRE's state, or MCIM_OK. */
static mcim_err state_check(const struct tre_int *t, const struct tre_cmd *c)
{
	if (c->states & (1u << t->state))
		return MCIM_OK;
	switch (t->state) {
	case MCIM_TRE_FAILED:
		return t->cause;
	case MCIM_TRE_BAD_BOOT:
		return MCIM_ERR_BAD_BOOT;
	case MCIM_TRE_READY:
		return MCIM_ERR_DENIED; /* manufacture after issue */
	default:
		return MCIM_ERR_STATE;
	}
}

static void audit_refusal(struct tre_int *t, const struct tre_cmd *c, mcim_err err)
{
	char detail[96];
	struct tre_ev ev = {
	    .type = MCIM_AUDIT_EV_COMMAND_REFUSED,
	    .outcome = err,
	    .subject = (const uint8_t *)c->name,
	    .subject_len = strlen(c->name),
	    .detail = detail,
	};

	snprintf(detail, sizeof(detail), "%s refused: %s", c->name, mcim_err_name(err));
	tre_audit(t, &ev);
}

static mcim_err run_command(struct tre_int *t, const struct tre_cmd *c,
			    const struct tre_args *a, struct mcim_cbor_writer *res)
{
	mcim_err err = state_check(t, c);

	if (err != MCIM_OK) {
		if (err == MCIM_ERR_DENIED)
			audit_refusal(t, c, err);
		return err;
	}
	if (c->access == TRE_ACC_MAINTENANCE) {
		err = tre_session_check(t, a->v[0].data, a->v[0].len);
		if (err != MCIM_OK) {
			audit_refusal(t, c, MCIM_ERR_DENIED);
			return MCIM_ERR_DENIED;
		}
	}
	t->audited = false;
	err = c->run(t, a, res);
	if (err != MCIM_OK && c->changes && !t->audited)
		audit_refusal(t, c, err);
	return err;
}

mcim_err mcim_tre_call(struct mcim_tre *tre, const uint8_t *req, size_t req_len,
		       uint8_t *resp, size_t cap, size_t *resp_len)
{
	struct tre_int *t;
	const struct tre_cmd *c;
	struct tre_args a;
	struct mcim_cbor_writer res, w;
	size_t res_len = 0;
	mcim_err status, err;

	MCIM_ASSERT(tre != NULL && resp != NULL && resp_len != NULL);
	MCIM_ASSERT(req != NULL || req_len == 0);
	t = tre_int_of(tre);
	if (t->state == MCIM_TRE_CLOSED)
		return MCIM_ERR_STATE;
	mcim_cbor_writer_init(&res, t->result, sizeof(t->result));
	status = req_len > MCIM_TRE_MSG_MAX ? MCIM_ERR_TOO_LARGE
					    : decode_request(req, req_len, &c, &a);
	if (status == MCIM_OK)
		status = run_command(t, c, &a, &res);
	if (mcim_cbor_writer_finish(&res, &res_len) != MCIM_OK) {
		/* A result that does not fit the envelope's bound is a bug of the TRE. */
		status = MCIM_ERR_INTERNAL;
		res_len = 0;
	}

	mcim_cbor_writer_init(&w, resp, cap);
	mcim_cbor_put_map(&w, 3);
	mcim_cbor_put_key_cstr(&w, "error", mcim_err_name(status));
	mcim_cbor_put_cstr(&w, "result");
	if (res_len > 0)
		mcim_cbor_put_raw(&w, t->result, res_len);
	else
		mcim_cbor_put_null(&w);
	mcim_cbor_put_key_uint(&w, "status", (uint64_t)status);
	mcim_wipe(t->result, res_len);
	err = mcim_cbor_writer_finish(&w, resp_len);
	if (err != MCIM_OK)
		mcim_wipe(resp, cap);
	return err;
}

/* ---- status ---- */

static void put_null_or_map(struct mcim_cbor_writer *w, bool present, size_t pairs)
{
	if (present)
		mcim_cbor_put_map(w, pairs);
	else
		mcim_cbor_put_null(w);
}

static void put_boot(struct tre_int *t, struct mcim_cbor_writer *w)
{
	const struct tre_boot *b = &t->boot;
	uint32_t floor, seq;
	bool pending;

	tre_fw_info(t, &floor, &seq, &pending);
	mcim_cbor_put_map(w, 8);
	mcim_cbor_put_key_uint(w, "floor", floor);
	mcim_cbor_put_key_cstr(w, "state", b->state == MCIM_BOOT_GOOD ? "good" : "bad");
	mcim_cbor_put_key_bool(w, "trial", t->fw_trial);
	mcim_cbor_put_cstr(w, "failed");
	mcim_cbor_put_array(w, b->n_failed);
	for (size_t i = 0; i < b->n_failed; i++) {
		mcim_cbor_put_array(w, 2);
		mcim_cbor_put_cstr(w, b->failed[i].name);
		mcim_cbor_put_cstr(w, mcim_boot_reason_name(b->failed[i].reason));
	}
	mcim_cbor_put_key_bool(w, "pending", pending);
	mcim_cbor_put_key_cstr(w, "manifest", mcim_boot_reason_name(b->manifest_reason));
	mcim_cbor_put_key_uint(
	    w, "sequence", b->manifest_reason == MCIM_BOOT_OK ? b->manifest.sequence : 0);
	mcim_cbor_put_key_uint(
	    w, "security_version",
	    b->manifest_reason == MCIM_BOOT_OK ? b->manifest.security_version : 0);
}

mcim_err tre_cmd_status(struct tre_int *t, const struct tre_args *a,
			struct mcim_cbor_writer *w)
{
	bool issued = t->state == MCIM_TRE_READY || t->state == MCIM_TRE_BAD_BOOT;
	bool pin_set = false;
	unsigned left = 0, limit = 0;
	struct tre_counters c;
	struct tre_mcim_info infos[TRE_MCIM_MAX + TRE_MCIM_TOMBSTONES];
	struct tre_mcim_info active;
	size_t n = 0, live = 0, queued = 0;
	uint64_t next;
	bool have_list = false, have_active = false;

	(void)a;
	if (issued) {
		tre_pin_info(t, &pin_set, &left, &limit);
		if (tre_registry_list(&t->st, t->tre_id, infos,
				      sizeof(infos) / sizeof(infos[0]), &n) == MCIM_OK) {
			have_list = true;
			for (size_t i = 0; i < n && i < sizeof(infos) / sizeof(infos[0]);
			     i++)
				if (infos[i].state != TRE_MCIM_DELETED)
					live++;
		}
		have_active = tre_registry_active(&t->st, t->tre_id, &active) == MCIM_OK;
	}
	tre_counters_get(t, &c);
	if (tre_tamper_count(t, &queued, &next) != MCIM_OK)
		queued = 0;

	mcim_cbor_put_map(w, 14);
	mcim_cbor_put_cstr(w, "pin");
	put_null_or_map(w, issued, 3);
	if (issued) {
		mcim_cbor_put_key_bool(w, "set", pin_set);
		mcim_cbor_put_key_uint(w, "left", left);
		mcim_cbor_put_key_uint(w, "limit", limit);
	}
	mcim_cbor_put_cstr(w, "boot");
	if (issued)
		put_boot(t, w);
	else
		mcim_cbor_put_null(w);
	mcim_cbor_put_cstr(w, "audit");
	if (t->audit_open) {
		struct mcim_audit_head h;

		mcim_audit_head(&t->audit, &h);
		mcim_cbor_put_uint(w, h.seq);
	} else {
		mcim_cbor_put_null(w);
	}
	mcim_cbor_put_key_cstr(w, "cause", mcim_err_name(t->cause));
	mcim_cbor_put_cstr(w, "mcims");
	if (have_list)
		mcim_cbor_put_uint(w, live);
	else
		mcim_cbor_put_null(w);
	mcim_cbor_put_key_cstr(w, "model", t->model);
	mcim_cbor_put_key_cstr(w, "state", mcim_tre_state_name(t->state));
	mcim_cbor_put_cstr(w, "active");
	if (have_active)
		mcim_cbor_put_bstr(w, active.id, sizeof(active.id));
	else
		mcim_cbor_put_null(w);
	mcim_cbor_put_key_cstr(w, "detail", t->cause_detail);
	mcim_cbor_put_key_bstr(w, "tre_id", t->tre_id, TRE_ID_LEN);
	mcim_cbor_put_key_cstr(w, "backend", mcim_cert_backend_name(t->backend));
	mcim_cbor_put_cstr(w, "counters");
	put_null_or_map(w, t->store_open, 4);
	if (t->store_open) {
		mcim_cbor_put_key_uint(w, "boots", c.boots);
		mcim_cbor_put_key_uint(w, "tampers", c.tampers);
		mcim_cbor_put_key_uint(w, "generation", tre_store_generation(&t->st));
		mcim_cbor_put_key_uint(w, "failed_auths", c.failed_auths);
	}
	mcim_cbor_put_key_cstr(w, "platform_id", t->platform_id);
	mcim_cbor_put_key_uint(w, "tamper_queue", queued);
	return MCIM_OK;
}

/* ---- identity ---- */

mcim_err tre_cmd_identity(struct tre_int *t, const struct tre_args *a,
			  struct mcim_cbor_writer *w)
{
	struct mcim_iov chain[2];
	char imsi[16];
	size_t n, len;
	uint8_t pcid[1 + 15];
	mcim_err err;

	(void)a;
	err = tre_chain(t, t->scratch, sizeof(t->scratch), chain, &n);
	if (err != MCIM_OK)
		return err;
	/* The PCID record starts with its IMSI: length, digits (tre_mfg.c). */
	err = tre_store_get(&t->st, TRE_KEY_PCID, strlen(TRE_KEY_PCID), t->scratch + 8192,
			    1024, &len);
	if (err != MCIM_OK)
		return err;
	memcpy(pcid, t->scratch + 8192, sizeof(pcid));
	mcim_wipe(t->scratch + 8192, len);
	if (pcid[0] > 15)
		return MCIM_ERR_TAMPERED;
	memcpy(imsi, pcid + 1, pcid[0]);
	imsi[pcid[0]] = '\0';

	mcim_cbor_put_map(w, 8);
	mcim_cbor_put_key_cstr(w, "pcid", imsi);
	mcim_cbor_put_cstr(w, "chain");
	mcim_cbor_put_array(w, n);
	for (size_t i = 0; i < n; i++)
		mcim_cbor_put_bstr(w, chain[i].data, chain[i].len);
	mcim_cbor_put_key_cstr(w, "model", t->model);
	mcim_cbor_put_key_bstr(w, "id_pub", t->id_pub.q, sizeof(t->id_pub.q));
	mcim_cbor_put_key_bstr(w, "ka_pub", t->ka_pub.q, sizeof(t->ka_pub.q));
	mcim_cbor_put_key_bstr(w, "tre_id", t->tre_id, TRE_ID_LEN);
	mcim_cbor_put_key_cstr(w, "backend", mcim_cert_backend_name(t->backend));
	mcim_cbor_put_key_cstr(w, "platform_id", t->platform_id);
	return MCIM_OK;
}

/* ---- mcim-list ---- */

mcim_err tre_cmd_list(struct tre_int *t, const struct tre_args *a,
		      struct mcim_cbor_writer *w)
{
	struct tre_mcim_info infos[TRE_MCIM_MAX + TRE_MCIM_TOMBSTONES];
	size_t n, cap = sizeof(infos) / sizeof(infos[0]);
	mcim_err err;

	(void)a;
	err = tre_registry_list(&t->st, t->tre_id, infos, cap, &n);
	if (err != MCIM_OK)
		return err;
	if (n > cap)
		n = cap;
	mcim_cbor_put_map(w, 1);
	mcim_cbor_put_cstr(w, "mcims");
	mcim_cbor_put_array(w, n);
	for (size_t i = 0; i < n; i++) {
		const struct tre_mcim_info *m = &infos[i];
		const struct mcim_aka_alg *alg = mcim_aka_alg_find(m->alg);

		mcim_cbor_put_map(w, 10);
		mcim_cbor_put_key_bstr(w, "id", m->id, sizeof(m->id));
		mcim_cbor_put_key_cstr(w, "sho", m->sho);
		mcim_cbor_put_key_cstr(w, "imsi", m->imsi);
		mcim_cbor_put_key_cstr(w, "state", tre_mcim_state_name(m->state));
		mcim_cbor_put_key_uint(w, "allowed", m->policy.allowed);
		mcim_cbor_put_key_uint(w, "version", m->version);
		mcim_cbor_put_key_bool(w, "released", m->released);
		mcim_cbor_put_key_cstr(w, "algorithm", alg != NULL ? alg->name : "");
		mcim_cbor_put_key_uint(w, "mac_failures", m->mac_failures);
		mcim_cbor_put_key_uint(w, "mgmt_counter", m->mgmt_counter);
	}
	return MCIM_OK;
}

/* ---- audit ---- */

mcim_err tre_cmd_audit_head(struct tre_int *t, const struct tre_args *a,
			    struct mcim_cbor_writer *w)
{
	struct mcim_audit_head h;

	(void)a;
	if (!t->audit_open)
		return MCIM_ERR_STATE;
	mcim_audit_head(&t->audit, &h);
	mcim_cbor_put_map(w, 4);
	mcim_cbor_put_key_uint(w, "seq", h.seq);
	mcim_cbor_put_key_bstr(w, "hash", h.hash, sizeof(h.hash));
	mcim_cbor_put_key_bstr(w, "log_id", t->log_id, sizeof(t->log_id));
	mcim_cbor_put_key_bool(w, "synced", t->audit_synced);
	return MCIM_OK;
}

mcim_err tre_cmd_audit_checkpoint(struct tre_int *t, const struct tre_args *a,
				  struct mcim_cbor_writer *w)
{
	uint64_t seq;
	mcim_err err;

	(void)a;
	/* The pending record first: nothing may follow its head before it. */
	err = tre_tx_begin(t);
	if (err != MCIM_OK)
		return err;
	tre_tx_abort(t);
	err = mcim_audit_checkpoint(&t->audit, tre_now(t), &seq);
	if (err != MCIM_OK)
		return err;
	t->audited = true;
	mcim_cbor_put_map(w, 1);
	mcim_cbor_put_key_uint(w, "seq", seq);
	return MCIM_OK;
}

/* ---- tamper reports ---- */

mcim_err tre_cmd_tamper_list(struct tre_int *t, const struct tre_args *a,
			     struct mcim_cbor_writer *w)
{
	(void)a;
	return tre_tamper_list(t, w);
}

mcim_err tre_cmd_tamper_ack(struct tre_int *t, const struct tre_args *a,
			    struct mcim_cbor_writer *w)
{
	size_t n;
	char detail[64];
	struct tre_ev ev = {.type = TRE_EV_TAMPER_ACK, .detail = detail};
	mcim_err err;

	err = tre_tamper_ack(t, a->v[1].u, &n);
	if (err != MCIM_OK)
		return err;
	snprintf(detail, sizeof(detail), "up to %llu: %zu dropped",
		 (unsigned long long)a->v[1].u, n);
	tre_audit(t, &ev);
	mcim_cbor_put_map(w, 1);
	mcim_cbor_put_key_uint(w, "dropped", n);
	return MCIM_OK;
}
