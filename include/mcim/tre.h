/*
 * mcim/tre.h: the Trusted Environment (TRE) as its users reach it: one command
 * interface, like a TPM's or a UICC's. A request is one CBOR message, the answer is
 * one CBOR message; nothing else enters or leaves the TRE (R-TRE-G01). The same code
 * runs linked into the agent (mcim_tre_open + mcim_tre_call) or as its own process
 * (mcim_tre_serve on a Unix socket, reached with mcim_tre_client_*), where the agent
 * then holds no TRE secret.
 *
 * Messages (docs/tre.md gives every command, its arguments, result and access rule):
 *   request  = {"cmd": tstr, "args": map}           ("args" may be omitted: {})
 *   response = {"error": tstr, "result": any, "status": uint}
 * status is an mcim_err value (0: done) and error its name ("OK", "DENIED", ...);
 * result is the command's map, or null when it failed (except where docs/tre.md says,
 * e.g. AUTS with SYNC_FAILURE). Both in the deterministic profile of mcim/cbor.h;
 * anything else, any unknown or missing argument, is refused with PARSE or
 * INVALID_ARG before the command runs.
 *
 * Who may call what is one table inside the TRE: the agent (any caller) may ask for
 * status, identity, attestation, AKA and relay signed objects; a local maintenance
 * user needs a PIN session (pin-verify); SHO management commands, MCIM packages
 * and firmware manifests carry their own authorisation (a signature chaining to the
 * CI root with the right role). A refused command answers DENIED, is recorded in the
 * audit log and changes nothing.
 *
 * States: after mcim_tre_open the TRE is in one of the states below. FAILED (the
 * sealed store is tampered, rolled back or another device's, or the audit log is
 * damaged) answers status and tamper-reports only; BAD_BOOT (a component failed the
 * secure boot) also answers identity, attest, audit-head, the PIN commands and
 * fw-update (remediation), and refuses everything touching MCIMs with BAD_BOOT;
 * UNISSUED (not yet through manufacture) answers status and the manufacture
 * commands; READY answers everything its access table allows.
 *
 * Memory: struct mcim_tre is caller-owned opaque storage (static on a device, about
 * 128 KiB: mostly the sealed store's buffers); nothing is allocated (OpenSSL's own
 * allocations excepted, with the openssl crypto backend). It holds secrets (identity
 * key, PIN session); close wipes it. One thread at a time per struct mcim_tre; one
 * struct mcim_tre per device directory (the audit log's lock refuses a second one
 * with LOCKED).
 * NULL is a caller bug (assert) except where a parameter says "may be NULL".
 */
#ifndef MCIM_TRE_H
#define MCIM_TRE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "mcim/audit.h"
#include "mcim/cert.h"
#include "mcim/err.h"
#include "mcim/rand.h"

#define MCIM_TRE_ID_LEN		16
#define MCIM_TRE_MSG_MAX	16384 /* largest request or response */
#define MCIM_TRE_COMPONENTS_MAX 16    /* boot components a device configures */
#define MCIM_TRE_PATH_MAX	192   /* characters of a path, without the NUL */
#define MCIM_TRE_NAME_MAX	31    /* characters of a component name */
#define MCIM_TRE_STORAGE	196608

/* Opaque; the layout is private to src/tre/tre_int.h. */
struct mcim_tre {
	_Alignas(16) unsigned char opaque[MCIM_TRE_STORAGE];
};

enum mcim_tre_state {
	MCIM_TRE_CLOSED = 0,
	MCIM_TRE_FAILED = 1,   /* the sealed store did not open: status only */
	MCIM_TRE_UNISSUED = 2, /* manufactured hardware, no identity issued yet */
	MCIM_TRE_BAD_BOOT = 3, /* a component failed the secure boot */
	MCIM_TRE_READY = 4,
};

/* "closed", "failed", "unissued", "bad-boot", "ready". */
const char *mcim_tre_state_name(enum mcim_tre_state state);

/* A firmware component the boot measures: a name and the file holding its image. */
struct mcim_tre_component {
	const char *name; /* 1..MCIM_TRE_NAME_MAX characters, as in the manifest */
	const char *path; /* 1..MCIM_TRE_PATH_MAX characters */
	uint8_t pcr;	  /* the register it is measured into, 1..7; 0: the i-th
			     component (from 0) goes to min(i + 1, 7) */
};

struct tre_soft_io; /* src/tre/soft/soft.h: file operations, for fault injection */

struct mcim_tre_config {
	enum mcim_cert_backend backend; /* SOFT or UICC */
	const char *hw_dir; /* soft: the hw dir ("fuses", "RPMB"); uicc: the card dir */
	const char *store_dir; /* normal flash: sealed store, audit log, tamper queue */
	const struct mcim_tre_component *components; /* the boot chain, in order */
	size_t n_components;			     /* 0..MCIM_TRE_COMPONENTS_MAX */
	/* Seconds since the epoch; NULL: the system clock. */
	uint64_t (*clock)(void *ctx);
	void *clock_ctx;
	const struct mcim_rng *rng;	      /* may be NULL: mcim_rng_system() */
	const struct tre_soft_io *soft_io;    /* may be NULL: POSIX */
	const struct mcim_audit_io *audit_io; /* may be NULL: POSIX */
	uint32_t audit_checkpoint_every;      /* 0: MCIM_TRE_AUDIT_CHECKPOINT_EVERY */
	/* uicc backend (src/tre/uicc/uicc.h): the M2ME's identity and the secret it
	 * derives the card's pairing key from (they stand for the M2ME platform's own
	 * fuses), and the USIM's PIN1 (NULL: not presented). Unused by soft. */
	const uint8_t *m2me_id;	    /* MCIM_TRE_M2ME_ID_LEN octets */
	const uint8_t *m2me_secret; /* MCIM_TRE_M2ME_SECRET_LEN octets; secret */
	const char *uicc_pin;
};

