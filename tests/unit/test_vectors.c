/*
 * The test-data runner (src/tool/vectors.c) behind `mcim aka vectors`.
 *
 * Every official file in MCIM_VECTORS_DIR runs with all sets passing and every
 * algorithm represented (R-MCIM-C03: the algorithm sets against the 3GPP data). Then
 * files derived at run time from the official ones, written to a temporary directory:
 * the optional forms the format allows (OPc without OP, OP without OPc, explicit
 * MILENAGE constants, no keccak_iterations, a shortened KDF output) still pass; a
 * changed expected value is a FAIL that names the field, with expected and got, and
 * is counted, not an error; and every malformed file (not JSON, unknown algorithm,
 * missing field, bad hex, wrong length, out-of-range parameter, unreadable) is an
 * error whose message names the file, the set and the field, with nothing reported.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "tool/vectors.h"
#include "vectors_env.h"

#define MAX_RESULTS 64

struct kept {
	int pass;
	char set[64], field[32];
	char expected[2 * VECTORS_VALUE_MAX + 1], got[2 * VECTORS_VALUE_MAX + 1];
};

struct collect {
	size_t n;
	struct kept r[MAX_RESULTS];
	const char *path; /* the file every result must name */
};

static void collect(void *arg, const struct vectors_result *r)
{
	struct collect *c = arg;
	struct kept *k;

	assert_true(c->n < MAX_RESULTS);
	if (c->path != NULL)
		assert_string_equal(r->path, c->path);
	k = &c->r[c->n++];
	k->pass = r->pass;
	snprintf(k->set, sizeof(k->set), "%s", r->set);
	if (!r->pass) {
		snprintf(k->field, sizeof(k->field), "%s", r->field);
		snprintf(k->expected, sizeof(k->expected), "%s", r->expected);
		snprintf(k->got, sizeof(k->got), "%s", r->got);
	}
}

/* ---- the official files ---- */

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && strcmp(s + n - t, tail) == 0;
}

