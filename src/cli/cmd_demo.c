/*
 * `mcim demo`: AKA between an AuC and a USIM, both libmcim, for a MILENAGE and a TUAK
 * subscriber with fresh random keys. Each step states the outcome it expects and
 * checks it: a normal round with RES = XRES and the same KASME on both sides, a 5G
 * round (RES* = XRES*, HRES* = HXRES*, KAUSF and KSEAF equal), a replayed AUTN that
 * the USIM refuses with AUTS and the AuC resynchronises from, an AuC record restored
 * from an old backup that resynchronisation repairs, a tampered AUTN, and a USIM given
 * OP where OPc belongs. Keys are shown only as key check values (the first 4 octets of
 * their SHA-256). Exit 0 only when every outcome is the expected one.
 */
#include <stdarg.h>
#include <string.h>

#include "cli.h"
#include "mcim/aka.h"
#include "mcim/auth.h"
#include "mcim/bytes.h"
#include "mcim/crypto.h"
#include "mcim/kdf.h"
#include "mcim/sqn.h"

#define DEMO_MCC "001"
#define DEMO_MNC "01"

struct tally {
	unsigned expected, unexpected;
};

/* One subscriber as both ends hold it. Secret: wiped at the end. */
struct sub {
	struct mcim_aka_cred cred;	  /* what the CCIF issued (OPc/TOPc) */
	uint8_t op[32];			  /* the operator's OP/TOP it was derived from */
	size_t opc_len;			  /* 16 (OPc) or 32 (TOPc) */
	struct mcim_aka_keyctx auc, usim; /* each end's own key context */
	struct mcim_sqn_cfg cfg;
	struct mcim_sqn_he he;
	struct mcim_sqn_ms ms;
	uint8_t amf[MCIM_AKA_AMF_LEN];
	uint8_t plmn[MCIM_PLMN_LEN];
	char snn[MCIM_SNN_PLMN_LEN + 1];
	struct tally *t;
};

