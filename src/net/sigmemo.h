/*
 * net/sigmemo.h: mcimd's memo of verified signatures (mcim_p256_set_memo in
 * mcim/crypto.h; docs/mcimd.md "Signature memo"). A daemon checks the same
 * signatures many times: the certificate links of its peers (the ICF, DRF and PVA
 * certificates, the M2MES CA) in every device message, a device's ICF session at
 * every step, a TRE's certificate at the PVA, at M3, at the receipt and at each
 * command result. The memo remembers the triples (key, message digest, signature)
 * that verified, so each is computed once. It is a pure cache: an entry is never
 * wrong, only possibly gone (a full set forgets its least recently used entry,
 * which is then verified again), and nothing but a success is ever added.
 *
 * A fixed table: NET_SIGMEMO_SETS sets of NET_SIGMEMO_WAYS keys (32 octets each),
 * the set chosen by the key's first octets (keys are SHA-256 outputs). One mutex;
 * every function may be called from any thread.
 */
#ifndef MCIM_NET_SIGMEMO_H
#define MCIM_NET_SIGMEMO_H

#include <stdint.h>

#include "mcim/crypto.h"
#include "mcim/err.h"

#define NET_SIGMEMO_SETS 2048
#define NET_SIGMEMO_WAYS 4

struct net_sigmemo;

/* A new, empty memo (MCIM_ERR_NOMEM) and *hook, the form mcim_p256_set_memo takes
 * (valid as long as the memo). */
mcim_err net_sigmemo_new(struct net_sigmemo **out, struct mcim_p256_memo *hook);
/* Frees m (NULL: nothing). Unset it with mcim_p256_set_memo(NULL) first. */
void net_sigmemo_free(struct net_sigmemo *m);

/* 1 when key was added and is still held (it becomes the most recently used). */
int net_sigmemo_seen(struct net_sigmemo *m, const uint8_t key[MCIM_SHA256_LEN]);
/* Adds key, in place of its set's least recently used key when the set is full. */
void net_sigmemo_add(struct net_sigmemo *m, const uint8_t key[MCIM_SHA256_LEN]);

#endif
