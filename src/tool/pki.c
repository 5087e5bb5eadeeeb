/*
 * The demo/operational PKI on disk behind `mcim pki` and the factory tools (see
 * tool/pki.h for the layout and docs/pki.md for the trust model). Creation builds the
 * whole tree in a temporary directory and renames it into place, so an interrupted
 * `pki init` leaves nothing behind. Reading is strict about the index (every path is
 * relative and stays inside the directory, every certificate says what the index
 * says of it) and reports each fault with the file it is in. Private keys are read
 * only when a signature is needed and wiped right after.
 */
#include "tool/pki.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>
#include <jansson.h>

#include "crypto/cert_int.h"
#include "mcim/bytes.h"
#include "mcim/rand.h"

#define INDEX_VERSION	 1
#define REVOKED_FILE_MAX (64 * TOOL_PKI_REVOKED_MAX + 1024)
#define LABEL_MAX	 64
#define DAY		 ((time_t)86400)

static void msg(char err[TOOL_PKI_ERR_MAX], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void msg(char err[TOOL_PKI_ERR_MAX], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, TOOL_PKI_ERR_MAX, fmt, ap);
	va_end(ap);
}

/* "<path>: <cause>" for an error of the file at path. */
static mcim_err file_err(char err[TOOL_PKI_ERR_MAX], const char *path, mcim_err e,
			 const char *cause)
{
	msg(err, "%s: %s", path, cause != NULL ? cause : mcim_strerror(e));
	return e;
}

static mcim_err errno_err(int e)
{
	return e == ENOENT || e == ENOTDIR ? MCIM_ERR_NOT_FOUND : MCIM_ERR_IO;
}

static int join(char out[TOOL_PKI_PATH_MAX], const char *a, const char *b)
{
	int n = snprintf(out, TOOL_PKI_PATH_MAX, "%s/%s", a, b);

	return n > 0 && n < TOOL_PKI_PATH_MAX;
}

static int is_digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int plmn_valid(const char *s)
{
	return is_digits(s, 5, MCIM_CERT_OPERATOR_MAX);
}

/* [a-z0-9][a-z0-9-]* of 1..max characters. */
static int name_valid(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n < 1 || n > max || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-'))
			return 0;
	return 1;
}

mcim_err tool_pki_sho_parse(const char *text, struct tool_pki_sho *sho)
{
	const char *colon;
	size_t name_len;

	assert(text != NULL && sho != NULL);
	colon = strchr(text, ':');
	if (colon == NULL)
		return MCIM_ERR_INVALID_ARG;
	name_len = (size_t)(colon - text);
	if (name_len > TOOL_PKI_SHO_NAME_MAX ||
	    strlen(colon + 1) > MCIM_CERT_OPERATOR_MAX)
		return MCIM_ERR_INVALID_ARG;
	memset(sho, 0, sizeof(*sho));
	memcpy(sho->name, text, name_len);
	strcpy(sho->plmn, colon + 1);
	if (!name_valid(sho->name, TOOL_PKI_SHO_NAME_MAX) || !plmn_valid(sho->plmn))
		return MCIM_ERR_INVALID_ARG;
	return MCIM_OK;
}

/* ---- Creation. ---- */

/* One entity to create, issued by the root (or the root itself). */
struct spec {
	char name[TOOL_PKI_NAME_MAX + 1];
	char organisation[TOOL_PKI_NAME_MAX + 1];
	enum mcim_cert_role role;
	char operator_id[MCIM_CERT_OPERATOR_MAX + 1];
	char common_name[MCIM_CERT_NAME_MAX + 1];
};

#define SPECS_MAX (6 + 2 * TOOL_PKI_SHO_MAX)

static void add_spec(struct spec *s, size_t *n, const char *name, const char *org,
		     enum mcim_cert_role role, const char *op, const char *cn)
{
	struct spec *p = &s[(*n)++];

	assert(*n <= SPECS_MAX);
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->organisation, sizeof(p->organisation), "%s", org);
	p->role = role;
	snprintf(p->operator_id, sizeof(p->operator_id), "%s", op);
	snprintf(p->common_name, sizeof(p->common_name), "%s", cn);
}

