/*
 * The part of the tools a device's TRE process links (devcfg.h): D/device.json read
 * into the configuration mcim_tre_open takes, and the command interface's CBOR
 * requests and responses, with the small helpers the tool files share.
 */
#include "tool/devcfg.h"

#include <assert.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mcim/bytes.h"
#include "mcim/cbor.h"

mcim_err tool_fail(char err[TOOL_DEVICE_ERR_MAX], mcim_err e, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(err, TOOL_DEVICE_ERR_MAX, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < TOOL_DEVICE_ERR_MAX - 40)
		snprintf(err + n, TOOL_DEVICE_ERR_MAX - (size_t)n, ": %s",
			 mcim_strerror(e));
	return e;
}

mcim_err tool_path_join(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= cap ? MCIM_ERR_INVALID_ARG : MCIM_OK;
}

/* ---- requests and responses ---- */

static int key_before(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return la < lb;
	return strcmp(a, b) < 0;
}

mcim_err tool_tre_request(const char *cmd, const struct tool_tre_arg *args, size_t n,
			  uint8_t *out, size_t cap, size_t *len)
{
	struct mcim_cbor_writer w;
	size_t order[32];

	assert(cmd != NULL && (args != NULL || n == 0) && out != NULL && len != NULL);
	if (n > sizeof(order) / sizeof(order[0]))
		return MCIM_ERR_INVALID_ARG;
	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		while (j > 0 && key_before(args[i].name, args[order[j - 1]].name)) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	mcim_cbor_writer_init(&w, out, cap);
	mcim_cbor_put_map(&w, 2);
	mcim_cbor_put_cstr(&w, "cmd");
	mcim_cbor_put_cstr(&w, cmd);
	mcim_cbor_put_cstr(&w, "args");
	mcim_cbor_put_map(&w, n);
	for (size_t k = 0; k < n; k++) {
		const struct tool_tre_arg *a = &args[order[k]];

		mcim_cbor_put_cstr(&w, a->name);
		if (a->type == TOOL_ARG_TSTR)
			mcim_cbor_put_cstr(&w, a->data);
		else if (a->type == TOOL_ARG_BSTR)
			mcim_cbor_put_bstr(&w, a->data, a->len);
		else
			mcim_cbor_put_uint(&w, a->u);
	}
	return mcim_cbor_writer_finish(&w, len);
}

mcim_err tool_tre_response(const uint8_t *buf, size_t len, struct tool_tre_resp *r)
{
	struct mcim_cbor_reader rd;
	struct mcim_cbor_map m;
	const char *k, *s;
	size_t kl, sl;
	uint64_t status;
	enum mcim_cbor_type type;
	mcim_err err;

	mcim_cbor_reader_init(&rd, buf, len);
	err = mcim_cbor_map_open(&rd, &m);
	if (err != MCIM_OK || m.left != 3)
		return MCIM_ERR_PARSE;
	if (mcim_cbor_map_key_tstr(&rd, &m, &k, &kl) != MCIM_OK || kl != 5 ||
	    memcmp(k, "error", 5) != 0 || mcim_cbor_read_tstr(&rd, &s, &sl) != MCIM_OK)
		return MCIM_ERR_PARSE;
	if (mcim_cbor_map_key_tstr(&rd, &m, &k, &kl) != MCIM_OK || kl != 6 ||
	    memcmp(k, "result", 6) != 0 || mcim_cbor_peek(&rd, &type) != MCIM_OK)
		return MCIM_ERR_PARSE;
	if (type == MCIM_CBOR_NULL) {
		(void)mcim_cbor_read_null(&rd);
		r->result = NULL;
		r->result_len = 0;
	} else if (mcim_cbor_read_item(&rd, &r->result, &r->result_len) != MCIM_OK) {
		return MCIM_ERR_PARSE;
	}
	if (mcim_cbor_map_key_tstr(&rd, &m, &k, &kl) != MCIM_OK || kl != 6 ||
	    memcmp(k, "status", 6) != 0 || mcim_cbor_read_uint(&rd, &status) != MCIM_OK ||
	    status >= MCIM_ERR_COUNT_ || mcim_cbor_remaining(&rd) != 0)
		return MCIM_ERR_PARSE;
	if (strlen(mcim_err_name((mcim_err)status)) != sl ||
	    memcmp(mcim_err_name((mcim_err)status), s, sl) != 0)
		return MCIM_ERR_PARSE;
	r->status = (mcim_err)status;
	return MCIM_OK;
}

