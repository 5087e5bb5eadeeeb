/*
 * The PKI on disk (src/tool/pki.h) behind `mcim pki` and the factory. Each test makes
 * a fresh PKI in its own temporary directory at a fixed time and checks:
 * - creation: the entities, roles and operator ids, the file modes, the options and
 *   their refusals, never overwriting, nothing left behind by a refused init;
 * - every entity verifies with mcim/cert.h against the root for its own role and
 *   operator id (T-14), the chains have the right shape, keys match certificates;
 * - a TRE identity certificate issued by the M2MES CA carries the TRE id, the
 *   platform id (IMEI), the backend and the assurance level and verifies for role tre
 *   only (R-TRE-G03 issued at manufacture, R-TRE-G07 identity tied to the platform,
 *   R-NET-S05 the M2MES supplies TRE credentials);
 * - a missing, damaged, swapped or foreign certificate or key file, and a damaged
 *   index or revocation list, give an error whose message names the file;
 * - revocation: the list file, and mcim_cert_verify_chain refusing a revoked leaf or
 *   intermediate under the PKI's policy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "mcim/bytes.h"
#include "mcim/cert.h"
#include "tool/pki.h"

#define T0   ((time_t)1767225600) /* 2026-01-01T00:00:00Z */
#define DAY  ((time_t)86400)
#define DAYS 365u
#define NOW  (T0 + DAY)

struct fx {
	char base[256]; /* the temporary directory */
	char dir[300];	/* base/pki */
	struct tool_pki pki;
};

static void rm_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char sub[1024];

	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			rm_tree(sub);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static void default_opts(struct tool_pki_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->now = T0;
	o->days = DAYS;
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");
	struct tool_pki_opts o;
	char err[TOOL_PKI_ERR_MAX];

	if (f == NULL)
		return -1;
	snprintf(f->base, sizeof(f->base), "%s/mcim-pki-XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(f->base) == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/pki", f->base);
	default_opts(&o);
	if (tool_pki_init(f->dir, &o, err) != MCIM_OK) {
		fprintf(stderr, "init: %s\n", err);
		return -1;
	}
	if (tool_pki_load(f->dir, &f->pki) != MCIM_OK) {
		fprintf(stderr, "load: %s\n", f->pki.err);
		return -1;
	}
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	tool_pki_free(&f->pki);
	rm_tree(f->base);
	free(f);
	return 0;
}

static void path_of(const struct fx *f, const char *rel, char out[TOOL_PKI_PATH_MAX])
{
	snprintf(out, TOOL_PKI_PATH_MAX, "%s/%s", f->dir, rel);
}

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* pki->err mentions what. */
static void err_names(const char *err, const char *what)
{
	if (strstr(err, what) == NULL)
		fail_msg("message \"%s\" does not name \"%s\"", err, what);
}

/* Reloads f->pki; returns load's result. */
static mcim_err reload(struct fx *f)
{
	tool_pki_free(&f->pki);
	return tool_pki_load(f->dir, &f->pki);
}

/* Verifies entity name as a relying party: its chain without the root (an x5chain)
 * against the root, for role and operator_id, under the PKI's revocation list. */
static mcim_err rp_verify(const struct tool_pki *pki, const uint8_t *leaf,
			  size_t leaf_len, const char *issuer, enum mcim_cert_role role,
			  const char *operator_id, time_t now,
			  struct mcim_cert_info *info)
{
	struct mcim_iov inter[MCIM_CERT_CHAIN_MAX];
	struct mcim_cert_policy policy;
	const uint8_t *root;
	size_t n = 0, root_len;

	assert_int_equal(tool_pki_root(pki, &root, &root_len), MCIM_OK);
	if (issuer != NULL)
		assert_int_equal(
		    tool_pki_chain(pki, issuer, 0, inter, MCIM_CERT_CHAIN_MAX, &n),
		    MCIM_OK);
	tool_pki_policy(pki, role, operator_id, now, &policy);
	return mcim_cert_verify_chain(leaf, leaf_len, inter, n, root, root_len, &policy,
				      info, NULL);
}

static mcim_err rp_verify_entity(const struct tool_pki *pki, const char *name,
				 enum mcim_cert_role role, const char *operator_id,
				 time_t now)
{
	struct mcim_iov chain[MCIM_CERT_CHAIN_MAX];
	struct mcim_cert_policy policy;
	const uint8_t *root;
	size_t n, root_len;

	assert_int_equal(tool_pki_root(pki, &root, &root_len), MCIM_OK);
	assert_int_equal(tool_pki_chain(pki, name, 0, chain, MCIM_CERT_CHAIN_MAX, &n),
			 MCIM_OK);
	assert_true(n >= 1);
	tool_pki_policy(pki, role, operator_id, now, &policy);
	return mcim_cert_verify_chain(chain[0].data, chain[0].len, chain + 1, n - 1, root,
				      root_len, &policy, NULL, NULL);
}

/* ---- creation ---- */

static const struct {
	const char *name, *org;
	enum mcim_cert_role role;
	const char *op;
} expected[] = {
    {"ci", "ci", MCIM_CERT_ROLE_CI, ""},
    {"m2mes-ca", "m2mes", MCIM_CERT_ROLE_M2MES_CA, ""},
    {"m2mes", "m2mes", MCIM_CERT_ROLE_M2MES, ""},
    {"sho1-dpf", "sho1", MCIM_CERT_ROLE_DPF, "00101"},
    {"sho1-mgmt", "sho1", MCIM_CERT_ROLE_SHO_MGMT, "00101"},
    {"sho2-dpf", "sho2", MCIM_CERT_ROLE_DPF, "00102"},
    {"sho2-mgmt", "sho2", MCIM_CERT_ROLE_SHO_MGMT, "00102"},
    {"ro-drf", "ro", MCIM_CERT_ROLE_DRF, ""},
    {"vno-icf", "vno", MCIM_CERT_ROLE_ICF, TOOL_PKI_VNO_PLMN},
    {"pva", "pva", MCIM_CERT_ROLE_PVA, ""},
};
#define N_EXPECTED (sizeof(expected) / sizeof(expected[0]))

