/*
 * `mcim aka`: the AKA algorithm sets from the command line. `vectors` runs test-data
 * files through src/tool/vectors.c; `av` is the AuC making one authentication vector
 * (and, for a serving network name, the 5G home-environment vector from the same RAND
 * and SQN); `usim` is the USIM checking AUTN and answering RES/CK/IK or AUTS.
 * The credential is given as K plus OP or OPc (TOP or TOPc for TUAK), always named:
 * a bare hex string is never guessed to be one or the other (lessons.md).
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "mcim/aka.h"
#include "mcim/auth.h"
#include "mcim/bytes.h"
#include "mcim/crypto.h"
#include "mcim/kdf.h"
#include "mcim/sqn.h"
#include "tool/vectors.h"

/* ---- mcim aka vectors ---- */

static const char vectors_usage[] =
    "usage: mcim aka vectors [--json] FILE...\n"
    "  Runs every set of each JSON test-data file ({\"algorithm\", \"about\",\n"
    "  \"sets\"}) through libmcim and prints PASS or FAIL per set (a failure names\n"
    "  the first field that differs, expected and got), then \"N passed, N failed\".\n"
    "options:\n"
    "  --json     one JSON object: results, passed, failed, bad_files\n"
    "  -h, --help this text\n"
    "exit status: 0 all passed, 1 a set failed, 2 a file is unreadable or malformed\n";

struct vectors_out {
	int json;
	size_t nresults;
};

static void print_vectors_usage(void)
{
	fputs(vectors_usage, stdout);
	fputs("algorithms:", stdout);
	for (size_t i = 0; vectors_algorithm(i) != NULL; i++)
		printf(" %s", vectors_algorithm(i));
	fputc('\n', stdout);
}

static void report_text(const struct vectors_result *r)
{
	if (r->pass)
		printf("PASS  %s  %s\n", r->algorithm, r->set);
	else
		printf("FAIL  %s  %s: %s: expected %s, got %s\n", r->algorithm, r->set,
		       r->field, r->expected, r->got);
}

static void report_json(struct vectors_out *vo, const struct vectors_result *r)
{
	struct cli_out o;

	fputs(vo->nresults ? ",\n  " : "\n  ", stdout);
	cli_out_begin(&o, stdout, 1);
	cli_out_str(&o, "file", "", r->path);
	cli_out_str(&o, "algorithm", "", r->algorithm);
	cli_out_str(&o, "set", "", r->set);
	cli_out_str(&o, "result", "", r->pass ? "pass" : "fail");
	if (!r->pass) {
		cli_out_str(&o, "field", "", r->field);
		cli_out_str(&o, "expected", "", r->expected);
		cli_out_str(&o, "got", "", r->got);
	}
	fputc('}', stdout);
}

static void report(void *arg, const struct vectors_result *r)
{
	struct vectors_out *vo = arg;

	if (vo->json)
		report_json(vo, r);
	else
		report_text(r);
	vo->nresults++;
}