mcim_err tool_cbor_get(const uint8_t *map, size_t len, const char *key,
		       const uint8_t **val, size_t *val_len)
{
	struct mcim_cbor_reader r;
	struct mcim_cbor_map m;
	mcim_err err;

	if (map == NULL)
		return MCIM_ERR_NOT_FOUND;
	mcim_cbor_reader_init(&r, map, len);
	err = mcim_cbor_map_open(&r, &m);
	if (err != MCIM_OK)
		return err;
	while (mcim_cbor_map_more(&m)) {
		const char *k;
		size_t kl;
		const uint8_t *v;
		size_t vl;

		err = mcim_cbor_map_key_tstr(&r, &m, &k, &kl);
		if (err == MCIM_OK)
			err = mcim_cbor_read_item(&r, &v, &vl);
		if (err != MCIM_OK)
			return err;
		if (kl == strlen(key) && memcmp(k, key, kl) == 0) {
			*val = v;
			*val_len = vl;
			return MCIM_OK;
		}
	}
	return MCIM_ERR_NOT_FOUND;
}

mcim_err tool_cbor_get_bstr(const uint8_t *map, size_t len, const char *key,
			    const uint8_t **data, size_t *n)
{
	struct mcim_cbor_reader r;
	const uint8_t *v;
	size_t vl;
	mcim_err err = tool_cbor_get(map, len, key, &v, &vl);

	if (err != MCIM_OK)
		return err;
	mcim_cbor_reader_init(&r, v, vl);
	return mcim_cbor_read_bstr(&r, data, n);
}

mcim_err tool_cbor_get_uint(const uint8_t *map, size_t len, const char *key, uint64_t *u)
{
	struct mcim_cbor_reader r;
	const uint8_t *v;
	size_t vl;
	mcim_err err = tool_cbor_get(map, len, key, &v, &vl);

	if (err != MCIM_OK)
		return err;
	mcim_cbor_reader_init(&r, v, vl);
	return mcim_cbor_read_uint(&r, u);
}

mcim_err tool_cbor_get_str(const uint8_t *map, size_t len, const char *key, char *out,
			   size_t cap)
{
	struct mcim_cbor_reader r;
	const uint8_t *v;
	const char *s;
	size_t vl, sl;
	mcim_err err = tool_cbor_get(map, len, key, &v, &vl);

	if (err != MCIM_OK)
		return err;
	mcim_cbor_reader_init(&r, v, vl);
	err = mcim_cbor_read_tstr(&r, &s, &sl);
	if (err != MCIM_OK)
		return err;
	if (sl >= cap)
		sl = cap - 1;
	memcpy(out, s, sl);
	out[sl] = '\0';
	return MCIM_OK;
}

/* ---- the device's configuration ---- */

mcim_err tool_copy_str(char *out, size_t cap, const char *s)
{
	if (s == NULL || strlen(s) == 0 || strlen(s) >= cap)
		return MCIM_ERR_INVALID_ARG;
	memcpy(out, s, strlen(s) + 1);
	return MCIM_OK;
}

/* A path in the config: relative ones are relative to the device directory. */
static mcim_err dev_path(char *out, size_t cap, const char *dir, const char *p)
{
	if (p == NULL || p[0] == '\0')
		return MCIM_ERR_INVALID_ARG;
	if (p[0] == '/')
		return tool_copy_str(out, cap, p);
	return tool_path_join(out, cap, dir, p);
}