static mcim_err make_specs(const struct tool_pki_opts *o, struct spec *s, size_t *n,
			   char err[TOOL_PKI_ERR_MAX])
{
	static const struct tool_pki_sho defaults[2] = {{"sho1", "00101"},
							{"sho2", "00102"}};
	const struct tool_pki_sho *sho = o->n_sho > 0 ? o->sho : defaults;
	size_t n_sho = o->n_sho > 0 ? o->n_sho : 2;
	const char *vno = o->vno_plmn != NULL ? o->vno_plmn : TOOL_PKI_VNO_PLMN;
	char name[TOOL_PKI_NAME_MAX + 1], cn[MCIM_CERT_NAME_MAX + 1];

	if (o->days > TOOL_PKI_DAYS_MAX) {
		msg(err, "validity of %u days is not in 1..%u", o->days,
		    TOOL_PKI_DAYS_MAX);
		return MCIM_ERR_INVALID_ARG;
	}
	if (o->n_sho > TOOL_PKI_SHO_MAX) {
		msg(err, "%zu SHOs, at most %d", o->n_sho, TOOL_PKI_SHO_MAX);
		return MCIM_ERR_INVALID_ARG;
	}
	if (!plmn_valid(vno)) {
		msg(err, "VNO PLMN id \"%s\" is not 5 or 6 digits", vno);
		return MCIM_ERR_INVALID_ARG;
	}
	for (size_t i = 0; i < n_sho; i++) {
		if (!name_valid(sho[i].name, TOOL_PKI_SHO_NAME_MAX) ||
		    !plmn_valid(sho[i].plmn)) {
			msg(err,
			    "SHO \"%s:%s\": NAME is [a-z0-9-] (at most %d), PLMN 5 "
			    "or 6 digits",
			    sho[i].name, sho[i].plmn, TOOL_PKI_SHO_NAME_MAX);
			return MCIM_ERR_INVALID_ARG;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(sho[i].name, sho[j].name) == 0 ||
			    strcmp(sho[i].plmn, sho[j].plmn) == 0) {
				msg(err,
				    "SHOs \"%s:%s\" and \"%s:%s\" share a name or PLMN",
				    sho[j].name, sho[j].plmn, sho[i].name, sho[i].plmn);
				return MCIM_ERR_INVALID_ARG;
			}
	}
	*n = 0;
	add_spec(s, n, "ci", "ci", MCIM_CERT_ROLE_CI, "", "openmcim CI root");
	add_spec(s, n, "m2mes-ca", "m2mes", MCIM_CERT_ROLE_M2MES_CA, "",
		 "openmcim M2MES TRE CA");
	add_spec(s, n, "m2mes", "m2mes", MCIM_CERT_ROLE_M2MES, "",
		 "openmcim M2MES firmware signer");
	for (size_t i = 0; i < n_sho; i++) {
		snprintf(name, sizeof(name), "%.16s-dpf", sho[i].name);
		snprintf(cn, sizeof(cn), "%.16s DPF", sho[i].name);
		add_spec(s, n, name, sho[i].name, MCIM_CERT_ROLE_DPF, sho[i].plmn, cn);
		snprintf(name, sizeof(name), "%.16s-mgmt", sho[i].name);
		snprintf(cn, sizeof(cn), "%.16s MCIM management", sho[i].name);
		add_spec(s, n, name, sho[i].name, MCIM_CERT_ROLE_SHO_MGMT, sho[i].plmn,
			 cn);
	}
	add_spec(s, n, "ro-drf", "ro", MCIM_CERT_ROLE_DRF, "", "ro DRF");
	add_spec(s, n, "vno-icf", "vno", MCIM_CERT_ROLE_ICF, vno, "vno ICF");
	add_spec(s, n, "pva", "pva", MCIM_CERT_ROLE_PVA, "", "openmcim PVA");
	return MCIM_OK;
}

/* Removes what a failed init left in its temporary directory: files, and
 * directories up to depth levels down (the layout has one). */
static void remove_tree(const char *dir, int depth)
{
	char path[TOOL_PKI_PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    !join(path, dir, de->d_name) || lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth > 0)
			remove_tree(path, depth - 1);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* MCIM_OK when dir may be created (absent, or an empty directory). */
static mcim_err check_target(const char *dir, char err[TOOL_PKI_ERR_MAX])
{
	struct stat st;
	struct dirent *de;
	DIR *d;

	if (stat(dir, &st) != 0) {
		if (errno == ENOENT)
			return MCIM_OK;
		return file_err(err, dir, MCIM_ERR_IO, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return file_err(err, dir, MCIM_ERR_EXISTS,
				"exists and is not a directory");
	d = opendir(dir);
	if (d == NULL)
		return file_err(err, dir, MCIM_ERR_IO, strerror(errno));
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			closedir(d);
			return file_err(err, dir, MCIM_ERR_EXISTS,
					"exists and is not empty (a PKI is never "
					"overwritten)");
		}
	closedir(d);
	return MCIM_OK;
}

static mcim_err fsync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	int ok;

	if (fd < 0)
		return MCIM_ERR_IO;
	ok = fsync(fd) == 0;
	close(fd);
	return ok ? MCIM_OK : MCIM_ERR_IO;
}

/* Writes the whole of text to path through a temporary file, fsynced and renamed. */
static mcim_err write_file(const char *path, const char *text, size_t len, mode_t mode,
			   char err[TOOL_PKI_ERR_MAX])
{
	char tmp[TOOL_PKI_PATH_MAX];
	int fd, n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	size_t off = 0;

	if (n < 0 || n >= (int)sizeof(tmp))
		return file_err(err, path, MCIM_ERR_TOO_LARGE, "path too long");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return file_err(err, tmp, errno_err(errno), strerror(errno));
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;

			close(fd);
			unlink(tmp);
			return file_err(err, tmp, MCIM_ERR_IO, strerror(e));
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		int e = errno;

		unlink(tmp);
		return file_err(err, path, MCIM_ERR_IO, strerror(e));
	}
	return MCIM_OK;
}

static json_t *index_entry(const struct spec *s)
{
	char cert[TOOL_PKI_NAME_MAX + 16], key[TOOL_PKI_NAME_MAX + 16];

	snprintf(cert, sizeof(cert), "%s/cert.pem", s->name);
	snprintf(key, sizeof(key), "%s/key.pem", s->name);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", s->name, "role",
			 mcim_cert_role_name(s->role), "organisation", s->organisation,
			 "operator_id", s->operator_id, "issuer", "ci", "cert", cert,
			 "key", key);
}

static mcim_err write_index(const char *tmpdir, const struct spec *s, size_t n,
			    char err[TOOL_PKI_ERR_MAX])
{
	char path[TOOL_PKI_PATH_MAX];
	json_t *root, *ents;
	char *text = NULL;
	mcim_err e = MCIM_ERR_NOMEM;

	root = json_pack("{s:i, s:s, s:s, s:[]}", "version", INDEX_VERSION, "root", "ci",
			 "revocation_list", TOOL_PKI_REVOKED, "entities");
	ents = root != NULL ? json_object_get(root, "entities") : NULL;
	for (size_t i = 0; ents != NULL && i < n; i++)
		if (json_array_append_new(ents, index_entry(&s[i])) != 0)
			ents = NULL;
	if (ents != NULL)
		text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!join(path, tmpdir, TOOL_PKI_INDEX))
		e = file_err(err, tmpdir, MCIM_ERR_TOO_LARGE, "path too long");
	else if (text == NULL)
		e = file_err(err, path, MCIM_ERR_NOMEM, NULL);
	else {
		size_t len = strlen(text);
		char *nl = realloc(text, len + 2);

		if (nl == NULL) {
			e = file_err(err, path, MCIM_ERR_NOMEM, NULL);
		} else {
			text = nl;
			memcpy(text + len, "\n", 2);
			e = write_file(path, text, len + 1, 0644, err);
		}
	}
	free(text);
	return e;
}

