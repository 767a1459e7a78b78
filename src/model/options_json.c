/*
 * options_json.c: one training option's value as JSON, both ways.
 *
 * Reading: the value a user gave for a row of the options table
 * (options.c), checked against the row: its JSON type, integer or not, its
 * range, an enum's values, a name's length, and the keys of the nested
 * objects ("event_weights", "user_edges", "item_features", "user_features").  Each error
 * names the option and shows how to write it.  Writing: the value as it is
 * stored in a version's jsonb, which reads back to the same options.
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/float.h"
#include "utils/numeric.h"

#include "decoder.h"
#include "linkpred.h"
#include "options.h"
#include "options_internal.h"

/* an enum option's values, index = value */
static const char *const *
Choices(const OptDef *def)
{
	if (def->choices)
		return def->choices;
	return LpRegistryNames(def->offset == offsetof(LpOptions, decoder) ? LP_DECODERS : LP_ENCODERS);
}

/* the node kind of an OPT_ITEM_FEATURES option: "user" (user_features) or "item" */
static const char *
FeaturesNode(const OptDef *def)
{
	return strcmp(def->name, "user_features") == 0 ? "user" : "item";
}

/* an example value of an OPT_ITEM_FEATURES option, for its side */
static const char *
FeaturesExample(const OptDef *def)
{
	return strcmp(FeaturesNode(def), "user") == 0 ?
		"{\"relation\": \"user_tags\", \"key\": \"user_id\", \"attribute\": \"tag\"}" :
		"{\"relation\": \"item_tags\", \"key\": \"item_id\", \"attribute\": \"tag\"}";
}

static const char *
KindName(OptKind kind)
{
	switch (kind)
	{
		case OPT_INT:
		case OPT_INT64:
			return "an integer";
		case OPT_REAL:
			return "a number";
		case OPT_BOOL:
			return "a boolean";
		case OPT_ENUM:
		case OPT_NAME:
			return "a string";
		case OPT_EVENTS:
		case OPT_USER_EDGES:
		case OPT_ITEM_FEATURES:
			return "an object";
	}
	return "?";
}

static void
WrongType(const OptDef *def)
{
	const char *json = "number";
	const char *example = "1";

	switch (def->kind)
	{
		case OPT_INT:
		case OPT_INT64:
		case OPT_REAL:
			break;
		case OPT_BOOL:
			json = "boolean";
			example = "true";
			break;
		case OPT_ENUM:
		case OPT_NAME:
			json = "string";
			example = "\"...\"";
			break;
		case OPT_EVENTS:
			json = "object";
			example = "{\"click\": 1, \"buy\": 5}";
			break;
		case OPT_USER_EDGES:
			json = "object";
			example = "{\"relation\": \"friends\", \"src\": \"user_id\", \"dst\": \"friend_id\"}";
			break;
		case OPT_ITEM_FEATURES:
			json = "object";
			example = FeaturesExample(def);
			break;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("option \"%s\" must be %s", def->name, KindName(def->kind)),
			 errhint("Write it as a JSON %s, for example '{\"%s\": %s}'.", json, def->name, example)));
}

/* a JSON number's value as a double */
static double
JsonbNumber(const JsonbValue *v)
{
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
}

static void
OutOfRange(const OptDef *def, double v)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("option \"%s\" is out of range: %.15g", def->name, v),
			 errdetail("\"%s\" (%s) must be between %.15g and %.15g.",
					   def->name, def->doc, def->min, def->max)));
}

/* a JSON number as a double, in def's range */
static double
NumberIn(const OptDef *def, const char *what, JsonbValue *v)
{
	double		d;

	if (v->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s of option \"%s\" must be a number", what, def->name)));
	d = JsonbNumber(v);
	if (isnan(d) || d < def->min || d > def->max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s of option \"%s\" is out of range: %.15g", what, def->name, d),
				 errdetail("It must be between %.15g and %.15g.", def->min, def->max)));
	return d;
}