mcim_err tool_device_load(const char *dir, struct tool_device *dev,
			  char err[TOOL_DEVICE_ERR_MAX])
{
	char path[TOOL_DEVICE_PATH_MAX + 32];
	json_error_t je;
	json_t *root, *comps;
	const char *backend, *hw, *store, *imei, *m2me = NULL;
	enum mcim_cert_backend be;
	mcim_err e;

	memset(dev, 0, sizeof(*dev));
	if (tool_copy_str(dev->dir, sizeof(dev->dir), dir) != MCIM_OK ||
	    tool_path_join(path, sizeof(path), dir, TOOL_DEVICE_CONFIG) != MCIM_OK)
		return tool_fail(err, MCIM_ERR_INVALID_ARG, "%s: path too long", dir);
	root = json_load_file(path, 0, &je);
	if (root == NULL) {
		e = access(path, F_OK) != 0 ? MCIM_ERR_NOT_FOUND : MCIM_ERR_PARSE;
		return tool_fail(err, e, "%s: %s", path, je.text);
	}
	e = MCIM_ERR_PARSE;
	if (json_unpack_ex(root, &je, JSON_STRICT,
			   "{s:i,s:s,s:s,s:s,s:s,s:o,s?s,s?s,s?s}", "version", &(int){0},
			   "backend", &backend, "hw", &hw, "store", &store, "imei", &imei,
			   "components", &comps, "model", &(const char *){NULL},
			   "manifest", &(const char *){NULL}, "m2me", &m2me) != 0 ||
	    !json_is_array(comps)) {
		tool_fail(err, e, "%s: %s", path, je.text);
		goto out;
	}
	e = MCIM_ERR_INVALID_ARG;
	if (mcim_cert_backend_from_name(backend, &be) != MCIM_OK) {
		tool_fail(err, e, "%s: backend \"%s\"", path, backend);
		goto out;
	}
	if (dev_path(dev->hw_dir, sizeof(dev->hw_dir), dir, hw) != MCIM_OK ||
	    dev_path(dev->store_dir, sizeof(dev->store_dir), dir, store) != MCIM_OK ||
	    tool_copy_str(dev->imei, sizeof(dev->imei), imei) != MCIM_OK ||
	    json_array_size(comps) > MCIM_TRE_COMPONENTS_MAX) {
		tool_fail(err, e, "%s: a path, the imei or the components out of bounds",
			  path);
		goto out;
	}
	for (size_t i = 0; i < json_array_size(comps); i++) {
		const char *name, *p;
		int pcr = 0;

		if (json_unpack_ex(json_array_get(comps, i), &je, JSON_STRICT,
				   "{s:s,s:s,s?i}", "name", &name, "path", &p, "pcr",
				   &pcr) != 0 ||
		    tool_copy_str(dev->names[i], sizeof(dev->names[i]), name) !=
			MCIM_OK ||
		    dev_path(dev->paths[i], sizeof(dev->paths[i]), dir, p) != MCIM_OK ||
		    pcr < 0 || pcr > 7) {
			tool_fail(err, e, "%s: component %zu malformed", path, i);
			goto out;
		}
		dev->comps[i].name = dev->names[i];
		dev->comps[i].path = dev->paths[i];
		dev->comps[i].pcr = (uint8_t)pcr;
	}
	if (be == MCIM_CERT_BACKEND_UICC) {
		char mpath[TOOL_DEVICE_PATH_MAX + 1];
		uint8_t buf[MCIM_TRE_M2ME_ID_LEN + MCIM_TRE_M2ME_SECRET_LEN + 1];
		ssize_t got;
		int fd;

		/* open/read rather than stdio: no FILE buffer (heap) for a secret. */
		if (m2me == NULL ||
		    dev_path(mpath, sizeof(mpath), dir, m2me) != MCIM_OK ||
		    (fd = open(mpath, O_RDONLY | O_CLOEXEC)) < 0) {
			tool_fail(err, e, "%s: the uicc backend needs its \"m2me\" file",
				  path);
			goto out;
		}
		got = read(fd, buf, sizeof(buf));
		close(fd);
		if (got != (ssize_t)sizeof(buf) - 1) {
			mcim_wipe(buf, sizeof(buf));
			tool_fail(err, e, "%s: not an M2ME file", mpath);
			goto out;
		}
		memcpy(dev->m2me_id, buf, sizeof(dev->m2me_id));
		memcpy(dev->m2me_secret, buf + sizeof(dev->m2me_id),
		       sizeof(dev->m2me_secret));
		mcim_wipe(buf, sizeof(buf));
		dev->cfg.m2me_id = dev->m2me_id;
		dev->cfg.m2me_secret = dev->m2me_secret;
	}
	dev->n = json_array_size(comps);
	dev->cfg.backend = be;
	dev->cfg.hw_dir = dev->hw_dir;
	dev->cfg.store_dir = dev->store_dir;
	dev->cfg.components = dev->comps;
	dev->cfg.n_components = dev->n;
	e = MCIM_OK;
out:
	json_decref(root);
	return e;
}