static int cmd_vectors(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct vectors_out vo = {0, 0};
	struct vectors_totals totals = {0, 0};
	size_t bad = 0;
	int c;

	while ((c = cli_getopt("aka vectors", argc, argv, opts)) != -1) {
		if (c == CLI_OPT_ERROR)
			return CLI_EXIT_USAGE;
		if (c == 'h') {
			print_vectors_usage();
			return CLI_EXIT_OK;
		}
		vo.json = 1;
	}
	if (optind >= argc)
		return cli_usage_error("aka vectors", "no FILE given");
	if (vo.json)
		fputs("{\"results\": [", stdout);
	for (int i = optind; i < argc; i++) {
		char err[VECTORS_ERR_MAX];
		mcim_err e = vectors_run_file(argv[i], report, &vo, &totals, err);

		if (e != MCIM_OK) {
			fflush(stdout);
			cli_error(err, e);
			bad++;
		}
	}
	if (vo.json)
		printf("\n], \"passed\": %zu, \"failed\": %zu, \"bad_files\": %zu}\n",
		       totals.passed, totals.failed, bad);
	else
		printf("%zu passed, %zu failed\n", totals.passed, totals.failed);
	if (bad > 0)
		return CLI_EXIT_USAGE;
	return totals.failed > 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* ---- the credential, shared by av and usim ---- */

/* Options every credential-taking command accepts, as getopt_long values. */
enum {
	OPT_K = 256,
	OPT_OP,
	OPT_OPC,
	OPT_TOP,
	OPT_TOPC,
	OPT_ALG,
	OPT_MAC_BITS,
	OPT_RES_BITS,
	OPT_CK_BITS,
	OPT_IK_BITS,
	OPT_ITERATIONS,
	OPT_IND_BITS,
	OPT_SNN,
	OPT_MCC,
	OPT_MNC,
	OPT_JSON,
	OPT_SQN,
	OPT_AMF,
	OPT_RAND,
	OPT_AUTN,
	OPT_SQN_MS,
};

/* One option per line, as written: clang-format would run them together. */
/* clang-format off */
#define CRED_OPTIONS                                                    \
	{"k", required_argument, NULL, OPT_K},                          \
	{"op", required_argument, NULL, OPT_OP},                        \
	{"opc", required_argument, NULL, OPT_OPC},                      \
	{"top", required_argument, NULL, OPT_TOP},                      \
	{"topc", required_argument, NULL, OPT_TOPC},                    \
	{"alg", required_argument, NULL, OPT_ALG},                      \
	{"mac-bits", required_argument, NULL, OPT_MAC_BITS},            \
	{"res-bits", required_argument, NULL, OPT_RES_BITS},            \
	{"ck-bits", required_argument, NULL, OPT_CK_BITS},              \
	{"ik-bits", required_argument, NULL, OPT_IK_BITS},              \
	{"keccak-iterations", required_argument, NULL, OPT_ITERATIONS}, \
	{"ind-bits", required_argument, NULL, OPT_IND_BITS},            \
	{"snn", required_argument, NULL, OPT_SNN},                      \
	{"mcc", required_argument, NULL, OPT_MCC},                      \
	{"mnc", required_argument, NULL, OPT_MNC},                      \
	{"json", no_argument, NULL, OPT_JSON},                          \
	{"help", no_argument, NULL, 'h'}

#define CRED_HELP                                                                       \
	"  --alg milenage|tuak     the algorithm set (default milenage)\n"               \
	"  --k HEX                 K: 16 octets (TUAK: 16 or 32)\n"                      \
	"  --opc HEX | --op HEX    MILENAGE: OPc, or OP to derive it from (16 octets)\n" \
	"  --topc HEX | --top HEX  TUAK: TOPc, or TOP to derive it from (32 octets)\n"   \
	"  --mac-bits N            TUAK: MAC length, 64|128|256 (default 64)\n"          \
	"  --res-bits N            TUAK: RES length, 32|64|128|256 (default 64)\n"       \
	"  --ck-bits N             TUAK: CK length, 128|256 (default 128)\n"             \
	"  --ik-bits N             TUAK: IK length, 128|256 (default 128)\n"             \
	"  --keccak-iterations N   TUAK: 1..255 (default 1)\n"                           \
	"  --ind-bits N            length of IND in SQN = SEQ || IND, 0..6 (default 5)\n"\
	"  --snn NAME              5G serving network name, for RES*/XRES* and KAUSF\n"  \
	"  --mcc MCC --mnc MNC     the same, the name built from MCC and MNC\n"          \
	"  --json                  one JSON object instead of \"NAME value\" lines\n"    \
	"  -h, --help              this text\n"                                          \
	"Secret values given as arguments are overwritten in the process's arguments\n"  \
	"once read, but other local users may see them before; prefer a private host.\n"
/* clang-format on */

/* What the options say; decoded and checked by cred_finish(). */
struct cred_args {
	const char *alg;
	char *k, *op, *opc, *top, *topc;
	const char *bits[4]; /* mac, res, ck, ik */
	const char *iterations, *ind_bits;
	const char *snn, *mcc, *mnc;
	int json;
};

/* The credential and everything derived from the options. Secret. */
struct cred {
	struct mcim_aka_cred cred;
	struct mcim_aka_keyctx kc;
	struct mcim_sqn_cfg cfg;
	char snn[MCIM_SNN_MAX + 1];
	size_t snn_len; /* 0: no serving network name given */
};

static void cred_wipe(struct cred *c)
{
	mcim_wipe(c, sizeof(*c));
}

/* 1 when opt is a credential option (stored in ca), else 0. */
static int cred_opt(struct cred_args *ca, int opt, char *arg)
{
	switch (opt) {
	case OPT_K:
		ca->k = arg;
		break;
	case OPT_OP:
		ca->op = arg;
		break;
	case OPT_OPC:
		ca->opc = arg;
		break;
	case OPT_TOP:
		ca->top = arg;
		break;
	case OPT_TOPC:
		ca->topc = arg;
		break;
	case OPT_ALG:
		ca->alg = arg;
		break;
	case OPT_MAC_BITS:
	case OPT_RES_BITS:
	case OPT_CK_BITS:
	case OPT_IK_BITS:
		ca->bits[opt - OPT_MAC_BITS] = arg;
		break;
	case OPT_ITERATIONS:
		ca->iterations = arg;
		break;
	case OPT_IND_BITS:
		ca->ind_bits = arg;
		break;
	case OPT_SNN:
		ca->snn = arg;
		break;
	case OPT_MCC:
		ca->mcc = arg;
		break;
	case OPT_MNC:
		ca->mnc = arg;
		break;
	case OPT_JSON:
		ca->json = 1;
		break;
	default:
		return 0;
	}
	return 1;
}

/* A TUAK length in bits that must be one of allowed (0-terminated). */
static mcim_err bits_arg(const char *opt, const char *text, const uint16_t *allowed,
			 uint16_t *out)
{
	unsigned long v;
	char what[96];

	if (text == NULL)
		return MCIM_OK;
	if (cli_uint_arg(opt, text, 1, 65535, &v) != MCIM_OK)
		return MCIM_ERR_INVALID_ARG;
	for (size_t i = 0; allowed[i] != 0; i++)
		if (v == allowed[i]) {
			*out = (uint16_t)v;
			return MCIM_OK;
		}
	snprintf(what, sizeof(what), "%s: %lu is not a length TS 35.231 allows", opt, v);
	cli_error(what, MCIM_ERR_INVALID_ARG);
	return MCIM_ERR_INVALID_ARG;
}

static mcim_err tuak_args(const struct cred_args *ca, struct mcim_tuak_params *tp)
{
	static const uint16_t mac[] = {64, 128, 256, 0}, res[] = {32, 64, 128, 256, 0},
			      key[] = {128, 256, 0};
	static const char *const names[4] = {"--mac-bits", "--res-bits", "--ck-bits",
					     "--ik-bits"};
	const uint16_t *allowed[4] = {mac, res, key, key};
	uint16_t *fields[4] = {&tp->mac_bits, &tp->res_bits, &tp->ck_bits, &tp->ik_bits};
	unsigned long iters;

	mcim_tuak_default_params(tp);
	for (int i = 0; i < 4; i++)
		if (bits_arg(names[i], ca->bits[i], allowed[i], fields[i]) != MCIM_OK)
			return MCIM_ERR_INVALID_ARG;
	if (ca->iterations != NULL) {
		if (cli_uint_arg("--keccak-iterations", ca->iterations, 1, 255, &iters) !=
		    MCIM_OK)
			return MCIM_ERR_INVALID_ARG;
		tp->keccak_iterations = (uint8_t)iters;
	}
	return MCIM_OK;
}

/* Exactly one of the two options a and b (named na, nb) must be given. */
static int one_of(const char *path, const char *a, const char *na, const char *b,
		  const char *nb)
{
	if (a != NULL && b != NULL) {
		cli_usage_error(path, "give %s or %s, not both", na, nb);
		return 0;
	}
	if (a == NULL && b == NULL) {
		cli_usage_error(path, "%s or %s is needed", na, nb);
		return 0;
	}
	return 1;
}

/* Options of the other algorithm set are refused rather than silently ignored. */
static int foreign_opts(const char *path, const struct cred_args *ca, int tuak)
{
	if (!tuak && (ca->top != NULL || ca->topc != NULL)) {
		cli_usage_error(path,
				"--top/--topc are TUAK's; MILENAGE takes --op or --opc");
		return 1;
	}
	if (tuak && (ca->op != NULL || ca->opc != NULL)) {
		cli_usage_error(path,
				"--op/--opc are MILENAGE's; TUAK takes --top or --topc");
		return 1;
	}
	for (int i = 0; !tuak && i < 4; i++)
		if (ca->bits[i] != NULL) {
			cli_usage_error(path,
					"the length options are TUAK's (--alg tuak)");
			return 1;
		}
	if (!tuak && ca->iterations != NULL) {
		cli_usage_error(path, "--keccak-iterations is TUAK's (--alg tuak)");
		return 1;
	}
	return 0;
}

static mcim_err cred_secrets(struct cred_args *ca, struct cred *c, int tuak)
{
	struct mcim_aka_cred *cr = &c->cred;
	uint8_t op[32];
	size_t k_len, len;
	mcim_err err;

	err = cli_secret_arg("--k", ca->k, cr->k, 16, tuak ? 32 : 16, &k_len);
	cr->k_len = (uint8_t)k_len;
	if (err != MCIM_OK)
		return err;
	if (!tuak && ca->opc != NULL)
		return cli_secret_arg("--opc", ca->opc, cr->opc, 16, 16, &len);
	if (tuak && ca->topc != NULL)
		return cli_secret_arg("--topc", ca->topc, cr->opc, 32, 32, &len);
	if (!tuak) {
		err = cli_secret_arg("--op", ca->op, op, 16, 16, &len);
		if (err == MCIM_OK)
			err = mcim_milenage_opc(cr->k, op, cr->opc);
	} else {
		err = cli_secret_arg("--top", ca->top, op, 32, 32, &len);
		if (err == MCIM_OK)
			err = mcim_tuak_topc(cr->k, cr->k_len, op,
					     cr->params.tuak.keccak_iterations, cr->opc);
	}
	mcim_wipe(op, sizeof(op));
	if (err != MCIM_OK && err != MCIM_ERR_PARSE && err != MCIM_ERR_INVALID_ARG)
		cli_error(tuak ? "TOPc from TOP" : "OPc from OP", err);
	return err;
}

static mcim_err network_args(const char *path, const struct cred_args *ca, struct cred *c)
{
	mcim_err err;

	if (ca->snn != NULL && (ca->mcc != NULL || ca->mnc != NULL)) {
		cli_usage_error(path, "give --snn or --mcc/--mnc, not both");
		return MCIM_ERR_INVALID_ARG;
	}
	if ((ca->mcc == NULL) != (ca->mnc == NULL)) {
		cli_usage_error(path, "--mcc and --mnc go together");
		return MCIM_ERR_INVALID_ARG;
	}
	if (ca->snn != NULL) {
		c->snn_len = strlen(ca->snn);
		if (c->snn_len == 0 || c->snn_len > MCIM_SNN_MAX) {
			cli_error("--snn: not 1..255 octets", MCIM_ERR_INVALID_ARG);
			return MCIM_ERR_INVALID_ARG;
		}
		memcpy(c->snn, ca->snn, c->snn_len + 1);
	} else if (ca->mcc != NULL) {
		char snn[MCIM_SNN_PLMN_LEN + 1];

		err = mcim_snn_build(ca->mcc, ca->mnc, snn);
		if (err != MCIM_OK) {
			cli_error("--mcc/--mnc: MCC is 3 digits, MNC 2 or 3", err);
			return err;
		}
		c->snn_len = strlen(snn);
		memcpy(c->snn, snn, c->snn_len + 1);
	}
	return MCIM_OK;
}

/*
 * Turns the options into a prepared key context, the SQN configuration and the
 * serving network name. Prints what is wrong; every error is bad input (exit 2).
 */
static mcim_err cred_finish(const char *path, struct cred_args *ca, struct cred *c)
{
	const struct mcim_aka_alg *alg;
	unsigned long ind_bits = MCIM_SQN_DEFAULT_IND_BITS;
	int tuak;
	mcim_err err;

	memset(c, 0, sizeof(*c));
	alg = mcim_aka_alg_by_name(ca->alg != NULL ? ca->alg : "milenage");
	if (alg == NULL) {
		cli_usage_error(path, "--alg: \"%s\" is not milenage or tuak", ca->alg);
		return MCIM_ERR_UNSUPPORTED;
	}
	tuak = alg->id == MCIM_AKA_TUAK;
	if (ca->k == NULL) {
		cli_usage_error(path, "--k is needed");
		return MCIM_ERR_INVALID_ARG;
	}
	if (foreign_opts(path, ca, tuak) ||
	    (!tuak && !one_of(path, ca->op, "--op", ca->opc, "--opc")) ||
	    (tuak && !one_of(path, ca->top, "--top", ca->topc, "--topc")))
		return MCIM_ERR_INVALID_ARG;
	c->cred.alg = alg->id;
	if (tuak)
		err = tuak_args(ca, &c->cred.params.tuak);
	else {
		mcim_milenage_default_consts(&c->cred.params.milenage);
		err = MCIM_OK;
	}
	if (err == MCIM_OK)
		err = cred_secrets(ca, c, tuak);
	if (err != MCIM_OK)
		return err;
	err = mcim_aka_prepare(&c->kc, &c->cred);
	if (err != MCIM_OK) {
		cli_error("credential", err);
		return err;
	}
	mcim_sqn_cfg_default(&c->cfg);
	if (ca->ind_bits != NULL) {
		err = cli_uint_arg("--ind-bits", ca->ind_bits, 0, MCIM_SQN_IND_BITS_MAX,
				   &ind_bits);
		if (err != MCIM_OK)
			return err;
	}
	c->cfg.ind_bits = (uint8_t)ind_bits;
	return network_args(path, ca, c);
}

/*
 * The key check value of OPc/TOPc (the first 4 octets of its SHA-256, never the key),
 * so that the two ends can see whether they hold the same one.
 */
static void out_opc_kcv(struct cli_out *o, const struct cred *c)
{
	int tuak = c->cred.alg == MCIM_AKA_TUAK;
	uint8_t h[MCIM_SHA256_LEN];

	if (mcim_sha256(c->cred.opc, tuak ? 32 : 16, h) == MCIM_OK)
		cli_out_hex(o, tuak ? "topc_kcv" : "opc_kcv",
			    tuak ? "TOPc-KCV" : "OPc-KCV", h, 4);
	mcim_wipe(h, sizeof(h));
}

/* ---- mcim aka av ---- */

static const char av_usage[] =
    "usage: mcim aka av --k HEX (--opc HEX | --op HEX) --sqn HEX --amf HEX\n"
    "                   [--rand HEX] [--alg milenage|tuak] [TUAK options]\n"
    "                   [--ind-bits N] [--snn NAME | --mcc MCC --mnc MNC] [--json]\n"
    "  The AuC's side: one authentication vector RAND, XRES, CK, IK, AK, AUTN for the\n"
    "  given SQN; with a serving network name also the 5G HE vector's XRES*, HXRES*\n"
    "  and KAUSF (same RAND and SQN). The key check value of OPc/TOPc (first 4 octets\n"
    "  of its SHA-256) shows whether both ends hold the same one.\n"
    "options:\n"
    "  --sqn HEX               the vector's SQN (6 octets), SEQ || IND as --ind-bits\n"
    "                          splits it; SEQ must not be 0\n"
    "  --amf HEX               AMF (2 octets)\n"
    "  --rand HEX              RAND (16 octets; default: fresh random)\n" CRED_HELP;

/* The AuC's randomness when --rand is given: exactly the one RAND, as often as asked. */
struct fixed_rand {
	uint8_t rand[MCIM_AKA_RAND_LEN];
};

static mcim_err fixed_fill(void *self, uint8_t *buf, size_t len)
{
	const struct fixed_rand *fr = self;

	if (len != sizeof(fr->rand))
		return MCIM_ERR_RANDOM;
	memcpy(buf, fr->rand, len);
	return MCIM_OK;
}

struct av_args {
	struct cred_args ca;
	const char *sqn, *amf, *rand;
};

static int av_parse(int argc, char **argv, struct av_args *a)
{
	static const struct option opts[] = {
	    CRED_OPTIONS,
	    {"sqn", required_argument, NULL, OPT_SQN},
	    {"amf", required_argument, NULL, OPT_AMF},
	    {"rand", required_argument, NULL, OPT_RAND},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = cli_getopt("aka av", argc, argv, opts)) != -1) {
		if (c == CLI_OPT_ERROR)
			return CLI_EXIT_USAGE;
		if (c == 'h') {
			fputs(av_usage, stdout);
			return CLI_EXIT_OK;
		}
		if (cred_opt(&a->ca, c, optarg))
			continue;
		if (c == OPT_SQN)
			a->sqn = optarg;
		else if (c == OPT_AMF)
			a->amf = optarg;
		else
			a->rand = optarg;
	}
	if (optind < argc)
		return cli_usage_error("aka av", "unexpected argument \"%s\"",
				       argv[optind]);
	if (a->sqn == NULL || a->amf == NULL)
		return cli_usage_error("aka av", "--sqn and --amf are needed");
	return -1;
}

