/*
 * Runs JSON test-data files through libmcim. One row per algorithm: a loader that
 * turns a set into inputs and expected outputs (every field checked, every failure
 * named by file, set and field) and a runner that computes and compares. Results are
 * held back until the last set has loaded, so that a malformed set anywhere rejects
 * the file before anything is reported.
 */
#include "tool/vectors.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcim/aka.h"
#include "mcim/auth.h"
#include "mcim/bytes.h"
#include "mcim/kdf.h"
#include "mcim/sqn.h"
#include "tool/vecfile.h"

#define EXPECT_MAX	9   /* outputs of one set: opc and f1..f5star */
#define KDF_KEY_MAX	256 /* longer than any key 3GPP feeds the KDF (CK'||IK' is 32) */
#define KDF_PARAM_CAP	256 /* a serving network name is at most 255 octets */
#define RESYNC_AUTS_LEN (MCIM_AKA_SQN_LEN + 8) /* MILENAGE's MAC-S is 8 octets */

struct expect {
	const char *field;
	uint8_t value[VECTORS_VALUE_MAX];
	size_t len;
};

/* Everything one set holds, for any algorithm. Secret (K, OPc): wiped after use. */
struct set_data {
	struct mcim_aka_cred cred;
	uint8_t op[32]; /* OP or TOP when the set gives it: OPc/TOPc is then derived */
	int has_op;
	uint8_t rand[MCIM_AKA_RAND_LEN], sqn[MCIM_AKA_SQN_LEN], amf[MCIM_AKA_AMF_LEN];
	uint8_t auts[RESYNC_AUTS_LEN];
	uint8_t key[KDF_KEY_MAX];
	size_t key_len;
	uint8_t fc;
	uint8_t p[MCIM_KDF_PARAMS_MAX][KDF_PARAM_CAP];
	size_t p_len[MCIM_KDF_PARAMS_MAX], np;
	struct expect exp[EXPECT_MAX];
	size_t nexp;
};

struct runner {
	const char *algorithm;
	mcim_err (*load)(struct vecfile *vf, size_t set, struct set_data *d);
	void (*run)(struct set_data *d, struct vectors_result *r);
};

