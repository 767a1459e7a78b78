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
#include "options.h"
#include "serving_model.h"

/* what fresh_scan.c keeps per version and side, in the model's context */
typedef struct LpFreshScan LpFreshScan;

/*
 * Open a read-only cursor, in the active snapshot and as the calling role,
 * on the relation relid of option f: the key, then the columns of kinds
 * kinds (LpAttrColumnKind) cast as fresh_attrs.c reads them.  has_only:
 * the rows of the one key ikey (integer keys) or tkey.  Otherwise the rows
 * whose key may be one the version (key map keys) does not hold: for
 * integer keys, those outside its longest runs of consecutive keys; *scan
 * is made on first use, in m->cxt, and keeps those ranges and the prepared
 * plan.  *all_new: no row the cursor returns has a key of the version (the
 * ranges exclude all of them), so the caller need not look keys up.  SPI
 * connected.
 */
extern Portal LpFreshScanOpen(LpServingModel *m, LpFreshScan **scan, const LpKeyMap *keys,
							  const LpItemFeatures *f, Oid relid, const int *kinds, bool has_only,
							  int64 ikey, const char *tkey, bool *all_new);

#endif
