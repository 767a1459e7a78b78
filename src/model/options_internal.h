/*
 * options_internal.h: a row of the options table (options.c), and reading
 * and writing one option's value as JSON (options_json.c).  Only these two
 * files include it; everyone else uses options.h.
 */
#ifndef LINKPRED_OPTIONS_INTERNAL_H
#define LINKPRED_OPTIONS_INTERNAL_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/jsonb.h"

#include "options.h"

typedef enum OptKind
{
	OPT_INT,
	OPT_INT64,
	OPT_REAL,
	OPT_BOOL,
	OPT_ENUM,
	OPT_NAME,					/* a string of < NAMEDATALEN bytes, or null: char[NAMEDATALEN] */
	OPT_EVENTS,					/* {"event": weight, ...}: LpEventWeights */
	OPT_USER_EDGES,				/* {"relation", "src", "dst", "weight"}, or null: LpUserEdges */
	OPT_ITEM_FEATURES			/* {"relation", "key", "attribute" | "columns", "weight"}, or
								 * null: LpItemFeatures */
} OptKind;

typedef struct OptDef
{
	const char *name;
	OptKind		kind;
	double		min;
	double		max;
	double		def;			/* the default (OPT_ENUM: its index, OPT_USER_EDGES:
								 * the weight); none for "encoder", OPT_NAME and
								 * OPT_EVENTS */
	size_t		offset;
	const char *const *choices; /* OPT_ENUM: NULL-terminated, index = value;
								 * NULL: the registry's encoders or decoders */
	const char *doc;
} OptDef;

/* set def's field of opts from the JSON value v, or an error naming the option */
extern void LpOptionSetValue(LpOptions *opts, const OptDef *def, JsonbValue *v);

/* append the value of def's field (at field) as JSON to s */
extern void LpOptionValueToJson(StringInfo s, const OptDef *def, const char *field);

#endif