/* A failure of a set's field, in vecfile's own format so all messages read alike. */
static mcim_err field_error(struct vecfile *vf, size_t set, const char *field,
			    mcim_err err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static mcim_err field_error(struct vecfile *vf, size_t set, const char *field,
			    mcim_err err, const char *fmt, ...)
{
	char name[32];
	va_list ap;
	int n =
	    snprintf(vf->err, sizeof(vf->err), "%s: set \"%s\": field \"%s\": ", vf->path,
		     vecfile_set_name(vf, set, name, sizeof(name)), field);

	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(vf->err))
		vsnprintf(vf->err + n, sizeof(vf->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return err;
}

/* Adds the field as an expected output of len octets when the set has it. */
static mcim_err load_expect(struct vecfile *vf, size_t set, struct set_data *d,
			    const char *field, size_t len)
{
	struct expect *e;
	mcim_err err;

	if (!vecfile_has(vf, set, field))
		return MCIM_OK;
	assert(d->nexp < EXPECT_MAX && len <= VECTORS_VALUE_MAX);
	e = &d->exp[d->nexp];
	err = vecfile_hex(vf, set, field, e->value, len);
	if (err != MCIM_OK)
		return err;
	e->field = field;
	e->len = len;
	d->nexp++;
	return MCIM_OK;
}

/*
 * OP|OPc (or TOP|TOPc) of len octets: with only OPc it goes straight into the
 * credential; with OP it is derived at run time, and a given OPc becomes an output.
 */
static mcim_err load_op(struct vecfile *vf, size_t set, struct set_data *d,
			const char *op, const char *opc, size_t len)
{
	mcim_err err;

	d->has_op = vecfile_has(vf, set, op);
	if (d->has_op) {
		err = vecfile_hex(vf, set, op, d->op, len);
		if (err == MCIM_OK)
			err = load_expect(vf, set, d, opc, len);
		return err;
	}
	if (!vecfile_has(vf, set, opc))
		return field_error(vf, set, opc, MCIM_ERR_PARSE,
				   "missing (and no \"%s\")", op);
	return vecfile_hex(vf, set, opc, d->cred.opc, len);
}

static mcim_err load_common(struct vecfile *vf, size_t set, struct set_data *d, int sqn)
{
	mcim_err err = vecfile_hex(vf, set, "rand", d->rand, sizeof(d->rand));

	if (err == MCIM_OK && sqn)
		err = vecfile_hex(vf, set, "sqn", d->sqn, sizeof(d->sqn));
	if (err == MCIM_OK && sqn)
		err = vecfile_hex(vf, set, "amf", d->amf, sizeof(d->amf));
	return err;
}

static mcim_err need_output(struct vecfile *vf, size_t set, const struct set_data *d,
			    const char *which)
{
	if (d->nexp > 0)
		return MCIM_OK;
	return field_error(vf, set, which, MCIM_ERR_PARSE,
			   "missing: the set expects no output at all");
}

static mcim_err load_milenage_cred(struct vecfile *vf, size_t set, struct set_data *d)
{
	static const char *const r_names[5] = {"r1", "r2", "r3", "r4", "r5"};
	static const char *const c_names[5] = {"c1", "c2", "c3", "c4", "c5"};
	struct mcim_milenage_consts *mc = &d->cred.params.milenage;
	mcim_err err;

	d->cred.alg = MCIM_AKA_MILENAGE;
	d->cred.k_len = 16;
	mcim_milenage_default_consts(mc);
	err = vecfile_hex(vf, set, "k", d->cred.k, 16);
	if (err == MCIM_OK)
		err = load_op(vf, set, d, "op", "opc", 16);
	for (int i = 0; i < 5 && err == MCIM_OK; i++) {
		unsigned long r;

		if (vecfile_has(vf, set, r_names[i])) {
			err = vecfile_uint(vf, set, r_names[i], 127, &r);
			mc->r[i] = (uint8_t)r;
		}
		if (err == MCIM_OK && vecfile_has(vf, set, c_names[i]))
			err = vecfile_hex(vf, set, c_names[i], mc->c[i], 16);
	}
	return err;
}

static mcim_err load_milenage(struct vecfile *vf, size_t set, struct set_data *d)
{
	static const struct {
		const char *field;
		size_t len;
	} outs[] = {{"f1", 8},	{"f1star", 8}, {"f2", 8},    {"f3", 16},
		    {"f4", 16}, {"f5", 6},     {"f5star", 6}};
	mcim_err err = load_milenage_cred(vf, set, d);

	if (err == MCIM_OK)
		err = load_common(vf, set, d, 1);
	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]) && err == MCIM_OK; i++)
		err = load_expect(vf, set, d, outs[i].field, outs[i].len);
	return err == MCIM_OK ? need_output(vf, set, d, "f2") : err;
}

/* A length in bits that must be one of the values in allowed (0-terminated). */
static mcim_err load_bits(struct vecfile *vf, size_t set, const char *field,
			  const uint16_t *allowed, uint16_t *out)
{
	unsigned long v;
	mcim_err err = vecfile_uint(vf, set, field, 65535, &v);

	if (err != MCIM_OK)
		return err;
	for (size_t i = 0; allowed[i] != 0; i++)
		if (v == allowed[i]) {
			*out = (uint16_t)v;
			return MCIM_OK;
		}
	return field_error(vf, set, field, MCIM_ERR_INVALID_ARG,
			   "%lu is not a length TS 35.231 allows", v);
}

