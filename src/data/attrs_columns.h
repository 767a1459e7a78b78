/*
 * attrs_columns.h: the kinds of the "columns" of options item_features and
 * user_features, and the terms that the numeric and vector columns add to a
 * node's vector (attrs_columns.c; attrs_loader.c reads the categorical
 * ones).  Below, an item's; a user's likewise.
 *
 * A column's kind follows its type (LpAttrColumnKindOf):
 *
 *  - categorical (text, varchar, the integer types, boolean, an enum, uuid,
 *    ...): each value is an attribute of its own, in the weighted mean;
 *  - numeric (real, double precision, numeric): one attribute per column,
 *    its vector scaled by the item's standardised value z;
 *  - vector (real[], double precision[], numeric[]): one attribute per
 *    component, each scaled by the item's standardised component / sqrt(d).
 *
 * So item i's vector is
 *
 *   v_i = V[i] + sum_a w_ia A[a] + sum_t x_it A[t]
 *
 * where a runs over its categorical values (w_ia >= 0, summing to 1) and t
 * over the numeric and vector terms (x_it signed, not normalised); its bias
 * likewise with ab.  attrs.h's kernels take both sums as one list of
 * (attribute, weight) pairs.
 */
#ifndef LINKPRED_ATTRS_COLUMNS_H
#define LINKPRED_ATTRS_COLUMNS_H

#include "postgres.h"

#include "graph.h"
#include "keymap.h"

/*
 * One side's attributes as the loaders fill them: the users'
 * (user_features) or the items' (item_features): its keys, its graph
 * arrays and its counters in the load's stats.
 */
typedef struct LpAttrSide
{
	bool		users;
	const char *option;
	LpKeyMap   *keys;
	Oid			key_type;		/* the edges' column of the side */
	int32	   *n;				/* g->n_src or g->n_dst */
	int32	  **degree;
	int64	  **off;			/* the graph's attribute lists of the side */
	int32	  **attr;
	float	  **w;
	int64	   *rows;			/* out->stats' counters of the side */
	int64	   *skipped;
	int64	   *cold;
	int64	   *values;
	int64	   *nulls;			/* NULL numeric values and arrays */
} LpAttrSide;

typedef enum LpAttrColumnKind
{
	LP_ATTR_CATEGORICAL,
	LP_ATTR_NUMERIC,
	LP_ATTR_VECTOR,
	LP_ATTR_UNSUPPORTED			/* a composite, a range, json, another array, ... */
} LpAttrColumnKind;

/* A standardised value is clipped to [-LP_ATTR_Z_CLIP, LP_ATTR_Z_CLIP]. */
#define LP_ATTR_Z_CLIP 3.0

/* the kind of a column of type typid (a domain: its base type's) */
extern LpAttrColumnKind LpAttrColumnKindOf(Oid typid);

/* one term x A[attr] of an item's vector */
typedef struct LpAttrTerm
{
	int32		item;
	int32		attr;			/* 0 .. n_attrs - 1: numbered after the categorical values on joining */
	float		x;
} LpAttrTerm;

/* the numeric and vector columns' terms, before they join the graph */
typedef struct LpAttrTerms
{
	int64		n;
	int64		cap;
	LpAttrTerm *terms;
	int32		n_attrs;		/* attributes: one per numeric column, d per vector */
	int64		info_cap;
	LpAttrInfo *info;			/* n_attrs: each attribute's column, mean, sd, scale */
} LpAttrTerms;

extern void LpAttrTermsInit(LpAttrTerms *t);

/*
 * Read column `column` of relid (named relname) if it is numeric or a
 * vector, its nodes by column `key`, into t; new keys join the side's keys
 * (cold nodes).  Returns false, reading nothing, for a categorical column.
 */
extern bool LpReadAttrColumn(Oid relid, const char *relname, const char *key,
							 const char *column, const LpAttrSide *side, LpAttrTerms *t);

/*
 * After the categorical values' lists of the side are in g (its off for
 * every node of the side): add t's terms to each node's list, numbering t's
 * attributes after g->n_attrs.
 */
extern void LpAttrTermsJoin(const LpAttrTerms *t, LpGraph *g, const LpAttrSide *side);

#endif
