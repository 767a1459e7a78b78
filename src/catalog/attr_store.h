/*
 * attr_store.h: a version's attribute rows (linkpred.attribute_store).
 */
#ifndef LINKPRED_ATTR_STORE_H
#define LINKPRED_ATTR_STORE_H

#include "graph.h"
#include "sgd.h"

/*
 * Insert the version's attribute rows, one per attribute of lg, if the
 * model has any (caller: LpStoreVersion, after the version row, SPI
 * connected).
 */
extern void LpStoreAttributes(const LpLoadedGraph *lg, const LpEmbeddings *emb,
							  const char *model, int32 version);

#endif