/* The HE state from which mcim_auth_generate() issues exactly sqn next. */
static mcim_err he_for(const struct mcim_sqn_cfg *cfg, uint64_t sqn,
		       struct mcim_sqn_he *he)
{
	uint64_t seq = mcim_sqn_seq(cfg, sqn);
	mcim_err err;

	if (seq == 0) {
		cli_error("--sqn: its SEQ is 0, which no USIM accepts (TS 33.102 C.2.2)",
			  MCIM_ERR_INVALID_ARG);
		return MCIM_ERR_INVALID_ARG;
	}
	err = mcim_sqn_he_init(cfg, he, seq - 1);
	he->next_ind = (uint8_t)mcim_sqn_ind(cfg, sqn);
	if (err != MCIM_OK)
		cli_error("--sqn", err);
	return err;
}

static void av_print(const struct cred *c, const struct mcim_auth_vector *av,
		     const struct mcim_auth_5g_vector *av5, int json)
{
	uint8_t ak[MCIM_AKA_AK_LEN], sqn[MCIM_AKA_SQN_LEN];
	struct cli_out o;

	mcim_sqn_to_bytes(av->sqn, sqn);
	for (int i = 0; i < MCIM_AKA_AK_LEN; i++)
		ak[i] = av->autn[i] ^ sqn[i];
	cli_out_begin(&o, stdout, json);
	cli_out_str(&o, "alg", "ALG", mcim_aka_alg_find(c->cred.alg)->name);
	cli_out_hex(&o, "rand", "RAND", av->rand, sizeof(av->rand));
	cli_out_hex(&o, "xres", "XRES", av->xres, av->xres_len);
	cli_out_hex(&o, "ck", "CK", av->ck, av->ck_len);
	cli_out_hex(&o, "ik", "IK", av->ik, av->ik_len);
	cli_out_hex(&o, "ak", "AK", ak, sizeof(ak));
	cli_out_hex(&o, "autn", "AUTN", av->autn, av->autn_len);
	cli_out_hex(&o, "sqn", "SQN", sqn, sizeof(sqn));
	if (c->snn_len > 0) {
		cli_out_str(&o, "snn", "SNN", c->snn);
		cli_out_hex(&o, "xres_star", "XRES*", av5->xres_star,
			    sizeof(av5->xres_star));
		cli_out_hex(&o, "hxres_star", "HXRES*", av5->hxres_star,
			    sizeof(av5->hxres_star));
		cli_out_hex(&o, "kausf", "KAUSF", av5->kausf, sizeof(av5->kausf));
	}
	out_opc_kcv(&o, c);
	cli_out_end(&o);
	mcim_wipe(ak, sizeof(ak));
}