static void official_files(void **state)
{
	static const char *const algorithms[] = {"milenage", "tuak", "keccak-f1600",
						 "kdf", "milenage-resync"};
	size_t per_alg[5] = {0};
	char path[4096], err[VECTORS_ERR_MAX];
	const char *dir = getenv("MCIM_VECTORS_DIR");
	struct vectors_totals all = {0, 0};
	struct dirent *de;
	size_t files = 0;
	DIR *d;

	(void)state;
	assert_non_null(dir);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		struct vectors_totals t = {0, 0};
		struct collect c = {.path = path};
		json_t *root;

		if (!ends_with(de->d_name, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		assert_int_equal(vectors_run_file(path, collect, &c, &t, err), MCIM_OK);
		assert_string_equal(err, "");
		/* Every set reported once, all passing. */
		root = json_load_file(path, 0, NULL);
		assert_non_null(root);
		assert_int_equal(c.n, json_array_size(json_object_get(root, "sets")));
		assert_int_equal(t.passed, c.n);
		assert_int_equal(t.failed, 0);
		for (size_t i = 0; i < c.n; i++)
			assert_true(c.r[i].pass);
		for (size_t a = 0; a < 5; a++)
			if (strcmp(json_string_value(json_object_get(root, "algorithm")),
				   algorithms[a]) == 0)
				per_alg[a] += t.passed;
		json_decref(root);
		all.passed += t.passed;
		files++;
	}
	closedir(d);
	assert_true(files >= 5);
	for (size_t a = 0; a < 5; a++)
		assert_true(per_alg[a] > 0);
	assert_true(all.passed > 0);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(vectors_algorithm(i), algorithms[i]);
	assert_null(vectors_algorithm(5));
}

/* ---- derived files ---- */

static char tmpdir[256];

static int make_tmpdir(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/mcim-vectors-XXXXXX", base ? base : "/tmp");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int remove_tmpdir(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	char path[512];

	(void)state;
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(tmpdir);
}

static json_t *official(const char *file)
{
	char path[4096];
	json_t *root = json_load_file(vectors_path(file, path, sizeof(path)), 0, NULL);

	assert_non_null(root);
	return root;
}

static json_t *set_of(json_t *root, size_t i)
{
	json_t *set = json_array_get(json_object_get(root, "sets"), i);

	assert_non_null(set);
	return set;
}

/* Merges edit (JSON text) into the set: a null value deletes the field. */
static void edit_set(json_t *set, const char *edit)
{
	json_t *e = json_loads(edit, 0, NULL);
	const char *key;
	json_t *value;

	assert_non_null(e);
	json_object_foreach(e, key, value)
	{
		if (json_is_null(value))
			json_object_del(set, key);
		else
			json_object_set(set, key, value);
	}
	json_decref(e);
}

/* Changes the last hex digit of the field, so the value is wrong but well-formed. */
static void flip_last_digit(json_t *set, const char *field, char *orig, size_t cap)
{
	const char *text = json_string_value(json_object_get(set, field));
	char changed[512];
	size_t n;

	assert_non_null(text);
	n = strlen(text);
	assert_true(n > 0 && n < sizeof(changed) && n < cap);
	memcpy(orig, text, n + 1);
	memcpy(changed, text, n + 1);
	changed[n - 1] = changed[n - 1] == '0' ? '1' : '0';
	json_object_set_new(set, field, json_string(changed));
}

static const char *write_tmp(json_t *root, const char *name, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", tmpdir, name);
	assert_int_equal(json_dump_file(root, path, JSON_INDENT(1)), 0);
	return path;
}

static size_t nsets(json_t *root)
{
	return json_array_size(json_object_get(root, "sets"));
}

/* Forms the format allows: set 1 edited, every set still passes. */
static void optional_forms(void **state)
{
	static const struct {
		const char *file, *edit;
	} cases[] = {
	    {"milenage.json", "{\"op\": null}"},
	    {"milenage.json", "{\"opc\": null}"},
	    {"milenage.json", "{\"f1\": null, \"f1star\": null, \"f5star\": null}"},
	    /* The TS 35.206 defaults written out. */
	    {"milenage.json",
	     "{\"r1\": 64, \"r2\": 0, \"r3\": 32, \"r4\": 64, \"r5\": 96,"
	     " \"c1\": \"00000000000000000000000000000000\","
	     " \"c2\": \"00000000000000000000000000000001\","
	     " \"c3\": \"00000000000000000000000000000002\","
	     " \"c4\": \"00000000000000000000000000000004\","
	     " \"c5\": \"00000000000000000000000000000008\"}"},
	    {"tuak.json", "{\"top\": null}"},
	    {"tuak.json", "{\"topc\": null}"},
	    {"tuak.json", "{\"keccak_iterations\": null}"},
	    {"resync.json", "{\"amf\": null}"},
	    {"resync.json", "{\"name\": null}"},
	};
	char path[512], err[VECTORS_ERR_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *root = official(cases[i].file);
		struct vectors_totals t = {0, 0};
		struct collect c = {.path = path};

		edit_set(set_of(root, 1), cases[i].edit);
		write_tmp(root, "optional.json", path, sizeof(path));
		assert_int_equal(vectors_run_file(path, collect, &c, &t, err), MCIM_OK);
		assert_int_equal(t.failed, 0);
		assert_int_equal(t.passed, nsets(root));
		json_decref(root);
	}
}

/* A KDF "out" shorter than 32 octets is the last octets of the output (RES*). */
static void kdf_short_output(void **state)
{
	json_t *root = official("kdf.json");
	json_t *set = set_of(root, 0);
	const char *out = json_string_value(json_object_get(set, "out"));
	char path[512], err[VECTORS_ERR_MAX], head[33];
	struct vectors_totals t = {0, 0};

	(void)state;
	assert_int_equal(strlen(out), 64);
	memcpy(head, out, 32);
	head[32] = '\0';
	json_object_set_new(set, "out", json_string(out + 32));
	write_tmp(root, "kdf-short.json", path, sizeof(path));
	assert_int_equal(vectors_run_file(path, NULL, NULL, &t, err), MCIM_OK);
	assert_int_equal(t.passed, nsets(root));
	/* The first 16 octets instead are a failure. */
	json_object_set_new(set, "out", json_string(head));
	write_tmp(root, "kdf-short.json", path, sizeof(path));
	t.passed = 0;
	assert_int_equal(vectors_run_file(path, NULL, NULL, &t, err), MCIM_OK);
	assert_int_equal(t.failed, 1);
	assert_int_equal(t.passed, nsets(root) - 1);
	json_decref(root);
}

/*
 * A wrong expected value is a FAIL of that set only, naming the first field that
 * differs; the others still pass, and totals add up over several files.
 */
static void wrong_values_fail(void **state)
{
	static const struct {
		const char *file, *edit, *flip, *field;
	} cases[] = {
	    {"milenage.json", NULL, "f3", "f3"},
	    {"milenage.json", NULL, "f5star", "f5star"},
	    {"milenage.json", NULL, "opc", "opc"},
	    /* Constants other than the defaults: OUT3 (CK) changes first. */
	    {"milenage.json", "{\"r3\": 31}", NULL, "f3"},
	    {"milenage.json", "{\"c4\": \"00000000000000000000000000000005\"}", NULL,
	     "f4"},
	    /* With a wrong OPc and no OP the outputs differ from f1 on. */
	    {"milenage.json", "{\"op\": null}", "opc", "f1"},
	    {"tuak.json", NULL, "f4", "f4"},
	    {"tuak.json", NULL, "topc", "topc"},
	    {"tuak.json", "{\"keccak_iterations\": 2}", NULL, "topc"},
	    {"keccak.json", NULL, "output", "output"},
	    {"kdf.json", NULL, "out", "out"},
	    {"resync.json", NULL, "sqn_ms", "sqn_ms"},
	    {"resync.json", "{\"op\": null}", "opc", "resync"},
	    {"resync.json", NULL, "auts", "resync"},
	};
	char path[512], err[VECTORS_ERR_MAX], orig[512];
	struct vectors_totals sum = {0, 0};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *root = official(cases[i].file);
		json_t *set = set_of(root, 1);
		struct vectors_totals t = {0, 0};
		struct collect c = {.path = path};

		if (cases[i].edit != NULL)
			edit_set(set, cases[i].edit);
		if (cases[i].flip != NULL)
			flip_last_digit(set, cases[i].flip, orig, sizeof(orig));
		write_tmp(root, "wrong.json", path, sizeof(path));
		assert_int_equal(vectors_run_file(path, collect, &c, &t, err), MCIM_OK);
		assert_int_equal(vectors_run_file(path, NULL, NULL, &sum, err), MCIM_OK);
		assert_int_equal(t.failed, 1);
		assert_int_equal(t.passed, nsets(root) - 1);
		assert_int_equal(c.n, nsets(root));
		assert_true(c.r[0].pass);
		assert_false(c.r[1].pass);
		assert_string_equal(c.r[1].set,
				    json_string_value(json_object_get(set, "name")));
		assert_string_equal(c.r[1].field, cases[i].field);
		if (strcmp(cases[i].field, "resync") == 0) {
			/* libmcim refused AUTS: the error's name is what was got. */
			assert_string_equal(c.r[1].expected, "OK");
			assert_string_equal(c.r[1].got, "MAC_FAILURE");
		} else if (cases[i].flip != NULL &&
			   strcmp(cases[i].flip, cases[i].field) == 0) {
			/* Expected is the changed value, got the official one. */
			assert_string_equal(
			    c.r[1].expected,
			    json_string_value(json_object_get(set, cases[i].flip)));
			assert_string_equal(c.r[1].got, orig);
		} else {
			assert_string_equal(
			    c.r[1].expected,
			    json_string_value(json_object_get(set, cases[i].field)));
			assert_string_not_equal(c.r[1].got, c.r[1].expected);
		}
		json_decref(root);
	}
	assert_int_equal(sum.failed, sizeof(cases) / sizeof(cases[0]));
}

