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
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli.h"
#include "m2me/agent.h"
#include "mcim/manifest.h"
#include "mcim/tre.h"
#include "tool/device.h"
#include "tool/pki.h"
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
    "usage: mcim demo aka\n"
    "  AKA between an AuC and a USIM, both from libmcim, for a MILENAGE and a TUAK\n"
    "  subscriber with fresh random keys: authentication with KASME, 5G authentication\n"
    "  with KAUSF/KSEAF, a replayed AUTN and resynchronisation, an AuC record restored\n"
    "  from an old backup, a tampered AUTN, OP given where OPc belongs. Keys are shown\n"
    "  only as key check values (the first 4 octets of their SHA-256).\n"
    "options:\n"
    "  -h, --help  this text\n"
    "exit status: 0 every outcome as expected, 1 otherwise, 2 usage error\n";

static int demo_aka(int argc, char **argv)
{
	struct tally t = {0, 0};
	struct sub s;
	unsigned finished = 0;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(demo_usage, stdout);
		return CLI_EXIT_OK;
	}
	if (argc > 1)
		return cli_usage_error("demo aka", "unexpected argument \"%s\"", argv[1]);

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

/* ==== the network demo: mcimd, N devices, the whole protocol ==== */

#define NET_DEVICES_DEFAULT 20
#define NET_DEVICES_MAX	    1000
#define NET_MODIFIED_EVERY  5 /* every 5th device carries a modified component */
#define NET_START_WAIT_MS   15000
#define NET_TOKEN_LEN	    32

enum { T_SHO1, T_SHO2, T_RO, T_PVA, T_VNO, N_TENANTS };

static const struct {
	const char *name, *kind, *plmn;
} tenants[N_TENANTS] = {
    {"sho1", "sho", "00101"}, {"sho2", "sho", "00102"},		 {"ro", "ro", "001002"},
    {"pva", "pva", "00190"},  {"vno", "vno", TOOL_PKI_VNO_PLMN},
};

enum { S_MAKE, S_REGISTER, S_ORDER, S_PROVISION, S_ACTIVATE, S_ATTACH, N_STEPS };

static const char *const step_names[N_STEPS] = {
    "manufacture", "register", "order", "provision", "activate", "attach",
};

struct ndev {
	char dir[TOOL_DEVICE_PATH_MAX - 32];
	char tre_hex[33], pcid[16], k_hex[33], opc_hex[33], mcim_hex[33];
	int sho;	       /* T_SHO1 or T_SHO2 */
	bool tuak;	       /* the subscriber's algorithm */
	bool modified;	       /* a component that is not the reference build's */
	mcim_err out[N_STEPS]; /* MCIM_OK, a refusal, or MCIM_ERR_STATE: not reached */
	bool ran[N_STEPS];
	char why[N_STEPS][96];
	/* The TRE's tamper reports relayed after provisioning (§10). */
	bool tamper_ran;
	mcim_err tamper_err;
	struct m2me_tamper_out tamper;
};

struct net_demo {
	char root[256], pki[300], cfg[300], port_file[300], log[300], mcimd[4096];
	char base[64];
	char token[N_TENANTS][NET_TOKEN_LEN + 1];
	pid_t pid;
	unsigned n;
	struct ndev *devs;
	int json;
	const char *keep;
	char fatal[256]; /* why the demo could not go on */
};

