/*
 * options.c: the training options of linkpred_train: the table, parsing
 * and validation.
 *
 * Every option is one row of LpOptionTable: name, kind, range, default and
 * where it lands in LpOptions.  Unknown keys, wrong types and out-of-range
 * values are rejected at submit time with an error that names the valid
 * keys, so a typo never silently trains with a default; then the
 * combinations are checked and the defaults that depend on other options
 * filled in.  One value is read from JSON, and written to the jsonb stored
 * with each model version (defaults filled in, the seed actually used), by
 * options_json.c, as the value's row in the table says.
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "decoder.h"
#include "linkpred.h"
#include "options.h"
#include "attrs.h"
#include "options_internal.h"
#include "lightgcn.h"
#include "mlp.h"
#include "sage.h"
#include "spectral.h"
#include "train.h"

static const char *const loss_names[] = {"bpr", "bce", "margin", "mse", NULL};
static const char *const sampler_names[] = {"uniform", "degree", "inbatch", "hard", "dynamic", NULL};
static const char *const features_names[] = {"auto", "none", "structural", NULL};

#define OFF(f) offsetof(LpOptions, f)

static const OptDef LpOptionTable[] = {
	{"encoder", OPT_ENUM, 0, 0, 0, OFF(encoder), NULL, "a registered encoder (model.h)"},
	{"decoder", OPT_ENUM, 0, 0, LP_DECODER_DOT, OFF(decoder), NULL, "a registered decoder (decoder.h)"},
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
	{"negative_group", OPT_INT, 1, 65536, LP_DEFAULT_NEGATIVE_GROUP, OFF(negative_group), NULL, "consecutive positives that share one draw of negatives"},
	{"bias", OPT_BOOL, 0, 0, true, OFF(bias), NULL, "per-node bias term"},
	{"bipartite", OPT_BOOL, 0, 0, true, OFF(bipartite), NULL, "user/item id spaces"},
	{"directed", OPT_BOOL, 0, 0, false, OFF(directed), NULL, "homogeneous graphs only"},
	{"seed", OPT_INT64, 0, 9007199254740991.0, -1, OFF(seed), NULL, "random seed"},
	{"keep_versions", OPT_INT, 1, 1000, 3, OFF(keep_versions), NULL, "versions kept"},
	{"warm_start", OPT_BOOL, 0, 0, false, OFF(warm_start), NULL, "continue from the active version"},
	{"warm_epochs", OPT_INT, 1, 100000, 10, OFF(warm_epochs), NULL, "epochs when warm-starting"},
	{"features", OPT_ENUM, 0, 0, LP_FEATURES_AUTO, OFF(features), features_names, "auto, none or structural"},
	{"lowrank_weight", OPT_REAL, 0, 1000, 0.1, OFF(lowrank_weight), NULL, "spectral: weight of the low-rank term"},
	{"item_norm", OPT_REAL, 0, 2, 0.4, OFF(item_norm), NULL, "spectral: item degree exponent of the item-item term"},
	{"layers", OPT_INT, 1, LP_MAX_LAYERS, LP_LIGHTGCN_DEFAULT_LAYERS, OFF(layers), NULL, "lightgcn, sage: layers"},
	{"hidden", OPT_INT, 1, LP_MAX_DIM, LP_MLP_DEFAULT_HIDDEN, OFF(hidden), NULL, "mlp: hidden units"},
	{"fanout", OPT_INT, 1, LP_SAGE_MAX_FANOUT, LP_SAGE_DEFAULT_FANOUT, OFF(fanout), NULL, "sage: neighbours sampled per node at each hop"},
	{"event_column", OPT_NAME, 0, 0, 0, OFF(event_column), NULL, "column of the event type, weighted by event_weights"},
	{"event_weights", OPT_EVENTS, 1e-6, 1e6, 0, OFF(event_weights), NULL, "weight of each event type"},
	{"user_edges", OPT_USER_EDGES, 0, 100, LP_USER_EDGES_DEFAULT_WEIGHT, OFF(user_edges), NULL, "a user-user relation: relation, src, dst, weight"},
	{"tune", OPT_BOOL, 0, 0, false, OFF(tune), NULL, "search the encoder's options on a validation part first"},
	{"tune_seconds", OPT_INT, 1, 86400, 180, OFF(tune_seconds), NULL, "the search's time budget"},
	{"time_column", OPT_NAME, 0, 0, 0, OFF(time_column), NULL, "with tune: the edges' time column; the newest edges validate"},
	{"item_features", OPT_ITEM_FEATURES, 0, 0, 0, OFF(item_features), NULL, "the items' attributes: relation, key, attribute or columns, weight"},
	{"user_features", OPT_ITEM_FEATURES, 0, 0, 0, OFF(user_features), NULL, "the users' attributes: relation, key, attribute or columns, weight"},
	/* 0 <= x < 1, which a closed range cannot say: LpOptionsParse checks it */
	{"id_dropout", OPT_REAL, -HUGE_VAL, HUGE_VAL, LP_ATTR_DEFAULT_ID_DROPOUT, OFF(id_dropout), NULL, "item_features, user_features: chance a step adds an attributes-only pass (no id vector) for cold-start"},
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
	o->encoder = LpRegistryIndex(LP_ENCODERS, LpMfEncoder.name);
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