/*
 * Both vectors come from the same HE state and the same RAND, so that XRES* and
 * KAUSF belong to the RAND and AUTN printed.
 */
static mcim_err av_generate(const struct cred *c, const struct mcim_sqn_he *start,
			    const uint8_t amf[MCIM_AKA_AMF_LEN], struct fixed_rand *fr,
			    struct mcim_auth_vector *av, struct mcim_auth_5g_vector *av5)
{
	struct mcim_rng rng = {fixed_fill, fr};
	struct mcim_sqn_he he = *start;
	mcim_err err;

	err = mcim_auth_generate(&c->kc, &c->cfg, &he, amf, &rng, av);
	if (err != MCIM_OK || c->snn_len == 0)
		return err;
	he = *start;
	err = mcim_auth_generate_5g(&c->kc, &c->cfg, &he, amf, &rng, c->snn, c->snn_len,
				    av5);
	if (err == MCIM_OK && (av5->autn_len != av->autn_len ||
			       memcmp(av5->autn, av->autn, av->autn_len) != 0))
		err = MCIM_ERR_INTERNAL;
	return err;
}

static int cmd_av(int argc, char **argv)
{
	struct av_args a;
	struct cred c;
	struct fixed_rand fr;
	struct mcim_sqn_he he;
	struct mcim_auth_vector av;
	struct mcim_auth_5g_vector av5;
	uint8_t sqn[MCIM_AKA_SQN_LEN], amf[MCIM_AKA_AMF_LEN];
	mcim_err err;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = av_parse(argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (cred_finish("aka av", &a.ca, &c) != MCIM_OK ||
	    cli_hex_arg("--sqn", a.sqn, sqn, sizeof(sqn)) != MCIM_OK ||
	    cli_hex_arg("--amf", a.amf, amf, sizeof(amf)) != MCIM_OK ||
	    (a.rand != NULL &&
	     cli_hex_arg("--rand", a.rand, fr.rand, sizeof(fr.rand)) != MCIM_OK) ||
	    he_for(&c.cfg, mcim_sqn_from_bytes(sqn), &he) != MCIM_OK) {
		cred_wipe(&c);
		return CLI_EXIT_USAGE;
	}
	err = a.rand != NULL ? MCIM_OK : mcim_rng_fill(mcim_rng_system(), fr.rand, 16);
	if (err == MCIM_OK)
		err = av_generate(&c, &he, amf, &fr, &av, &av5);
	if (err == MCIM_OK)
		av_print(&c, &av, &av5, a.ca.json);
	else
		cli_error("aka av: generating the vector", err);
	mcim_auth_vector_wipe(&av);
	mcim_auth_5g_vector_wipe(&av5);
	cred_wipe(&c);
	return err == MCIM_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* ---- mcim aka usim ---- */

static const char usim_usage[] =
    "usage: mcim aka usim --k HEX (--opc HEX | --op HEX) --rand HEX --autn HEX\n"
    "                     [--sqn-ms HEX] [--alg milenage|tuak] [TUAK options]\n"
    "                     [--ind-bits N] [--snn NAME | --mcc MCC --mnc MNC] [--json]\n"
    "  The USIM's side: checks MAC-A in AUTN and the freshness of its SQN, then answers\n"
    "  RES, CK, IK (with a serving network name also RES* and KAUSF); or, for an SQN\n"
    "  that is not fresh, \"sync failure\" and AUTS for the AuC; or \"MAC failure\".\n"
    "options:\n"
    "  --rand HEX              RAND (16 octets)\n"
    "  --autn HEX              AUTN (8 octets + the MAC: 16 for MILENAGE)\n"
    "  --sqn-ms HEX            the highest SQN this USIM has accepted (6 octets;\n"
    "                          default 0, a USIM that has accepted none); an SQN\n"
    "                          whose SEQ is more than 2^28 above is refused too\n"
    "                          (TS 33.102 C.2.2)\n" CRED_HELP
    "exit status: 0 RES computed, 1 sync or MAC failure, 2 usage or bad input\n";

struct usim_args {
	struct cred_args ca;
	const char *rand, *autn, *sqn_ms;
};

static int usim_parse(int argc, char **argv, struct usim_args *a)
{
	static const struct option opts[] = {
	    CRED_OPTIONS,
	    {"rand", required_argument, NULL, OPT_RAND},
	    {"autn", required_argument, NULL, OPT_AUTN},
	    {"sqn-ms", required_argument, NULL, OPT_SQN_MS},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = cli_getopt("aka usim", argc, argv, opts)) != -1) {
		if (c == CLI_OPT_ERROR)
			return CLI_EXIT_USAGE;
		if (c == 'h') {
			fputs(usim_usage, stdout);
			return CLI_EXIT_OK;
		}
		if (cred_opt(&a->ca, c, optarg))
			continue;
		if (c == OPT_RAND)
			a->rand = optarg;
		else if (c == OPT_AUTN)
			a->autn = optarg;
		else
			a->sqn_ms = optarg;
	}
	if (optind < argc)
		return cli_usage_error("aka usim", "unexpected argument \"%s\"",
				       argv[optind]);
	if (a->rand == NULL || a->autn == NULL)
		return cli_usage_error("aka usim", "--rand and --autn are needed");
	return -1;
}

/* RES* and KAUSF as the UE derives them from the USIM's answer (TS 33.501 A.2, A.4). */
static mcim_err usim_5g(const struct cred *c, const uint8_t rand[MCIM_AKA_RAND_LEN],
			const uint8_t *autn, const struct mcim_auth_usim_out *out,
			uint8_t res_star[MCIM_RES_STAR_LEN],
			uint8_t kausf[MCIM_KAUSF_LEN])
{
	mcim_err err =
	    mcim_kdf_res_star(out->ck, out->ck_len, out->ik, out->ik_len, c->snn,
			      c->snn_len, rand, out->res, out->res_len, res_star);

	if (err == MCIM_OK)
		err = mcim_kdf_kausf(out->ck, out->ck_len, out->ik, out->ik_len, c->snn,
				     c->snn_len, autn, kausf);
	return err;
}

static int usim_print(const struct cred *c, mcim_err result,
		      const uint8_t rand[MCIM_AKA_RAND_LEN], const uint8_t *autn,
		      const struct mcim_auth_usim_out *out, int json)
{
	uint8_t res_star[MCIM_RES_STAR_LEN], kausf[MCIM_KAUSF_LEN], sqn[MCIM_AKA_SQN_LEN];
	struct cli_out o;
	mcim_err err = MCIM_OK;

	if (result == MCIM_OK && c->snn_len > 0)
		err = usim_5g(c, rand, autn, out, res_star, kausf);
	if (err != MCIM_OK) {
		mcim_wipe(res_star, sizeof(res_star));
		mcim_wipe(kausf, sizeof(kausf));
		cli_error("aka usim: RES*/KAUSF", err);
		return CLI_EXIT_FAIL;
	}
	cli_out_begin(&o, stdout, json);
	if (result == MCIM_ERR_SYNC_FAILURE) {
		cli_out_str(&o, "result", "RESULT", "sync failure");
		cli_out_hex(&o, "auts", "AUTS", out->auts, out->auts_len);
	} else if (result == MCIM_ERR_MAC_FAILURE) {
		cli_out_str(&o, "result", "RESULT", "MAC failure");
	} else {
		mcim_sqn_to_bytes(out->sqn, sqn);
		cli_out_str(&o, "result", "RESULT", "ok");
		cli_out_hex(&o, "res", "RES", out->res, out->res_len);
		cli_out_hex(&o, "ck", "CK", out->ck, out->ck_len);
		cli_out_hex(&o, "ik", "IK", out->ik, out->ik_len);
		cli_out_hex(&o, "sqn", "SQN", sqn, sizeof(sqn));
		if (c->snn_len > 0) {
			cli_out_str(&o, "snn", "SNN", c->snn);
			cli_out_hex(&o, "res_star", "RES*", res_star, sizeof(res_star));
			cli_out_hex(&o, "kausf", "KAUSF", kausf, sizeof(kausf));
		}
	}
	out_opc_kcv(&o, c);
	cli_out_end(&o);
	mcim_wipe(res_star, sizeof(res_star));
	mcim_wipe(kausf, sizeof(kausf));
	return result == MCIM_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int cmd_usim(int argc, char **argv)
{
	struct usim_args a;
	struct cred c;
	struct mcim_sqn_ms ms;
	struct mcim_auth_usim_out out;
	uint8_t rand[MCIM_AKA_RAND_LEN], autn[MCIM_AKA_AUTN_MAX];
	uint8_t sqn_ms[MCIM_AKA_SQN_LEN] = {0};
	size_t mac_len;
	mcim_err err;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = usim_parse(argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (cred_finish("aka usim", &a.ca, &c) != MCIM_OK) {
		cred_wipe(&c);
		return CLI_EXIT_USAGE;
	}
	mac_len = c.cred.alg == MCIM_AKA_TUAK ? c.cred.params.tuak.mac_bits / 8u : 8u;
	if (cli_hex_arg("--rand", a.rand, rand, sizeof(rand)) != MCIM_OK ||
	    cli_hex_arg("--autn", a.autn, autn, 8 + mac_len) != MCIM_OK ||
	    (a.sqn_ms != NULL &&
	     cli_hex_arg("--sqn-ms", a.sqn_ms, sqn_ms, sizeof(sqn_ms)) != MCIM_OK)) {
		cred_wipe(&c);
		return CLI_EXIT_USAGE;
	}
	err = mcim_sqn_ms_init_at(&c.cfg, &ms, mcim_sqn_from_bytes(sqn_ms));
	if (err != MCIM_OK) {
		cli_error("--sqn-ms", err);
		cred_wipe(&c);
		return CLI_EXIT_USAGE;
	}
	err = mcim_auth_usim(&c.kc, &c.cfg, &ms, rand, autn, 8 + mac_len, &out);
	if (err == MCIM_OK || err == MCIM_ERR_SYNC_FAILURE ||
	    err == MCIM_ERR_MAC_FAILURE) {
		rc = usim_print(&c, err, rand, autn, &out, a.ca.json);
	} else {
		cli_error("aka usim", err);
		rc = err == MCIM_ERR_INVALID_ARG ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
	}
	mcim_auth_usim_out_wipe(&out);
	cred_wipe(&c);
	return rc;
}

/* ---- mcim aka ---- */

static const struct cli_cmd aka_cmds[] = {
    {"vectors", "run JSON test-data files (MILENAGE, TUAK, Keccak, KDF, resync)",
     cmd_vectors},
    {"av", "the AuC: one authentication vector (and 5G XRES*, KAUSF)", cmd_av},
    {"usim", "the USIM: check AUTN, answer RES/CK/IK or AUTS", cmd_usim},
};

int cmd_aka(int argc, char **argv)
{
	return cli_dispatch("aka", "the AKA algorithm sets and procedure", aka_cmds,
			    sizeof(aka_cmds) / sizeof(aka_cmds[0]), argc, argv);
}