/* a JSON string into dst (cap bytes with the NUL) */
static void
StringIn(const OptDef *def, const char *what, JsonbValue *v, char *dst, Size cap)
{
	if (v->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s of option \"%s\" must be a string", what, def->name)));
	if (v->val.string.len == 0 || (Size) v->val.string.len >= cap)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s of option \"%s\" must have 1 to %d bytes, not %d",
						what, def->name, (int) cap - 1, v->val.string.len)));
	memcpy(dst, v->val.string.val, v->val.string.len);
	dst[v->val.string.len] = '\0';
}

/* the entries of a nested JSON object: calls fn(def, key, value, field) */
static void
ForEachEntry(const OptDef *def, JsonbValue *v, char *field,
			 void (*fn) (const OptDef *def, const char *key, JsonbValue *value, char *field))
{
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	kv;
	char	   *key = NULL;

	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		WrongType(def);
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &kv, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			key = pnstrdup(kv.val.string.val, kv.val.string.len);
		else if (tok == WJB_VALUE)
			fn(def, key, &kv, field);
	}
}

static void
EventEntry(const OptDef *def, const char *key, JsonbValue *value, char *field)
{
	LpEventWeights *ev = (LpEventWeights *) field;

	if (ev->n == LP_MAX_EVENTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("option \"%s\" has more than %d event types", def->name, LP_MAX_EVENTS),
				 errhint("Map the event types to fewer weights in a view, and pass its weight column.")));
	if (strlen(key) == 0 || strlen(key) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("event type \"%s\" of option \"%s\" must have 1 to %d bytes",
						LpClip(key), def->name, NAMEDATALEN - 1)));
	ev->weight[ev->n] = NumberIn(def, psprintf("the weight of event \"%s\"", key), value);
	strlcpy(ev->name[ev->n], key, NAMEDATALEN);
	ev->n++;
}

static void
UserEdgesEntry(const OptDef *def, const char *key, JsonbValue *value, char *field)
{
	LpUserEdges *ue = (LpUserEdges *) field;

	if (strcmp(key, "relation") == 0)
		StringIn(def, "\"relation\"", value, ue->relation, sizeof(ue->relation));
	else if (strcmp(key, "src") == 0)
		StringIn(def, "\"src\"", value, ue->src, sizeof(ue->src));
	else if (strcmp(key, "dst") == 0)
		StringIn(def, "\"dst\"", value, ue->dst, sizeof(ue->dst));
	else if (strcmp(key, "weight") == 0)
		ue->weight = NumberIn(def, "\"weight\"", value);
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown key \"%s\" in option \"%s\"", LpClip(key), def->name),
				 errdetail("Valid keys are: relation, src, dst, weight.")));
}

static void
ItemFeaturesEntry(const OptDef *def, const char *key, JsonbValue *value, char *field)
{
	LpItemFeatures *f = (LpItemFeatures *) field;

	if (strcmp(key, "relation") == 0)
		StringIn(def, "\"relation\"", value, f->relation, sizeof(f->relation));
	else if (strcmp(key, "key") == 0)
		StringIn(def, "\"key\"", value, f->key, sizeof(f->key));
	else if (strcmp(key, "attribute") == 0)
		StringIn(def, "\"attribute\"", value, f->attribute, sizeof(f->attribute));
	else if (strcmp(key, "weight") == 0)
	{
		if (value->type != jbvNull)
			StringIn(def, "\"weight\"", value, f->weight, sizeof(f->weight));
	}
	else if (strcmp(key, "columns") == 0)
	{
		JsonbIterator *it;
		JsonbIteratorToken tok;
		JsonbValue	e;

		if (value->type != jbvBinary || !JsonContainerIsArray(value->val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("\"columns\" of option \"%s\" must be an array of column names", def->name),
					 errhint("For example '{\"%s\": {\"relation\": \"products\", \"key\": \"id\", \"columns\": [\"category\", \"brand\"]}}'.",
							 def->name)));
		f->n_columns = 0;
		it = JsonbIteratorInit(value->val.binary.data);
		while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
		{
			if (tok != WJB_ELEM)
				continue;
			if (f->n_columns == LP_MAX_FEATURE_COLUMNS)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("\"columns\" of option \"%s\" names more than %d columns",
								def->name, LP_MAX_FEATURE_COLUMNS),
						 errhint("Combine columns in a view, or pass their values as rows of a many-to-many relation with \"attribute\".")));
			StringIn(def, "a column of \"columns\"", &e, f->columns[f->n_columns], NAMEDATALEN);
			f->n_columns++;
		}
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown key \"%s\" in option \"%s\"", LpClip(key), def->name),
				 errdetail("Valid keys are: relation, key, attribute, columns, weight.")));
}

