/*
 * fresh_internal.h: what fresh_attrs.c (the version's attribute rows,
 * loaded once per backend, the relation's checks, one call's read) and
 * fresh_compose.c (a row read into parts, the parts composed into
 * vectors) share.  Not for other files; the design is at the top of
 * fresh_attrs.c.
 */
#ifndef LINKPRED_FRESH_INTERNAL_H
#define LINKPRED_FRESH_INTERNAL_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "fmgr.h"

#include "fresh_items.h"
#include "fresh_scan.h"
#include "options.h"

/* one side's attributes of the version, as loaded once per backend (in m->cxt) */
typedef struct FreshAttrs
{
	bool		users;			/* user_features, else item_features */
	const char *option;			/* "item_features" or "user_features" */
	const char *node;			/* "item" or "user" */
	LpItemFeatures spec;		/* the option of the version; relation "": not given */
	int32		n;				/* the side's attribute rows */
	int32	   *idx;			/* each row's attribute number: the order of composing */
	char	   *kind;			/* 'c' or 'n' */
	char	  **column;
	int32	   *component;		/* 'n': 0 numeric, 1-based vector component */
	double	   *mean,
			   *sd,
			   *scale;
	float	   *A;				/* n x dim */
	float	   *ab;
	/* by the option's column number c (0: "attribute" without "columns") */
	LpKeyMap   *values[LP_MAX_FEATURE_COLUMNS]; /* a 'c' row's value -> value_row[c] */
	int32	   *value_row[LP_MAX_FEATURE_COLUMNS];
	int32		n_comp[LP_MAX_FEATURE_COLUMNS]; /* its 'n' rows' components: 0 .. n_comp - 1 */
	int32	   *term_head[LP_MAX_FEATURE_COLUMNS];	/* a component's last 'n' row, or -1 */
	int32	   *term_next;		/* per row: the component's row before it, or -1 */
	LpFreshScan *scan;			/* fresh_scan.c: the statement reading new nodes */
	int32		last_nodes;		/* the new nodes and parts the last call read: sizes for the next */
	int64		last_parts;
} FreshAttrs;

/* what reading one call's rows needs beside fa, per column of the option */
typedef struct Reader
{
	const FreshAttrs *fa;
	int			kinds[LP_MAX_FEATURE_COLUMNS];	/* a LpAttrColumnKind */
	int			dims[LP_MAX_FEATURE_COLUMNS];	/* a vector's trained length */
	bool		all_new;		/* no row read can be a node of the version */
	bool		ready;			/* out and as_text set from the first row */
	bool		as_text[LP_MAX_FEATURE_COLUMNS];	/* text or varchar: its bytes are its value */
	FmgrInfo	out[LP_MAX_FEATURE_COLUMNS];	/* else its output function */
} Reader;

/* one (item, attribute row, weight) of the items read */
typedef struct Part
{
	int32		item;
	int32		row;
	float		w;
	bool		categorical;
} Part;

typedef struct Parts
{
	Part	   *p;
	int64		n;
	int64		cap;
} Parts;

/*
 * One row of the relation (the key, then the option's columns as
 * fresh_scan.c selects them): nothing for a NULL key or, unless
 * rd->all_new, a node the version holds; else the node interned in keys
 * and its parts added to ps.  ERRORs on a vector of another length than
 * training's.
 */
extern void LpFreshReadRow(LpServingModel *m, Reader *rd, HeapTuple tup, TupleDesc desc,
						   LpKeyMap *keys, Parts *ps);

/*
 * fi's vectors and biases (zeroed, fi->n of them) from the parts, as
 * training composed a cold node.  ERRORs when a numeric or vector term
 * comes twice for one node (its key on two rows).
 */
extern void LpFreshCompose(const FreshAttrs *fa, Parts *ps, LpFreshItems *fi, const char *model);

#endif