/*
 * The defaults that depend on other options, for the options the user
 * left out: the encoder's own (LpEncoderKind.options.defaults), then the
 * decoder's (LpDecoderKind.defaults: the MLP's Adam learning rate, L2 and
 * epochs).
 */
static void
ApplyDependentDefaults(LpOptions *opts, const bool *given)
{
	const LpEncoderKind *kind = LpOptionsEncoder(opts);

	if (kind->options.defaults)
		kind->options.defaults(opts, given);
	if (LpDecoderAt(opts->decoder)->defaults)
		LpDecoderAt(opts->decoder)->defaults(opts, given);
}

/* whether either side has attributes (item_features, user_features) */
static bool
HasFeatures(const LpOptions *opts)
{
	return opts->item_features.relation[0] || opts->user_features.relation[0];
}

/*
 * One side's attributes (option name, of the node kind "item" or "user"),
 * if given: the models that can learn them, as ERRORs.
 */
static void
CheckFeatures(const LpOptions *opts, const LpItemFeatures *f, const char *name, const char *node)
{
	if (!f->relation[0])
		return;
	if (!LpEncoderPermits(LpOptionsEncoder(opts), LP_ENC_ITEM_FEATURES))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("option \"%s\" is not available with encoder \"%s\"",
						name, LpOptionsEncoder(opts)->name),
				 errdetail("%c%s attributes are learnt by the encoders \"mf\" and \"sage\" with the dot decoder.",
						   pg_toupper((unsigned char) node[0]), node + 1),
				 errhint("Use \"encoder\": \"mf\" or \"sage\", or leave \"%s\" out.", name)));
	if (!opts->bipartite && f == &opts->user_features)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"user_features\" applies only to bipartite graphs"),
				 errdetail("A homogeneous graph has one kind of node: its items are its nodes."),
				 errhint("Name the nodes' attributes with \"item_features\".")));
	if (!LpDecoderIs(LpDecoderAt(opts->decoder), LP_DEC_VECTORS_ONLY))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("option \"%s\" needs the dot decoder", name),
				 errdetail("This model has the %s decoder.", LpDecoderAt(opts->decoder)->name),
				 errhint("Train with \"decoder\": \"dot\", or leave \"%s\" out.", name)));
	if (opts->warm_start)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("option \"%s\" cannot be combined with \"warm_start\"", name),
				 errdetail("A stored %s vector already includes its attributes' vectors, which are retrained.", node),
				 errhint("Leave \"warm_start\" out: the model is trained afresh.")));
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
			/* "id_dropout": null, as stored without attributes: not given */
			if (def->offset == OFF(id_dropout) && v.type == jbvNull)
				continue;
			LpOptionSetValue(opts, def, &v);
			given[def - LpOptionTable] = true;
		}
	}

	if (opts->bipartite && opts->directed)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"directed\" applies only to homogeneous graphs"),
				 errdetail("A bipartite graph's edges always go from user to item."),
				 errhint("Set \"bipartite\": false for a graph with one id space.")));
	if (LpOptionsEncoder(opts)->options.check)
		LpOptionsEncoder(opts)->options.check(opts);
	if (!LpDecoderIs(LpDecoderAt(opts->decoder), LP_DEC_VECTORS_ONLY) &&
		!LpEncoderPermits(LpOptionsEncoder(opts), LP_ENC_TRAINS_DECODERS))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("decoder \"%s\" is not available with encoder \"%s\"",
						LpDecoderAt(opts->decoder)->name, LpOptionsEncoder(opts)->name),
				 errdetail("The bilinear and MLP decoders are trained with the matrix factorisation."),
				 errhint("Use \"encoder\": \"mf\" with \"decoder\": \"%s\", or the dot decoder.",
						 LpDecoderAt(opts->decoder)->name)));
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
	CheckFeatures(opts, &opts->item_features, "item_features", "item");
	CheckFeatures(opts, &opts->user_features, "user_features", "user");
	if (!(opts->id_dropout >= 0 && opts->id_dropout < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"id_dropout\" is out of range: %.15g", opts->id_dropout),
				 errdetail("\"id_dropout\" is the chance that a training step is followed by a pass that scores nodes from their attributes alone: at least 0 and below 1."),
				 errhint("Use 0 for no attributes-only pass; values near 1 double the steps of nodes with attributes.")));
	/* either side's attributes: the message keeps its first wording, the hint names both */
	if (given[OptionIndex(OFF(id_dropout))] && !HasFeatures(opts))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"id_dropout\" needs \"item_features\""),
				 errdetail("It adds training passes that score nodes from their attributes alone, so that attributes learn to score cold nodes; this model has no attributes."),
				 errhint("Add \"item_features\" or \"user_features\", or leave \"id_dropout\" out.")));
	if (opts->time_column[0] && !opts->tune)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"time_column\" needs \"tune\""),
				 errdetail("It makes the newest edges the validation part that \"tune\" compares the options on."),
				 errhint("Add \"tune\": true, or leave \"time_column\" out; linkpred_evaluate takes its own time_column argument.")));
	ApplyDependentDefaults(opts, given);

	/* "tune" searches what the user left out, on the axes its encoder has */
	opts->encoder_given = given[OptionIndex(OFF(encoder))];
	opts->tune_free = 0;
	if (opts->tune)
	{
		const LpTuneAxis *axes = LpOptionsEncoder(opts)->options.tune_axes;

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

		appendStringInfo(&s, "%s\"%s\": ", i ? ", " : "", def->name);
		/* id_dropout applies only with attributes: null without */
		if (def->offset == OFF(id_dropout) && !HasFeatures(opts))
			appendStringInfoString(&s, "null");
		else
			LpOptionValueToJson(&s, def, (const char *) opts + def->offset);
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
	cfg->neg_group = opts->negative_group;
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
	cfg->item_term = LpEncoderPermits(cfg->encoder, LP_ENC_ITEM_TERM) && opts->bipartite;
	cfg->layers = opts->layers;	/* read by the layered encoders only */
	for (int l = 0; l < LP_MAX_LAYERS; l++)
		cfg->fanout[l] = opts->fanout;
	cfg->decoder = opts->decoder;
	cfg->hidden = opts->hidden;
	cfg->link_weight = opts->user_edges.relation[0] ? (float) opts->user_edges.weight : 0;
	cfg->id_dropout = (float) opts->id_dropout;
}