void
LpOptionSetValue(LpOptions *opts, const OptDef *def, JsonbValue *v)
{
	char	   *field = (char *) opts + def->offset;

	switch (def->kind)
	{
		case OPT_INT:
		case OPT_INT64:
		case OPT_REAL:
			{
				double		d;

				if (v->type != jbvNumeric)
					WrongType(def);
				d = JsonbNumber(v);
				if (def->kind != OPT_REAL && d != floor(d))
					WrongType(def);
				if (isnan(d) || d < def->min || d > def->max)
					OutOfRange(def, d);
				if (def->kind == OPT_INT)
					*(int *) field = (int) d;
				else if (def->kind == OPT_INT64)
					*(int64 *) field = (int64) d;
				else
					*(double *) field = d;
				break;
			}
		case OPT_BOOL:
			if (v->type != jbvBool)
				WrongType(def);
			*(bool *) field = v->val.boolean;
			break;
		case OPT_ENUM:
			{
				char	   *s;
				StringInfoData valid;

				if (v->type != jbvString)
					WrongType(def);
				s = pnstrdup(v->val.string.val, v->val.string.len);
				for (int i = 0; Choices(def)[i]; i++)
				{
					if (strcmp(s, Choices(def)[i]) == 0)
					{
						/* every enum field is an int-sized C enum */
						*(int *) field = i;
						return;
					}
				}
				initStringInfo(&valid);
				for (int i = 0; Choices(def)[i]; i++)
					appendStringInfo(&valid, "%s%s", i ? ", " : "", Choices(def)[i]);
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"%s\": \"%s\"", def->name, LpClip(s)),
						 errdetail("Valid values are: %s.", valid.data)));
			}
			break;
		case OPT_NAME:
			if (v->type == jbvNull)
				field[0] = '\0';
			else
				StringIn(def, "the value", v, field, NAMEDATALEN);
			break;
		case OPT_EVENTS:
			((LpEventWeights *) field)->n = 0;
			ForEachEntry(def, v, field, EventEntry);
			break;
		case OPT_USER_EDGES:
			{
				LpUserEdges *ue = (LpUserEdges *) field;

				memset(ue, 0, sizeof(*ue));
				ue->weight = LP_USER_EDGES_DEFAULT_WEIGHT;
				if (v->type == jbvNull)
					break;
				ForEachEntry(def, v, field, UserEdgesEntry);
				if (!ue->relation[0] || !ue->src[0] || !ue->dst[0])
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("option \"%s\" needs \"relation\", \"src\" and \"dst\"", def->name),
							 errhint("For example '{\"user_edges\": {\"relation\": \"friends\", \"src\": \"user_id\", \"dst\": \"friend_id\"}}'.")));
				break;
			}
		case OPT_ITEM_FEATURES:
			{
				LpItemFeatures *f = (LpItemFeatures *) field;

				memset(f, 0, sizeof(*f));
				if (v->type == jbvNull)
					break;
				ForEachEntry(def, v, field, ItemFeaturesEntry);
				if (!f->relation[0] || !f->key[0] || (f->attribute[0] != '\0') == (f->n_columns > 0))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("option \"%s\" needs \"relation\", \"key\" and one of \"attribute\" or \"columns\"",
									def->name),
							 errdetail("\"attribute\" names the column of a many-to-many relation (one row per %s and value), \"columns\" the columns (categorical, numeric or vectors) of a relation with one row per %s.",
									   FeaturesNode(def), FeaturesNode(def)),
							 errhint("For example '{\"%s\": %s}'.", def->name, FeaturesExample(def))));
				if (f->weight[0] && f->n_columns > 0)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("\"weight\" of option \"%s\" goes with \"attribute\", not \"columns\"", def->name),
							 errhint("Every column value of a per-%s relation weighs the same; weigh the rows of a many-to-many relation instead.",
									 FeaturesNode(def))));
				break;
			}
	}
}

