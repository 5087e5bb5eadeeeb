/*
 * Internal to src/aka: the algorithm sets' descriptors, found through the table in
 * alg.c, and the helpers they share.
 */
#ifndef MCIM_AKA_INT_H
#define MCIM_AKA_INT_H

#include "mcim/aka.h"

extern const struct mcim_aka_alg aka_milenage;
extern const struct mcim_aka_alg aka_tuak;

#endif