/*
 * Malformed sets: an error naming file, set and field; no set reported, totals
 * unchanged, even though set 0 (before the bad set 1) is good.
 */
static void malformed_sets(void **state)
{
	static const struct {
		const char *file, *edit, *field, *says;
		mcim_err err;
	} cases[] = {
	    {"milenage.json", "{\"k\": null}", "k", "missing", MCIM_ERR_PARSE},
	    {"milenage.json", "{\"op\": null, \"opc\": null}", "opc", "no \"op\"",
	     MCIM_ERR_PARSE},
	    {"milenage.json", "{\"rand\": \"zz553cbe9637a89d218ae64dae47bf35\"}", "rand",
	     "not valid hex", MCIM_ERR_PARSE},
	    {"milenage.json", "{\"rand\": \"23553cbe9637a89d218ae64dae47bf3\"}", "rand",
	     "not valid hex", MCIM_ERR_PARSE},
	    {"milenage.json", "{\"sqn\": \"ff9bb4d0b6\"}", "sqn", "5 octets, expected 6",
	     MCIM_ERR_INVALID_ARG},
	    {"milenage.json", "{\"amf\": 47545}", "amf", "not a hex string",
	     MCIM_ERR_PARSE},
	    {"milenage.json", "{\"f2\": \"a54211d5e3ba50\"}", "f2",
	     "7 octets, expected 8", MCIM_ERR_INVALID_ARG},
	    {"milenage.json", "{\"op\": \"cdc202d5123e20f62b6d676ac72cb3\"}", "op",
	     "15 octets, expected 16", MCIM_ERR_INVALID_ARG},
	    {"milenage.json",
	     "{\"op\": null, \"f1\": null, \"f1star\": null, \"f2\": null, \"f3\": null,"
	     " \"f4\": null, \"f5\": null, \"f5star\": null}",
	     "f2", "no output", MCIM_ERR_PARSE},
	    {"milenage.json", "{\"r1\": 128}", "r1", "out of range",
	     MCIM_ERR_INVALID_ARG},
	    {"milenage.json", "{\"r2\": \"0\"}", "r2", "not an integer", MCIM_ERR_PARSE},
	    {"milenage.json", "{\"c3\": \"0002\"}", "c3", "2 octets, expected 16",
	     MCIM_ERR_INVALID_ARG},
	    {"tuak.json", "{\"k\": \"abababababababababababababababababababab\"}", "k",
	     "20 octets, expected 16 or 32", MCIM_ERR_INVALID_ARG},
	    {"tuak.json",
	     "{\"k\": \"abababababababababababababababababababababababababababababababab"
	     "ab\"}",
	     "k", "too long", MCIM_ERR_INVALID_ARG},
	    {"tuak.json", "{\"top\": null, \"topc\": null}", "topc", "no \"top\"",
	     MCIM_ERR_PARSE},
	    {"tuak.json", "{\"mac_len_bits\": 96}", "mac_len_bits", "96 is not a length",
	     MCIM_ERR_INVALID_ARG},
	    {"tuak.json", "{\"res_len_bits\": null}", "res_len_bits", "missing",
	     MCIM_ERR_PARSE},
	    {"tuak.json", "{\"ck_len_bits\": 64}", "ck_len_bits", "64 is not a length",
	     MCIM_ERR_INVALID_ARG},
	    {"tuak.json", "{\"ik_len_bits\": -128}", "ik_len_bits", "out of range",
	     MCIM_ERR_INVALID_ARG},
	    {"tuak.json", "{\"keccak_iterations\": 0}", "keccak_iterations",
	     "0 is not in", MCIM_ERR_INVALID_ARG},
	    {"tuak.json", "{\"keccak_iterations\": 256}", "keccak_iterations",
	     "out of range", MCIM_ERR_INVALID_ARG},
	    {"tuak.json", "{\"mac_len_bits\": 64}", "f1", "16 octets, expected 8",
	     MCIM_ERR_INVALID_ARG},
	    {"keccak.json", "{\"input\": \"00\"}", "input", "1 octets, expected 200",
	     MCIM_ERR_INVALID_ARG},
	    {"keccak.json", "{\"output\": null}", "output", "missing", MCIM_ERR_PARSE},
	    {"kdf.json", "{\"key\": \"\"}", "key", "empty", MCIM_ERR_INVALID_ARG},
	    {"kdf.json", "{\"fc\": \"2000\"}", "fc", "2 octets, expected 1",
	     MCIM_ERR_INVALID_ARG},
	    {"kdf.json", "{\"p\": \"574c414e\"}", "p", "not an array", MCIM_ERR_PARSE},
	    {"kdf.json", "{\"p\": [\"574c414e\", \"xy\"]}", "p", "not valid hex",
	     MCIM_ERR_PARSE},
	    {"kdf.json", "{\"p\": [\"574c414e\", 7]}", "p", "not a hex string",
	     MCIM_ERR_PARSE},
	    {"kdf.json",
	     "{\"p\": [\"00\",\"00\",\"00\",\"00\",\"00\",\"00\",\"00\",\"00\",\"00\","
	     "\"00\",\"00\",\"00\",\"00\",\"00\",\"00\",\"00\",\"00\"]}",
	     "p", "17 parameters", MCIM_ERR_INVALID_ARG},
	    {"kdf.json",
	     "{\"out\": "
	     "\"0093962d0dd84aa5684b045c9edffa04ccfc230ca74fcc96c0a5d61164f5a76c"
	     "00\"}",
	     "out", "too long", MCIM_ERR_INVALID_ARG},
	    {"kdf.json", "{\"out\": null}", "out", "missing", MCIM_ERR_PARSE},
	    {"resync.json", "{\"amf\": \"0001\"}", "amf", "dummy AMF",
	     MCIM_ERR_INVALID_ARG},
	    {"resync.json", "{\"sqn_ms\": null}", "sqn_ms", "missing", MCIM_ERR_PARSE},
	    {"resync.json", "{\"auts\": \"4f2039392ddd4bb4316ed4a146\"}", "auts",
	     "13 octets, expected 14", MCIM_ERR_INVALID_ARG},
	    {"resync.json", "{\"name\": null, \"rand\": null}", "rand", "\"#1\"",
	     MCIM_ERR_PARSE},
	};
	char path[512], err[VECTORS_ERR_MAX], needle[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *root = official(cases[i].file);
		json_t *set = set_of(root, 1);
		const char *name;
		struct vectors_totals t = {7, 9};
		struct collect c = {.path = path};

		edit_set(set, cases[i].edit);
		name = json_string_value(json_object_get(set, "name"));
		write_tmp(root, "bad.json", path, sizeof(path));
		memset(err, 0, sizeof(err));
		if (vectors_run_file(path, collect, &c, &t, err) != cases[i].err)
			fail_msg("case %zu (%s %s): got \"%s\"", i, cases[i].file,
				 cases[i].edit, err);
		assert_int_equal(c.n, 0);
		assert_int_equal(t.passed, 7);
		assert_int_equal(t.failed, 9);
		assert_non_null(strstr(err, path));
		snprintf(needle, sizeof(needle), "set \"%s\"",
			 name != NULL ? name : "#1");
		assert_non_null(strstr(err, needle));
		snprintf(needle, sizeof(needle), "field \"%s\"", cases[i].field);
		assert_non_null(strstr(err, needle));
		if (strstr(err, cases[i].says) == NULL)
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err,
				 cases[i].says);
		json_decref(root);
	}
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* Files that are wrong as a whole: the message names the file and says why. */
static void malformed_files(void **state)
{
	static const struct {
		const char *text, *says;
		mcim_err err;
	} cases[] = {
	    {"{\"algorithm\": \"milenage\", \"sets\": [", "line", MCIM_ERR_PARSE},
	    {"not json at all", "line 1", MCIM_ERR_PARSE},
	    {"{\"algorithm\": \"snow3g\", \"sets\": [{\"name\": \"x\"}]}",
	     "unknown algorithm \"snow3g\"", MCIM_ERR_UNSUPPORTED},
	    {"{\"algorithm\": \"milenage\", \"sets\": []}", "\"sets\" is empty",
	     MCIM_ERR_PARSE},
	    {"{\"algorithm\": \"milenage\"}", "no \"sets\"", MCIM_ERR_PARSE},
	    {"{\"sets\": []}", "no \"algorithm\"", MCIM_ERR_PARSE},
	    {"{\"algorithm\": \"milenage\", \"sets\": [\"k\"]}",
	     "set #0 is not an object", MCIM_ERR_PARSE},
	};
	char path[512], err[VECTORS_ERR_MAX];

	(void)state;
	snprintf(path, sizeof(path), "%s/whole.json", tmpdir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vectors_totals t = {0, 0};
		struct collect c = {.path = path};

		write_text(path, cases[i].text);
		assert_int_equal(vectors_run_file(path, collect, &c, &t, err),
				 cases[i].err);
		assert_int_equal(c.n, 0);
		assert_int_equal(t.passed + t.failed, 0);
		assert_non_null(strstr(err, path));
		if (strstr(err, cases[i].says) == NULL)
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err,
				 cases[i].says);
	}
	/* Missing, and a directory: unreadable. */
	snprintf(path, sizeof(path), "%s/absent.json", tmpdir);
	{
		struct vectors_totals t = {0, 0};

		assert_int_equal(vectors_run_file(path, NULL, NULL, &t, err),
				 MCIM_ERR_IO);
		assert_non_null(strstr(err, path));
		assert_non_null(strstr(err, "No such file"));
		assert_int_equal(vectors_run_file(tmpdir, NULL, NULL, &t, err),
				 MCIM_ERR_IO);
		assert_non_null(strstr(err, tmpdir));
		assert_non_null(strstr(err, "Is a directory"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(official_files),	cmocka_unit_test(optional_forms),
	    cmocka_unit_test(kdf_short_output), cmocka_unit_test(wrong_values_fail),
	    cmocka_unit_test(malformed_sets),	cmocka_unit_test(malformed_files),
	};
	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