static void net_say(const struct net_demo *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void net_say(const struct net_demo *d, const char *fmt, ...)
{
	va_list ap;

	if (d->json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/* ---- operator API over HTTP ---- */

struct http_buf {
	char *p;
	size_t len;
};

static size_t http_body(char *p, size_t size, size_t n, void *arg)
{
	struct http_buf *b = arg;
	char *q = realloc(b->p, b->len + size * n + 1);

	if (q == NULL)
		return 0;
	memcpy(q + b->len, p, size * n);
	b->p = q;
	b->len += size * n;
	b->p[b->len] = '\0';
	return size * n;
}

/* One operator request as tenant; the answer's status, the body in *out (freed by
 * the caller). A transport failure is status 0. */
static long op(struct net_demo *d, int tenant, const char *path, const char *type,
	       const char *body, size_t len, struct http_buf *out)
{
	char url[512], auth[128], ct[96];
	struct curl_slist *h = NULL;
	CURL *c = curl_easy_init();
	long status = 0;

	memset(out, 0, sizeof(*out));
	if (c == NULL)
		return 0;
	snprintf(url, sizeof(url), "%s%s", d->base, path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", d->token[tenant]);
	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "Expect:");
	if (type != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", type);
		h = curl_slist_append(h, ct);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body != NULL ? body : "");
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 60000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

/* A JSON operator request; the error name of a refusal into why. */
static mcim_err op_json(struct net_demo *d, int tenant, const char *path, json_t *body,
			json_t **resp, char *why, size_t why_cap)
{
	char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	struct http_buf b;
	long status = op(d, tenant, path, body != NULL ? "application/json" : NULL, text,
			 text != NULL ? strlen(text) : 0, &b);
	json_t *j = b.p != NULL ? json_loads(b.p, 0, NULL) : NULL;
	mcim_err err = MCIM_OK;

	free(text);
	if (status == 0) {
		err = MCIM_ERR_IO;
		snprintf(why, why_cap, "mcimd did not answer %s", path);
	} else if (status == 404 && j == NULL) {
		err = MCIM_ERR_NOT_FOUND;
		snprintf(why, why_cap, "mcimd does not serve %s (not wired)", path);
	} else if (status >= 300) {
		const char *name = json_string_value(json_object_get(j, "error"));
		const char *msg = json_string_value(json_object_get(j, "message"));

		/* The router's own 404: this daemon does not serve the route. */
		if (status == 404 && msg != NULL && strcmp(msg, "no such resource") == 0)
			msg = "no such route: that role is not wired into mcimd";

		err = MCIM_ERR_INTERNAL;
		for (int e = 1; name != NULL && e < MCIM_ERR_COUNT_; e++)
			if (strcmp(mcim_err_name((mcim_err)e), name) == 0)
				err = (mcim_err)e;
		snprintf(why, why_cap, "%s: HTTP %ld %s%s%s", path, status,
			 name != NULL ? name : "", msg != NULL ? ": " : "",
			 msg != NULL ? msg : "");
	}
	free(b.p);
	if (resp != NULL && err == MCIM_OK)
		*resp = j;
	else
		json_decref(j);
	return err;
}

/* ---- setting up ---- */

static void b64_std(const uint8_t *in, size_t len, char *out)
{
	static const char al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = al[(v >> 18) & 63];
		out[o++] = al[(v >> 12) & 63];
		out[o++] = i + 1 < len ? al[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? al[v & 63] : '=';
	}
	out[o] = '\0';
}

static int write_config(struct net_demo *d)
{
	json_t *ts = json_array(), *root;
	int ok;

	for (int i = 0; i < N_TENANTS; i++) {
		uint8_t raw[24], h[MCIM_SHA256_LEN];
		char hx[65];

		if (mcim_rng_fill(mcim_rng_system(), raw, sizeof(raw)) != MCIM_OK)
			return 0;
		mcim_hex_encode(raw, 16, d->token[i], sizeof(d->token[i]));
		mcim_sha256(d->token[i], strlen(d->token[i]), h);
		mcim_hex_encode(h, sizeof(h), hx, sizeof(hx));
		json_array_append_new(
		    ts, json_pack("{s:s,s:s,s:s,s:[s]}", "name", tenants[i].name, "kind",
				  tenants[i].kind, "plmn", tenants[i].plmn,
				  "api_token_sha256", hx));
	}
	root = json_pack("{s:{s:s,s:i},s:{s:s},s:{s:s},s:{s:s},s:o}", "listen", "address",
			 "127.0.0.1", "port", 0, "store", "path", "mcimd.db", "pki",
			 "dir", "pki", "log", "level", "warn", "tenants", ts);
	ok = root != NULL && json_dump_file(root, d->cfg, JSON_INDENT(2)) == 0;
	json_decref(root);
	return ok;
}

/* mcimd beside this mcim binary. */
static int find_mcimd(struct net_demo *d)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return 0;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash == NULL)
		return 0;
	*slash = '\0';
	snprintf(d->mcimd, sizeof(d->mcimd), "%.4000s/mcimd", self);
	return access(d->mcimd, X_OK) == 0;
}

static int start_mcimd(struct net_demo *d)
{
	unsigned waited = 0;

	d->pid = fork();
	if (d->pid < 0)
		return 0;
	if (d->pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		execl(d->mcimd, "mcimd", "--config", d->cfg, "--port-file", d->port_file,
		      (char *)NULL);
		_exit(127);
	}
	while (waited < NET_START_WAIT_MS) {
		FILE *f = fopen(d->port_file, "r");
		unsigned port = 0;
		int st;

		if (f != NULL) {
			int got = fscanf(f, "%u", &port);

			fclose(f);
			if (got == 1 && port > 0 && port < 65536) {
				snprintf(d->base, sizeof(d->base), "http://127.0.0.1:%u",
					 port);
				return 1;
			}
		}
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			d->pid = 0;
			snprintf(d->fatal, sizeof(d->fatal),
				 "mcimd exited at start (see %.200s)", d->log);
			return 0;
		}
		usleep(50000);
		waited += 50;
	}
	snprintf(d->fatal, sizeof(d->fatal), "mcimd wrote no port file in %u ms",
		 NET_START_WAIT_MS);
	return 0;
}

static void stop_mcimd(struct net_demo *d)
{
	int st;

	if (d->pid <= 0)
		return;
	kill(d->pid, SIGTERM);
	for (int i = 0; i < 200; i++) {
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			d->pid = 0;
			return;
		}
		usleep(50000);
	}
	kill(d->pid, SIGKILL);
	waitpid(d->pid, &st, 0);
	d->pid = 0;
}

