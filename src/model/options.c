/*
 * options.c: parse and validate the jsonb options of linkpred_train.
 *
 * Every option is one row of LpOptionTable: name, kind, range, default and
 * where it lands in LpOptions.  Unknown keys, wrong types and out-of-range
 * values are rejected at submit time with an error that names the valid
 * keys, so a typo never silently trains with a default.  The same table
 * renders the effective options (defaults filled in, the seed actually used)
 * as the jsonb stored with each model version.
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/float.h"
#include "utils/numeric.h"

#include "linkpred.h"
#include "options.h"
#include "attrs.h"
#include "lightgcn.h"
#include "mlp.h"
#include "sage.h"
#include "spectral.h"
#include "train.h"

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
								 * NULL: the registry's encoders */
	const char *doc;
} OptDef;

static const char *const loss_names[] = {"bpr", "bce", "margin", "mse", NULL};
static const char *const sampler_names[] = {"uniform", "degree", "inbatch", "hard", "dynamic", NULL};
static const char *const features_names[] = {"auto", "none", "structural", NULL};
static const char *const decoder_names[] = {"dot", "bilinear", "mlp", NULL};

#define OFF(f) offsetof(LpOptions, f)

static const OptDef LpOptionTable[] = {
	{"encoder", OPT_ENUM, 0, 0, 0, OFF(encoder), NULL, "a registered encoder (model.h)"},
	{"decoder", OPT_ENUM, 0, 0, LP_DECODER_DOT, OFF(decoder), decoder_names, "dot, bilinear or mlp"},
	{"dim", OPT_INT, 1, LP_MAX_DIM, 64, OFF(dim), NULL, "embedding dimension"},
	{"epochs", OPT_INT, 1, 100000, 40, OFF(epochs), NULL, "passes over the edges"},
	{"lr", OPT_REAL, 1e-6, 10, 0.05, OFF(lr), NULL, "initial learning rate"},
	{"reg", OPT_REAL, 0, 10, 0.01, OFF(reg), NULL, "L2 regularisation"},
	{"loss", OPT_ENUM, 0, 0, LP_LOSS_BPR, OFF(loss), loss_names, "bpr, bce, margin or mse"},
	{"margin", OPT_REAL, 0, 100, 1.0, OFF(margin), NULL, "margin of the margin loss"},
	{"sampler", OPT_ENUM, 0, 0, LP_SAMPLER_UNIFORM, OFF(sampler), sampler_names, "uniform, degree, inbatch, hard or dynamic"},
	{"hard_pool", OPT_INT, 2, 1000, 8, OFF(hard_pool), NULL, "candidates per hard negative"},
	{"degree_alpha", OPT_REAL, 0, 2, 0.75, OFF(degree_alpha), NULL, "degree sampler exponent"},
	{"negatives", OPT_INT, 1, 1000, 4, OFF(negatives), NULL, "non-edges per edge"},
	{"bias", OPT_BOOL, 0, 0, true, OFF(bias), NULL, "per-node bias term"},
	{"bipartite", OPT_BOOL, 0, 0, true, OFF(bipartite), NULL, "user/item id spaces"},
	{"directed", OPT_BOOL, 0, 0, false, OFF(directed), NULL, "homogeneous graphs only"},
	{"seed", OPT_INT64, 0, 9007199254740991.0, -1, OFF(seed), NULL, "random seed"},
	{"keep_versions", OPT_INT, 1, 1000, 3, OFF(keep_versions), NULL, "versions kept"},
	{"warm_start", OPT_BOOL, 0, 0, false, OFF(warm_start), NULL, "continue from the active version"},
	{"warm_epochs", OPT_INT, 1, 100000, 10, OFF(warm_epochs), NULL, "epochs when warm-starting"},
	{"features", OPT_ENUM, 0, 0, LP_FEATURES_AUTO, OFF(features), features_names, "auto, none or structural"},
	{"lowrank_weight", OPT_REAL, 0, 1000, 0.3, OFF(lowrank_weight), NULL, "spectral: weight of the low-rank term"},
	{"item_norm", OPT_REAL, 0, 2, 0.3, OFF(item_norm), NULL, "spectral: item degree exponent of the item-item term"},
	{"layers", OPT_INT, 1, LP_MAX_LAYERS, LP_LIGHTGCN_DEFAULT_LAYERS, OFF(layers), NULL, "lightgcn, sage: layers"},
	{"hidden", OPT_INT, 1, LP_MAX_DIM, LP_MLP_DEFAULT_HIDDEN, OFF(hidden), NULL, "mlp: hidden units"},
	{"fanout", OPT_INT, 1, LP_SAGE_MAX_FANOUT, LP_SAGE_DEFAULT_FANOUT, OFF(fanout), NULL, "sage: neighbours sampled per node at each hop"},
	{"event_column", OPT_NAME, 0, 0, 0, OFF(event_column), NULL, "column of the event type, weighted by event_weights"},
	{"event_weights", OPT_EVENTS, 1e-6, 1e6, 0, OFF(event_weights), NULL, "weight of each event type"},
	{"user_edges", OPT_USER_EDGES, 0, 100, LP_USER_EDGES_DEFAULT_WEIGHT, OFF(user_edges), NULL, "a user-user relation: relation, src, dst, weight"},
	{"tune", OPT_BOOL, 0, 0, false, OFF(tune), NULL, "search the encoder's options on a validation part first"},
	{"tune_seconds", OPT_INT, 1, 86400, 180, OFF(tune_seconds), NULL, "the search's time budget"},
	{"item_features", OPT_ITEM_FEATURES, 0, 0, 0, OFF(item_features), NULL, "the items' attributes: relation, key, attribute or columns, weight"},
	/* 0 <= x < 1, which a closed range cannot say: LpOptionsParse checks it */
	{"id_dropout", OPT_REAL, -HUGE_VAL, HUGE_VAL, LP_ATTR_DEFAULT_ID_DROPOUT, OFF(id_dropout), NULL, "item_features: chance a step leaves out an item's id vector"},
};

