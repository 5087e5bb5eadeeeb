/*
 * The reader of JSON test-data files behind `mcim aka vectors` and the data-driven
 * tests. It knows the file format, not the algorithms: the runner decides which
 * fields a set of a given algorithm must have.
 */
#include "tool/vecfile.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "mcim/bytes.h"

static mcim_err fail(struct vecfile *vf, mcim_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static mcim_err fail(struct vecfile *vf, mcim_err err, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(vf->err, sizeof(vf->err), "%s: ", vf->path);

	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(vf->err))
		vsnprintf(vf->err + n, sizeof(vf->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return err;
}

mcim_err vecfile_open(struct vecfile *vf, const char *path)
{
	json_error_t jerr;
	json_t *root, *alg, *sets;

	assert(vf != NULL && path != NULL);
	memset(vf, 0, sizeof(*vf));
	vf->path = path;
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return fail(vf, MCIM_ERR_PARSE, "line %d: %s", jerr.line, jerr.text);
	alg = json_object_get(root, "algorithm");
	sets = json_object_get(root, "sets");
	if (!json_is_string(alg)) {
		json_decref(root);
		return fail(vf, MCIM_ERR_PARSE,
			    "no \"algorithm\" string at the top level");
	}
	if (!json_is_array(sets)) {
		json_decref(root);
		return fail(vf, MCIM_ERR_PARSE, "no \"sets\" array at the top level");
	}
	for (size_t i = 0; i < json_array_size(sets); i++)
		if (!json_is_object(json_array_get(sets, i))) {
			json_decref(root);
			return fail(vf, MCIM_ERR_PARSE, "set #%zu is not an object", i);
		}
	vf->root = root;
	vf->algorithm = json_string_value(alg);
	vf->nsets = json_array_size(sets);
	return MCIM_OK;
}

void vecfile_close(struct vecfile *vf)
{
	if (vf->root != NULL)
		json_decref(vf->root);
	vf->root = NULL;
}

static json_t *set_obj(const struct vecfile *vf, size_t set)
{
	assert(vf->root != NULL && set < vf->nsets);
	return json_array_get(json_object_get(vf->root, "sets"), set);
}

const char *vecfile_set_name(const struct vecfile *vf, size_t set, char *buf, size_t cap)
{
	json_t *name = json_object_get(set_obj(vf, set), "name");

	if (json_is_string(name))
		return json_string_value(name);
	snprintf(buf, cap, "#%zu", set);
	return buf;
}

int vecfile_has(const struct vecfile *vf, size_t set, const char *field)
{
	return json_object_get(set_obj(vf, set), field) != NULL;
}

static mcim_err field_fail(struct vecfile *vf, size_t set, const char *field,
			   mcim_err err, const char *why)
{
	char buf[32];
	return fail(vf, err, "set \"%s\": field \"%s\": %s",
		    vecfile_set_name(vf, set, buf, sizeof(buf)), field, why);
}

static mcim_err decode_hex(struct vecfile *vf, size_t set, const char *field,
			   json_t *value, uint8_t *out, size_t cap, size_t *out_len)
{
	const char *text;
	size_t len;
	mcim_err err;

	if (value == NULL)
		return field_fail(vf, set, field, MCIM_ERR_PARSE, "missing");
	if (!json_is_string(value))
		return field_fail(vf, set, field, MCIM_ERR_PARSE, "not a hex string");
	text = json_string_value(value);
	len = json_string_length(value);
	err = mcim_hex_decode(text, len, out, cap, out_len);
	if (err == MCIM_ERR_PARSE)
		return field_fail(vf, set, field, err, "not valid hex");
	if (err == MCIM_ERR_BUFFER_TOO_SMALL)
		return field_fail(vf, set, field, MCIM_ERR_INVALID_ARG, "too long");
	return err;
}

mcim_err vecfile_hex_var(struct vecfile *vf, size_t set, const char *field, uint8_t *out,
			 size_t cap, size_t *out_len)
{
	mcim_err err = decode_hex(
	    vf, set, field, json_object_get(set_obj(vf, set), field), out, cap, out_len);
	if (err == MCIM_OK && *out_len == 0)
		return field_fail(vf, set, field, MCIM_ERR_INVALID_ARG, "empty");
	return err;
}

mcim_err vecfile_hex(struct vecfile *vf, size_t set, const char *field, uint8_t *out,
		     size_t len)
{
	uint8_t buf[512];
	size_t got;
	char why[64];
	mcim_err err;

	assert(len <= sizeof(buf));
	err = decode_hex(vf, set, field, json_object_get(set_obj(vf, set), field), buf,
			 sizeof(buf), &got);
	if (err != MCIM_OK)
		return err;
	if (got != len) {
		snprintf(why, sizeof(why), "%zu octets, expected %zu", got, len);
		return field_fail(vf, set, field, MCIM_ERR_INVALID_ARG, why);
	}
	memcpy(out, buf, len);
	return MCIM_OK;
}

mcim_err vecfile_uint(struct vecfile *vf, size_t set, const char *field,
		      unsigned long max, unsigned long *out)
{
	json_t *value = json_object_get(set_obj(vf, set), field);
	json_int_t v;

	if (value == NULL)
		return field_fail(vf, set, field, MCIM_ERR_PARSE, "missing");
	if (!json_is_integer(value))
		return field_fail(vf, set, field, MCIM_ERR_PARSE, "not an integer");
	v = json_integer_value(value);
	if (v < 0 || (unsigned long long)v > max)
		return field_fail(vf, set, field, MCIM_ERR_INVALID_ARG, "out of range");
	*out = (unsigned long)v;
	return MCIM_OK;
}

mcim_err vecfile_hex_item(struct vecfile *vf, size_t set, const char *field, size_t i,
			  uint8_t *out, size_t cap, size_t *out_len, size_t *count)
{
	json_t *arr = json_object_get(set_obj(vf, set), field);

	if (arr == NULL)
		return field_fail(vf, set, field, MCIM_ERR_PARSE, "missing");
	if (!json_is_array(arr))
		return field_fail(vf, set, field, MCIM_ERR_PARSE, "not an array");
	*count = json_array_size(arr);
	if (out == NULL)
		return MCIM_OK;
	if (i >= *count)
		return field_fail(vf, set, field, MCIM_ERR_INVALID_ARG,
				  "index out of range");
	return decode_hex(vf, set, field, json_array_get(arr, i), out, cap, out_len);
}