/* A manifest of the device's components as they are on disk, M2MES-signed. */
static mcim_err sign_manifest(struct tool_pki *pki, const struct tool_device *dev,
			      uint32_t seq, uint8_t *out, size_t cap, size_t *len)
{
	static uint8_t work[TOOL_DEVICE_COMP_SIZE * 2];
	struct mcim_manifest m;
	struct mcim_p256_priv key;
	struct mcim_iov chain[MCIM_CERT_CHAIN_MAX];
	size_t n;
	mcim_err e;

	memset(&m, 0, sizeof(m));
	m.sequence = seq;
	m.security_version = 1;
	snprintf(m.platform, sizeof(m.platform), "%s", TOOL_DEVICE_MODEL);
	m.n = dev->n;
	for (size_t i = 0; i < dev->n; i++) {
		snprintf(m.components[i].name, sizeof(m.components[i].name), "%s",
			 dev->names[i]);
		snprintf(m.components[i].version, sizeof(m.components[i].version), "%u.0",
			 (unsigned)seq);
		e = mcim_manifest_hash_file(dev->paths[i], work, sizeof(work),
					    m.components[i].digest, NULL);
		if (e != MCIM_OK)
			return e;
	}
	e = tool_pki_key(pki, "m2mes", &key);
	if (e == MCIM_OK)
		e = tool_pki_chain(pki, "m2mes", 0, chain, MCIM_CERT_CHAIN_MAX, &n);
	if (e == MCIM_OK)
		e = mcim_manifest_sign(&m, &key, chain, n, out, cap, len);
	mcim_p256_priv_wipe(&key);
	return e;
}

/* One TRE command on an open TRE: its status. */
static mcim_err tre_do(struct mcim_tre *tre, const char *cmd,
		       const struct tool_tre_arg *a, size_t n)
{
	static uint8_t req[MCIM_TRE_MSG_MAX], resp[MCIM_TRE_MSG_MAX];
	struct tool_tre_resp r;
	size_t len, rl;
	mcim_err e = tool_tre_request(cmd, a, n, req, sizeof(req), &len);

	if (e == MCIM_OK)
		e = mcim_tre_call(tre, req, len, resp, sizeof(resp), &rl);
	if (e == MCIM_OK)
		e = tool_tre_response(resp, rl, &r);
	return e == MCIM_OK ? r.status : e;
}

/*
 * The modified device: its last component no longer the reference build. The
 * M2MES signs a firmware 2 manifest over what is on the device, which the TRE
 * takes as an update (so the device boots: only the PVA can tell), while the PVA
 * holds the reference values of the genuine firmware 2.
 */
static mcim_err modify(struct tool_pki *pki, const char *dir, uint8_t *genuine2,
		       size_t *genuine2_len)
{
	static uint8_t man[16384];
	char err[TOOL_DEVICE_ERR_MAX];
	struct tool_device *dev = calloc(1, sizeof(*dev));
	struct mcim_tre *tre = calloc(1, sizeof(*tre));
	size_t len;
	FILE *f;
	mcim_err e;

	if (dev == NULL || tre == NULL) {
		free(dev);
		free(tre);
		return MCIM_ERR_NOMEM;
	}
	e = tool_device_load(dir, dev, err);
	if (e == MCIM_OK && *genuine2_len == 0)
		e = sign_manifest(pki, dev, 2, genuine2, 16384, genuine2_len);
	if (e == MCIM_OK) {
		f = fopen(dev->paths[dev->n - 1], "r+");
		if (f == NULL ||
		    fputs("openmcim demo firmware: a modified build\n", f) == EOF)
			e = MCIM_ERR_IO;
		if (f != NULL && fclose(f) != 0)
			e = MCIM_ERR_IO;
	}
	if (e == MCIM_OK)
		e = sign_manifest(pki, dev, 2, man, sizeof(man), &len);
	if (e == MCIM_OK)
		e = mcim_tre_open(tre, &dev->cfg);
	if (e == MCIM_OK) {
		const struct tool_tre_arg a = {"manifest", TOOL_ARG_BSTR, man, len, 0};

		e = tre_do(tre, "fw-update", &a, 1);
		mcim_tre_close(tre);
	}
	if (e == MCIM_OK)
		e = mcim_tre_open(tre, &dev->cfg);
	if (e == MCIM_OK) {
		e = tre_do(tre, "fw-confirm", NULL, 0);
		if (e == MCIM_OK && mcim_tre_state(tre, NULL) != MCIM_TRE_READY)
			e = MCIM_ERR_BAD_BOOT;
		mcim_tre_close(tre);
	}
	mcim_wipe(dev, sizeof(*dev));
	free(dev);
	free(tre);
	return e;
}