static mcim_err load_tuak(struct vecfile *vf, size_t set, struct set_data *d)
{
	static const uint16_t mac_bits[] = {64, 128, 256, 0};
	static const uint16_t res_bits[] = {32, 64, 128, 256, 0};
	static const uint16_t key_bits[] = {128, 256, 0};
	struct mcim_tuak_params *tp = &d->cred.params.tuak;
	unsigned long iters = 1;
	size_t k_len;
	mcim_err err;

	d->cred.alg = MCIM_AKA_TUAK;
	err = vecfile_hex_var(vf, set, "k", d->cred.k, sizeof(d->cred.k), &k_len);
	if (err == MCIM_OK && k_len != 16 && k_len != 32)
		err = field_error(vf, set, "k", MCIM_ERR_INVALID_ARG,
				  "%zu octets, expected 16 or 32", k_len);
	d->cred.k_len = (uint8_t)k_len;
	if (err == MCIM_OK)
		err = load_op(vf, set, d, "top", "topc", 32);
	if (err == MCIM_OK)
		err = load_common(vf, set, d, 1);
	if (err == MCIM_OK && vecfile_has(vf, set, "keccak_iterations")) {
		err = vecfile_uint(vf, set, "keccak_iterations", 255, &iters);
		if (err == MCIM_OK && iters == 0)
			err = field_error(vf, set, "keccak_iterations",
					  MCIM_ERR_INVALID_ARG, "0 is not in 1..255");
	}
	tp->keccak_iterations = (uint8_t)iters;
	if (err == MCIM_OK)
		err = load_bits(vf, set, "mac_len_bits", mac_bits, &tp->mac_bits);
	if (err == MCIM_OK)
		err = load_bits(vf, set, "res_len_bits", res_bits, &tp->res_bits);
	if (err == MCIM_OK)
		err = load_bits(vf, set, "ck_len_bits", key_bits, &tp->ck_bits);
	if (err == MCIM_OK)
		err = load_bits(vf, set, "ik_len_bits", key_bits, &tp->ik_bits);
	if (err == MCIM_OK)
		err = load_expect(vf, set, d, "f1", tp->mac_bits / 8u);
	if (err == MCIM_OK)
		err = load_expect(vf, set, d, "f1star", tp->mac_bits / 8u);
	if (err == MCIM_OK)
		err = load_expect(vf, set, d, "f2", tp->res_bits / 8u);
	if (err == MCIM_OK)
		err = load_expect(vf, set, d, "f3", tp->ck_bits / 8u);
	if (err == MCIM_OK)
		err = load_expect(vf, set, d, "f4", tp->ik_bits / 8u);
	if (err == MCIM_OK)
		err = load_expect(vf, set, d, "f5", MCIM_AKA_AK_LEN);
	if (err == MCIM_OK)
		err = load_expect(vf, set, d, "f5star", MCIM_AKA_AK_LEN);
	return err == MCIM_OK ? need_output(vf, set, d, "f2") : err;
}

static mcim_err load_keccak(struct vecfile *vf, size_t set, struct set_data *d)
{
	mcim_err err = vecfile_hex(vf, set, "input", d->key, 200);

	d->key_len = 200;
	if (err == MCIM_OK && !vecfile_has(vf, set, "output"))
		return field_error(vf, set, "output", MCIM_ERR_PARSE, "missing");
	return err == MCIM_OK ? load_expect(vf, set, d, "output", 200) : err;
}

static mcim_err load_kdf(struct vecfile *vf, size_t set, struct set_data *d)
{
	struct expect *e = &d->exp[0];
	mcim_err err;

	err = vecfile_hex_var(vf, set, "key", d->key, sizeof(d->key), &d->key_len);
	if (err == MCIM_OK)
		err = vecfile_hex(vf, set, "fc", &d->fc, 1);
	if (err == MCIM_OK)
		err = vecfile_hex_item(vf, set, "p", 0, NULL, 0, NULL, &d->np);
	if (err == MCIM_OK && d->np > MCIM_KDF_PARAMS_MAX)
		err =
		    field_error(vf, set, "p", MCIM_ERR_INVALID_ARG,
				"%zu parameters, at most %d", d->np, MCIM_KDF_PARAMS_MAX);
	for (size_t i = 0; i < d->np && err == MCIM_OK; i++) {
		size_t count;

		err = vecfile_hex_item(vf, set, "p", i, d->p[i], KDF_PARAM_CAP,
				       &d->p_len[i], &count);
	}
	if (err == MCIM_OK)
		err =
		    vecfile_hex_var(vf, set, "out", e->value, MCIM_KDF_OUT_LEN, &e->len);
	e->field = "out";
	d->nexp = 1;
	return err;
}