#define N_OPTIONS lengthof(LpOptionTable)

static void
SetDefaults(LpOptions *o)
{
	for (int i = 0; i < N_OPTIONS; i++)
	{
		const OptDef *def = &LpOptionTable[i];
		char	   *field = (char *) o + def->offset;

		switch (def->kind)
		{
			case OPT_INT:
			case OPT_ENUM:		/* every enum field is an int-sized C enum */
				*(int *) field = (int) def->def;
				break;
			case OPT_INT64:
				*(int64 *) field = (int64) def->def;
				break;
			case OPT_REAL:
				*(double *) field = def->def;
				break;
			case OPT_BOOL:
				*(bool *) field = def->def != 0;
				break;
			case OPT_NAME:
				field[0] = '\0';
				break;
			case OPT_EVENTS:
				((LpEventWeights *) field)->n = 0;
				break;
			case OPT_USER_EDGES:
				memset(field, 0, sizeof(LpUserEdges));
				((LpUserEdges *) field)->weight = def->def;
				break;
			case OPT_ITEM_FEATURES:
				memset(field, 0, sizeof(LpItemFeatures));
				break;
		}
	}
	/* the registry numbers the encoders at run time */
	o->encoder = LpEncoderIndex(LpMfEncoder.name);
	o->dim_auto = false;
}

bool
LpOptionsStructural(const LpOptions *opts, int64 n_edges)
{
	if (opts->features == LP_FEATURES_AUTO)
		return !opts->bipartite && n_edges >= LP_FEATURES_AUTO_MIN_EDGES;
	return opts->features == LP_FEATURES_STRUCTURAL;
}

static char *
ValidKeys(void)
{
	StringInfoData s;

	initStringInfo(&s);
	for (size_t i = 0; i < N_OPTIONS; i++)
		appendStringInfo(&s, "%s%s", i ? ", " : "", LpOptionTable[i].name);
	return s.data;
}

static const OptDef *
FindOption(const char *key, int len)
{
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (strlen(LpOptionTable[i].name) == (size_t) len &&
			strncmp(LpOptionTable[i].name, key, len) == 0)
			return &LpOptionTable[i];
	return NULL;
}

/* the table index of the option stored at offset */
static int
OptionIndex(size_t offset)
{
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (LpOptionTable[i].offset == offset)
			return (int) i;
	elog(ERROR, "linkpred: no option at offset %zu", offset);
	return -1;					/* keep the compiler quiet */
}

bool
LpOptionGiven(const bool *given, Size offset)
{
	return given[OptionIndex(offset)];
}

/* an enum option's values, index = value */
static const char *const *
Choices(const OptDef *def)
{
	return def->choices ? def->choices : LpEncoderNames();
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
			example = "{\"relation\": \"item_tags\", \"key\": \"item_id\", \"attribute\": \"tag\"}";
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

static void
SetOne(LpOptions *opts, const OptDef *def, JsonbValue *v)
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
							 errdetail("\"attribute\" names the column of a many-to-many relation (one row per item and value), \"columns\" the categorical columns of a relation with one row per item."),
							 errhint("For example '{\"%s\": {\"relation\": \"item_tags\", \"key\": \"item_id\", \"attribute\": \"tag\"}}'.",
									 def->name)));
				if (f->weight[0] && f->n_columns > 0)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("\"weight\" of option \"%s\" goes with \"attribute\", not \"columns\"", def->name),
							 errhint("Every column value of a per-item relation weighs the same; weigh the rows of a many-to-many relation instead.")));
				break;
			}
	}
}