static int read_factory(struct ndev *v)
{
	char path[TOOL_DEVICE_PATH_MAX + 32];
	json_t *j, *p;
	const char *tre, *imsi, *k, *opc;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", v->dir, TOOL_DEVICE_FACTORY);
	j = json_load_file(path, 0, NULL);
	p = json_object_get(j, "pcid");
	tre = json_string_value(json_object_get(j, "tre_id"));
	imsi = json_string_value(json_object_get(p, "imsi"));
	k = json_string_value(json_object_get(p, "k"));
	opc = json_string_value(json_object_get(p, "opc"));
	ok = tre != NULL && imsi != NULL && k != NULL && opc != NULL &&
	     strlen(tre) == 32 && strlen(imsi) < sizeof(v->pcid) && strlen(k) == 32 &&
	     strlen(opc) == 32;
	if (ok) {
		memcpy(v->tre_hex, tre, 33);
		memcpy(v->pcid, imsi, strlen(imsi) + 1);
		memcpy(v->k_hex, k, 33);
		memcpy(v->opc_hex, opc, 33);
	}
	json_decref(j);
	return ok;
}

static void outcome(struct ndev *v, int s, mcim_err e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void outcome(struct ndev *v, int s, mcim_err e, const char *fmt, ...)
{
	va_list ap;

	v->ran[s] = true;
	v->out[s] = e;
	va_start(ap, fmt);
	vsnprintf(v->why[s], sizeof(v->why[s]), fmt, ap);
	va_end(ap);
}

static int manufacture(struct net_demo *d, struct tool_pki *pki)
{
	static uint8_t genuine2[16384];
	size_t genuine2_len = 0;
	uint8_t man[16384];
	char err[TOOL_DEVICE_ERR_MAX], *b64;
	json_t *pcids = json_array(), *resp = NULL;
	size_t len = 0;
	mcim_err e;

	for (unsigned i = 0; i < d->n; i++) {
		struct ndev *v = &d->devs[i];
		struct tool_device_opts o = {0};
		struct tool_device_made made;

		snprintf(v->dir, sizeof(v->dir), "%.140s/dev%03u", d->root, i % 1000);
		v->sho = i % 2 == 0 ? T_SHO1 : T_SHO2;
		v->tuak = (i / 2) % 2 == 1;
		v->modified = i % NET_MODIFIED_EVERY == NET_MODIFIED_EVERY - 1;
		o.pki_dir = d->pki;
		o.backend = MCIM_CERT_BACKEND_SOFT;
		o.now = time(NULL);
		e = tool_device_init(v->dir, &o, &made, err);
		if (e == MCIM_OK && !read_factory(v))
			e = MCIM_ERR_PARSE;
		if (e == MCIM_OK && v->modified)
			e = modify(pki, v->dir, genuine2, &genuine2_len);
		outcome(v, S_MAKE, e, "%s",
			e == MCIM_OK ? (v->modified ? "modified" : "") : err);
		if (e == MCIM_OK)
			json_array_append_new(pcids, json_pack("{s:s,s:s,s:s}", "pcid",
							       v->pcid, "k", v->k_hex,
							       "opc", v->opc_hex));
	}
	/* The VNO imports the factory's PCIDs; the M2MES publishes the reference
	 * values of firmware 1 and 2 at the PVA. */
	e = op_json(d, T_VNO, "/v1/tenants/vno/pcids", pcids, NULL, d->fatal,
		    sizeof(d->fatal));
	json_decref(pcids);
	if (e != MCIM_OK)
		return 0;
	{
		char path[TOOL_DEVICE_PATH_MAX + 32];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", d->devs[0].dir,
			 TOOL_DEVICE_MANIFEST);
		f = fopen(path, "rb");
		if (f != NULL) {
			len = fread(man, 1, sizeof(man), f);
			fclose(f);
		}
	}
	for (int k = 0; k < 2 && len > 0; k++) {
		const uint8_t *m = k == 0 ? man : genuine2;
		size_t ml = k == 0 ? len : genuine2_len;
		json_t *body;

		if (ml == 0)
			continue;
		b64 = malloc(ml * 4 / 3 + 8);
		if (b64 == NULL)
			return 0;
		b64_std(m, ml, b64);
		body = json_pack("{s:s}", "manifest", b64);
		e = op_json(d, T_PVA, "/v1/tenants/pva/reference-values", body, &resp,
			    d->fatal, sizeof(d->fatal));
		json_decref(body);
		json_decref(resp);
		resp = NULL;
		free(b64);
		if (e != MCIM_OK)
			return 0;
	}
	return len > 0;
}