static int check(struct tally *t, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int check(struct tally *t, int ok, const char *fmt, ...)
{
	va_list ap;

	fputs(ok ? "    ok    " : "    FAIL  ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	if (ok)
		t->expected++;
	else
		t->unexpected++;
	return ok;
}

/* An outcome that is an mcim_err: checked against the one expected. */
static int check_err(struct tally *t, mcim_err got, mcim_err want, const char *what)
{
	if (got == want && want == MCIM_OK)
		return check(t, 1, "%s", what);
	if (got == want)
		return check(t, 1, "%s (%s)", what, mcim_err_name(got));
	return check(t, 0, "%s: expected %s, got %s (%s)", what, mcim_err_name(want),
		     mcim_err_name(got), mcim_strerror(got));
}

/* The key check value text of a secret: 8 hex digits. */
static void kcv(const uint8_t *key, size_t len, char out[9])
{
	uint8_t h[MCIM_SHA256_LEN];

	if (mcim_sha256(key, len, h) == MCIM_OK)
		mcim_hex_encode(h, 4, out, 9);
	else
		memcpy(out, "????????", 9);
	mcim_wipe(h, sizeof(h));
}

/* A line of narrative, under the outcome lines' text. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("          ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

/* A step's heading. */
static void heading(const char *title)
{
	printf("  %s\n", title);
}

static void show_vector(const struct sub *s, const char *path, uint64_t sqn,
			const uint8_t rand[MCIM_AKA_RAND_LEN])
{
	char hex[2 * MCIM_AKA_RAND_LEN + 1];

	mcim_hex_encode(rand, MCIM_AKA_RAND_LEN, hex, sizeof(hex));
	say("%s: SQN SEQ %llu IND %u, RAND %s", path,
	    (unsigned long long)mcim_sqn_seq(&s->cfg, sqn), mcim_sqn_ind(&s->cfg, sqn),
	    hex);
}

/* The USIM answers (rand, autn); its state advances only when it accepts. */
static mcim_err usim_answer(struct sub *s, const uint8_t rand[MCIM_AKA_RAND_LEN],
			    const uint8_t *autn, size_t autn_len,
			    struct mcim_auth_usim_out *out)
{
	return mcim_auth_usim(&s->usim, &s->cfg, &s->ms, rand, autn, autn_len, out);
}

/* Both ends' copies of a derived key are compared and shown by their check value. */
static int keys_match(struct tally *t, const char *name, mcim_err e1, const uint8_t *a,
		      mcim_err e2, const uint8_t *b, size_t len)
{
	char ka[9], kb[9];

	if (e1 != MCIM_OK || e2 != MCIM_OK)
		return check(t, 0, "%s: derivation failed (%s, %s)", name,
			     mcim_err_name(e1), mcim_err_name(e2));
	kcv(a, len, ka);
	kcv(b, len, kb);
	return check(t, mcim_ct_equal(a, b, len), "%s: AuC kcv %s, USIM kcv %s", name, ka,
		     kb);
}

/* A round with an EPS vector; the vector is kept for the replay. */
static int round_eps(struct sub *s, struct mcim_auth_vector *av)
{
	struct mcim_auth_usim_out out;
	uint8_t kasme_auc[MCIM_KASME_LEN], kasme_ue[MCIM_KASME_LEN];
	mcim_err e1, e2;
	int ok;

	if (!check_err(s->t,
		       mcim_auth_generate(&s->auc, &s->cfg, &s->he, s->amf,
					  mcim_rng_system(), av),
		       MCIM_OK, "AuC: authentication vector"))
		return 0;
	show_vector(s, "AuC -> USIM", av->sqn, av->rand);
	ok = check_err(s->t, usim_answer(s, av->rand, av->autn, av->autn_len, &out),
		       MCIM_OK, "USIM: AUTN verifies and SQN is fresh, RES returned");
	ok = ok && check(s->t,
			 out.res_len == av->xres_len &&
			     mcim_ct_equal(out.res, av->xres, av->xres_len),
			 "AuC: RES = XRES (%u octets)", av->xres_len);
	if (ok) {
		e1 = mcim_kdf_kasme(av->ck, av->ck_len, av->ik, av->ik_len, s->plmn,
				    av->autn, kasme_auc);
		e2 = mcim_kdf_kasme(out.ck, out.ck_len, out.ik, out.ik_len, s->plmn,
				    av->autn, kasme_ue);
		ok = keys_match(s->t, "KASME", e1, kasme_auc, e2, kasme_ue,
				MCIM_KASME_LEN);
	}
	mcim_wipe(kasme_auc, sizeof(kasme_auc));
	mcim_wipe(kasme_ue, sizeof(kasme_ue));
	mcim_auth_usim_out_wipe(&out);
	return ok;
}

/* A 5G round: the AUSF checks RES*, the SEAF HRES*; both ends derive KAUSF, KSEAF. */
static int round_5g(struct sub *s)
{
	struct mcim_auth_5g_vector av;
	struct mcim_auth_usim_out out;
	uint8_t res_star[MCIM_RES_STAR_LEN], hres_star[MCIM_HXRES_STAR_LEN];
	uint8_t kausf[MCIM_KAUSF_LEN], kseaf_ue[MCIM_KSEAF_LEN], kseaf_he[MCIM_KSEAF_LEN];
	size_t snn_len = strlen(s->snn);
	mcim_err e1, e2;
	int ok;

	memset(&out, 0, sizeof(out));
	ok = check_err(s->t,
		       mcim_auth_generate_5g(&s->auc, &s->cfg, &s->he, s->amf,
					     mcim_rng_system(), s->snn, snn_len, &av),
		       MCIM_OK, "AuC: 5G home-environment vector");
	if (ok)
		show_vector(s, "AuC -> AUSF -> SEAF -> USIM", av.sqn, av.rand);
	ok = ok && check_err(s->t, usim_answer(s, av.rand, av.autn, av.autn_len, &out),
			     MCIM_OK, "USIM: AUTN verifies and SQN is fresh");
	if (ok) {
		e1 = mcim_kdf_res_star(out.ck, out.ck_len, out.ik, out.ik_len, s->snn,
				       snn_len, av.rand, out.res, out.res_len, res_star);
		e2 = e1 == MCIM_OK ? mcim_kdf_hxres_star(av.rand, res_star, hres_star)
				   : e1;
		if (e2 != MCIM_OK)
			ok = check(s->t, 0, "UE: RES*, HRES*: %s", mcim_err_name(e2));
		else
			ok = check(
			    s->t,
			    mcim_ct_equal(hres_star, av.hxres_star, sizeof(hres_star)),
			    "SEAF: HRES* from the UE's RES* = HXRES*");
	}
	ok = ok && check(s->t, mcim_ct_equal(res_star, av.xres_star, sizeof(res_star)),
			 "AUSF: RES* = XRES*");
	if (ok) {
		e1 = mcim_kdf_kausf(out.ck, out.ck_len, out.ik, out.ik_len, s->snn,
				    snn_len, av.autn, kausf);
		ok = keys_match(s->t, "KAUSF", MCIM_OK, av.kausf, e1, kausf,
				MCIM_KAUSF_LEN);
	}
	if (ok) {
		e1 = mcim_kdf_kseaf(av.kausf, s->snn, snn_len, kseaf_he);
		e2 = mcim_kdf_kseaf(kausf, s->snn, snn_len, kseaf_ue);
		ok =
		    keys_match(s->t, "KSEAF", e1, kseaf_he, e2, kseaf_ue, MCIM_KSEAF_LEN);
	}
	mcim_wipe(res_star, sizeof(res_star));
	mcim_wipe(hres_star, sizeof(hres_star));
	mcim_wipe(kausf, sizeof(kausf));
	mcim_wipe(kseaf_ue, sizeof(kseaf_ue));
	mcim_wipe(kseaf_he, sizeof(kseaf_he));
	mcim_auth_5g_vector_wipe(&av);
	mcim_auth_usim_out_wipe(&out);
	return ok;
}

/*
 * The USIM refuses (rand, autn) as not fresh; the AuC checks AUTS and resynchronises
 * (want_reset says whether SEQ_HE must move); then a fresh vector must be accepted.
 */
static int resync(struct sub *s, const uint8_t rand[MCIM_AKA_RAND_LEN],
		  const uint8_t *autn, size_t autn_len, int want_reset)
{
	struct mcim_auth_usim_out out;
	struct mcim_auth_vector av;
	uint64_t sqn_ms = 0, usim_high = 0;
	int reset = -1, ok;

	ok = check_err(s->t, usim_answer(s, rand, autn, autn_len, &out),
		       MCIM_ERR_SYNC_FAILURE, "USIM: SQN not fresh, answers AUTS");
	ok = ok && check_err(s->t,
			     mcim_auth_resync(&s->auc, &s->cfg, &s->he, rand, out.auts,
					      out.auts_len, &sqn_ms, &reset),
			     MCIM_OK, "AuC: MAC-S in AUTS verifies");
	ok = ok && check(s->t,
			 mcim_sqn_ms_highest(&s->cfg, &s->ms, &usim_high) == MCIM_OK &&
			     sqn_ms == usim_high,
			 "AuC: SQN_MS from AUTS is the USIM's (SEQ %llu IND %u)",
			 (unsigned long long)mcim_sqn_seq(&s->cfg, sqn_ms),
			 mcim_sqn_ind(&s->cfg, sqn_ms));
	ok = ok && check(s->t, reset == want_reset,
			 want_reset ? "AuC: SEQ_HE was behind, reset to SEQ_MS"
				    : "AuC: SEQ_HE already ahead, left as it is");
	mcim_auth_usim_out_wipe(&out);
	if (ok) {
		say("a fresh vector after resynchronisation:");
		ok = round_eps(s, &av);
		mcim_auth_vector_wipe(&av);
	}
	return ok;
}

/* One bit of MAC-A flipped: MAC failure, and the USIM's state is left unchanged. */
static int tampered(struct sub *s)
{
	struct mcim_auth_vector av;
	struct mcim_auth_usim_out out;
	uint8_t autn[MCIM_AKA_AUTN_MAX];
	int ok;

	ok = check_err(
	    s->t,
	    mcim_auth_generate(&s->auc, &s->cfg, &s->he, s->amf, mcim_rng_system(), &av),
	    MCIM_OK, "AuC: authentication vector");
	if (ok) {
		memcpy(autn, av.autn, av.autn_len);
		autn[av.autn_len - 1] ^= 0x01;
		say("on the way, one bit of MAC-A in AUTN is flipped");
		ok = check_err(s->t, usim_answer(s, av.rand, autn, av.autn_len, &out),
			       MCIM_ERR_MAC_FAILURE, "USIM: AUTN refused");
		ok = ok &&
		     check_err(s->t, usim_answer(s, av.rand, av.autn, av.autn_len, &out),
			       MCIM_OK, "USIM: the genuine AUTN is still accepted");
		mcim_auth_usim_out_wipe(&out);
	}
	mcim_auth_vector_wipe(&av);
	return ok;
}

/* The most frequent misconfiguration (lessons.md): OP provisioned where OPc belongs. */
static int op_for_opc(struct sub *s)
{
	struct mcim_aka_cred wrong = s->cred;
	struct mcim_aka_keyctx kc;
	struct mcim_auth_vector av;
	struct mcim_auth_usim_out out;
	struct mcim_sqn_ms ms = s->ms;
	const char *op = s->opc_len == 32 ? "TOP" : "OP";
	const char *opc = s->opc_len == 32 ? "TOPc" : "OPc";
	char k_right[9], k_wrong[9];
	int ok;

	memcpy(wrong.opc, s->op, s->opc_len);
	kcv(s->cred.opc, s->opc_len, k_right);
	kcv(wrong.opc, s->opc_len, k_wrong);
	say("a second USIM is given %s where %s belongs (kcv %s, not %s)", op, opc,
	    k_wrong, k_right);
	ok = check_err(s->t, mcim_aka_prepare(&kc, &wrong), MCIM_OK,
		       "USIM: the credential is well-formed (nothing tells OP from OPc)");
	ok = ok && check_err(s->t,
			     mcim_auth_generate(&s->auc, &s->cfg, &s->he, s->amf,
						mcim_rng_system(), &av),
			     MCIM_OK, "AuC: authentication vector");
	ok = ok && check_err(s->t,
			     mcim_auth_usim(&kc, &s->cfg, &ms, av.rand, av.autn,
					    av.autn_len, &out),
			     MCIM_ERR_MAC_FAILURE, "USIM: AUTN refused");
	mcim_auth_usim_out_wipe(&out);
	mcim_auth_vector_wipe(&av);
	mcim_aka_keyctx_wipe(&kc);
	mcim_aka_cred_wipe(&wrong);
	return ok;
}

/* The CCIF's part: fresh K and OP/TOP, OPc/TOPc derived, both ends provisioned. */
static mcim_err provision(struct sub *s)
{
	const struct mcim_rng *rng = mcim_rng_system();
	struct mcim_aka_cred *c = &s->cred;
	mcim_err err;

	err = mcim_rng_fill(rng, c->k, c->k_len);
	if (err == MCIM_OK)
		err = mcim_rng_fill(rng, s->op, s->opc_len);
	if (err == MCIM_OK)
		err = c->alg == MCIM_AKA_TUAK
			  ? mcim_tuak_topc(c->k, c->k_len, s->op,
					   c->params.tuak.keccak_iterations, c->opc)
			  : mcim_milenage_opc(c->k, s->op, c->opc);
	if (err == MCIM_OK)
		err = mcim_aka_prepare(&s->auc, c);
	if (err == MCIM_OK)
		err = mcim_aka_prepare(&s->usim, c);
	if (err == MCIM_OK)
		err = mcim_plmn_encode(DEMO_MCC, DEMO_MNC, s->plmn);
	if (err == MCIM_OK)
		err = mcim_snn_build(DEMO_MCC, DEMO_MNC, s->snn);
	mcim_sqn_cfg_default(&s->cfg);
	if (err == MCIM_OK)
		err = mcim_sqn_he_init(&s->cfg, &s->he, 0);
	mcim_sqn_ms_init(&s->ms);
	s->amf[0] =
	    0x80; /* the separation bit: vectors for E-UTRAN/5G (TS 33.401 6.1.1) */
	s->amf[1] = 0x00;
	return err;
}

static int subscriber(struct sub *s, const char *title)
{
	struct mcim_auth_vector first;
	struct mcim_sqn_he backup;
	char k_kcv[9], opc_kcv[9];
	int ok;

	printf("\n%s\n", title);
	if (!check_err(s->t, provision(s), MCIM_OK,
		       "CCIF: credential issued to AuC and USIM"))
		return 0;
	kcv(s->cred.k, s->cred.k_len, k_kcv);
	kcv(s->cred.opc, s->opc_len, opc_kcv);
	say("K %u bits kcv %s, %s kcv %s; SQN with %u IND bits", s->cred.k_len * 8u,
	    k_kcv, s->opc_len == 32 ? "TOPc" : "OPc", opc_kcv, s->cfg.ind_bits);
	say("serving network %s", s->snn);
	backup = s->he;
	heading("1. authentication");
	ok = round_eps(s, &first);
	if (ok) {
		heading("2. 5G authentication");
		ok = round_5g(s);
	}
	if (ok) {
		heading("3. an attacker replays the RAND and AUTN of step 1");
		ok = resync(s, first.rand, first.autn, first.autn_len, 0);
	}
	if (ok) {
		struct mcim_auth_vector stale;

		heading(
		    "4. the AuC's record is restored from a backup taken before step 1");
		s->he = backup;
		ok = check_err(s->t,
			       mcim_auth_generate(&s->auc, &s->cfg, &s->he, s->amf,
						  mcim_rng_system(), &stale),
			       MCIM_OK, "AuC: authentication vector from the old record");
		if (ok) {
			show_vector(s, "AuC -> USIM", stale.sqn, stale.rand);
			ok = resync(s, stale.rand, stale.autn, stale.autn_len, 1);
		}
		mcim_auth_vector_wipe(&stale);
	}
	if (ok) {
		heading("5. a tampered AUTN");
		ok = tampered(s);
	}
	if (ok) {
		heading(s->opc_len == 32 ? "6. TOP mistaken for TOPc"
					 : "6. OP mistaken for OPc");
		ok = op_for_opc(s);
	}
	mcim_auth_vector_wipe(&first);
	return ok;
}

static const char demo_usage[] =
    "usage: mcim demo\n"
    "  AKA between an AuC and a USIM, both from libmcim, for a MILENAGE and a TUAK\n"
    "  subscriber with fresh random keys: authentication with KASME, 5G authentication\n"
    "  with KAUSF/KSEAF, a replayed AUTN and resynchronisation, an AuC record restored\n"
    "  from an old backup, a tampered AUTN, OP given where OPc belongs. Keys are shown\n"
    "  only as key check values (the first 4 octets of their SHA-256).\n"
    "options:\n"
    "  -h, --help  this text\n"
    "exit status: 0 every outcome as expected, 1 otherwise, 2 usage error\n";

int cmd_demo(int argc, char **argv)
{
	struct tally t = {0, 0};
	struct sub s;
	unsigned finished = 0;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(demo_usage, stdout);
		return CLI_EXIT_OK;
	}
	if (argc > 1)
		return cli_usage_error("demo", "unexpected argument \"%s\"", argv[1]);

	memset(&s, 0, sizeof(s));
	s.t = &t;
	s.cred.alg = MCIM_AKA_MILENAGE;
	s.cred.k_len = 16;
	s.opc_len = 16;
	mcim_milenage_default_consts(&s.cred.params.milenage);
	finished += (unsigned)subscriber(&s, "MILENAGE subscriber (TS 35.206)");
	mcim_wipe(&s, sizeof(s));

	s.t = &t;
	s.cred.alg = MCIM_AKA_TUAK;
	s.cred.k_len = 32;
	s.opc_len = 32;
	mcim_tuak_default_params(&s.cred.params.tuak);
	s.cred.params.tuak.mac_bits = 128;
	s.cred.params.tuak.ck_bits = 256;
	s.cred.params.tuak.ik_bits = 256;
	finished += (unsigned)subscriber(&s, "TUAK subscriber (TS 35.231): 256-bit K, "
					     "128-bit MAC, 256-bit CK and IK");
	mcim_wipe(&s, sizeof(s));

	printf("\ndemo: %u of 2 subscribers completed, %u outcomes as expected, %u "
	       "unexpected\n",
	       finished, t.expected, t.unexpected);
	return finished == 2 && t.unexpected == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