/*
 * The defaults that depend on other options, for the options the user
 * left out: the encoder's own (LpEncoderKind.defaults), and the MLP
 * decoder's Adam learning rate, L2 and epochs (mlp.h).
 */
static void
ApplyDependentDefaults(LpOptions *opts, const bool *given)
{
	const LpEncoderKind *kind = LpOptionsEncoder(opts);

	if (kind->defaults)
		kind->defaults(opts, given);
	if (opts->decoder == LP_DECODER_MLP)
	{
		if (!given[OptionIndex(OFF(lr))])
			opts->lr = LP_MLP_DEFAULT_LR;
		if (!given[OptionIndex(OFF(reg))])
			opts->reg = LP_MLP_DEFAULT_REG;
		if (!given[OptionIndex(OFF(epochs))])
			opts->epochs = LP_MLP_DEFAULT_EPOCHS;
	}
}

/*
 * Parse user options over the defaults.  NULL json means all defaults.
 */
void
LpOptionsParse(Jsonb *json, LpOptions *opts)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	const OptDef *def = NULL;
	bool		given[N_OPTIONS] = {0};

	SetDefaults(opts);
	if (json == NULL)
		return;
	if (!JB_ROOT_IS_OBJECT(json))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options must be a JSON object"),
				 errhint("Pass options like '{\"dim\": 64, \"epochs\": 20}'. Valid keys: %s.",
						 ValidKeys())));

	it = JsonbIteratorInit(&json->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			def = FindOption(v.val.string.val, v.val.string.len);
			if (def == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown option \"%s\"",
								LpClip(pnstrdup(v.val.string.val, v.val.string.len))),
						 errdetail("Valid keys are: %s.", ValidKeys()),
						 errhint("See \"Training options\" in the linkpred README.")));
		}
		else if (tok == WJB_VALUE)
		{
			Assert(def != NULL);
			/* "id_dropout": null, as stored without item_features: not given */
			if (def->offset == OFF(id_dropout) && v.type == jbvNull)
				continue;
			SetOne(opts, def, &v);
			given[def - LpOptionTable] = true;
		}
	}

	if (opts->bipartite && opts->directed)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"directed\" applies only to homogeneous graphs"),
				 errdetail("A bipartite graph's edges always go from user to item."),
				 errhint("Set \"bipartite\": false for a graph with one id space.")));
	if (LpOptionsEncoder(opts)->check)
		LpOptionsEncoder(opts)->check(opts);
	if (opts->decoder != LP_DECODER_DOT && !LpOptionsEncoder(opts)->trains_decoders)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("decoder \"%s\" is not available with encoder \"%s\"",
						decoder_names[opts->decoder], LpOptionsEncoder(opts)->name),
				 errdetail("The bilinear and MLP decoders are trained with the matrix factorisation."),
				 errhint("Use \"encoder\": \"mf\" with \"decoder\": \"%s\", or the dot decoder.",
						 decoder_names[opts->decoder])));
	if ((opts->event_column[0] != '\0') != (opts->event_weights.n > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options \"event_column\" and \"event_weights\" go together"),
				 errdetail("\"event_column\" names the column of the event type, \"event_weights\" gives each type its weight."),
				 errhint("For example '{\"event_column\": \"event\", \"event_weights\": {\"click\": 1, \"cart\": 3, \"buy\": 10}}'.")));
	if (opts->user_edges.relation[0] && !opts->bipartite)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("option \"user_edges\" applies only to bipartite graphs"),
				 errdetail("In a homogeneous graph the users are the nodes of the edges relation."),
				 errhint("Add the links to the edges relation (a view with UNION ALL) instead.")));
	if (opts->item_features.relation[0])
	{
		if (!LpOptionsEncoder(opts)->item_features)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("option \"item_features\" is not available with encoder \"%s\"",
							LpOptionsEncoder(opts)->name),
					 errdetail("Item attributes are learnt by the matrix factorisation with the dot decoder."),
					 errhint("Use \"encoder\": \"mf\", or leave \"item_features\" out.")));
		if (!opts->bipartite || opts->decoder != LP_DECODER_DOT)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("option \"item_features\" needs a bipartite graph and the dot decoder"),
					 errdetail("This model has %s and the %s decoder.",
							   opts->bipartite ? "a bipartite graph" : "a homogeneous graph",
							   decoder_names[opts->decoder]),
					 errhint("Train with \"bipartite\": true and \"decoder\": \"dot\", or leave \"item_features\" out.")));
		if (opts->warm_start)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("option \"item_features\" cannot be combined with \"warm_start\""),
					 errdetail("A stored item vector already includes its attributes' vectors, which are retrained."),
					 errhint("Leave \"warm_start\" out: the model is trained afresh.")));
	}
	if (!(opts->id_dropout >= 0 && opts->id_dropout < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"id_dropout\" is out of range: %.15g", opts->id_dropout),
				 errdetail("\"id_dropout\" is the chance that a training step leaves out an item's id vector: at least 0 and below 1."),
				 errhint("Use 0 to train every item's id vector in every step; at 1 no id vector would ever be trained.")));
	if (given[OptionIndex(OFF(id_dropout))] && !opts->item_features.relation[0])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"id_dropout\" needs \"item_features\""),
				 errdetail("It leaves out an item's id vector during training so that its attributes learn to score it; this model has no item attributes."),
				 errhint("Add \"item_features\", or leave \"id_dropout\" out.")));
	ApplyDependentDefaults(opts, given);

	/* "tune" searches what the user left out, on the axes its encoder has */
	opts->tune_free = 0;
	if (opts->tune)
	{
		const LpTuneAxis *axes = LpOptionsEncoder(opts)->tune_axes;

		if (axes == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("option \"tune\" is not available with encoder \"%s\"",
							LpOptionsEncoder(opts)->name),
					 errdetail("The search knows the options of the encoders mf, lightgcn and spectral."),
					 errhint("Set the options of encoder \"%s\" yourself, or leave out \"tune\".",
							 LpOptionsEncoder(opts)->name)));
		for (int i = 0; axes[i].option && i < LP_TUNE_MAX_AXES; i++)
		{
			const OptDef *def = FindOption(axes[i].option, strlen(axes[i].option));

			Assert(def && (def->kind == OPT_INT || def->kind == OPT_REAL));
			if (!given[def - LpOptionTable])
				opts->tune_free |= (uint32) 1 << i;
		}
	}
}