/* Makes one entity's key pair and certificate and writes both into tmpdir/name/. */
static mcim_err make_entity(const char *tmpdir, const struct spec *s,
			    const struct tool_pki_opts *o,
			    const struct mcim_p256_priv *ci_priv, const uint8_t *ci_der,
			    size_t ci_len, struct mcim_p256_priv *priv, uint8_t *der,
			    size_t *der_len, char err[TOOL_PKI_ERR_MAX])
{
	char sub[TOOL_PKI_PATH_MAX], path[TOOL_PKI_PATH_MAX];
	struct mcim_cert_info info;
	struct mcim_p256_pub pub;
	mcim_err e;

	memset(&info, 0, sizeof(info));
	info.role = s->role;
	memcpy(info.common_name, s->common_name, sizeof(info.common_name));
	memcpy(info.operator_id, s->operator_id, sizeof(info.operator_id));
	info.not_before = o->now - TOOL_PKI_SKEW;
	info.not_after = o->now + (time_t)o->days * DAY;
	if (!join(sub, tmpdir, s->name))
		return file_err(err, tmpdir, MCIM_ERR_TOO_LARGE, "path too long");
	if (mkdir(sub, 0700) != 0)
		return file_err(err, sub, MCIM_ERR_IO, strerror(errno));
	e = mcim_p256_keygen(priv, &pub);
	if (e != MCIM_OK) {
		msg(err, "%s: key generation: %s", s->name, mcim_strerror(e));
		return e;
	}
	e = mcim_cert_issue(&info, &pub, ci_der != NULL ? ci_priv : priv, ci_der, ci_len,
			    mcim_rng_system(), der, MCIM_CERT_MAX_LEN, der_len);
	if (e != MCIM_OK) {
		msg(err, "%s: issuing its certificate: %s", s->name, mcim_strerror(e));
		return e;
	}
	if (!join(path, sub, "key.pem"))
		return file_err(err, sub, MCIM_ERR_TOO_LARGE, "path too long");
	e = mcim_cert_write_key_pem(path, priv);
	if (e != MCIM_OK)
		return file_err(err, path, e, NULL);
	if (!join(path, sub, "cert.pem"))
		return file_err(err, sub, MCIM_ERR_TOO_LARGE, "path too long");
	e = mcim_cert_write_pem(path, der, *der_len);
	if (e != MCIM_OK)
		return file_err(err, path, e, NULL);
	return MCIM_OK;
}

static mcim_err build(const char *tmpdir, const struct spec *s, size_t n,
		      const struct tool_pki_opts *o, char err[TOOL_PKI_ERR_MAX])
{
	struct mcim_p256_priv ci_priv, priv;
	uint8_t ci_der[MCIM_CERT_MAX_LEN], der[MCIM_CERT_MAX_LEN];
	size_t ci_len = 0, der_len;
	mcim_err e;

	assert(n > 0 && s[0].role == MCIM_CERT_ROLE_CI);
	e = make_entity(tmpdir, &s[0], o, NULL, NULL, 0, &ci_priv, ci_der, &ci_len, err);
	for (size_t i = 1; e == MCIM_OK && i < n; i++) {
		e = make_entity(tmpdir, &s[i], o, &ci_priv, ci_der, ci_len, &priv, der,
				&der_len, err);
		mcim_p256_priv_wipe(&priv);
	}
	mcim_p256_priv_wipe(&ci_priv);
	if (e == MCIM_OK)
		e = write_index(tmpdir, s, n, err);
	return e;
}

/* dir without trailing slashes, into out. */
static int trim(char out[TOOL_PKI_PATH_MAX], const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 0 || n >= TOOL_PKI_PATH_MAX - 16)
		return 0;
	memcpy(out, dir, n);
	out[n] = '\0';
	return 1;
}

static void parent_of(const char *dir, char out[TOOL_PKI_PATH_MAX])
{
	const char *slash = strrchr(dir, '/');

	if (slash == NULL)
		strcpy(out, ".");
	else if (slash == dir)
		strcpy(out, "/");
	else {
		memcpy(out, dir, (size_t)(slash - dir));
		out[slash - dir] = '\0';
	}
}

mcim_err tool_pki_init(const char *dir_in, const struct tool_pki_opts *opts,
		       char err[TOOL_PKI_ERR_MAX])
{
	struct tool_pki_opts o;
	struct spec *specs;
	char dir[TOOL_PKI_PATH_MAX], tmp[TOOL_PKI_PATH_MAX], parent[TOOL_PKI_PATH_MAX];
	size_t n = 0;
	mcim_err e;

	assert(dir_in != NULL && opts != NULL && err != NULL);
	err[0] = '\0';
	if (!trim(dir, dir_in))
		return file_err(err, dir_in, MCIM_ERR_INVALID_ARG, "not a usable path");
	o = *opts;
	if (o.now == 0)
		o.now = time(NULL);
	if (o.days == 0)
		o.days = TOOL_PKI_DAYS_DEFAULT;
	specs = calloc(SPECS_MAX, sizeof(*specs));
	if (specs == NULL)
		return file_err(err, dir, MCIM_ERR_NOMEM, NULL);
	e = make_specs(&o, specs, &n, err);
	if (e == MCIM_OK)
		e = check_target(dir, err);
	if (e != MCIM_OK) {
		free(specs);
		return e;
	}
	/* trim() left room for the suffix. */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", dir) >= (int)sizeof(tmp) ||
	    mkdtemp(tmp) == NULL) {
		int en = errno;

		free(specs);
		parent_of(dir, parent);
		return file_err(err, en == ENOENT ? parent : tmp, errno_err(en),
				strerror(en));
	}
	e = build(tmp, specs, n, &o, err);
	free(specs);
	if (e == MCIM_OK && rename(tmp, dir) != 0)
		e = errno == ENOTEMPTY || errno == EEXIST
			? file_err(err, dir, MCIM_ERR_EXISTS,
				   "appeared meanwhile and is not empty")
			: file_err(err, dir, MCIM_ERR_IO, strerror(errno));
	if (e != MCIM_OK) {
		remove_tree(tmp, 1);
		return e;
	}
	parent_of(dir, parent);
	if (fsync_path(parent, O_RDONLY | O_DIRECTORY) != MCIM_OK)
		return file_err(err, parent, MCIM_ERR_IO, "cannot sync the directory");
	return MCIM_OK;
}