#define MCIM_TRE_M2ME_ID_LEN	 16
#define MCIM_TRE_M2ME_SECRET_LEN 32

#define MCIM_TRE_AUDIT_CHECKPOINT_EVERY 16

/*
 * Opens the TRE: the backend, the sealed store, the audit log; then the secure boot
 * over cfg->components against the manifest the TRE holds, which decides the state.
 * Returns MCIM_OK whenever the TRE is open, in any state (mcim_tre_state() tells
 * which and why): a store that is tampered, rolled back or foreign, and a bad boot,
 * are states of an open TRE, each recorded as a tamper event with a signed report.
 * Errors, with tre closed: MCIM_ERR_NOT_FOUND (hw_dir holds no manufactured device),
 * MCIM_ERR_INVALID_ARG (a bad config: paths too long, too many components, no M2ME
 * identity for uicc), MCIM_ERR_LOCKED (the audit log is held by another TRE
 * instance), MCIM_ERR_UNSUPPORTED (a backend not built in: tpm2), MCIM_ERR_DENIED (a
 * UICC paired with another M2ME, or a wrong PIN1: the card records the event and its
 * own M2ME reports it), and the backend's or the file system's errors (MCIM_ERR_IO
 * ...) when they are not integrity failures.
 */
mcim_err mcim_tre_open(struct mcim_tre *tre, const struct mcim_tre_config *cfg);

/* Wipes every secret and releases the files. Safe on a closed TRE. */
void mcim_tre_close(struct mcim_tre *tre);

/* The state, and in *cause (may be NULL) why: MCIM_OK for READY and UNISSUED, the
 * store's error for FAILED, MCIM_ERR_BAD_BOOT for BAD_BOOT. */
enum mcim_tre_state mcim_tre_state(const struct mcim_tre *tre, mcim_err *cause);

/*
 * Runs one command: req[0..req_len) is the request, the response goes to resp
 * (*resp_len octets). Returns MCIM_OK when a response was written, whatever the
 * command's own status inside it; MCIM_ERR_BUFFER_TOO_SMALL when the response does
 * not fit cap (a cap of MCIM_TRE_MSG_MAX always suffices); MCIM_ERR_STATE on a
 * closed TRE. A malformed request gets a response with status PARSE.
 */
mcim_err mcim_tre_call(struct mcim_tre *tre, const uint8_t *req, size_t req_len,
		       uint8_t *resp, size_t cap, size_t *resp_len);

/* ---- the TRE as its own process ---- */

/*
 * The framing on the socket, both ways: a 4-octet big-endian length (1..MCIM_TRE_MSG_MAX)
 * then that many octets. A server owns its buffers (no allocation).
 */
struct mcim_tre_server {
	int listen_fd;
	uint8_t req[MCIM_TRE_MSG_MAX];
	uint8_t resp[MCIM_TRE_MSG_MAX];
	char path[MCIM_TRE_PATH_MAX + 1];
};

/*
 * Binds a Unix stream socket at path (mode 0600; an existing socket file there is
 * replaced, any other file is MCIM_ERR_EXISTS) and listens. Errors: MCIM_ERR_INVALID_ARG
 * (path too long for a socket), MCIM_ERR_EXISTS, MCIM_ERR_IO.
 */
mcim_err mcim_tre_server_bind(struct mcim_tre_server *srv, const char *path);

/*
 * Serves tre on srv: one client at a time, one response per request, until *stop is
 * set (a signal handler sets it; the blocking calls return on EINTR) or a fatal error.
 * A client that sends a bad frame (length 0 or above the bound) or stalls is dropped.
 * Removes the socket file and closes it on return. MCIM_OK when stopped, MCIM_ERR_IO
 * when the socket itself failed.
 */
mcim_err mcim_tre_serve(struct mcim_tre_server *srv, struct mcim_tre *tre,
			volatile sig_atomic_t *stop);

/* Closes the socket and removes its file (after bind without serve). */
void mcim_tre_server_close(struct mcim_tre_server *srv);

/* The agent's side of the socket. */
struct mcim_tre_client {
	int fd;
};

/* MCIM_ERR_NOT_FOUND (no server at path), MCIM_ERR_INVALID_ARG, MCIM_ERR_IO. */
mcim_err mcim_tre_client_connect(struct mcim_tre_client *c, const char *path);

/*
 * Sends one request and reads the response, as mcim_tre_call does linked.
 * MCIM_ERR_TOO_LARGE (req_len above the bound), MCIM_ERR_BUFFER_TOO_SMALL (the
 * response is longer than cap: the connection is then closed), MCIM_ERR_IO,
 * MCIM_ERR_TRUNCATED (the server closed mid-message).
 */
mcim_err mcim_tre_client_call(struct mcim_tre_client *c, const uint8_t *req,
			      size_t req_len, uint8_t *resp, size_t cap,
			      size_t *resp_len);

void mcim_tre_client_close(struct mcim_tre_client *c);

#endif