double
LpOptionsNumber(const LpOptions *opts, const char *name)
{
	const OptDef *def = FindOption(name, strlen(name));
	const char *field;

	if (def == NULL || (def->kind != OPT_INT && def->kind != OPT_REAL))
		elog(ERROR, "linkpred: \"%s\" is not a numeric option", name);
	field = (const char *) opts + def->offset;
	return def->kind == OPT_INT ? *(const int *) field : *(const double *) field;
}

void
LpOptionsSetNumber(LpOptions *opts, const char *name, double value)
{
	const OptDef *def = FindOption(name, strlen(name));
	char	   *field;

	if (def == NULL || (def->kind != OPT_INT && def->kind != OPT_REAL))
		elog(ERROR, "linkpred: \"%s\" is not a numeric option", name);
	field = (char *) opts + def->offset;
	if (def->kind == OPT_INT)
		*(int *) field = (int) rint(value);
	else
		*(double *) field = value;
}

const char *
LpLossName(LpLoss loss)
{
	return loss_names[loss];
}

const char *
LpSamplerName(LpSampler sampler)
{
	return sampler_names[sampler];
}

/*
 * The effective options as JSON text, every key present.
 */
char *
LpOptionsToJson(const LpOptions *opts)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfoChar(&s, '{');
	for (size_t i = 0; i < N_OPTIONS; i++)
	{
		const OptDef *def = &LpOptionTable[i];
		const char *field = (const char *) opts + def->offset;

		appendStringInfo(&s, "%s\"%s\": ", i ? ", " : "", def->name);
		switch (def->kind)
		{
			case OPT_INT:
				appendStringInfo(&s, "%d", *(const int *) field);
				break;
			case OPT_INT64:
				appendStringInfo(&s, INT64_FORMAT, *(const int64 *) field);
				break;
			case OPT_REAL:
				/* id_dropout applies only with item_features: null without */
				if (def->offset == OFF(id_dropout) && !opts->item_features.relation[0])
					appendStringInfoString(&s, "null");
				/* shortest form that reads back as the same float8 */
				else
					appendStringInfoString(&s, float8out_internal(*(const double *) field));
				break;
			case OPT_BOOL:
				appendStringInfoString(&s, *(const bool *) field ? "true" : "false");
				break;
			case OPT_ENUM:
				appendStringInfo(&s, "\"%s\"", Choices(def)[*(const int *) field]);
				break;
			case OPT_NAME:
				if (field[0])
					escape_json(&s, field);
				else
					appendStringInfoString(&s, "null");
				break;
			case OPT_EVENTS:
				{
					const LpEventWeights *ev = (const LpEventWeights *) field;

					appendStringInfoChar(&s, '{');
					for (int k = 0; k < ev->n; k++)
					{
						appendStringInfoString(&s, k ? ", " : "");
						escape_json(&s, ev->name[k]);
						appendStringInfo(&s, ": %s", float8out_internal(ev->weight[k]));
					}
					appendStringInfoChar(&s, '}');
					break;
				}
			case OPT_USER_EDGES:
				{
					const LpUserEdges *ue = (const LpUserEdges *) field;

					if (!ue->relation[0])
					{
						appendStringInfoString(&s, "null");
						break;
					}
					appendStringInfoString(&s, "{\"relation\": ");
					escape_json(&s, ue->relation);
					appendStringInfoString(&s, ", \"src\": ");
					escape_json(&s, ue->src);
					appendStringInfoString(&s, ", \"dst\": ");
					escape_json(&s, ue->dst);
					appendStringInfo(&s, ", \"weight\": %s}", float8out_internal(ue->weight));
					break;
				}
			case OPT_ITEM_FEATURES:
				{
					const LpItemFeatures *f = (const LpItemFeatures *) field;

					if (!f->relation[0])
					{
						appendStringInfoString(&s, "null");
						break;
					}
					appendStringInfoString(&s, "{\"relation\": ");
					escape_json(&s, f->relation);
					appendStringInfoString(&s, ", \"key\": ");
					escape_json(&s, f->key);
					if (f->n_columns > 0)
					{
						appendStringInfoString(&s, ", \"columns\": [");
						for (int k = 0; k < f->n_columns; k++)
						{
							appendStringInfoString(&s, k ? ", " : "");
							escape_json(&s, f->columns[k]);
						}
						appendStringInfoChar(&s, ']');
					}
					else
					{
						appendStringInfoString(&s, ", \"attribute\": ");
						escape_json(&s, f->attribute);
					}
					if (f->weight[0])
					{
						appendStringInfoString(&s, ", \"weight\": ");
						escape_json(&s, f->weight);
					}
					appendStringInfoChar(&s, '}');
					break;
				}
		}
	}
	appendStringInfoChar(&s, '}');
	return s.data;
}