static mcim_err load_resync(struct vecfile *vf, size_t set, struct set_data *d)
{
	mcim_err err = load_milenage_cred(vf, set, d);

	if (err == MCIM_OK)
		err = load_common(vf, set, d, 0);
	if (err == MCIM_OK)
		err = vecfile_hex(vf, set, "auts", d->auts, sizeof(d->auts));
	if (err == MCIM_OK && vecfile_has(vf, set, "amf")) {
		err = vecfile_hex(vf, set, "amf", d->amf, sizeof(d->amf));
		if (err == MCIM_OK && (d->amf[0] != 0 || d->amf[1] != 0))
			err = field_error(vf, set, "amf", MCIM_ERR_INVALID_ARG,
					  "MAC-S is over the dummy AMF 0000 (TS 33.102 "
					  "6.3.3)");
	}
	if (err == MCIM_OK && !vecfile_has(vf, set, "sqn_ms"))
		return field_error(vf, set, "sqn_ms", MCIM_ERR_PARSE, "missing");
	return err == MCIM_OK ? load_expect(vf, set, d, "sqn_ms", MCIM_AKA_SQN_LEN) : err;
}

/* ---- running ---- */

static void hex_text(char *out, const uint8_t *b, size_t len)
{
	assert(len <= VECTORS_VALUE_MAX);
	mcim_hex_encode(b, len, out, 2 * VECTORS_VALUE_MAX + 1);
}

static void lib_fail(struct vectors_result *r, const char *operation, mcim_err err)
{
	r->pass = 0;
	r->field = operation;
	snprintf(r->expected, sizeof(r->expected), "OK");
	snprintf(r->got, sizeof(r->got), "%s", mcim_err_name(err));
}

/* Compares got with the expected output named field, if the set has it; on the
 * first difference of the set, records it in r. */
static void compare(const struct set_data *d, struct vectors_result *r, const char *field,
		    const uint8_t *got, size_t got_len)
{
	for (size_t i = 0; i < d->nexp; i++) {
		const struct expect *e = &d->exp[i];

		if (strcmp(e->field, field) != 0)
			continue;
		if (!r->pass)
			return;
		if (e->len == got_len && memcmp(e->value, got, got_len) == 0)
			return;
		r->pass = 0;
		r->field = e->field;
		hex_text(r->expected, e->value, e->len);
		hex_text(r->got, got, got_len);
		return;
	}
}

/* OPc/TOPc from OP/TOP when the set gave OP; checked against a given OPc. */
static mcim_err derive_opc(struct set_data *d, struct vectors_result *r)
{
	mcim_err err = MCIM_OK;
	size_t len = d->cred.alg == MCIM_AKA_TUAK ? 32 : 16;

	if (!d->has_op)
		return MCIM_OK;
	if (d->cred.alg == MCIM_AKA_TUAK)
		err = mcim_tuak_topc(d->cred.k, d->cred.k_len, d->op,
				     d->cred.params.tuak.keccak_iterations, d->cred.opc);
	else
		err = mcim_milenage_opc(d->cred.k, d->op, d->cred.opc);
	if (err != MCIM_OK) {
		lib_fail(r, d->cred.alg == MCIM_AKA_TUAK ? "topc" : "opc", err);
		return err;
	}
	compare(d, r, d->cred.alg == MCIM_AKA_TUAK ? "topc" : "opc", d->cred.opc, len);
	return MCIM_OK;
}