/* Batch registration per SHO (NDJSON, one line per device), then the orders. */
static int register_all(struct net_demo *d)
{
	for (int s = T_SHO1; s <= T_SHO2; s++) {
		char path[96], *nd = malloc((size_t)d->n * 96 + 1), *line, *save = NULL;
		size_t off = 0;
		struct http_buf b;
		long status;

		if (nd == NULL)
			return 0;
		nd[0] = '\0';
		for (unsigned i = 0; i < d->n; i++)
			if (d->devs[i].sho == s && d->devs[i].out[S_MAKE] == MCIM_OK)
				off += (size_t)sprintf(
				    nd + off, "{\"tre_id\":\"%s\",\"sho\":\"%s\"}\n",
				    d->devs[i].tre_hex, tenants[s].plmn);
		snprintf(path, sizeof(path), "/v1/tenants/%s/registrations:batch",
			 tenants[s].name);
		status = op(d, s, path, "application/x-ndjson", nd, off, &b);
		free(nd);
		if (status != 200) {
			snprintf(d->fatal, sizeof(d->fatal), "%s: HTTP %ld%s", path,
				 status, status == 404 ? " (not wired in mcimd)" : "");
			free(b.p);
			return 0;
		}
		for (line = strtok_r(b.p, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save)) {
			json_t *j = json_loads(line, 0, NULL);
			const char *id = json_string_value(json_object_get(j, "tre_id"));
			const char *res = json_string_value(json_object_get(j, "result"));

			for (unsigned i = 0; id != NULL && res != NULL && i < d->n; i++)
				if (strcmp(d->devs[i].tre_hex, id) == 0)
					outcome(&d->devs[i], S_REGISTER,
						strcmp(res, "OK") == 0 ? MCIM_OK
								       : MCIM_ERR_DENIED,
						"%s", res);
			json_decref(j);
		}
		free(b.p);
	}
	for (unsigned i = 0; i < d->n; i++) {
		struct ndev *v = &d->devs[i];
		char path[96];
		json_t *body, *resp = NULL;
		mcim_err e;

		if (!v->ran[S_REGISTER] || v->out[S_REGISTER] != MCIM_OK)
			continue;
		snprintf(path, sizeof(path), "/v1/tenants/%s/mcims",
			 tenants[v->sho].name);
		body = json_pack("{s:s,s:s}", "tre_id", v->tre_hex, "algorithm",
				 v->tuak ? "tuak" : "milenage");
		e = op_json(d, v->sho, path, body, &resp, v->why[S_ORDER],
			    sizeof(v->why[S_ORDER]));
		json_decref(body);
		if (e == MCIM_OK) {
			const char *id =
			    json_string_value(json_object_get(resp, "mcim_id"));

			if (id != NULL && strlen(id) == 32)
				memcpy(v->mcim_hex, id, 33);
			else
				e = MCIM_ERR_PARSE;
		}
		json_decref(resp);
		outcome(v, S_ORDER, e, "%s",
			e == MCIM_OK ? (v->tuak ? "TUAK" : "MILENAGE") : v->why[S_ORDER]);
	}
	return 1;
}

struct dev_run {
	struct tool_device dev;
	struct mcim_tre tre;
	struct m2me agent;
};

static void quiet_step(void *ctx, const char *step, mcim_err err, const char *detail)
{
	(void)ctx;
	(void)step;
	(void)err;
	(void)detail;
}

/* The agent for device v, with its TRE opened linked. */
static mcim_err dev_open(struct net_demo *d, struct ndev *v, struct dev_run *r)
{
	char err[TOOL_DEVICE_ERR_MAX];
	struct m2me_config cfg = {0};
	mcim_err e = tool_device_load(v->dir, &r->dev, err);

	if (e == MCIM_OK)
		e = mcim_tre_open(&r->tre, &r->dev.cfg);
	if (e != MCIM_OK)
		return e;
	cfg.icf_url = d->base;
	cfg.drf_url = d->base;
	cfg.retries = 2;
	cfg.on_step = quiet_step;
	e = m2me_init(&r->agent, &cfg, &r->tre, NULL);
	if (e != MCIM_OK)
		mcim_tre_close(&r->tre);
	return e;
}

static void dev_close(struct dev_run *r)
{
	m2me_free(&r->agent);
	mcim_tre_close(&r->tre);
	mcim_wipe(&r->dev, sizeof(r->dev));
}

/* Which step of the agent's refused, from its last error. */
static const char *agent_where(const struct m2me *a)
{
	if (a->session_hdr[0] == '\0')
		return "icf";
	if (a->sho[0] == '\0')
		return "drf";
	if (a->pva_len == 0 || a->pva_status == MCIM_EAR_CONTRAINDICATED)
		return "pva";
	return "dpf";
}

