/*
 * fresh_scan.h: the statement fresh_items => true reads a model's item
 * attribute relation with, restricted to keys outside the long runs of the
 * version's own integer keys, as a plan kept per backend and version
 * (serve/fresh_scan.c; fresh_attrs.c composes what it reads).
 */
#ifndef LINKPRED_FRESH_SCAN_H
#define LINKPRED_FRESH_SCAN_H

#include "postgres.h"

#include "utils/portal.h"

#include "keymap.h"
#include "serving_model.h"

/* what fresh_scan.c keeps per version and side, in the model's context */
typedef struct LpFreshScan LpFreshScan;

/*
 * Open a read-only cursor, in the active snapshot and as the calling role,
 * on `select` (a statement "SELECT key, ... FROM relation" with no WHERE)
 * restricted to the rows whose column key may hold a key the version does
 * not: for an integer key map, the keys outside its longest runs of
 * consecutive keys.  *scan is made on first use, in m->cxt, and keeps the
 * ranges and the prepared plan.  SPI connected.
 */
extern Portal LpFreshScanOpen(LpServingModel *m, LpFreshScan **scan, const LpKeyMap *keys,
							  const char *key, const char *select);

#endif
