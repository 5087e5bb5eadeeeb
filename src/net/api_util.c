/*
 * Strict JSON readers shared by the config loader and the operator API: each check
 * reports the key path of the value at fault, so that a refusal tells its reader
 * exactly what to fix.
 */
#include "net/api_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mcim/bytes.h"

mcim_err net_jerr_set(struct net_jerr *e, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (path[0] != '\0')
		n = snprintf(e->msg, sizeof(e->msg), "%s: ", path);
	if (n < 0 || (size_t)n >= sizeof(e->msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(e->msg + n, sizeof(e->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return MCIM_ERR_INVALID_ARG;
}

/* Writes the formatted path, cut with "..." when it does not fit. */
static void jpath_fit(char out[NET_JPATH_MAX], int n)
{
	if (n < 0 || n >= NET_JPATH_MAX)
		memcpy(out + NET_JPATH_MAX - 4, "...", 4);
}

void net_jpath_key(char out[NET_JPATH_MAX], const char *path, const char *key)
{
	jpath_fit(out, snprintf(out, NET_JPATH_MAX, "%s%s%s", path,
				path[0] != '\0' ? "." : "", key));
}

void net_jpath_index(char out[NET_JPATH_MAX], const char *path, size_t index)
{
	jpath_fit(out, snprintf(out, NET_JPATH_MAX, "%s[%zu]", path, index));
}

static int in_list(const char *key, const char *const *allowed)
{
	for (; *allowed != NULL; allowed++)
		if (strcmp(key, *allowed) == 0)
			return 1;
	return 0;
}

mcim_err net_json_object(const json_t *v, const char *path, const char *const *allowed,
			 struct net_jerr *e)
{
	const char *key;
	json_t *val;
	char sub[NET_JPATH_MAX];

	if (!json_is_object(v))
		return net_jerr_set(e, path, "must be an object");
	json_object_foreach((json_t *)v, key, val)
	{
		if (!in_list(key, allowed)) {
			net_jpath_key(sub, path, key);
			return net_jerr_set(e, sub, "unknown key");
		}
	}
	return MCIM_OK;
}

/*
 * Finds obj[key]: MCIM_OK with *v set (NULL when absent and optional), or the
 * "missing" error.
 */
static mcim_err member(const json_t *obj, const char *path, const char *key, int required,
		       const json_t **v, char sub[NET_JPATH_MAX], struct net_jerr *e)
{
	net_jpath_key(sub, path, key);
	*v = json_object_get(obj, key);
	if (*v == NULL && required)
		return net_jerr_set(e, sub, "missing");
	return MCIM_OK;
}

mcim_err net_json_str(const json_t *obj, const char *path, const char *key, int required,
		      size_t min_len, size_t max_len, const char **out,
		      struct net_jerr *e)
{
	char sub[NET_JPATH_MAX];
	const json_t *v;
	const char *s;
	size_t len;
	mcim_err err = member(obj, path, key, required, &v, sub, e);

	if (err != MCIM_OK || v == NULL)
		return err;
	if (!json_is_string(v))
		return net_jerr_set(e, sub, "must be a string");
	/* No NUL inside: documents are parsed without JSON_ALLOW_NUL. */
	s = json_string_value(v);
	len = json_string_length(v);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return net_jerr_set(e, sub,
					    "must not contain control characters");
	if (len < min_len || len > max_len)
		return net_jerr_set(e, sub, "must be %zu to %zu characters long", min_len,
				    max_len);
	*out = s;
	return MCIM_OK;
}

mcim_err net_json_uint(const json_t *obj, const char *path, const char *key, int required,
		       uint64_t min, uint64_t max, uint64_t *out, struct net_jerr *e)
{
	char sub[NET_JPATH_MAX];
	const json_t *v;
	json_int_t i;
	mcim_err err = member(obj, path, key, required, &v, sub, e);

	if (err != MCIM_OK || v == NULL)
		return err;
	if (!json_is_integer(v))
		return net_jerr_set(e, sub, "must be an integer");
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i < min || (uint64_t)i > max)
		return net_jerr_set(e, sub, "must be between %llu and %llu",
				    (unsigned long long)min, (unsigned long long)max);
	*out = (uint64_t)i;
	return MCIM_OK;
}

mcim_err net_json_bool(const json_t *obj, const char *path, const char *key, int required,
		       bool *out, struct net_jerr *e)
{
	char sub[NET_JPATH_MAX];
	const json_t *v;
	mcim_err err = member(obj, path, key, required, &v, sub, e);

	if (err != MCIM_OK || v == NULL)
		return err;
	if (!json_is_boolean(v))
		return net_jerr_set(e, sub, "must be true or false");
	*out = json_is_true(v);
	return MCIM_OK;
}

mcim_err net_json_array(const json_t *obj, const char *path, const char *key,
			int required, size_t max_items, const json_t **out,
			struct net_jerr *e)
{
	char sub[NET_JPATH_MAX];
	const json_t *v;
	mcim_err err = member(obj, path, key, required, &v, sub, e);

	if (err != MCIM_OK || v == NULL)
		return err;
	if (!json_is_array(v))
		return net_jerr_set(e, sub, "must be an array");
	if (json_array_size(v) > max_items)
		return net_jerr_set(e, sub, "at most %zu items", max_items);
	*out = v;
	return MCIM_OK;
}

mcim_err net_json_hex(const json_t *v, const char *path, size_t len, const char *what,
		      uint8_t *out, struct net_jerr *e)
{
	if (!json_is_string(v) || json_string_length(v) != 2 * len ||
	    mcim_hex_decode_exact(json_string_value(v), 2 * len, out, len) != MCIM_OK)
		return net_jerr_set(e, path, "must be %zu hex digits (%s)", 2 * len,
				    what);
	return MCIM_OK;
}

int net_is_name(const char *s, size_t max_len)
{
	size_t n = 0;

	if (s[0] == '-')
		return 0;
	for (; s[n] != '\0'; n++) {
		char c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return n >= 1 && n <= max_len;
}

int net_is_digits(const char *s, size_t min_len, size_t max_len)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (s[n] < '0' || s[n] > '9')
			return 0;
	return n >= min_len && n <= max_len;
}