/* ---- Reading. ---- */

void tool_pki_free(struct tool_pki *pki)
{
	assert(pki != NULL);
	free(pki->e);
	free(pki->revoked);
	pki->e = NULL;
	pki->revoked = NULL;
	pki->n = 0;
	pki->n_revoked = 0;
}

/* A path of the index: relative, no "..", no empty component. */
static int rel_path_ok(const char *p)
{
	const char *c = p;

	if (p[0] == '\0' || p[0] == '/')
		return 0;
	while (*c != '\0') {
		const char *end = strchr(c, '/');
		size_t len = end != NULL ? (size_t)(end - c) : strlen(c);

		if (len == 0 || (len == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		c += len;
		if (*c == '/')
			c++;
	}
	return 1;
}

/* The string member key of obj, into out (cap octets, NUL included), or PARSE. */
static mcim_err get_str(struct tool_pki *pki, const char *index, const json_t *obj,
			const char *where, const char *key, char *out, size_t cap)
{
	const json_t *v = json_object_get(obj, key);
	const char *s = json_string_value(v);

	if (s == NULL) {
		msg(pki->err, "%s: %s: no \"%s\" string", index, where, key);
		return MCIM_ERR_PARSE;
	}
	if (strlen(s) >= cap) {
		msg(pki->err, "%s: %s: \"%s\" is longer than %zu", index, where, key,
		    cap - 1);
		return MCIM_ERR_PARSE;
	}
	strcpy(out, s);
	return MCIM_OK;
}

static mcim_err read_entity(struct tool_pki *pki, const char *index, const json_t *obj,
			    size_t i, struct tool_pki_entity *e)
{
	char where[48], role[24], cert[TOOL_PKI_PATH_MAX], key[TOOL_PKI_PATH_MAX];
	mcim_err err;

	snprintf(where, sizeof(where), "entity #%zu", i);
	if (!json_is_object(obj)) {
		msg(pki->err, "%s: %s is not an object", index, where);
		return MCIM_ERR_PARSE;
	}
	err = get_str(pki, index, obj, where, "name", e->name, sizeof(e->name));
	if (err == MCIM_OK && !name_valid(e->name, TOOL_PKI_NAME_MAX)) {
		msg(pki->err, "%s: %s: name \"%s\" is not [a-z0-9-]", index, where,
		    e->name);
		err = MCIM_ERR_PARSE;
	}
	if (err != MCIM_OK)
		return err;
	snprintf(where, sizeof(where), "entity \"%s\"", e->name);
	err = get_str(pki, index, obj, where, "role", role, sizeof(role));
	if (err == MCIM_OK && mcim_cert_role_from_name(role, &e->role) != MCIM_OK) {
		msg(pki->err, "%s: %s: \"%s\" is no role", index, where, role);
		err = MCIM_ERR_PARSE;
	}
	if (err == MCIM_OK)
		err = get_str(pki, index, obj, where, "organisation", e->organisation,
			      sizeof(e->organisation));
	if (err == MCIM_OK)
		err = get_str(pki, index, obj, where, "operator_id", e->operator_id,
			      sizeof(e->operator_id));
	if (err == MCIM_OK && e->operator_id[0] != '\0' && !plmn_valid(e->operator_id)) {
		msg(pki->err, "%s: %s: operator_id \"%s\" is not 5 or 6 digits", index,
		    where, e->operator_id);
		err = MCIM_ERR_PARSE;
	}
	if (err == MCIM_OK)
		err = get_str(pki, index, obj, where, "issuer", e->issuer,
			      sizeof(e->issuer));
	if (err == MCIM_OK)
		err = get_str(pki, index, obj, where, "cert", cert, sizeof(cert));
	if (err == MCIM_OK)
		err = get_str(pki, index, obj, where, "key", key, sizeof(key));
	if (err != MCIM_OK)
		return err;
	if (!rel_path_ok(cert) || !rel_path_ok(key)) {
		msg(pki->err,
		    "%s: %s: paths must be relative to the directory, without "
		    "\"..\"",
		    index, where);
		return MCIM_ERR_PARSE;
	}
	if (!join(e->cert_path, pki->dir, cert) || !join(e->key_path, pki->dir, key)) {
		msg(pki->err, "%s: %s: path too long", index, where);
		return MCIM_ERR_PARSE;
	}
	return MCIM_OK;
}

static void load_cert(struct tool_pki_entity *e)
{
	mcim_err err;

	e->load_err =
	    mcim_cert_read_pem(e->cert_path, e->der, sizeof(e->der), &e->der_len);
	if (e->load_err == MCIM_ERR_BUFFER_TOO_SMALL)
		e->load_err = MCIM_ERR_TOO_LARGE;
	if (e->load_err != MCIM_OK) {
		file_err(e->load_msg, e->cert_path, e->load_err,
			 e->load_err == MCIM_ERR_PARSE ? "no PEM CERTIFICATE block"
						       : NULL);
		return;
	}
	err = mcim_cert_parse(e->der, e->der_len, &e->info, &e->pub);
	if (err != MCIM_OK) {
		e->load_err = err;
		file_err(e->load_msg, e->cert_path, err,
			 err == MCIM_ERR_BAD_CERT
			     ? "malformed certificate or outside the profile"
			     : NULL);
		return;
	}
	if (e->info.role != e->role) {
		e->load_err = MCIM_ERR_BAD_CERT;
		msg(e->load_msg, "%s: the certificate's role is %s, the index says %s",
		    e->cert_path, mcim_cert_role_name(e->info.role),
		    mcim_cert_role_name(e->role));
	} else if (strcmp(e->info.operator_id, e->operator_id) != 0) {
		e->load_err = MCIM_ERR_BAD_CERT;
		msg(e->load_msg,
		    "%s: the certificate's operator id is \"%s\", the index says \"%s\"",
		    e->cert_path, e->info.operator_id, e->operator_id);
	}
}

/* Marks e broken (the first cause only). */
static void broken(struct tool_pki_entity *e, mcim_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void broken(struct tool_pki_entity *e, mcim_err err, const char *fmt, ...)
{
	va_list ap;

	if (e->load_err != MCIM_OK)
		return;
	e->load_err = err;
	va_start(ap, fmt);
	vsnprintf(e->load_msg, sizeof(e->load_msg), fmt, ap);
	va_end(ap);
}

/* The issuer links: each names an entity of the index whose certificate's subject is
 * the issuer named in the certificate. */
static mcim_err link_issuers(struct tool_pki *pki, const char *index, const char *root)
{
	const struct tool_pki_entity *r = tool_pki_find(pki, root);

	if (r == NULL || r->role != MCIM_CERT_ROLE_CI ||
	    strcmp(r->issuer, r->name) != 0) {
		msg(pki->err,
		    "%s: root \"%s\" is not an entity of role ci issued by itself", index,
		    root);
		return MCIM_ERR_PARSE;
	}
	for (size_t i = 0; i < pki->n; i++) {
		struct tool_pki_entity *e = &pki->e[i];
		const struct tool_pki_entity *is = tool_pki_find(pki, e->issuer);

		if (is == NULL) {
			msg(pki->err,
			    "%s: entity \"%s\": issuer \"%s\" is not in the index", index,
			    e->name, e->issuer);
			return MCIM_ERR_PARSE;
		}
		if (e->load_err != MCIM_OK)
			continue;
		if (is->load_err != MCIM_OK)
			broken(e, MCIM_ERR_BAD_CERT, "%s: its issuer %s did not load",
			       e->cert_path, is->name);
		else if (strcmp(e->info.issuer_name, is->info.common_name) != 0)
			broken(e, MCIM_ERR_BAD_CERT,
			       "%s: issued by \"%s\", the index says %s (\"%s\")",
			       e->cert_path, e->info.issuer_name, is->name,
			       is->info.common_name);
	}
	return MCIM_OK;
}

static mcim_err read_index(struct tool_pki *pki, const char *index)
{
	json_error_t jerr;
	json_t *root, *ents;
	char root_name[TOOL_PKI_NAME_MAX + 1], rl[TOOL_PKI_PATH_MAX];
	mcim_err err = MCIM_OK;
	struct stat st;

	if (stat(index, &st) != 0)
		return file_err(pki->err, index, errno_err(errno),
				errno == ENOENT ? "no such file: not a PKI directory "
						  "(see 'mcim pki init')"
						: strerror(errno));
	root = json_load_file(index, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		msg(pki->err, "%s: line %d: %s", index, jerr.line, jerr.text);
		return MCIM_ERR_PARSE;
	}
	ents = json_object_get(root, "entities");
	if (!json_is_object(root) ||
	    json_integer_value(json_object_get(root, "version")) != INDEX_VERSION) {
		msg(pki->err, "%s: not a PKI index of version %d", index, INDEX_VERSION);
		err = MCIM_ERR_PARSE;
	} else if (!json_is_array(ents) || json_array_size(ents) == 0 ||
		   json_array_size(ents) > TOOL_PKI_ENTITIES_MAX) {
		msg(pki->err, "%s: \"entities\" is not an array of 1..%d", index,
		    TOOL_PKI_ENTITIES_MAX);
		err = MCIM_ERR_PARSE;
	}
	if (err == MCIM_OK)
		err = get_str(pki, index, root, "the top level", "root", root_name,
			      sizeof(root_name));
	if (err == MCIM_OK)
		err = get_str(pki, index, root, "the top level", "revocation_list", rl,
			      sizeof(rl));
	if (err == MCIM_OK &&
	    (!rel_path_ok(rl) || !join(pki->revoked_path, pki->dir, rl))) {
		msg(pki->err, "%s: \"revocation_list\" is not a relative path inside it",
		    index);
		err = MCIM_ERR_PARSE;
	}
	if (err == MCIM_OK) {
		pki->e = calloc(json_array_size(ents), sizeof(*pki->e));
		if (pki->e == NULL)
			err = file_err(pki->err, index, MCIM_ERR_NOMEM, NULL);
	}
	for (size_t i = 0; err == MCIM_OK && i < json_array_size(ents); i++) {
		err = read_entity(pki, index, json_array_get(ents, i), i, &pki->e[i]);
		for (size_t j = 0; err == MCIM_OK && j < i; j++)
			if (strcmp(pki->e[i].name, pki->e[j].name) == 0) {
				msg(pki->err, "%s: entity \"%s\" is listed twice", index,
				    pki->e[i].name);
				err = MCIM_ERR_PARSE;
			}
		if (err == MCIM_OK)
			pki->n = i + 1;
	}
	for (size_t i = 0; err == MCIM_OK && i < pki->n; i++)
		load_cert(&pki->e[i]);
	if (err == MCIM_OK)
		err = link_issuers(pki, index, root_name);
	json_decref(root);
	return err;
}

/* One line of the revocation list: "<serial hex> [label]". */
static mcim_err revoked_line(struct tool_pki *pki, const char *line, size_t len,
			     unsigned lineno)
{
	struct mcim_cert_serial s;
	size_t hex = 0;

	while (hex < len && line[hex] != ' ' && line[hex] != '\t')
		hex++;
	if (mcim_hex_decode(line, hex, s.v, sizeof(s.v), &s.len) != MCIM_OK ||
	    s.len == 0 || s.v[0] == 0) {
		msg(pki->err,
		    "%s:%u: not a certificate serial number (1..%d octets of hex, "
		    "no leading zero octet)",
		    pki->revoked_path, lineno, MCIM_CERT_SERIAL_MAX);
		return MCIM_ERR_PARSE;
	}
	if (pki->n_revoked == TOOL_PKI_REVOKED_MAX) {
		msg(pki->err, "%s:%u: more than %d serials", pki->revoked_path, lineno,
		    TOOL_PKI_REVOKED_MAX);
		return MCIM_ERR_PARSE;
	}
	pki->revoked[pki->n_revoked++] = s;
	return MCIM_OK;
}

/* Reads the whole of a small file into a NUL-terminated heap buffer; NULL with
 * *len 0 when it does not exist. */
static mcim_err slurp(const char *path, size_t max, char **text, size_t *len,
		      char err[TOOL_PKI_ERR_MAX])
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t got;

	*text = NULL;
	*len = 0;
	if (f == NULL)
		return errno == ENOENT
			   ? MCIM_OK
			   : file_err(err, path, MCIM_ERR_IO, strerror(errno));
	buf = malloc(max + 1);
	if (buf == NULL) {
		fclose(f);
		return file_err(err, path, MCIM_ERR_NOMEM, NULL);
	}
	got = fread(buf, 1, max + 1, f);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return file_err(err, path, MCIM_ERR_IO, "read error");
	}
	fclose(f);
	if (got > max) {
		free(buf);
		return file_err(err, path, MCIM_ERR_TOO_LARGE, NULL);
	}
	buf[got] = '\0';
	*text = buf;
	*len = got;
	return MCIM_OK;
}

static mcim_err read_revoked(struct tool_pki *pki)
{
	char *text;
	size_t len, p = 0;
	unsigned lineno = 0;
	mcim_err err;

	pki->revoked = calloc(TOOL_PKI_REVOKED_MAX, sizeof(*pki->revoked));
	if (pki->revoked == NULL)
		return file_err(pki->err, pki->revoked_path, MCIM_ERR_NOMEM, NULL);
	err = slurp(pki->revoked_path, REVOKED_FILE_MAX, &text, &len, pki->err);
	while (err == MCIM_OK && p < len) {
		size_t end = p;

		while (end < len && text[end] != '\n')
			end++;
		lineno++;
		if (end > p && text[p] != '#')
			err = revoked_line(pki, text + p, end - p, lineno);
		p = end + 1;
	}
	free(text);
	return err;
}

mcim_err tool_pki_load_partial(const char *dir, struct tool_pki *pki)
{
	char index[TOOL_PKI_PATH_MAX];
	mcim_err err;

	assert(dir != NULL && pki != NULL);
	memset(pki, 0, sizeof(*pki));
	if (!trim(pki->dir, dir) || !join(index, pki->dir, TOOL_PKI_INDEX))
		return file_err(pki->err, dir, MCIM_ERR_INVALID_ARG, "not a usable path");
	err = read_index(pki, index);
	if (err == MCIM_OK)
		err = read_revoked(pki);
	for (size_t i = 0; i < pki->n; i++)
		if (pki->e[i].load_err != MCIM_OK)
			pki->n_broken++;
	return err;
}

mcim_err tool_pki_load(const char *dir, struct tool_pki *pki)
{
	mcim_err err = tool_pki_load_partial(dir, pki);

	for (size_t i = 0; err == MCIM_OK && i < pki->n; i++)
		if (pki->e[i].load_err != MCIM_OK) {
			err = pki->e[i].load_err;
			memcpy(pki->err, pki->e[i].load_msg, sizeof(pki->err));
		}
	return err;
}

const struct tool_pki_entity *tool_pki_find(const struct tool_pki *pki, const char *name)
{
	assert(pki != NULL && name != NULL);
	for (size_t i = 0; i < pki->n; i++)
		if (strcmp(pki->e[i].name, name) == 0)
			return &pki->e[i];
	return NULL;
}

const struct tool_pki_entity *tool_pki_find_role(const struct tool_pki *pki,
						 enum mcim_cert_role role,
						 const char *operator_id)
{
	assert(pki != NULL);
	for (size_t i = 0; i < pki->n; i++)
		if (pki->e[i].role == role &&
		    (operator_id == NULL ||
		     strcmp(pki->e[i].operator_id, operator_id) == 0))
			return &pki->e[i];
	return NULL;
}

static const struct tool_pki_entity *root_entity(const struct tool_pki *pki)
{
	for (size_t i = 0; i < pki->n; i++)
		if (pki->e[i].role == MCIM_CERT_ROLE_CI &&
		    strcmp(pki->e[i].issuer, pki->e[i].name) == 0)
			return &pki->e[i];
	return NULL;
}

mcim_err tool_pki_root(const struct tool_pki *pki, const uint8_t **der, size_t *len)
{
	const struct tool_pki_entity *r;

	assert(pki != NULL && der != NULL && len != NULL);
	r = root_entity(pki);
	if (r == NULL)
		return MCIM_ERR_NOT_FOUND;
	if (r->load_err != MCIM_OK)
		return MCIM_ERR_BAD_CERT;
	*der = r->der;
	*len = r->der_len;
	return MCIM_OK;
}

mcim_err tool_pki_key(struct tool_pki *pki, const char *name, struct mcim_p256_priv *priv)
{
	const struct tool_pki_entity *e;
	struct mcim_p256_priv k;
	struct mcim_p256_pub pub;
	mcim_err err;

	assert(pki != NULL && name != NULL && priv != NULL);
	e = tool_pki_find(pki, name);
	if (e == NULL) {
		msg(pki->err, "%s: no entity \"%s\" in the index", pki->dir, name);
		return MCIM_ERR_NOT_FOUND;
	}
	if (e->load_err != MCIM_OK) {
		memcpy(pki->err, e->load_msg, sizeof(pki->err));
		return MCIM_ERR_BAD_CERT;
	}
	err = mcim_cert_read_key_pem(e->key_path, &k);
	if (err != MCIM_OK)
		return file_err(pki->err, e->key_path, err,
				err == MCIM_ERR_PARSE
				    ? "no P-256 PRIVATE KEY block, or a damaged one"
				    : NULL);
	err = mcim_p256_pub_from_priv(&k, &pub);
	if (err == MCIM_OK && memcmp(pub.q, e->pub.q, sizeof(pub.q)) != 0)
		err = MCIM_ERR_INVALID_ARG;
	if (err != MCIM_OK) {
		mcim_p256_priv_wipe(&k);
		msg(pki->err, "%s: not the key of %s", e->key_path, e->cert_path);
		return err;
	}
	*priv = k;
	mcim_p256_priv_wipe(&k);
	return MCIM_OK;
}

mcim_err tool_pki_chain(const struct tool_pki *pki, const char *name, int with_root,
			struct mcim_iov *chain, size_t cap, size_t *n)
{
	const struct tool_pki_entity *e;
	size_t k = 0;

	assert(pki != NULL && name != NULL && chain != NULL && n != NULL);
	e = tool_pki_find(pki, name);
	if (e == NULL)
		return MCIM_ERR_NOT_FOUND;
	for (;;) {
		int is_root = strcmp(e->issuer, e->name) == 0;

		if (e->load_err != MCIM_OK || k == MCIM_CERT_CHAIN_MAX)
			return MCIM_ERR_BAD_CERT;
		if (!is_root || with_root) {
			if (k == cap)
				return MCIM_ERR_BUFFER_TOO_SMALL;
			chain[k].data = e->der;
			chain[k].len = e->der_len;
			k++;
		}
		if (is_root)
			break;
		e = tool_pki_find(pki, e->issuer);
		assert(e != NULL); /* link_issuers checked every issuer */
	}
	*n = k;
	return MCIM_OK;
}

/* ---- Issuing TRE certificates, revocation, verification. ---- */

mcim_err tool_pki_issue_tre(struct tool_pki *pki, const struct tool_pki_tre *req,
			    uint8_t *der, size_t cap, size_t *len)
{
	const struct tool_pki_entity *ca;
	struct mcim_cert_info info;
	struct mcim_p256_priv priv;
	mcim_err err;

	assert(pki != NULL && req != NULL && req->pub != NULL && req->tre_id != NULL &&
	       req->platform_id != NULL && der != NULL && len != NULL);
	ca = tool_pki_find_role(pki, MCIM_CERT_ROLE_M2MES_CA, NULL);
	if (ca == NULL) {
		msg(pki->err, "%s: no m2mes-ca entity in the index", pki->dir);
		return MCIM_ERR_NOT_FOUND;
	}
	memset(&info, 0, sizeof(info));
	info.role = MCIM_CERT_ROLE_TRE;
	if (strlen(req->tre_id) > MCIM_CERT_TRE_ID_MAX ||
	    strlen(req->platform_id) > MCIM_CERT_PLATFORM_ID_MAX) {
		msg(pki->err, "TRE id (at most %d) or platform id (at most %d) too long",
		    MCIM_CERT_TRE_ID_MAX, MCIM_CERT_PLATFORM_ID_MAX);
		return MCIM_ERR_INVALID_ARG;
	}
	strcpy(info.common_name, req->tre_id);
	strcpy(info.tre_id, req->tre_id);
	strcpy(info.platform_id, req->platform_id);
	info.backend = req->backend;
	info.assurance = req->assurance;
	info.not_before = req->not_before != 0 ? req->not_before : ca->info.not_before;
	info.not_after = req->not_after != 0 ? req->not_after : ca->info.not_after;
	err = tool_pki_key(pki, ca->name, &priv);
	if (err != MCIM_OK)
		return err;
	err = mcim_cert_issue(&info, req->pub, &priv, ca->der, ca->der_len,
			      mcim_rng_system(), der, cap, len);
	mcim_p256_priv_wipe(&priv);
	if (err != MCIM_OK)
		msg(pki->err, "TRE %s: %s: %s", req->tre_id, ca->name,
		    err == MCIM_ERR_INVALID_ARG
			? "refused: a field outside the profile, or a validity beyond "
			  "the CA's"
			: mcim_strerror(err));
	return err;
}

int tool_pki_is_revoked(const struct tool_pki *pki, const struct mcim_cert_serial *serial)
{
	assert(pki != NULL && serial != NULL);
	for (size_t i = 0; i < pki->n_revoked; i++)
		if (pki->revoked[i].len == serial->len &&
		    memcmp(pki->revoked[i].v, serial->v, serial->len) == 0)
			return 1;
	return 0;
}

mcim_err tool_pki_revoke_cert(struct tool_pki *pki, const uint8_t *der, size_t len,
			      const char *label)
{
	static const char header[] =
	    "# openmcim revocation list: one certificate serial number (hex) per line,\n"
	    "# then what it was. Read by 'mcim pki' and every relying party's policy.\n";
	struct mcim_cert_info info;
	char hex[2 * MCIM_CERT_SERIAL_MAX + 1], lab[LABEL_MAX + 1], *old, *text;
	size_t old_len, cap;
	mcim_err err;
	int n;

	assert(pki != NULL && der != NULL && label != NULL && pki->revoked != NULL);
	err = mcim_cert_parse(der, len, &info, NULL);
	if (err != MCIM_OK) {
		msg(pki->err, "%s: cannot revoke a certificate that does not parse: %s",
		    label, mcim_strerror(err));
		return MCIM_ERR_BAD_CERT;
	}
	if (tool_pki_is_revoked(pki, &info.serial)) {
		msg(pki->err, "%s: already revoked (%s)", label, pki->revoked_path);
		return MCIM_ERR_EXISTS;
	}
	if (pki->n_revoked == TOOL_PKI_REVOKED_MAX) {
		msg(pki->err, "%s: full (%d serials)", pki->revoked_path,
		    TOOL_PKI_REVOKED_MAX);
		return MCIM_ERR_FULL;
	}
	snprintf(lab, sizeof(lab), "%s", label);
	for (char *c = lab; *c != '\0'; c++)
		if (*c < 0x20 || *c > 0x7e)
			*c = '?';
	mcim_hex_encode(info.serial.v, info.serial.len, hex, sizeof(hex));
	err = slurp(pki->revoked_path, REVOKED_FILE_MAX, &old, &old_len, pki->err);
	if (err != MCIM_OK)
		return err;
	cap = old_len + sizeof(header) + sizeof(hex) + sizeof(lab) + 4;
	text = malloc(cap);
	if (text == NULL) {
		free(old);
		return file_err(pki->err, pki->revoked_path, MCIM_ERR_NOMEM, NULL);
	}
	if (old_len == 0)
		n = snprintf(text, cap, "%s%s %s\n", header, hex, lab);
	else
		n = snprintf(text, cap, "%s%s%s %s\n", old,
			     old[old_len - 1] == '\n' ? "" : "\n", hex, lab);
	free(old);
	err = write_file(pki->revoked_path, text, (size_t)n, 0644, pki->err);
	free(text);
	if (err == MCIM_OK)
		pki->revoked[pki->n_revoked++] = info.serial;
	return err;
}

mcim_err tool_pki_revoke(struct tool_pki *pki, const char *name)
{
	const struct tool_pki_entity *e;

	assert(pki != NULL && name != NULL);
	e = tool_pki_find(pki, name);
	if (e == NULL) {
		msg(pki->err, "%s: no entity \"%s\" in the index", pki->dir, name);
		return MCIM_ERR_NOT_FOUND;
	}
	if (strcmp(e->issuer, e->name) == 0) {
		msg(pki->err,
		    "%s: the root is the trust anchor: it is replaced (a new PKI), "
		    "not revoked",
		    name);
		return MCIM_ERR_INVALID_ARG;
	}
	if (e->load_err != MCIM_OK) {
		memcpy(pki->err, e->load_msg, sizeof(pki->err));
		return MCIM_ERR_BAD_CERT;
	}
	return tool_pki_revoke_cert(pki, e->der, e->der_len, name);
}

void tool_pki_policy(const struct tool_pki *pki, enum mcim_cert_role role,
		     const char *operator_id, time_t now, struct mcim_cert_policy *policy)
{
	assert(pki != NULL && policy != NULL);
	memset(policy, 0, sizeof(*policy));
	policy->role = role;
	policy->operator_id = operator_id;
	policy->now = now;
	policy->revoked = pki->revoked;
	policy->n_revoked = pki->revoked != NULL ? pki->n_revoked : 0;
}

/* The root is a trust anchor for relying parties, but here it is checked whole: a
 * self-signature that does not verify means the file was damaged. */
static mcim_err verify_root(struct tool_pki *pki, const struct tool_pki_entity *e,
			    time_t now)
{
	struct crypto_cert c;

	if (crypto_cert_parse(e->der, e->der_len, &c) != MCIM_OK ||
	    mcim_p256_verify(&c.pub, c.tbs.p, c.tbs.len, c.sig) != MCIM_OK)
		return file_err(pki->err, e->cert_path, MCIM_ERR_BAD_CERT,
				"the root's self-signature does not verify");
	if (now < e->info.not_before || now > e->info.not_after)
		return file_err(pki->err, e->cert_path, MCIM_ERR_EXPIRED,
				"outside its validity");
	return MCIM_OK;
}

mcim_err tool_pki_verify_entity(struct tool_pki *pki, size_t i, time_t now)
{
	struct tool_pki_entity *e;
	struct mcim_iov chain[MCIM_CERT_CHAIN_MAX];
	struct mcim_cert_policy policy;
	struct mcim_p256_priv priv;
	size_t n;
	mcim_err err;

	assert(pki != NULL && i < pki->n);
	e = &pki->e[i];
	if (e->load_err != MCIM_OK) {
		memcpy(pki->err, e->load_msg, sizeof(pki->err));
		return e->load_err;
	}
	if (strcmp(e->issuer, e->name) == 0) {
		err = verify_root(pki, e, now);
	} else {
		err = tool_pki_chain(pki, e->name, 1, chain, MCIM_CERT_CHAIN_MAX, &n);
		if (err != MCIM_OK) {
			msg(pki->err, "%s: its chain to the root is broken: %s",
			    e->cert_path, mcim_strerror(err));
			return err;
		}
		tool_pki_policy(pki, e->role, e->operator_id[0] ? e->operator_id : NULL,
				now, &policy);
		err = mcim_cert_verify_chain(chain[0].data, chain[0].len, chain + 1,
					     n - 2, chain[n - 1].data, chain[n - 1].len,
					     &policy, NULL, NULL);
		if (err != MCIM_OK) {
			const char *why = mcim_strerror(err);

			if (err == MCIM_ERR_BAD_CERT &&
			    tool_pki_is_revoked(pki, &e->info.serial))
				why = "revoked";
			else if (err == MCIM_ERR_BAD_CERT)
				why =
				    "not issued by its issuer (signature, name or role)";
			return file_err(pki->err, e->cert_path, err, why);
		}
	}
	if (err != MCIM_OK)
		return err;
	err = tool_pki_key(pki, e->name, &priv);
	mcim_p256_priv_wipe(&priv);
	return err;
}
