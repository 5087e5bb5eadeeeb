/*
 * The `uicc` TRE backend over an emulated card, in temp directories: every backend
 * operation and its errors; the sealed store (src/tre/store.h) on it exactly as on
 * soft (create, commit, reopen, a rolled-back blob detected, a store moved to another
 * card refused, a crash at every file operation of a commit leaving the state before
 * or after: R-TRE-M04, R-TRE-M08); pairing through the backend (T-04, R-SEED-06
 * A/C): the card in another M2ME refuses and records the event the TRE reads; the
 * USIM AKA entry against the AuC of mcim/auth.h (success, MAC failure, sync failure
 * -> resync -> success), with and without a PIN; a reader that fails or answers
 * nonsense.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcim/auth.h"
#include "mcim/bytes.h"
#include "tre/store.h"
#include "tre/uicc/uicc.h"
#include "tre_files.h"

/* ---- fault injection over the card's and the blobs' files together ---- */

static struct {
	unsigned long calls, fail_at, failed;
} fault;

static int fault_hit(void)
{
	fault.calls++;
	if (fault.fail_at != 0 && fault.calls >= fault.fail_at) {
		fault.failed++;
		errno = EIO;
		return 1;
	}
	return 0;
}

static int f_open(void *self, const char *path, int flags, mode_t mode)
{
	(void)self;
	return fault_hit() ? -1 : open(path, flags, mode);
}

static ssize_t f_read(void *self, int fd, void *buf, size_t len)
{
	(void)self;
	return fault_hit() ? -1 : read(fd, buf, len);
}

static ssize_t f_write(void *self, int fd, const void *buf, size_t len)
{
	(void)self;
	return fault_hit() ? -1 : write(fd, buf, len);
}

static int f_fsync(void *self, int fd)
{
	(void)self;
	return fault_hit() ? -1 : fsync(fd);
}

static int f_close(void *self, int fd)
{
	(void)self;
	if (fault_hit()) {
		close(fd);
		errno = EIO;
		return -1;
	}
	return close(fd);
}

static int f_rename(void *self, const char *from, const char *to)
{
	(void)self;
	return fault_hit() ? -1 : rename(from, to);
}

static int f_unlink(void *self, const char *path)
{
	(void)self;
	return fault_hit() ? -1 : unlink(path);
}

static int f_mkdir(void *self, const char *path, mode_t mode)
{
	(void)self;
	return fault_hit() ? -1 : mkdir(path, mode);
}

static const struct tre_soft_io fault_io = {
    f_open, f_read, f_write, f_fsync, f_close, f_rename, f_unlink, f_mkdir, NULL,
};

/* ---- fixture: a card, an M2ME and its store directory ---- */

static const struct uicc_m2me M2ME_A = {"M2ME-A-imei-0001", {1, 2, 3}};
static const struct uicc_m2me M2ME_B = {"M2ME-B-imei-0002", {4, 5, 6}};

struct fx {
	char dir[256], card[300], store[300];
	struct uicc_profile p;
	struct uicc_card c;
	struct uicc_transport t;
	struct tre_uicc u;
	struct tre_backend *be;
	struct tre_store st;
};

static void profile_make(struct uicc_profile *p, enum uicc_form form, const char *pin)
{
	memset(p, 0, sizeof(*p));
	p->form = form;
	snprintf(p->iccid, sizeof(p->iccid), "8988211000000000042");
	snprintf(p->imsi, sizeof(p->imsi), "001010000000042");
	p->cred.alg = MCIM_AKA_MILENAGE;
	p->cred.k_len = 16;
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), p->cred.k, 16), MCIM_OK);
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), p->cred.opc, 16), MCIM_OK);
	mcim_milenage_default_consts(&p->cred.params.milenage);
	mcim_sqn_cfg_default(&p->sqn_cfg);
	memset(p->adm, '1', sizeof(p->adm));
	snprintf(p->pin, sizeof(p->pin), "%s", pin);
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), p->sho_key, 32), MCIM_OK);
}

