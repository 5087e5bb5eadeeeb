/*
 * net/kek.h: the key-encryption key a network function seals its stored secrets
 * under (AuC credentials, PCID records, DPF sessions): 32 random octets as hex in
 * DIR/NAME, mode 0600. The first daemon to need it creates it (written whole to a
 * temporary file, then linked into place, which fails if another daemon got there
 * first, whose key is then read), so several daemons on one database agree.
 */
#ifndef MCIM_NET_KEK_H
#define MCIM_NET_KEK_H

#include <stdint.h>

#include "mcim/err.h"

#define NET_KEK_LEN	 32
#define NET_KEK_PATH_MAX 4096

/* Reads or creates DIR/NAME. MCIM_ERR_PARSE for a file that is not such a key,
 * MCIM_ERR_INVALID_ARG for a path too long, MCIM_ERR_IO, random errors. */
mcim_err net_kek_load(const char *dir, const char *name, uint8_t kek[NET_KEK_LEN]);

#endif