/* "key": "value" in a JSON object, after ", " unless it is the first member */
static void
StringMember(StringInfo s, bool first, const char *key, const char *value)
{
	appendStringInfo(s, "%s\"%s\": ", first ? "" : ", ", key);
	escape_json(s, value);
}

/*
 * The start of a nested object, {"relation": "..., and true; or null when
 * it has no relation (the option was not given), and false.
 */
static bool
ObjectStart(StringInfo s, const char *relation)
{
	if (!relation[0])
	{
		appendStringInfoString(s, "null");
		return false;
	}
	appendStringInfoChar(s, '{');
	StringMember(s, true, "relation", relation);
	return true;
}

void
LpOptionValueToJson(StringInfo s, const OptDef *def, const char *field)
{
	switch (def->kind)
	{
		case OPT_INT:
			appendStringInfo(s, "%d", *(const int *) field);
			break;
		case OPT_INT64:
			appendStringInfo(s, INT64_FORMAT, *(const int64 *) field);
			break;
		case OPT_REAL:
			/* shortest form that reads back as the same float8 */
			appendStringInfoString(s, float8out_internal(*(const double *) field));
			break;
		case OPT_BOOL:
			appendStringInfoString(s, *(const bool *) field ? "true" : "false");
			break;
		case OPT_ENUM:
			appendStringInfo(s, "\"%s\"", Choices(def)[*(const int *) field]);
			break;
		case OPT_NAME:
			if (field[0])
				escape_json(s, field);
			else
				appendStringInfoString(s, "null");
			break;
		case OPT_EVENTS:
			{
				const LpEventWeights *ev = (const LpEventWeights *) field;

				appendStringInfoChar(s, '{');
				for (int k = 0; k < ev->n; k++)
				{
					appendStringInfoString(s, k ? ", " : "");
					escape_json(s, ev->name[k]);
					appendStringInfo(s, ": %s", float8out_internal(ev->weight[k]));
				}
				appendStringInfoChar(s, '}');
				break;
			}
		case OPT_USER_EDGES:
			{
				const LpUserEdges *ue = (const LpUserEdges *) field;

				if (!ObjectStart(s, ue->relation))
					break;
				StringMember(s, false, "src", ue->src);
				StringMember(s, false, "dst", ue->dst);
				appendStringInfo(s, ", \"weight\": %s}", float8out_internal(ue->weight));
				break;
			}
		case OPT_ITEM_FEATURES:
			{
				const LpItemFeatures *f = (const LpItemFeatures *) field;

				if (!ObjectStart(s, f->relation))
					break;
				StringMember(s, false, "key", f->key);
				if (f->n_columns > 0)
				{
					appendStringInfoString(s, ", \"columns\": [");
					for (int k = 0; k < f->n_columns; k++)
					{
						appendStringInfoString(s, k ? ", " : "");
						escape_json(s, f->columns[k]);
					}
					appendStringInfoChar(s, ']');
				}
				else
					StringMember(s, false, "attribute", f->attribute);
				if (f->weight[0])
					StringMember(s, false, "weight", f->weight);
				appendStringInfoChar(s, '}');
				break;
			}
	}
}