static void run_aka(struct set_data *d, struct vectors_result *r)
{
	struct mcim_aka_keyctx kc;
	struct mcim_aka_out out;
	mcim_err err;

	if (derive_opc(d, r) != MCIM_OK)
		return;
	err = mcim_aka_prepare(&kc, &d->cred);
	if (err != MCIM_OK) {
		lib_fail(r, "prepare", err);
		return;
	}
	err = mcim_aka_compute(
	    &kc, MCIM_AKA_F1 | MCIM_AKA_F1STAR | MCIM_AKA_F2345 | MCIM_AKA_F5STAR,
	    d->rand, d->sqn, d->amf, &out);
	mcim_aka_keyctx_wipe(&kc);
	if (err != MCIM_OK) {
		lib_fail(r, "compute", err);
		mcim_aka_out_wipe(&out);
		return;
	}
	compare(d, r, "f1", out.mac_a, out.mac_len);
	compare(d, r, "f1star", out.mac_s, out.mac_len);
	compare(d, r, "f2", out.res, out.res_len);
	compare(d, r, "f3", out.ck, out.ck_len);
	compare(d, r, "f4", out.ik, out.ik_len);
	compare(d, r, "f5", out.ak, MCIM_AKA_AK_LEN);
	compare(d, r, "f5star", out.ak_s, MCIM_AKA_AK_LEN);
	mcim_aka_out_wipe(&out);
}

static void run_keccak(struct set_data *d, struct vectors_result *r)
{
	mcim_tuak_keccak_f1600(d->key);
	compare(d, r, "output", d->key, 200);
}

static void run_kdf(struct set_data *d, struct vectors_result *r)
{
	struct mcim_iov params[MCIM_KDF_PARAMS_MAX];
	uint8_t out[MCIM_KDF_OUT_LEN];
	size_t want = d->exp[0].len;
	mcim_err err;

	for (size_t i = 0; i < d->np; i++) {
		params[i].data = d->p[i];
		params[i].len = d->p_len[i];
	}
	err = mcim_kdf(d->key, d->key_len, d->fc, params, d->np, out);
	if (err != MCIM_OK)
		lib_fail(r, "kdf", err);
	else
		compare(d, r, "out", out + sizeof(out) - want, want);
	mcim_wipe(out, sizeof(out));
}

static void run_resync(struct set_data *d, struct vectors_result *r)
{
	struct mcim_aka_keyctx kc;
	struct mcim_sqn_cfg cfg;
	struct mcim_sqn_he he;
	uint64_t sqn_ms;
	uint8_t sqn_ms_bytes[MCIM_AKA_SQN_LEN];
	mcim_err err;

	if (derive_opc(d, r) != MCIM_OK)
		return;
	err = mcim_aka_prepare(&kc, &d->cred);
	if (err != MCIM_OK) {
		lib_fail(r, "prepare", err);
		return;
	}
	mcim_sqn_cfg_default(&cfg);
	err = mcim_sqn_he_init(&cfg, &he, 0);
	if (err == MCIM_OK)
		err = mcim_auth_resync(&kc, &cfg, &he, d->rand, d->auts, sizeof(d->auts),
				       &sqn_ms, NULL);
	mcim_aka_keyctx_wipe(&kc);
	if (err != MCIM_OK) {
		lib_fail(r, "resync", err);
		return;
	}
	mcim_sqn_to_bytes(sqn_ms, sqn_ms_bytes);
	compare(d, r, "sqn_ms", sqn_ms_bytes, sizeof(sqn_ms_bytes));
}

static const struct runner runners[] = {
    {"milenage", load_milenage, run_aka},	  {"tuak", load_tuak, run_aka},
    {"keccak-f1600", load_keccak, run_keccak},	  {"kdf", load_kdf, run_kdf},
    {"milenage-resync", load_resync, run_resync},
};