/* The default PKI: every entity, its certificate as asked, its files and modes. */
static void init_default(void **state)
{
	struct fx *f = *state;
	struct stat st;

	assert_int_equal(f->pki.n, N_EXPECTED);
	assert_int_equal(f->pki.n_broken, 0);
	assert_int_equal(f->pki.n_revoked, 0);
	assert_int_equal(stat(f->dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	for (size_t i = 0; i < N_EXPECTED; i++) {
		const struct tool_pki_entity *e = &f->pki.e[i];

		assert_string_equal(e->name, expected[i].name);
		assert_string_equal(e->organisation, expected[i].org);
		assert_int_equal(e->role, expected[i].role);
		assert_int_equal(e->info.role, expected[i].role);
		assert_string_equal(e->operator_id, expected[i].op);
		assert_string_equal(e->info.operator_id, expected[i].op);
		assert_string_equal(e->issuer, "ci");
		assert_int_equal(e->info.not_before, T0 - TOOL_PKI_SKEW);
		assert_int_equal(e->info.not_after, T0 + (time_t)DAYS * DAY);
		assert_int_equal(e->info.is_ca, e->role == MCIM_CERT_ROLE_CI ||
						    e->role == MCIM_CERT_ROLE_M2MES_CA);
		assert_int_equal(stat(e->key_path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		assert_int_equal(stat(e->cert_path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0644);
		assert_ptr_equal(tool_pki_find(&f->pki, e->name), e);
	}
	assert_string_equal(f->pki.e[0].info.issuer_name, f->pki.e[0].info.common_name);
	assert_null(tool_pki_find(&f->pki, "nobody"));
	assert_string_equal(
	    tool_pki_find_role(&f->pki, MCIM_CERT_ROLE_DPF, "00102")->name, "sho2-dpf");
	assert_string_equal(tool_pki_find_role(&f->pki, MCIM_CERT_ROLE_DPF, NULL)->name,
			    "sho1-dpf");
	assert_null(tool_pki_find_role(&f->pki, MCIM_CERT_ROLE_DPF, "99999"));
	assert_null(tool_pki_find_role(&f->pki, MCIM_CERT_ROLE_TRE, NULL));
}

/* T-14: each entity verifies for its own role and operator id, and for no other. */
static void every_entity_verifies(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < f->pki.n; i++) {
		const struct tool_pki_entity *e = &f->pki.e[i];
		const char *op = e->operator_id[0] ? e->operator_id : NULL;
		enum mcim_cert_role other = e->role == MCIM_CERT_ROLE_PVA
						? MCIM_CERT_ROLE_DRF
						: MCIM_CERT_ROLE_PVA;

		assert_int_equal(tool_pki_verify_entity(&f->pki, i, NOW), MCIM_OK);
		if (e->role == MCIM_CERT_ROLE_CI)
			continue;
		assert_int_equal(rp_verify_entity(&f->pki, e->name, e->role, op, NOW),
				 MCIM_OK);
		assert_int_equal(rp_verify_entity(&f->pki, e->name, other, NULL, NOW),
				 MCIM_ERR_WRONG_ROLE);
		if (op != NULL)
			assert_int_equal(
			    rp_verify_entity(&f->pki, e->name, e->role, "00109", NOW),
			    MCIM_ERR_WRONG_ROLE);
	}
	/* After the validity: every entity, the root included, is expired. */
	for (size_t i = 0; i < f->pki.n; i++) {
		assert_int_equal(
		    tool_pki_verify_entity(&f->pki, i, T0 + (time_t)DAYS * DAY + 1),
		    MCIM_ERR_EXPIRED);
		err_names(f->pki.err, f->pki.e[i].cert_path);
		assert_int_equal(
		    tool_pki_verify_entity(&f->pki, i, T0 - 2 * TOOL_PKI_SKEW),
		    MCIM_ERR_EXPIRED);
	}
}

static void chains(void **state)
{
	struct fx *f = *state;
	const struct tool_pki_entity *dpf = tool_pki_find(&f->pki, "sho1-dpf"),
				     *ci = tool_pki_find(&f->pki, "ci");
	struct mcim_iov c[MCIM_CERT_CHAIN_MAX];
	const uint8_t *root;
	size_t n, root_len;

	assert_int_equal(tool_pki_chain(&f->pki, "sho1-dpf", 1, c, 4, &n), MCIM_OK);
	assert_int_equal(n, 2);
	assert_ptr_equal(c[0].data, dpf->der);
	assert_int_equal(c[0].len, dpf->der_len);
	assert_ptr_equal(c[1].data, ci->der);
	assert_int_equal(tool_pki_chain(&f->pki, "sho1-dpf", 0, c, 4, &n), MCIM_OK);
	assert_int_equal(n, 1);
	assert_int_equal(tool_pki_chain(&f->pki, "ci", 1, c, 4, &n), MCIM_OK);
	assert_int_equal(n, 1);
	assert_int_equal(tool_pki_chain(&f->pki, "ci", 0, c, 4, &n), MCIM_OK);
	assert_int_equal(n, 0);
	assert_int_equal(tool_pki_chain(&f->pki, "sho1-dpf", 1, c, 1, &n),
			 MCIM_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(tool_pki_chain(&f->pki, "nobody", 1, c, 4, &n),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(tool_pki_root(&f->pki, &root, &root_len), MCIM_OK);
	assert_ptr_equal(root, ci->der);
	assert_int_equal(root_len, ci->der_len);
}

static void keys(void **state)
{
	struct fx *f = *state;
	struct mcim_p256_priv priv;
	struct mcim_p256_pub pub;

	for (size_t i = 0; i < f->pki.n; i++) {
		assert_int_equal(tool_pki_key(&f->pki, f->pki.e[i].name, &priv), MCIM_OK);
		assert_int_equal(mcim_p256_pub_from_priv(&priv, &pub), MCIM_OK);
		assert_memory_equal(pub.q, f->pki.e[i].pub.q, sizeof(pub.q));
		mcim_p256_priv_wipe(&priv);
	}
	assert_int_equal(tool_pki_key(&f->pki, "nobody", &priv), MCIM_ERR_NOT_FOUND);
	err_names(f->pki.err, "nobody");
}

static void custom_operators(void **state)
{
	struct fx *f = *state;
	struct tool_pki_opts o;
	struct tool_pki pki;
	char dir[TOOL_PKI_PATH_MAX], err[TOOL_PKI_ERR_MAX];

	default_opts(&o);
	o.n_sho = 3;
	assert_int_equal(tool_pki_sho_parse("alpha:00101", &o.sho[0]), MCIM_OK);
	assert_int_equal(tool_pki_sho_parse("beta:310410", &o.sho[1]), MCIM_OK);
	assert_int_equal(tool_pki_sho_parse("g-3:20801", &o.sho[2]), MCIM_OK);
	o.vno_plmn = "26201";
	snprintf(dir, sizeof(dir), "%s/custom/", f->base); /* a trailing slash is fine */
	assert_int_equal(tool_pki_init(dir, &o, err), MCIM_OK);
	assert_int_equal(tool_pki_load(dir, &pki), MCIM_OK);
	assert_int_equal(pki.n, 6 + 2 * 3);
	assert_string_equal(tool_pki_find_role(&pki, MCIM_CERT_ROLE_DPF, "310410")->name,
			    "beta-dpf");
	assert_string_equal(
	    tool_pki_find_role(&pki, MCIM_CERT_ROLE_SHO_MGMT, "20801")->name, "g-3-mgmt");
	assert_string_equal(tool_pki_find(&pki, "vno-icf")->info.operator_id, "26201");
	assert_null(tool_pki_find(&pki, "sho1-dpf"));
	for (size_t i = 0; i < pki.n; i++)
		assert_int_equal(tool_pki_verify_entity(&pki, i, NOW), MCIM_OK);
	tool_pki_free(&pki);
}

/* Options left zero: now and the default validity. */
static void zero_opts(void **state)
{
	struct fx *f = *state;
	struct tool_pki_opts o;
	struct tool_pki pki;
	char dir[TOOL_PKI_PATH_MAX], err[TOOL_PKI_ERR_MAX];
	time_t before = time(NULL), after;
	const struct tool_pki_entity *pva;

	memset(&o, 0, sizeof(o));
	snprintf(dir, sizeof(dir), "%s/zero", f->base);
	assert_int_equal(tool_pki_init(dir, &o, err), MCIM_OK);
	after = time(NULL);
	assert_int_equal(tool_pki_load(dir, &pki), MCIM_OK);
	pva = tool_pki_find(&pki, "pva");
	assert_true(pva->info.not_before >= before - TOOL_PKI_SKEW &&
		    pva->info.not_before <= after - TOOL_PKI_SKEW);
	assert_int_equal(pva->info.not_after - pva->info.not_before,
			 (time_t)TOOL_PKI_DAYS_DEFAULT * DAY + TOOL_PKI_SKEW);
	assert_int_equal(tool_pki_verify_entity(&pki, 0, after), MCIM_OK);
	tool_pki_free(&pki);
}

static void sho_parse(void **state)
{
	static const char *const bad[] = {
	    "sho1",
	    "sho1:",
	    ":00101",
	    "sho1:0010",
	    "sho1:0010100",
	    "sho1:0010a",
	    "Sho1:00101",
	    "-sho:00101",
	    "sho_1:00101",
	    "sho1:00101:x",
	    "abcdefghijklmnopq:00101",
	};
	struct tool_pki_sho s;

	(void)state;
	assert_int_equal(tool_pki_sho_parse("sho1:00101", &s), MCIM_OK);
	assert_string_equal(s.name, "sho1");
	assert_string_equal(s.plmn, "00101");
	assert_int_equal(tool_pki_sho_parse("abcdefghijklmnop:310410", &s), MCIM_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tool_pki_sho_parse(bad[i], &s) != MCIM_ERR_INVALID_ARG)
			fail_msg("\"%s\" accepted", bad[i]);
}

/* Nothing of the form "<name>.tmp-*" in dir: a failed init leaves nothing behind. */
static void no_leftovers(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".tmp") != NULL)
			fail_msg("left behind: %s/%s", dir, de->d_name);
	closedir(d);
}

static void init_refusals(void **state)
{
	struct fx *f = *state;
	struct tool_pki_opts o;
	char dir[512], err[TOOL_PKI_ERR_MAX], path[TOOL_PKI_PATH_MAX];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/refused", f->base);
	default_opts(&o);
	o.days = TOOL_PKI_DAYS_MAX + 1;
	assert_int_equal(tool_pki_init(dir, &o, err), MCIM_ERR_INVALID_ARG);
	err_names(err, "days");
	default_opts(&o);
	o.vno_plmn = "0019";
	assert_int_equal(tool_pki_init(dir, &o, err), MCIM_ERR_INVALID_ARG);
	err_names(err, "0019");
	default_opts(&o);
	o.n_sho = 2;
	assert_int_equal(tool_pki_sho_parse("a:00101", &o.sho[0]), MCIM_OK);
	assert_int_equal(tool_pki_sho_parse("a:00102", &o.sho[1]), MCIM_OK);
	assert_int_equal(tool_pki_init(dir, &o, err), MCIM_ERR_INVALID_ARG);
	assert_int_equal(tool_pki_sho_parse("b:00101", &o.sho[1]), MCIM_OK);
	assert_int_equal(tool_pki_init(dir, &o, err), MCIM_ERR_INVALID_ARG);
	err_names(err, "b:00101");
	strcpy(o.sho[1].name, "B");
	strcpy(o.sho[1].plmn, "00102");
	assert_int_equal(tool_pki_init(dir, &o, err), MCIM_ERR_INVALID_ARG);
	o.n_sho = TOOL_PKI_SHO_MAX + 1;
	assert_int_equal(tool_pki_init(dir, &o, err), MCIM_ERR_INVALID_ARG);
	/* Nothing was made. */
	assert_int_equal(stat(dir, &st), -1);

	/* Never overwritten: an existing PKI, a non-empty directory, a file. */
	default_opts(&o);
	assert_int_equal(tool_pki_init(f->dir, &o, err), MCIM_ERR_EXISTS);
	err_names(err, f->dir);
	assert_int_equal(reload(f), MCIM_OK);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	write_text(path, "mine\n");
	assert_int_equal(tool_pki_init(dir, &o, err), MCIM_ERR_EXISTS);
	err_names(err, dir);
	assert_int_equal(tool_pki_init(path, &o, err), MCIM_ERR_EXISTS);
	err_names(err, path);
	/* An empty directory is used. */
	unlink(path);
	assert_int_equal(tool_pki_init(dir, &o, err), MCIM_OK);
	/* No parent directory. */
	snprintf(path, sizeof(path), "%s/no/such/pki", f->base);
	assert_int_equal(tool_pki_init(path, &o, err), MCIM_ERR_NOT_FOUND);
	err_names(err, "/no/such");
	assert_int_equal(tool_pki_init("", &o, err), MCIM_ERR_INVALID_ARG);
	no_leftovers(f->base);
}

/* ---- TRE identity certificates (R-TRE-G03, R-TRE-G07, R-NET-S05) ---- */

static void issue_tre(void **state)
{
	struct fx *f = *state;
	struct mcim_p256_priv tre_priv;
	struct mcim_p256_pub tre_pub, got_pub;
	struct mcim_cert_info info;
	struct tool_pki_tre req = {
	    .tre_id = "tre-0001-4a7f",
	    .platform_id = "356938035643809",
	    .backend = MCIM_CERT_BACKEND_UICC,
	    .assurance = 3,
	};
	const struct tool_pki_entity *ca = tool_pki_find(&f->pki, "m2mes-ca");
	uint8_t der[MCIM_CERT_MAX_LEN];
	size_t len;

	assert_int_equal(mcim_p256_keygen(&tre_priv, &tre_pub), MCIM_OK);
	req.pub = &tre_pub;
	assert_int_equal(tool_pki_issue_tre(&f->pki, &req, der, sizeof(der), &len),
			 MCIM_OK);
	assert_int_equal(rp_verify(&f->pki, der, len, "m2mes-ca", MCIM_CERT_ROLE_TRE,
				   NULL, NOW, &info),
			 MCIM_OK);
	assert_int_equal(info.role, MCIM_CERT_ROLE_TRE);
	assert_string_equal(info.tre_id, "tre-0001-4a7f");
	assert_string_equal(info.platform_id, "356938035643809");
	assert_int_equal(info.backend, MCIM_CERT_BACKEND_UICC);
	assert_int_equal(info.assurance, 3);
	assert_string_equal(info.issuer_name, ca->info.common_name);
	/* By default valid as long as the CA. */
	assert_int_equal(info.not_before, ca->info.not_before);
	assert_int_equal(info.not_after, ca->info.not_after);
	assert_int_equal(mcim_cert_parse(der, len, &info, &got_pub), MCIM_OK);
	assert_memory_equal(got_pub.q, tre_pub.q, sizeof(got_pub.q));
	/* A TRE is no DPF, and a TRE certificate needs the CA in its chain. */
	assert_int_equal(
	    rp_verify(&f->pki, der, len, "m2mes-ca", MCIM_CERT_ROLE_DPF, NULL, NOW, NULL),
	    MCIM_ERR_WRONG_ROLE);
	assert_int_equal(
	    rp_verify(&f->pki, der, len, NULL, MCIM_CERT_ROLE_TRE, NULL, NOW, NULL),
	    MCIM_ERR_BAD_CERT);

	/* Explicit validity, soft backend, the other extremes of assurance. */
	req.backend = MCIM_CERT_BACKEND_SOFT;
	req.assurance = MCIM_CERT_ASSURANCE_MAX;
	req.not_before = T0;
	req.not_after = T0 + 30 * DAY;
	assert_int_equal(tool_pki_issue_tre(&f->pki, &req, der, sizeof(der), &len),
			 MCIM_OK);
	assert_int_equal(rp_verify(&f->pki, der, len, "m2mes-ca", MCIM_CERT_ROLE_TRE,
				   NULL, NOW, &info),
			 MCIM_OK);
	assert_int_equal(info.backend, MCIM_CERT_BACKEND_SOFT);
	assert_int_equal(info.assurance, MCIM_CERT_ASSURANCE_MAX);
	assert_int_equal(rp_verify(&f->pki, der, len, "m2mes-ca", MCIM_CERT_ROLE_TRE,
				   NULL, T0 + 31 * DAY, NULL),
			 MCIM_ERR_EXPIRED);

	/* Refusals: beyond the CA, outside the profile, too small a buffer. */
	req.not_after = ca->info.not_after + 1;
	assert_int_equal(tool_pki_issue_tre(&f->pki, &req, der, sizeof(der), &len),
			 MCIM_ERR_INVALID_ARG);
	err_names(f->pki.err, "tre-0001-4a7f");
	req.not_after = 0;
	req.assurance = MCIM_CERT_ASSURANCE_MAX + 1;
	assert_int_equal(tool_pki_issue_tre(&f->pki, &req, der, sizeof(der), &len),
			 MCIM_ERR_INVALID_ARG);
	req.assurance = 1;
	req.backend = MCIM_CERT_BACKEND_NONE;
	assert_int_equal(tool_pki_issue_tre(&f->pki, &req, der, sizeof(der), &len),
			 MCIM_ERR_INVALID_ARG);
	req.backend = MCIM_CERT_BACKEND_TPM2;
	req.platform_id = "";
	assert_int_equal(tool_pki_issue_tre(&f->pki, &req, der, sizeof(der), &len),
			 MCIM_ERR_INVALID_ARG);
	req.platform_id = "123456789012345678901234567890123"; /* 33 */
	assert_int_equal(tool_pki_issue_tre(&f->pki, &req, der, sizeof(der), &len),
			 MCIM_ERR_INVALID_ARG);
	req.platform_id = "356938035643809";
	assert_int_equal(tool_pki_issue_tre(&f->pki, &req, der, 100, &len),
			 MCIM_ERR_BUFFER_TOO_SMALL);
	mcim_p256_priv_wipe(&tre_priv);
}

/* The factory needs the CA's key: without it, or with another key, nothing is issued
 * and the message names the key file. */
static void issue_tre_key_faults(void **state)
{
	struct fx *f = *state;
	struct mcim_p256_priv p;
	struct mcim_p256_pub pub;
	struct tool_pki_tre req = {
	    .tre_id = "t1", .platform_id = "1", .backend = MCIM_CERT_BACKEND_SOFT};
	const struct tool_pki_entity *ca = tool_pki_find(&f->pki, "m2mes-ca");
	uint8_t der[MCIM_CERT_MAX_LEN];
	size_t len;

	assert_int_equal(mcim_p256_keygen(&p, &pub), MCIM_OK);
	req.pub = &pub;
	assert_int_equal(mcim_cert_write_key_pem(ca->key_path, &p), MCIM_OK);
	assert_int_equal(tool_pki_issue_tre(&f->pki, &req, der, sizeof(der), &len),
			 MCIM_ERR_INVALID_ARG);
	err_names(f->pki.err, ca->key_path);
	err_names(f->pki.err, "not the key of");
	unlink(ca->key_path);
	assert_int_equal(tool_pki_issue_tre(&f->pki, &req, der, sizeof(der), &len),
			 MCIM_ERR_NOT_FOUND);
	err_names(f->pki.err, ca->key_path);
	write_text(ca->key_path, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE "
				 "KEY-----\n");
	assert_int_equal(tool_pki_issue_tre(&f->pki, &req, der, sizeof(der), &len),
			 MCIM_ERR_PARSE);
	err_names(f->pki.err, ca->key_path);
	/* pki verify names it too. */
	assert_int_equal(tool_pki_verify_entity(&f->pki, 1, NOW), MCIM_ERR_PARSE);
	err_names(f->pki.err, ca->key_path);
	mcim_p256_priv_wipe(&p);
}

/* ---- damaged files ---- */

/* The certificate of name, re-written with one octet flipped at offset off from the
 * end of its DER. */
static void flip_cert(struct fx *f, const char *name, size_t off)
{
	const struct tool_pki_entity *e = tool_pki_find(&f->pki, name);
	uint8_t der[MCIM_CERT_MAX_LEN];
	size_t len = e->der_len;

	memcpy(der, e->der, len);
	der[len - off] ^= 0x01;
	assert_int_equal(mcim_cert_write_pem(e->cert_path, der, len), MCIM_OK);
}

static void damaged_certs(void **state)
{
	struct fx *f = *state;
	char path[TOOL_PKI_PATH_MAX], other[TOOL_PKI_PATH_MAX];
	struct tool_pki pki;
	size_t dpf1 = 3;

	/* Missing: load names the file; load_partial keeps going. */
	path_of(f, "sho1-dpf/cert.pem", path);
	path_of(f, "sho1-dpf/cert.old", other);
	assert_int_equal(rename(path, other), 0);
	assert_int_equal(reload(f), MCIM_ERR_NOT_FOUND);
	err_names(f->pki.err, path);
	tool_pki_free(&f->pki);
	assert_int_equal(tool_pki_load_partial(f->dir, &f->pki), MCIM_OK);
	assert_int_equal(f->pki.n_broken, 1);
	assert_int_equal(f->pki.e[dpf1].load_err, MCIM_ERR_NOT_FOUND);
	err_names(f->pki.e[dpf1].load_msg, path);
	assert_int_equal(tool_pki_verify_entity(&f->pki, dpf1, NOW), MCIM_ERR_NOT_FOUND);
	err_names(f->pki.err, path);
	assert_int_equal(tool_pki_verify_entity(&f->pki, dpf1 + 1, NOW), MCIM_OK);
	{
		struct mcim_iov c[4];
		size_t n;
		struct mcim_p256_priv p;

		assert_int_equal(tool_pki_chain(&f->pki, "sho1-dpf", 1, c, 4, &n),
				 MCIM_ERR_BAD_CERT);
		assert_int_equal(tool_pki_key(&f->pki, "sho1-dpf", &p),
				 MCIM_ERR_BAD_CERT);
		assert_int_equal(tool_pki_revoke(&f->pki, "sho1-dpf"), MCIM_ERR_BAD_CERT);
	}
	assert_int_equal(rename(other, path), 0);

	/* Not PEM. */
	write_text(path, "hello\n");
	assert_int_equal(reload(f), MCIM_ERR_PARSE);
	err_names(f->pki.err, path);
	err_names(f->pki.err, "PEM");

	/* PEM, but DER outside the profile (the outer SEQUENCE's tag changed). */
	assert_int_equal(mcim_cert_write_pem(path, (const uint8_t *)"\x31\x00", 2),
			 MCIM_OK);
	assert_int_equal(reload(f), MCIM_ERR_BAD_CERT);
	err_names(f->pki.err, path);

	/* Another entity's certificate in its place: the index says otherwise. */
	path_of(f, "sho2-dpf/cert.pem", other);
	assert_int_equal(tool_pki_load_partial(f->dir, &pki), MCIM_OK);
	{
		const struct tool_pki_entity *e2 = tool_pki_find(&pki, "sho2-dpf");
		const struct tool_pki_entity *pva = tool_pki_find(&pki, "pva");

		assert_int_equal(mcim_cert_write_pem(path, e2->der, e2->der_len),
				 MCIM_OK);
		assert_int_equal(reload(f), MCIM_ERR_BAD_CERT);
		err_names(f->pki.err, path);
		err_names(f->pki.err, "operator id");
		assert_int_equal(mcim_cert_write_pem(path, pva->der, pva->der_len),
				 MCIM_OK);
		assert_int_equal(reload(f), MCIM_ERR_BAD_CERT);
		err_names(f->pki.err, "role is pva");
	}
	tool_pki_free(&pki);
}

/* Certificates that parse and match the index but do not verify. */
static void damaged_signatures(void **state)
{
	struct fx *f = *state;
	struct tool_pki_opts o;
	struct tool_pki other;
	char dir[TOOL_PKI_PATH_MAX], err[TOOL_PKI_ERR_MAX];
	const struct tool_pki_entity *dpf = tool_pki_find(&f->pki, "sho1-dpf");
	char path[TOOL_PKI_PATH_MAX];

	/* The last octet is in the signature's s. */
	strcpy(path, dpf->cert_path);
	flip_cert(f, "sho1-dpf", 1);
	assert_int_equal(reload(f), MCIM_OK);
	assert_int_equal(tool_pki_verify_entity(&f->pki, 3, NOW), MCIM_ERR_BAD_CERT);
	err_names(f->pki.err, path);
	assert_int_equal(
	    rp_verify_entity(&f->pki, "sho1-dpf", MCIM_CERT_ROLE_DPF, "00101", NOW),
	    MCIM_ERR_BAD_CERT);

	/* The root's self-signature: relying parties trust the anchor as configured, but
	 * pki verify finds the damage. */
	flip_cert(f, "ci", 1);
	assert_int_equal(reload(f), MCIM_OK);
	assert_int_equal(tool_pki_verify_entity(&f->pki, 0, NOW), MCIM_ERR_BAD_CERT);
	err_names(f->pki.err, f->pki.e[0].cert_path);
	err_names(f->pki.err, "self-signature");
	assert_int_equal(tool_pki_verify_entity(&f->pki, 4, NOW), MCIM_OK);

	/* Another PKI's DPF (same names, another root key) in place of this one's. */
	snprintf(dir, sizeof(dir), "%s/other", f->base);
	default_opts(&o);
	assert_int_equal(tool_pki_init(dir, &o, err), MCIM_OK);
	assert_int_equal(tool_pki_load(dir, &other), MCIM_OK);
	dpf = tool_pki_find(&other, "sho2-dpf");
	assert_int_equal(
	    mcim_cert_write_pem(tool_pki_find(&f->pki, "sho2-dpf")->cert_path, dpf->der,
				dpf->der_len),
	    MCIM_OK);
	tool_pki_free(&other);
	assert_int_equal(reload(f), MCIM_OK);
	assert_int_equal(tool_pki_verify_entity(&f->pki, 5, NOW), MCIM_ERR_BAD_CERT);
	err_names(f->pki.err, "sho2-dpf/cert.pem");
	err_names(f->pki.err, "not issued by its issuer");
}

static void damaged_keys(void **state)
{
	struct fx *f = *state;
	const struct tool_pki_entity *e = tool_pki_find(&f->pki, "pva");
	const struct tool_pki_entity *drf = tool_pki_find(&f->pki, "ro-drf");
	struct mcim_p256_priv p;
	size_t i = (size_t)(e - f->pki.e);
	char path[TOOL_PKI_PATH_MAX];

	strcpy(path, e->key_path);
	unlink(path);
	assert_int_equal(tool_pki_key(&f->pki, "pva", &p), MCIM_ERR_NOT_FOUND);
	err_names(f->pki.err, path);
	assert_int_equal(tool_pki_verify_entity(&f->pki, i, NOW), MCIM_ERR_NOT_FOUND);
	err_names(f->pki.err, path);
	write_text(path, "not a key\n");
	assert_int_equal(tool_pki_key(&f->pki, "pva", &p), MCIM_ERR_PARSE);
	err_names(f->pki.err, path);
	/* The DRF's key in the PVA's file. */
	assert_int_equal(tool_pki_key(&f->pki, drf->name, &p), MCIM_OK);
	assert_int_equal(mcim_cert_write_key_pem(path, &p), MCIM_OK);
	mcim_p256_priv_wipe(&p);
	assert_int_equal(tool_pki_key(&f->pki, "pva", &p), MCIM_ERR_INVALID_ARG);
	err_names(f->pki.err, path);
	err_names(f->pki.err, e->cert_path);
	assert_int_equal(tool_pki_verify_entity(&f->pki, i, NOW), MCIM_ERR_INVALID_ARG);
}

/* ---- the index ---- */

/* Rewrites the index after edit(root json), then expects load to fail with want and
 * a message naming the index and needle. */
static void index_case(struct fx *f, void (*edit)(json_t *), mcim_err want,
		       const char *needle)
{
	char path[TOOL_PKI_PATH_MAX];
	json_t *root;

	path_of(f, TOOL_PKI_INDEX, path);
	root = json_load_file(path, 0, NULL);
	assert_non_null(root);
	edit(root);
	assert_int_equal(json_dump_file(root, path, JSON_INDENT(1)), 0);
	json_decref(root);
	assert_int_equal(reload(f), want);
	/* An index that is well formed but contradicts a certificate names that file. */
	err_names(f->pki.err, want == MCIM_ERR_PARSE ? path : "/cert.pem");
	err_names(f->pki.err, needle);
}

static json_t *ent(json_t *root, size_t i)
{
	return json_array_get(json_object_get(root, "entities"), i);
}

static void ed_version(json_t *r)
{
	json_object_set_new(r, "version", json_integer(2));
}
static void ed_no_entities(json_t *r)
{
	json_object_set_new(r, "entities", json_array());
}
static void ed_abs_path(json_t *r)
{
	json_object_set_new(ent(r, 3), "key", json_string("/etc/passwd"));
}
static void ed_dotdot(json_t *r)
{
	json_object_set_new(ent(r, 3), "cert", json_string("../x/cert.pem"));
}
static void ed_dup(json_t *r)
{
	json_object_set_new(ent(r, 4), "name", json_string("sho1-dpf"));
}
static void ed_bad_name(json_t *r)
{
	json_object_set_new(ent(r, 4), "name", json_string("Sho1 DPF"));
}
static void ed_issuer(json_t *r)
{
	json_object_set_new(ent(r, 4), "issuer", json_string("ghost"));
}
static void ed_role(json_t *r)
{
	json_object_set_new(ent(r, 4), "role", json_string("wizard"));
}
static void ed_operator(json_t *r)
{
	json_object_set_new(ent(r, 4), "operator_id", json_string("1234"));
}
static void ed_missing(json_t *r)
{
	json_object_del(ent(r, 4), "key");
}
static void ed_not_object(json_t *r)
{
	json_array_set_new(json_object_get(r, "entities"), 2, json_integer(7));
}
static void ed_root(json_t *r)
{
	json_object_set_new(r, "root", json_string("pva"));
}
static void ed_revocation(json_t *r)
{
	json_object_set_new(r, "revocation_list", json_string("/tmp/revoked"));
}
static void ed_wrong_issuer(json_t *r)
{
	json_object_set_new(ent(r, 4), "issuer", json_string("pva"));
}

/* Each edit of a fresh index. */
static void damaged_index_fields(void **state)
{
	static const struct {
		void (*edit)(json_t *);
		mcim_err want;
		const char *needle;
	} cases[] = {
	    {ed_version, MCIM_ERR_PARSE, "version"},
	    {ed_no_entities, MCIM_ERR_PARSE, "entities"},
	    {ed_abs_path, MCIM_ERR_PARSE, "relative"},
	    {ed_dotdot, MCIM_ERR_PARSE, "relative"},
	    {ed_dup, MCIM_ERR_PARSE, "twice"},
	    {ed_bad_name, MCIM_ERR_PARSE, "Sho1 DPF"},
	    {ed_issuer, MCIM_ERR_PARSE, "ghost"},
	    {ed_role, MCIM_ERR_PARSE, "wizard"},
	    {ed_operator, MCIM_ERR_PARSE, "1234"},
	    {ed_missing, MCIM_ERR_PARSE, "\"key\""},
	    {ed_not_object, MCIM_ERR_PARSE, "#2"},
	    {ed_root, MCIM_ERR_PARSE, "pva"},
	    {ed_revocation, MCIM_ERR_PARSE, "revocation_list"},
	    {ed_wrong_issuer, MCIM_ERR_BAD_CERT, "issued by"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fx *f;

		assert_int_equal(fx_setup((void **)&f), 0);
		index_case(f, cases[i].edit, cases[i].want, cases[i].needle);
		fx_teardown((void **)&f);
	}
	(void)state;
}

static void index_files(void **state)
{
	struct fx *f = *state;
	char path[TOOL_PKI_PATH_MAX];

	path_of(f, TOOL_PKI_INDEX, path);
	write_text(path, "{\"version\": 1,");
	assert_int_equal(reload(f), MCIM_ERR_PARSE);
	err_names(f->pki.err, path);
	err_names(f->pki.err, "line");
	unlink(path);
	assert_int_equal(reload(f), MCIM_ERR_NOT_FOUND);
	err_names(f->pki.err, path);
	err_names(f->pki.err, "not a PKI directory");
}

/* ---- revocation ---- */

static void revocation(void **state)
{
	struct fx *f = *state;
	struct mcim_p256_priv tre_priv;
	struct mcim_p256_pub tre_pub;
	struct tool_pki_tre req = {.tre_id = "tre-9",
				   .platform_id = "490154203237518",
				   .backend = MCIM_CERT_BACKEND_SOFT,
				   .assurance = 1};
	uint8_t der[MCIM_CERT_MAX_LEN], der2[MCIM_CERT_MAX_LEN];
	size_t len, len2, i_dpf2 = 5, i_ca = 1;
	char text[4096], serial[2 * MCIM_CERT_SERIAL_MAX + 1];
	FILE *fp;
	size_t got;

	assert_int_equal(mcim_p256_keygen(&tre_priv, &tre_pub), MCIM_OK);
	req.pub = &tre_pub;
	assert_int_equal(tool_pki_issue_tre(&f->pki, &req, der, sizeof(der), &len),
			 MCIM_OK);
	req.tre_id = "tre-10";
	assert_int_equal(tool_pki_issue_tre(&f->pki, &req, der2, sizeof(der2), &len2),
			 MCIM_OK);

	/* T-14: a revoked DPF is refused by every relying party with the policy. */
	assert_int_equal(tool_pki_revoke(&f->pki, "sho2-dpf"), MCIM_OK);
	assert_int_equal(f->pki.n_revoked, 1);
	assert_true(tool_pki_is_revoked(&f->pki, &f->pki.e[i_dpf2].info.serial));
	assert_false(tool_pki_is_revoked(&f->pki, &f->pki.e[i_dpf2 - 2].info.serial));
	assert_int_equal(
	    rp_verify_entity(&f->pki, "sho2-dpf", MCIM_CERT_ROLE_DPF, "00102", NOW),
	    MCIM_ERR_BAD_CERT);
	assert_int_equal(tool_pki_verify_entity(&f->pki, i_dpf2, NOW), MCIM_ERR_BAD_CERT);
	err_names(f->pki.err, "revoked");
	assert_int_equal(
	    rp_verify_entity(&f->pki, "sho1-dpf", MCIM_CERT_ROLE_DPF, "00101", NOW),
	    MCIM_OK);
	/* The file: a comment header, then the serial and the name. */
	fp = fopen(f->pki.revoked_path, "r");
	assert_non_null(fp);
	got = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[got] = '\0';
	assert_int_equal(text[0], '#');
	mcim_hex_encode(f->pki.e[i_dpf2].info.serial.v, f->pki.e[i_dpf2].info.serial.len,
			serial, sizeof(serial));
	assert_non_null(strstr(text, serial));
	err_names(text, " sho2-dpf\n");

	/* Read back by the next load. */
	assert_int_equal(reload(f), MCIM_OK);
	assert_int_equal(f->pki.n_revoked, 1);
	assert_int_equal(
	    rp_verify_entity(&f->pki, "sho2-dpf", MCIM_CERT_ROLE_DPF, "00102", NOW),
	    MCIM_ERR_BAD_CERT);

	/* Refusals. */
	assert_int_equal(tool_pki_revoke(&f->pki, "sho2-dpf"), MCIM_ERR_EXISTS);
	err_names(f->pki.err, "already revoked");
	assert_int_equal(tool_pki_revoke(&f->pki, "ci"), MCIM_ERR_INVALID_ARG);
	err_names(f->pki.err, "trust anchor");
	assert_int_equal(tool_pki_revoke(&f->pki, "nobody"), MCIM_ERR_NOT_FOUND);
	err_names(f->pki.err, "nobody");
	assert_int_equal(tool_pki_revoke_cert(&f->pki, der, 10, "junk"),
			 MCIM_ERR_BAD_CERT);
	err_names(f->pki.err, "junk");

	/* One TRE: refused; another TRE of the same CA is not. */
	assert_int_equal(
	    rp_verify(&f->pki, der, len, "m2mes-ca", MCIM_CERT_ROLE_TRE, NULL, NOW, NULL),
	    MCIM_OK);
	assert_int_equal(tool_pki_revoke_cert(&f->pki, der, len, "tre-9\nforged line"),
			 MCIM_OK);
	assert_int_equal(
	    rp_verify(&f->pki, der, len, "m2mes-ca", MCIM_CERT_ROLE_TRE, NULL, NOW, NULL),
	    MCIM_ERR_BAD_CERT);
	assert_int_equal(rp_verify(&f->pki, der2, len2, "m2mes-ca", MCIM_CERT_ROLE_TRE,
				   NULL, NOW, NULL),
			 MCIM_OK);
	/* The label cannot add a line. */
	assert_int_equal(reload(f), MCIM_OK);
	assert_int_equal(f->pki.n_revoked, 2);

	/* The CA itself: every TRE certificate it issued is refused. */
	assert_int_equal(tool_pki_revoke(&f->pki, "m2mes-ca"), MCIM_OK);
	assert_int_equal(rp_verify(&f->pki, der2, len2, "m2mes-ca", MCIM_CERT_ROLE_TRE,
				   NULL, NOW, NULL),
			 MCIM_ERR_BAD_CERT);
	assert_int_equal(tool_pki_verify_entity(&f->pki, i_ca, NOW), MCIM_ERR_BAD_CERT);
	assert_int_equal(reload(f), MCIM_OK);
	assert_int_equal(f->pki.n_revoked, 3);
	mcim_p256_priv_wipe(&tre_priv);
}

static void revocation_file_faults(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = {
	    "zz sho1-dpf\n",
	    "0a1 x\n",
	    "00ab x\n",
	    "# ok\n\n01020304050607080910111213141516171819202122 too long\n",
	};
	char path[TOOL_PKI_PATH_MAX];
	json_t *root;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text(f->pki.revoked_path, bad[i]);
		assert_int_equal(reload(f), MCIM_ERR_PARSE);
		err_names(f->pki.err, TOOL_PKI_REVOKED);
		err_names(f->pki.err, i == 3 ? ":3:" : ":1:");
	}
	/* Comments, blank lines, a serial without a label, no final newline. */
	write_text(f->pki.revoked_path, "# c\n\n7f\n0102 x");
	assert_int_equal(reload(f), MCIM_OK);
	assert_int_equal(f->pki.n_revoked, 2);
	assert_int_equal(tool_pki_revoke(&f->pki, "pva"), MCIM_OK);
	assert_int_equal(reload(f), MCIM_OK);
	assert_int_equal(f->pki.n_revoked, 3);

	/* The list is a directory: unreadable, then unwritable. */
	unlink(f->pki.revoked_path);
	assert_int_equal(mkdir(f->pki.revoked_path, 0700), 0);
	assert_int_equal(reload(f), MCIM_ERR_IO);
	err_names(f->pki.err, TOOL_PKI_REVOKED);
	rmdir(f->pki.revoked_path);

	/* Its directory does not exist: none revoked yet, writing fails, named. */
	path_of(f, TOOL_PKI_INDEX, path);
	root = json_load_file(path, 0, NULL);
	assert_non_null(root);
	json_object_set_new(root, "revocation_list", json_string("nodir/revoked.txt"));
	assert_int_equal(json_dump_file(root, path, 0), 0);
	json_decref(root);
	assert_int_equal(reload(f), MCIM_OK);
	assert_int_equal(f->pki.n_revoked, 0);
	assert_int_equal(tool_pki_revoke(&f->pki, "pva"), MCIM_ERR_NOT_FOUND);
	err_names(f->pki.err, "nodir/revoked.txt");
	assert_int_equal(f->pki.n_revoked, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(init_default, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(every_entity_verifies, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(chains, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(keys, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(custom_operators, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(zero_opts, fx_setup, fx_teardown),
	    cmocka_unit_test(sho_parse),
	    cmocka_unit_test_setup_teardown(init_refusals, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(issue_tre, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(issue_tre_key_faults, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(damaged_certs, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(damaged_signatures, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(damaged_keys, fx_setup, fx_teardown),
	    cmocka_unit_test(damaged_index_fields),
	    cmocka_unit_test_setup_teardown(index_files, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(revocation, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(revocation_file_faults, fx_setup,
					    fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
