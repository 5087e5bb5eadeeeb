/*
 * What a device's TRE process needs of the tools, and no more (no PKI, no libcurl):
 * reading the device directory's configuration D/device.json (tool/device.h says what
 * a device directory holds) for mcim_tre_open, and the TRE command interface's
 * requests built and responses read as CBOR. Linked by the `mcim` tools (through
 * mcimtool) and by the device's TRE program `mcim-tre` (src/trebin), which embeds
 * libmcim with whichever crypto backend its build chose; so this library names no
 * libmcim of its own.
 *
 * Conventions: reads device.json with jansson (heap, freed before returning);
 * failures leave a message naming the file or step in err (TOOL_DEVICE_ERR_MAX).
 * NULL where a pointer is required is a caller bug (assert).
 */
#ifndef MCIM_TOOL_DEVCFG_H
#define MCIM_TOOL_DEVCFG_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/cert.h"
#include "mcim/err.h"
#include "mcim/tre.h"

#define TOOL_DEVICE_CONFIG   "device.json"
#define TOOL_DEVICE_ERR_MAX  512
#define TOOL_DEVICE_PATH_MAX MCIM_TRE_PATH_MAX

/* A device's configuration, read from D/device.json: everything mcim_tre_open needs. */
struct tool_device {
	char dir[TOOL_DEVICE_PATH_MAX + 1];
	char hw_dir[TOOL_DEVICE_PATH_MAX + 1];
	char store_dir[TOOL_DEVICE_PATH_MAX + 1];
	char imei[MCIM_CERT_PLATFORM_ID_MAX + 1];
	size_t n;
	char names[MCIM_TRE_COMPONENTS_MAX][MCIM_TRE_NAME_MAX + 1];
	char paths[MCIM_TRE_COMPONENTS_MAX][TOOL_DEVICE_PATH_MAX + 1];
	struct mcim_tre_component comps[MCIM_TRE_COMPONENTS_MAX];
	uint8_t m2me_id[MCIM_TRE_M2ME_ID_LEN];	       /* uicc */
	uint8_t m2me_secret[MCIM_TRE_M2ME_SECRET_LEN]; /* uicc; secret */
	struct mcim_tre_config cfg;		       /* points into this structure */
};

/* Reads D/device.json (and, for uicc, the M2ME file it names). MCIM_ERR_NOT_FOUND,
 * MCIM_ERR_PARSE, MCIM_ERR_INVALID_ARG. The caller wipes dev (m2me_secret). */
mcim_err tool_device_load(const char *dir, struct tool_device *dev,
			  char err[TOOL_DEVICE_ERR_MAX]);

/* ---- requests and responses ---- */

/* An argument of a request: a text, octets or an unsigned integer. */
struct tool_tre_arg {
	const char *name;
	enum { TOOL_ARG_TSTR, TOOL_ARG_BSTR, TOOL_ARG_UINT } type;
	const void *data; /* tstr: NUL-terminated; bstr: len octets */
	size_t len;
	uint64_t u;
};

/* {"cmd": cmd, "args": {...}} with the arguments sorted as the CBOR profile wants. */
mcim_err tool_tre_request(const char *cmd, const struct tool_tre_arg *args, size_t n,
			  uint8_t *out, size_t cap, size_t *len);

/* A response's parts: status and the encoded result (NULL when null). */
struct tool_tre_resp {
	mcim_err status;
	const uint8_t *result;
	size_t result_len;
};

/* Parses a response strictly. MCIM_ERR_PARSE when it is not one. */
mcim_err tool_tre_response(const uint8_t *buf, size_t len, struct tool_tre_resp *r);

/* Looks up key in the result map (text keys): its encoded value, or NOT_FOUND. */
mcim_err tool_cbor_get(const uint8_t *map, size_t len, const char *key,
		       const uint8_t **val, size_t *val_len);
/* Typed lookups built on tool_cbor_get. */
mcim_err tool_cbor_get_bstr(const uint8_t *map, size_t len, const char *key,
			    const uint8_t **data, size_t *n);
mcim_err tool_cbor_get_uint(const uint8_t *map, size_t len, const char *key, uint64_t *v);
/* A text value copied to out as a C string (truncated to cap - 1). */
mcim_err tool_cbor_get_str(const uint8_t *map, size_t len, const char *key, char *out,
			   size_t cap);

/* ---- shared by the tools ---- */

/* Writes "message: error name" to err (formatted as printf); returns e. */
mcim_err tool_fail(char err[TOOL_DEVICE_ERR_MAX], mcim_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* s copied to out; MCIM_ERR_INVALID_ARG when s is NULL, empty or does not fit. */
mcim_err tool_copy_str(char *out, size_t cap, const char *s);

/* out = dir "/" name; MCIM_ERR_INVALID_ARG when it does not fit in cap. */
mcim_err tool_path_join(char *out, size_t cap, const char *dir, const char *name);

#endif
