/*
 * attr_store.c: a version's attribute rows (linkpred.attribute_store).
 *
 * A model trained with item_features or user_features composes each node's
 * vector from its id vector and its attributes' learnt vectors (attrs.h);
 * the composed vectors go to linkpred.embedding_store like any model's.
 * What composing a node that training never saw needs goes here, one row
 * per attribute: the learnt vector and bias, the side, the column and the
 * categorical value's text, and for a numeric or vector term the mean, sd
 * and scale that turned a raw value into its weight (attrs_columns.c).
 * Written in the version's transaction, after the version row (the rows
 * reference it, and go when it goes).  A catalog of 0.1.0 (before ALTER
 * EXTENSION linkpred UPDATE) has no such table: the version is stored
 * without these rows, as 0.1.0 has no fresh_items to read them.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "linkpred.h"
#include "attr_store.h"

#define ATTR_STORE_NARGS 13

void
LpStoreAttributes(const LpLoadedGraph *lg, const LpEmbeddings *emb, const char *model,
				  int32 version)
{
	int			dim = emb->dim;
	Oid			t[ATTR_STORE_NARGS] = {TEXTOID, INT4OID, INT4OID, CHAROID, CHAROID, TEXTOID,
		TEXTOID, INT4OID, FLOAT8OID, FLOAT8OID, FLOAT8OID, FLOAT4OID, FLOAT4ARRAYOID};
	SPIPlanPtr	plan;
	MemoryContext tmp,
				old;

	/* only the encoders that compose from attribute vectors have them */
	if (lg->attr_info == NULL || emb->A == NULL || lg->graph.n_attrs == 0)
		return;
	if (!OidIsValid(get_relname_relid("attribute_store", get_namespace_oid("linkpred", false))))
		return;
	plan = SPI_prepare("INSERT INTO linkpred.attribute_store (model, version, idx, side, kind,"
					   " column_name, value, component, mean, sd, scale, bias, vec)"
					   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
					   ATTR_STORE_NARGS, t);
	if (plan == NULL)
		elog(ERROR, "linkpred: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	tmp = AllocSetContextCreate(CurrentMemoryContext, "linkpred attribute store",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(tmp);
	for (int32 a = 0; a < lg->graph.n_attrs; a++)
	{
		const LpAttrInfo *info = &lg->attr_info[a];
		bool		numeric = info->kind == 'n';
		Datum		v[ATTR_STORE_NARGS];
		char		n[ATTR_STORE_NARGS];

		memset(n, ' ', sizeof(n));
		v[0] = CStringGetTextDatum(model);
		v[1] = Int32GetDatum(version);
		v[2] = Int32GetDatum(a);
		v[3] = CharGetDatum(info->side);
		v[4] = CharGetDatum(info->kind);
		v[5] = CStringGetTextDatum(info->column ? info->column : "");
		if (info->value)
			v[6] = CStringGetTextDatum(info->value);
		else
			n[6] = 'n';
		v[7] = Int32GetDatum(info->component);
		v[8] = Float8GetDatum(info->mean);
		v[9] = Float8GetDatum(info->sd);
		v[10] = Float8GetDatum(info->scale);
		if (!numeric)
			n[8] = n[9] = n[10] = 'n';
		v[11] = Float4GetDatum(emb->ab[a]);
		v[12] = PointerGetDatum(LpFloatArray(emb->A + (int64) a * dim, dim));
		if (SPI_execute_plan(plan, v, n, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "linkpred: inserting an attribute row failed");
		MemoryContextReset(tmp);
		if (a % 1024 == 0)
			CHECK_FOR_INTERRUPTS();
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	SPI_freeplan(plan);
}