const char *vectors_algorithm(size_t i)
{
	return i < sizeof(runners) / sizeof(runners[0]) ? runners[i].algorithm : NULL;
}

static mcim_err file_error(char err[VECTORS_ERR_MAX], mcim_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static mcim_err file_error(char err[VECTORS_ERR_MAX], mcim_err e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, VECTORS_ERR_MAX, fmt, ap);
	va_end(ap);
	return e;
}

static const struct runner *find_runner(const char *algorithm)
{
	for (size_t i = 0; i < sizeof(runners) / sizeof(runners[0]); i++)
		if (strcmp(runners[i].algorithm, algorithm) == 0)
			return &runners[i];
	return NULL;
}

/* A result kept until the whole file has loaded, with the storage for its name. */
struct kept_result {
	struct vectors_result r;
	char name[32];
};

/*
 * Loads and runs each set, keeping the results; reports them only when every set has
 * loaded, so that a bad set anywhere rejects the file before anything is reported.
 */
static mcim_err run_sets(struct vecfile *vf, const struct runner *rn,
			 vectors_report_fn *report, void *arg,
			 struct vectors_totals *totals)
{
	static const struct set_data zero;
	struct kept_result *kept = calloc(vf->nsets, sizeof(*kept));
	struct set_data d;
	mcim_err err = MCIM_OK;

	if (kept == NULL)
		return MCIM_ERR_NOMEM;
	for (size_t i = 0; i < vf->nsets && err == MCIM_OK; i++) {
		struct vectors_result *r = &kept[i].r;

		d = zero;
		r->path = vf->path;
		r->algorithm = vf->algorithm;
		r->set = vecfile_set_name(vf, i, kept[i].name, sizeof(kept[i].name));
		r->pass = 1;
		err = rn->load(vf, i, &d);
		if (err == MCIM_OK)
			rn->run(&d, r);
		mcim_wipe(&d, sizeof(d));
	}
	for (size_t i = 0; i < vf->nsets && err == MCIM_OK; i++) {
		if (kept[i].r.pass)
			totals->passed++;
		else
			totals->failed++;
		if (report != NULL)
			report(arg, &kept[i].r);
	}
	free(kept);
	return err;
}

mcim_err vectors_run_file(const char *path, vectors_report_fn *report, void *arg,
			  struct vectors_totals *totals, char err[VECTORS_ERR_MAX])
{
	const struct runner *rn;
	struct vecfile vf;
	mcim_err e;
	FILE *f;

	assert(path != NULL && totals != NULL && err != NULL);
	err[0] = '\0';
	/* vecfile reports an unreadable file as unparsable; tell the two apart. */
	f = fopen(path, "r");
	if (f == NULL)
		return file_error(err, MCIM_ERR_IO, "%s: %s", path, strerror(errno));
	if (getc(f) == EOF && ferror(f)) {
		e = file_error(err, MCIM_ERR_IO, "%s: %s", path, strerror(errno));
		fclose(f);
		return e;
	}
	fclose(f);
	e = vecfile_open(&vf, path);
	if (e != MCIM_OK)
		return file_error(err, e, "%s", vf.err);
	rn = find_runner(vf.algorithm);
	if (rn == NULL) {
		e = file_error(err, MCIM_ERR_UNSUPPORTED, "%s: unknown algorithm \"%s\"",
			       path, vf.algorithm);
	} else if (vf.nsets == 0) {
		e = file_error(err, MCIM_ERR_PARSE, "%s: \"sets\" is empty", path);
	} else {
		e = run_sets(&vf, rn, report, arg, totals);
		if (e == MCIM_ERR_NOMEM)
			file_error(err, e, "%s: %zu sets: %s", path, vf.nsets,
				   mcim_strerror(e));
		else if (e != MCIM_OK)
			file_error(err, e, "%s", vf.err);
	}
	vecfile_close(&vf);
	return e;
}