void
LpOptionsParseText(const char *json, LpOptions *opts)
{
	LpOptionsParse(DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json))), opts);
}

void
LpOptionsToTrainConfig(const LpOptions *opts, LpTrainConfig *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->dim = opts->dim;
	cfg->epochs = opts->epochs;
	cfg->lr = (float) opts->lr;
	cfg->reg = (float) opts->reg;
	cfg->loss = opts->loss == LP_LOSS_BCE ? LP_TRAIN_BCE :
		opts->loss == LP_LOSS_MARGIN ? LP_TRAIN_MARGIN :
		opts->loss == LP_LOSS_MSE ? LP_TRAIN_MSE : LP_TRAIN_BPR;
	cfg->margin = (float) opts->margin;
	cfg->negatives = opts->negatives;
	cfg->bias = opts->bias;
	cfg->seed = (uint64) opts->seed;
	cfg->neg_mode = opts->sampler == LP_SAMPLER_INBATCH ? LP_NEG_INBATCH :
		opts->sampler == LP_SAMPLER_HARD ? LP_NEG_HARD :
		opts->sampler == LP_SAMPLER_DYNAMIC ? LP_NEG_DYNAMIC : LP_NEG_PLAIN;
	cfg->hard_pool = opts->hard_pool;
	cfg->mean_degree = 1;
	cfg->encoder = LpOptionsEncoder(opts);
	cfg->lowrank_weight = (float) opts->lowrank_weight;
	cfg->item_norm = (float) opts->item_norm;
	cfg->item_term = cfg->encoder->item_term && opts->bipartite;
	cfg->layers = opts->layers;	/* read by the layered encoders only */
	for (int l = 0; l < LP_MAX_LAYERS; l++)
		cfg->fanout[l] = opts->fanout;
	cfg->decoder = opts->decoder;
	cfg->hidden = opts->hidden;
	cfg->link_weight = opts->user_edges.relation[0] ? (float) opts->user_edges.weight : 0;
	cfg->id_dropout = (float) opts->id_dropout;
}