static void provision_all(struct net_demo *d, struct dev_run *r)
{
	for (unsigned i = 0; i < d->n; i++) {
		struct ndev *v = &d->devs[i];
		mcim_err e;

		if (!v->ran[S_ORDER] || v->out[S_ORDER] != MCIM_OK)
			continue;
		memset(r, 0, sizeof(*r));
		e = dev_open(d, v, r);
		if (e == MCIM_OK) {
			e = m2me_provision(&r->agent);
			if (e == MCIM_OK)
				outcome(v, S_PROVISION, e, "%s", r->agent.mcim_state);
			else
				outcome(v, S_PROVISION, e, "%s: %s",
					agent_where(&r->agent), r->agent.message);
			/* Whatever the outcome, the TRE's tamper reports go to the SHO
			 * (a modified device's boot before its update made one). */
			v->tamper_ran = true;
			v->tamper_err =
			    m2me_tamper_relay(&r->agent, d->base, NULL, 0, &v->tamper);
			dev_close(r);
		} else {
			outcome(v, S_PROVISION, e, "the TRE did not open");
		}
		net_say(d, "  %-7s %s %-22s %s", v->tre_hex + 24,
			v->modified ? "(modified)" : "          ",
			e == MCIM_OK ? "provisioned" : mcim_err_name(e),
			v->why[S_PROVISION]);
		if (v->tamper_ran && (v->tamper_err != MCIM_OK || v->tamper.queued > 0))
			net_say(d, "; tamper reports: %zu accepted (%s)",
				v->tamper.accepted, mcim_err_name(v->tamper_err));
		net_say(d, "\n");
	}
}

static void activate_attach_all(struct net_demo *d, struct dev_run *r)
{
	for (unsigned i = 0; i < d->n; i++) {
		struct ndev *v = &d->devs[i];
		char path[128], snn[64];
		size_t pulled = 0;
		mcim_err e;

		if (!v->ran[S_PROVISION] || v->out[S_PROVISION] != MCIM_OK)
			continue;
		snprintf(path, sizeof(path), "/v1/tenants/%s/mcims/%s:activate",
			 tenants[v->sho].name, v->mcim_hex);
		e = op_json(d, v->sho, path, NULL, NULL, v->why[S_ACTIVATE],
			    sizeof(v->why[S_ACTIVATE]));
		memset(r, 0, sizeof(*r));
		if (e == MCIM_OK)
			e = dev_open(d, v, r);
		if (e == MCIM_OK) {
			e = mcim_hex_decode_exact(v->tre_hex, 32, r->agent.tre_id,
						  sizeof(r->agent.tre_id));
			snprintf(r->agent.sho, sizeof(r->agent.sho), "%s",
				 tenants[v->sho].plmn);
			snprintf(r->agent.dpf_url, sizeof(r->agent.dpf_url), "%s",
				 d->base);
			if (e == MCIM_OK)
				e = m2me_mgmt_pull(&r->agent, &pulled);
			if (e == MCIM_OK && strcmp(r->agent.mcim_state, "activated") != 0)
				e = MCIM_ERR_STATE;
			outcome(v, S_ACTIVATE, e, "%s",
				e == MCIM_OK ? "activated" : r->agent.message);
			if (e == MCIM_OK) {
				snprintf(snn, sizeof(snn),
					 "5G:mnc%03d.mcc%.3s.3gppnetwork.org",
					 atoi(tenants[v->sho].plmn + 3),
					 tenants[v->sho].plmn);
				e = m2me_attach(&r->agent, snn);
				outcome(v, S_ATTACH, e, "%s",
					e == MCIM_OK ? (v->tuak ? "TUAK" : "MILENAGE")
						     : r->agent.message);
			}
			dev_close(r);
		} else {
			outcome(v, S_ACTIVATE, e, "%s", v->why[S_ACTIVATE]);
		}
		net_say(d, "  %-7s %-9s %-12s %s\n", v->tre_hex + 24,
			v->tuak ? "TUAK" : "MILENAGE",
			v->ran[S_ATTACH] && v->out[S_ATTACH] == MCIM_OK ? "attached"
									: "not attached",
			v->ran[S_ATTACH] ? v->why[S_ATTACH] : v->why[S_ACTIVATE]);
	}
}

/* What each device should come to: everything, except the modified ones whose
 * provisioning the PVA refuses (BAD_BOOT) and which go no further. */
static bool as_expected(const struct ndev *v, int s)
{
	if (v->modified && s == S_PROVISION)
		return v->ran[s] && v->out[s] == MCIM_ERR_BAD_BOOT &&
		       strncmp(v->why[s], "pva", 3) == 0;
	if (v->modified && s > S_PROVISION)
		return !v->ran[s];
	return v->ran[s] && v->out[s] == MCIM_OK;
}

/* What the relay of its tamper reports should give: the modified device's one
 * report (its boot before the update) accepted; nothing from the others. */
static bool tamper_as_expected(const struct ndev *v)
{
	if (!v->ran[S_ORDER] || v->out[S_ORDER] != MCIM_OK)
		return !v->tamper_ran;
	return v->tamper_ran && v->tamper_err == MCIM_OK &&
	       v->tamper.queued == (v->modified ? 1u : 0u) &&
	       v->tamper.accepted == v->tamper.queued && v->tamper.duplicates == 0;
}