static struct fx *fx_new(enum uicc_form form, const char *pin)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s/mcim-uiccbe-XXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->card, sizeof(f->card), "%s/card", f->dir);
	snprintf(f->store, sizeof(f->store), "%s/store", f->dir);
	assert_int_equal(mkdir(f->store, 0700), 0);
	profile_make(&f->p, form, pin);
	assert_int_equal(uicc_card_manufacture(f->card, &f->p, NULL, NULL), MCIM_OK);
	return f;
}

/* Power the card on in M2ME m and open the backend. */
static mcim_err fx_insert(struct fx *f, const struct uicc_m2me *m, const char *pin,
			  const struct tre_soft_io *io)
{
	mcim_err err;

	assert_int_equal(uicc_card_open(&f->c, f->card, NULL, io), MCIM_OK);
	uicc_card_transport(&f->c, &f->t);
	err = tre_uicc_open(&f->u, &f->t, f->store, m, pin, io);
	f->be = &f->u.base;
	return err;
}

static void fx_remove(struct fx *f)
{
	tre_store_close(&f->st);
	if (f->u.base.ops != NULL)
		tre_backend_close(f->be);
	uicc_card_close(&f->c);
}

static void fx_free(struct fx *f)
{
	fx_remove(f);
	rm_tree(f->dir);
	uicc_profile_wipe(&f->p);
	free(f);
}

static enum uicc_session session(struct fx *f)
{
	struct uicc_status s;

	tre_uicc_status(&f->u, &s);
	return s.session;
}

/* ---- the backend operations ---- */

static void backend_ops(void **state)
{
	struct fx *f = fx_new(UICC_FORM_REMOVABLE, "");
	uint8_t k1[32], k2[32], k3[32], id[16], buf[600], ctx[65] = {0};
	struct uicc_status s;
	uint64_t v;
	size_t len;
	char long_label[50];

	(void)state;
	assert_int_equal(fx_insert(f, &M2ME_A, NULL, NULL), MCIM_OK);
	assert_string_equal(f->be->ops->name, "uicc");
	/* First use pairs the card with this M2ME. */
	tre_uicc_status(&f->u, &s);
	assert_int_equal(s.session, UICC_SESSION_NEWLY_PAIRED);
	assert_int_equal(s.card.pair_state, UICC_PAIRED);
	assert_memory_equal(s.card.m2me_id, M2ME_A.id, 16);
	assert_int_equal(s.card.removals, 0);
	/* The TRE id is the card's id. */
	tre_backend_id(f->be, id);
	assert_memory_equal(id, s.card.card_id, 16);
	/* Keys: stable, separated by label and context, refused when malformed. */
	assert_int_equal(tre_derive_key(f->be, "mcim/tre/store", id, 16, k1), MCIM_OK);
	assert_int_equal(tre_derive_key(f->be, "mcim/tre/storf", id, 16, k2), MCIM_OK);
	assert_memory_not_equal(k1, k2, 32);
	assert_int_equal(tre_derive_key(f->be, "mcim/tre/store", id, 15, k2), MCIM_OK);
	assert_memory_not_equal(k1, k2, 32);
	assert_int_equal(tre_derive_key(f->be, "x", NULL, 0, k3), MCIM_OK);
	assert_int_equal(tre_derive_key(f->be, "", NULL, 0, k3), MCIM_ERR_INVALID_ARG);
	memset(long_label, 'a', sizeof(long_label));
	long_label[49] = 0;
	assert_int_equal(tre_derive_key(f->be, long_label, NULL, 0, k3),
			 MCIM_ERR_INVALID_ARG);
	long_label[48] = 0;
	assert_int_equal(tre_derive_key(f->be, long_label, ctx, 64, k3), MCIM_OK);
	assert_int_equal(tre_derive_key(f->be, "x", ctx, 65, k3), MCIM_ERR_INVALID_ARG);
	/* Counters: 0 at manufacture, up only. */
	for (int c = 0; c < TRE_COUNTERS; c++) {
		assert_int_equal(tre_counter_read(f->be, (enum tre_counter)c, &v),
				 MCIM_OK);
		assert_true(v == 0);
	}
	assert_int_equal(tre_counter_advance(f->be, TRE_COUNTER_STORE_RESERVED, 7),
			 MCIM_OK);
	assert_int_equal(tre_counter_advance(f->be, TRE_COUNTER_STORE_RESERVED, 7),
			 MCIM_ERR_ROLLBACK);
	assert_int_equal(tre_counter_advance(f->be, TRE_COUNTER_STORE_RESERVED, 6),
			 MCIM_ERR_ROLLBACK);
	assert_int_equal(tre_counter_advance(f->be, TRE_COUNTER_STORE_RESERVED, 0),
			 MCIM_ERR_ROLLBACK);
	assert_int_equal(
	    tre_counter_advance(f->be, TRE_COUNTER_STORE_COMMITTED, UINT64_MAX), MCIM_OK);
	/* Random octets in several APDUs. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(tre_random(f->be, buf, sizeof(buf)), MCIM_OK);
	assert_int_equal(tre_random(f->be, buf, 0), MCIM_OK);
	{
		int nz = 0;
		for (size_t i = 256; i < sizeof(buf); i++)
			nz += buf[i] != 0;
		assert_true(nz > 200);
	}
	/* Blobs, in the store directory. */
	assert_int_equal(tre_blob_read(f->be, "b", buf, sizeof(buf), &len),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(tre_blob_write(f->be, "b", (const uint8_t *)"hello", 5),
			 MCIM_OK);
	assert_int_equal(tre_blob_read(f->be, "b", buf, sizeof(buf), &len), MCIM_OK);
	assert_int_equal(len, 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(tre_blob_read(f->be, "b", buf, 4, &len), MCIM_ERR_TOO_LARGE);
	assert_int_equal(tre_blob_write(f->be, "B", buf, 1), MCIM_ERR_INVALID_ARG);
	assert_int_equal(tre_blob_read(f->be, "../b", buf, 1, &len),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(tre_blob_tidy(f->be, ""), MCIM_ERR_INVALID_ARG);
	assert_int_equal(tre_blob_tidy(f->be, "b"), MCIM_OK);
	/* A new session: same keys, counters kept, now known as PAIRED. */
	fx_remove(f);
	assert_int_equal(fx_insert(f, &M2ME_A, NULL, NULL), MCIM_OK);
	assert_int_equal(session(f), UICC_SESSION_PAIRED);
	assert_int_equal(tre_derive_key(f->be, "mcim/tre/store", id, 16, k2), MCIM_OK);
	assert_memory_equal(k1, k2, 32);
	assert_int_equal(tre_counter_read(f->be, TRE_COUNTER_STORE_RESERVED, &v),
			 MCIM_OK);
	assert_true(v == 7);
	assert_int_equal(tre_counter_read(f->be, TRE_COUNTER_STORE_COMMITTED, &v),
			 MCIM_OK);
	assert_true(v == UINT64_MAX);
	/* The raw relay. */
	{
		uint8_t r[UICC_RESP_MAX];
		assert_int_equal(tre_uicc_transmit(&f->u,
						   (const uint8_t *)"\x00\xca\x00\x00", 4,
						   r, sizeof(r), &len),
				 MCIM_OK);
		assert_int_equal(len, 2);
		assert_int_equal(r[0], 0x6D);
	}
	/* Path too long, PIN malformed. */
	fx_remove(f);
	assert_int_equal(uicc_card_open(&f->c, f->card, NULL, NULL), MCIM_OK);
	uicc_card_transport(&f->c, &f->t);
	memset(buf, 'x', 300);
	buf[299] = 0;
	assert_int_equal(
	    tre_uicc_open(&f->u, &f->t, (const char *)buf, &M2ME_A, NULL, NULL),
	    MCIM_ERR_INVALID_ARG);
	assert_int_equal(tre_uicc_open(&f->u, &f->t, f->store, &M2ME_A, "12", NULL),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(tre_uicc_open(&f->u, &f->t, f->store, &M2ME_A, "", NULL),
			 MCIM_ERR_INVALID_ARG);
	fx_free(f);
}

/* ---- the sealed store on the card ---- */

static void put_commit(struct tre_store *st, const char *key, const char *val)
{
	assert_int_equal(tre_store_begin(st), MCIM_OK);
	assert_int_equal(tre_store_put(st, key, strlen(key), val, strlen(val)), MCIM_OK);
	assert_int_equal(tre_store_commit(st), MCIM_OK);
}

static void store_has(struct tre_store *st, const char *key, const char *val)
{
	uint8_t buf[64];
	size_t len;

	assert_int_equal(tre_store_get(st, key, strlen(key), buf, sizeof(buf), &len),
			 MCIM_OK);
	assert_int_equal(len, strlen(val));
	assert_memory_equal(buf, val, len);
}

/* R-TRE-M04, R-TRE-M08 and rollback detection, on the uicc backend. */
static void store_on_card(void **state)
{
	struct fx *f = fx_new(UICC_FORM_REMOVABLE, "");
	struct fx *g = fx_new(UICC_FORM_REMOVABLE, "");
	static uint8_t old[TRE_STORE_FILE_MAX];
	char path[400];
	size_t n;

	(void)state;
	assert_int_equal(fx_insert(f, &M2ME_A, NULL, NULL), MCIM_OK);
	assert_int_equal(tre_store_open(&f->st, f->be), MCIM_ERR_NOT_FOUND);
	assert_int_equal(tre_store_create(&f->st, f->be), MCIM_OK);
	put_commit(&f->st, "m/1", "one");
	snprintf(path, sizeof(path), "%s/store", f->store);
	n = file_read(path, old, sizeof(old));
	put_commit(&f->st, "m/1", "two");
	fx_remove(f);
	/* Reopened in a new session: the committed state. */
	assert_int_equal(fx_insert(f, &M2ME_A, NULL, NULL), MCIM_OK);
	assert_int_equal(tre_store_open(&f->st, f->be), MCIM_OK);
	store_has(&f->st, "m/1", "two");
	tre_store_close(&f->st);
	/* The blob rolled back to an older, authentic copy: refused. */
	file_write(path, old, n);
	assert_int_equal(tre_store_open(&f->st, f->be), MCIM_ERR_ROLLBACK);
	/* Another card in the same M2ME: the store names another TRE. */
	assert_int_equal(uicc_card_open(&g->c, g->card, NULL, NULL), MCIM_OK);
	uicc_card_transport(&g->c, &g->t);
	assert_int_equal(tre_uicc_open(&g->u, &g->t, f->store, &M2ME_A, NULL, NULL),
			 MCIM_OK);
	g->be = &g->u.base;
	assert_int_equal(tre_store_open(&g->st, g->be), MCIM_ERR_FOREIGN_STORE);
	fx_free(g);
	fx_free(f);
}

/* A crash at every file operation of a commit, the card's and the blob's: the
 * store reopens before or after. */
static void store_crash(void **state)
{
	struct fx *f = fx_new(UICC_FORM_REMOVABLE, "");
	unsigned long k;
	int befores = 0, afters = 0;

	(void)state;
	assert_int_equal(fx_insert(f, &M2ME_A, NULL, NULL), MCIM_OK);
	assert_int_equal(tre_store_create(&f->st, f->be), MCIM_OK);
	put_commit(&f->st, "v", "0");
	fx_remove(f);
	for (k = 1;; k++) {
		char cur[8], next[8];
		uint8_t buf[8];
		size_t len;
		mcim_err err;

		assert_int_equal(fx_insert(f, &M2ME_A, NULL, &fault_io), MCIM_OK);
		assert_int_equal(tre_store_open(&f->st, f->be), MCIM_OK);
		assert_int_equal(tre_store_get(&f->st, "v", 1, buf, sizeof(buf), &len),
				 MCIM_OK);
		snprintf(cur, sizeof(cur), "%.*s", (int)len, (const char *)buf);
		snprintf(next, sizeof(next), "%lu", k);
		assert_int_equal(tre_store_begin(&f->st), MCIM_OK);
		assert_int_equal(tre_store_put(&f->st, "v", 1, next, strlen(next)),
				 MCIM_OK);
		fault.fail_at = fault.calls + k;
		fault.failed = 0;
		err = tre_store_commit(&f->st);
		fault.fail_at = 0;
		fx_remove(f);
		assert_int_equal(fx_insert(f, &M2ME_A, NULL, NULL), MCIM_OK);
		assert_int_equal(tre_store_open(&f->st, f->be), MCIM_OK);
		if (fault.failed == 0) {
			assert_int_equal(err, MCIM_OK);
			store_has(&f->st, "v", next);
			break;
		}
		assert_int_equal(tre_store_get(&f->st, "v", 1, buf, sizeof(buf), &len),
				 MCIM_OK);
		if (err == MCIM_OK ||
		    (len == strlen(next) && memcmp(buf, next, len) == 0)) {
			store_has(&f->st, "v", next);
			afters++;
		} else {
			store_has(&f->st, "v", cur);
			befores++;
		}
		fx_remove(f);
	}
	assert_true(befores > 0 && afters > 0);
	fx_free(f);
}

/* ---- pairing through the backend (T-04) ---- */

static void pairing_backend(void **state)
{
	struct fx *f = fx_new(UICC_FORM_REMOVABLE, "");
	struct fx *h = fx_new(UICC_FORM_ATTACHED, "");
	struct mcim_auth_usim_out out;
	struct uicc_status s;
	uint8_t key[32], rand[16] = {0}, autn[16] = {0};

	(void)state;
	assert_int_equal(fx_insert(f, &M2ME_A, NULL, NULL), MCIM_OK);
	assert_int_equal(tre_store_create(&f->st, f->be), MCIM_OK);
	fx_remove(f);
	/* Into M2ME B: open, but refused everywhere, with the event recorded. */
	assert_int_equal(fx_insert(f, &M2ME_B, NULL, NULL), MCIM_OK);
	tre_uicc_status(&f->u, &s);
	assert_int_equal(s.session, UICC_SESSION_FOREIGN);
	assert_int_equal(s.card.removals, 1);
	assert_memory_equal(s.card.last_foreign, M2ME_B.id, 16);
	assert_memory_equal(s.card.m2me_id, M2ME_A.id, 16);
	assert_int_equal(tre_derive_key(f->be, "k", NULL, 0, key), MCIM_ERR_DENIED);
	assert_int_equal(tre_store_open(&f->st, f->be), MCIM_ERR_DENIED);
	assert_int_equal(uicc_usim_authenticate(f->be, rand, autn, 16, &out),
			 MCIM_ERR_DENIED);
	assert_int_equal(tre_uicc_refresh(&f->u), MCIM_OK);
	tre_uicc_status(&f->u, &s);
	assert_int_equal(s.card.removals, 1);
	fx_remove(f);
	/* Back in A: in service; the TRE sees the count it must report. */
	assert_int_equal(fx_insert(f, &M2ME_A, NULL, NULL), MCIM_OK);
	tre_uicc_status(&f->u, &s);
	assert_int_equal(s.session, UICC_SESSION_PAIRED);
	assert_int_equal(s.card.removals, 1);
	assert_int_equal(tre_store_open(&f->st, f->be), MCIM_OK);
	/* An attached card: AKA locked after its removal, TRE functions kept. */
	assert_int_equal(fx_insert(h, &M2ME_A, NULL, NULL), MCIM_OK);
	fx_remove(h);
	assert_int_equal(fx_insert(h, &M2ME_B, NULL, NULL), MCIM_OK);
	assert_int_equal(session(h), UICC_SESSION_FOREIGN);
	fx_remove(h);
	assert_int_equal(fx_insert(h, &M2ME_A, NULL, NULL), MCIM_OK);
	tre_uicc_status(&h->u, &s);
	assert_int_equal(s.session, UICC_SESSION_PAIRED);
	assert_int_equal(s.card.aka_locked, 1);
	assert_int_equal(s.card.form, UICC_FORM_ATTACHED);
	assert_int_equal(uicc_usim_authenticate(h->be, rand, autn, 16, &out),
			 MCIM_ERR_DENIED);
	assert_int_equal(tre_derive_key(h->be, "k", NULL, 0, key), MCIM_OK);
	fx_free(h);
	fx_free(f);
}

/* ---- the USIM through the backend ---- */

static void usim_aka(void **state)
{
	struct fx *f = fx_new(UICC_FORM_REMOVABLE, "4321");
	static const uint8_t amf[2] = {0x80, 0x00};
	struct mcim_aka_keyctx kc;
	struct mcim_sqn_he he;
	struct mcim_auth_vector av;
	struct mcim_auth_usim_out out;
	char imsi[16];
	uint64_t sqn_ms;
	int reset;

	(void)state;
	assert_int_equal(mcim_aka_prepare(&kc, &f->p.cred), MCIM_OK);
	assert_int_equal(mcim_sqn_he_init(&f->p.sqn_cfg, &he, 0), MCIM_OK);
	assert_int_equal(
	    mcim_auth_generate(&kc, &f->p.sqn_cfg, &he, amf, mcim_rng_system(), &av),
	    MCIM_OK);
	/* PIN enabled: without it AKA and the IMSI are refused; a wrong one too. */
	assert_int_equal(fx_insert(f, &M2ME_A, NULL, NULL), MCIM_OK);
	assert_int_equal(
	    uicc_usim_authenticate(f->be, av.rand, av.autn, av.autn_len, &out),
	    MCIM_ERR_DENIED);
	assert_int_equal(uicc_usim_imsi(f->be, imsi), MCIM_ERR_DENIED);
	fx_remove(f);
	assert_int_equal(fx_insert(f, &M2ME_A, "1111", NULL), MCIM_ERR_DENIED);
	fx_remove(f);
	assert_int_equal(fx_insert(f, &M2ME_A, "4321", NULL), MCIM_OK);
	assert_int_equal(uicc_usim_imsi(f->be, imsi), MCIM_OK);
	assert_string_equal(imsi, "001010000000042");
	/* Success: RES = XRES, CK, IK. */
	assert_int_equal(
	    uicc_usim_authenticate(f->be, av.rand, av.autn, av.autn_len, &out), MCIM_OK);
	assert_int_equal(out.res_len, av.xres_len);
	assert_true(mcim_ct_equal(out.res, av.xres, av.xres_len));
	assert_memory_equal(out.ck, av.ck, 16);
	assert_memory_equal(out.ik, av.ik, 16);
	/* MAC failure. */
	av.autn[10] ^= 1;
	assert_int_equal(
	    uicc_usim_authenticate(f->be, av.rand, av.autn, av.autn_len, &out),
	    MCIM_ERR_MAC_FAILURE);
	assert_int_equal(out.res_len, 0);
	av.autn[10] ^= 1;
	/* Replay: sync failure, AUTS -> the AuC resynchronises -> success. */
	assert_int_equal(
	    uicc_usim_authenticate(f->be, av.rand, av.autn, av.autn_len, &out),
	    MCIM_ERR_SYNC_FAILURE);
	assert_int_equal(out.auts_len, 14);
	assert_int_equal(mcim_sqn_he_init(&f->p.sqn_cfg, &he, 0), MCIM_OK);
	assert_int_equal(mcim_auth_resync(&kc, &f->p.sqn_cfg, &he, av.rand, out.auts,
					  out.auts_len, &sqn_ms, &reset),
			 MCIM_OK);
	assert_true(sqn_ms == av.sqn);
	assert_int_equal(reset, 1);
	mcim_auth_vector_wipe(&av);
	assert_int_equal(
	    mcim_auth_generate(&kc, &f->p.sqn_cfg, &he, amf, mcim_rng_system(), &av),
	    MCIM_OK);
	assert_int_equal(
	    uicc_usim_authenticate(f->be, av.rand, av.autn, av.autn_len, &out), MCIM_OK);
	assert_memory_equal(out.res, av.xres, av.xres_len);
	/* AUTN lengths: outside 8..40 refused here, another the set's by the card. */
	assert_int_equal(uicc_usim_authenticate(f->be, av.rand, av.autn, 7, &out),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(uicc_usim_authenticate(f->be, av.rand, av.autn, 41, &out),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(uicc_usim_authenticate(f->be, av.rand, av.autn, 12, &out),
			 MCIM_ERR_INVALID_ARG);
	fx_remove(f);
	/* Three wrong PINs block it. */
	assert_int_equal(fx_insert(f, &M2ME_A, "0000", NULL), MCIM_ERR_DENIED);
	fx_remove(f);
	assert_int_equal(fx_insert(f, &M2ME_A, "0000", NULL), MCIM_ERR_DENIED);
	fx_remove(f);
	assert_int_equal(fx_insert(f, &M2ME_A, "0000", NULL), MCIM_ERR_LOCKED);
	fx_remove(f);
	assert_int_equal(fx_insert(f, &M2ME_A, "4321", NULL), MCIM_ERR_LOCKED);
	mcim_auth_vector_wipe(&av);
	mcim_aka_keyctx_wipe(&kc);
	fx_free(f);
}

/* ---- a failing or nonsensical reader ---- */

static int reader_mode; /* 0: I/O error, 1: 1-octet answers, 2: 9000 only, 3: 6F00 */

static mcim_err bad_transmit(void *self, const uint8_t *cmd, size_t len, uint8_t *resp,
			     size_t cap, size_t *resp_len)
{
	(void)self;
	(void)cmd;
	(void)len;
	(void)cap;
	if (reader_mode == 0)
		return MCIM_ERR_IO;
	resp[0] = reader_mode == 3 ? 0x6F : 0x90;
	resp[1] = 0x00;
	*resp_len = reader_mode == 1 ? 1 : 2;
	return MCIM_OK;
}

static void bad_reader(void **state)
{
	struct fx *f = fx_new(UICC_FORM_REMOVABLE, "");
	struct uicc_transport bad = {bad_transmit, NULL};
	static const mcim_err want[] = {MCIM_ERR_IO, MCIM_ERR_PARSE, MCIM_ERR_PARSE,
					MCIM_ERR_IO};

	(void)state;
	for (reader_mode = 0; reader_mode < 4; reader_mode++)
		assert_int_equal(
		    tre_uicc_open(&f->u, &bad, f->store, &M2ME_A, NULL, NULL),
		    want[reader_mode]);
	/* A working session whose reader then fails. */
	assert_int_equal(fx_insert(f, &M2ME_A, NULL, NULL), MCIM_OK);
	{
		struct mcim_auth_usim_out out;
		uint8_t key[32], b[4], r[16] = {0};
		uint64_t v;
		f->u.t = bad;
		for (reader_mode = 0; reader_mode < 4; reader_mode++) {
			assert_int_equal(tre_derive_key(f->be, "k", NULL, 0, key),
					 want[reader_mode]);
			assert_int_equal(tre_counter_read(f->be, 0, &v),
					 want[reader_mode]);
			assert_int_equal(tre_random(f->be, b, 4), MCIM_ERR_RANDOM);
			assert_int_equal(uicc_usim_authenticate(f->be, r, r, 16, &out),
					 reader_mode == 2 ? MCIM_ERR_PARSE
							  : want[reader_mode]);
		}
		reader_mode = 0;
		assert_int_equal(tre_counter_advance(f->be, 0, 9), MCIM_ERR_IO);
		assert_int_equal(tre_uicc_refresh(&f->u), MCIM_ERR_IO);
	}
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(backend_ops), cmocka_unit_test(store_on_card),
	    cmocka_unit_test(store_crash), cmocka_unit_test(pairing_backend),
	    cmocka_unit_test(usim_aka),	   cmocka_unit_test(bad_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