static int summary(struct net_demo *d)
{
	json_t *refused = json_object(), *steps = json_object(), *o;
	unsigned unexpected = 0, n_prov = 0, n_att = 0, bad_tamper = 0;
	size_t n_tamper = 0;

	net_say(d, "\n%-12s %9s %8s %10s  %s\n", "step", "succeeded", "refused",
		"unexpected", "why refused");
	for (int s = 0; s < N_STEPS; s++) {
		unsigned ok = 0, no = 0, bad = 0;
		json_t *why = json_object();
		char whys[160] = "";

		for (unsigned i = 0; i < d->n; i++) {
			const struct ndev *v = &d->devs[i];

			if (!as_expected(v, s))
				bad++;
			if (!v->ran[s])
				continue;
			if (v->out[s] == MCIM_OK) {
				ok++;
				continue;
			}
			no++;
			{
				char key[64];
				json_t *c;

				/* provision: where it was refused ("pva: ...") too. */
				if (s == S_PROVISION)
					snprintf(key, sizeof(key), "%.*s:%s",
						 (int)strcspn(v->why[s], ":") & 15,
						 v->why[s], mcim_err_name(v->out[s]));
				else
					snprintf(key, sizeof(key), "%s",
						 mcim_err_name(v->out[s]));
				c = json_object_get(why, key);
				json_object_set_new(
				    why, key, json_integer(json_integer_value(c) + 1));
				c = json_object_get(refused, key);
				json_object_set_new(
				    refused, key,
				    json_integer(json_integer_value(c) + 1));
			}
		}
		{
			const char *k;
			json_t *c;
			size_t off = 0;

			json_object_foreach(why, k, c)
			{
				off +=
				    (size_t)snprintf(whys + off, sizeof(whys) - off,
						     "%s%s x%lld", off > 0 ? ", " : "", k,
						     (long long)json_integer_value(c));
				if (off >= sizeof(whys))
					break;
			}
		}
		net_say(d, "%-12s %9u %8u %10u  %s\n", step_names[s], ok, no, bad, whys);
		json_object_set_new(steps, step_names[s],
				    json_pack("{s:i,s:i,s:i,s:o}", "succeeded", ok,
					      "refused", no, "unexpected", bad, "why",
					      why));
		unexpected += bad;
		if (s == S_PROVISION)
			n_prov = ok;
		if (s == S_ATTACH)
			n_att = ok;
	}
	for (unsigned i = 0; i < d->n; i++) {
		n_tamper += d->devs[i].tamper.accepted;
		bad_tamper += !tamper_as_expected(&d->devs[i]);
	}
	unexpected += bad_tamper;
	net_say(d, "\ntamper reports: %zu accepted, %u unexpected\n", n_tamper,
		bad_tamper);
	if (d->json) {
		o = json_pack("{s:i,s:i,s:i,s:I,s:o,s:o,s:b}", "devices", d->n,
			      "provisioned", n_prov, "attached", n_att, "tamper_reports",
			      (json_int_t)n_tamper, "refused", refused, "steps", steps,
			      "expected", unexpected == 0);
		if (d->fatal[0] != '\0')
			json_object_set_new(o, "error", json_string(d->fatal));
		json_dumpf(o, stdout, JSON_SORT_KEYS | JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(o);
	} else {
		json_decref(refused);
		json_decref(steps);
		printf("\ndemo: %u devices, %u provisioned, %u attached, %zu tamper "
		       "reports accepted, %u unexpected outcome(s)%s%s\n",
		       d->n, n_prov, n_att, n_tamper, unexpected,
		       d->fatal[0] != '\0' ? ": " : "", d->fatal);
	}
	return unexpected == 0 && d->fatal[0] == '\0' ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static const char net_usage[] =
    "usage: mcim demo [--devices N] [--keep DIR] [--json]\n"
    "       mcim demo aka\n"
    "  The whole product on loopback: a demo PKI, the real mcimd (beside this\n"
    "  binary) with two SHOs, a registration operator, a PVA and a VNO on a fresh\n"
    "  SQLite store; N devices manufactured (default 20; every 5th with a\n"
    "  modified firmware component), batch-registered, provisioned (ICF, DRF, PVA,\n"
    "  DPF), activated by their SHO and attached (5G AKA, MILENAGE and TUAK\n"
    "  subscribers); each device's signed tamper reports go to its SHO after\n"
    "  provisioning (a modified device booted bad once before its update).\n"
    "  Prints per step how many succeeded, were refused and why.\n"
    "  --keep DIR  work in DIR (must not exist) and leave it\n"
    "  --json      the summary as one JSON object\n"
    "  `mcim demo aka`: AKA between an AuC and a USIM alone (no network).\n"
    "exit status: 0 every outcome as expected, 1 otherwise, 2 usage error\n";

static void rm_rf(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;

	if (dir != NULL) {
		while ((e = readdir(dir)) != NULL) {
			char p[4096];

			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
			rm_rf(p);
		}
		closedir(dir);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static int demo_net(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"devices", required_argument, NULL, 'n'},
	    {"keep", required_argument, NULL, 'k'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct net_demo *d = calloc(1, sizeof(*d));
	struct tool_pki pki;
	struct tool_pki_opts po = {0};
	struct dev_run *run = NULL;
	char err[TOOL_PKI_ERR_MAX];
	unsigned long n = NET_DEVICES_DEFAULT;
	int c, rc = CLI_EXIT_FAIL, pki_loaded = 0;

	if (d == NULL)
		return CLI_EXIT_FAIL;
	while ((c = cli_getopt("demo", argc, argv, opts)) != -1) {
		switch (c) {
		case 'h':
			fputs(net_usage, stdout);
			free(d);
			return CLI_EXIT_OK;
		case 'n':
			if (cli_uint_arg("--devices", optarg, 1, NET_DEVICES_MAX, &n) !=
			    MCIM_OK) {
				free(d);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'k':
			d->keep = optarg;
			break;
		case 'j':
			d->json = 1;
			break;
		default:
			free(d);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		free(d);
		return cli_usage_error("demo", "unexpected argument \"%s\"",
				       argv[optind]);
	}
	d->n = (unsigned)n;
	if (d->keep != NULL) {
		if (strlen(d->keep) > 128 || mkdir(d->keep, 0700) != 0) {
			fprintf(stderr, "mcim: demo: --keep %s: cannot make it (%s)\n",
				d->keep,
				strlen(d->keep) > 128 ? "too long" : strerror(errno));
			free(d);
			return CLI_EXIT_USAGE;
		}
		snprintf(d->root, sizeof(d->root), "%s", d->keep);
	} else {
		const char *tmp = getenv("TMPDIR");

		snprintf(d->root, sizeof(d->root), "%.128s/mcim-demo-XXXXXX",
			 tmp != NULL ? tmp : "/tmp");
		if (mkdtemp(d->root) == NULL) {
			cli_error("demo: temporary directory", MCIM_ERR_IO);
			free(d);
			return CLI_EXIT_FAIL;
		}
	}
	snprintf(d->pki, sizeof(d->pki), "%s/pki", d->root);
	snprintf(d->cfg, sizeof(d->cfg), "%s/mcimd.json", d->root);
	snprintf(d->port_file, sizeof(d->port_file), "%s/mcimd.port", d->root);
	snprintf(d->log, sizeof(d->log), "%s/mcimd.log", d->root);
	d->devs = calloc(d->n, sizeof(*d->devs));
	run = calloc(1, sizeof(*run));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (d->devs == NULL || run == NULL) {
		snprintf(d->fatal, sizeof(d->fatal), "out of memory");
		goto out;
	}

	net_say(d, "demo: PKI, mcimd and %u devices in %s\n", d->n, d->root);
	po.now = time(NULL);
	if (tool_pki_init(d->pki, &po, err) != MCIM_OK ||
	    tool_pki_load(d->pki, &pki) != MCIM_OK) {
		snprintf(d->fatal, sizeof(d->fatal), "pki init: %.200s", err);
		goto out;
	}
	pki_loaded = 1;
	if (!find_mcimd(d)) {
		snprintf(d->fatal, sizeof(d->fatal),
			 "no mcimd beside this mcim binary (%.200s)", d->mcimd);
		goto out;
	}
	if (!write_config(d)) {
		snprintf(d->fatal, sizeof(d->fatal), "cannot write %.200s", d->cfg);
		goto out;
	}
	if (!start_mcimd(d))
		goto out;
	net_say(d, "mcimd listening at %s (log %s)\n\nmanufacture and register\n",
		d->base, d->log);
	if (!manufacture(d, &pki) || !register_all(d))
		goto out;
	net_say(d, "\nprovision (ICF -> DRF -> PVA -> DPF)\n");
	provision_all(d, run);
	net_say(d, "\nactivate (SHO command, pulled by the agent) and attach (5G AKA)\n");
	activate_attach_all(d, run);
out:
	stop_mcimd(d);
	rc = summary(d);
	if (pki_loaded)
		tool_pki_free(&pki);
	if (run != NULL)
		mcim_wipe(run, sizeof(*run));
	free(run);
	if (d->keep == NULL)
		rm_rf(d->root);
	free(d->devs);
	curl_global_cleanup();
	mcim_wipe(d, sizeof(*d));
	free(d);
	return rc;
}

int cmd_demo(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "aka") == 0)
		return demo_aka(argc - 1, argv + 1);
	return demo_net(argc, argv);
}
