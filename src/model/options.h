/*
 * options.h: the training options a user passes as jsonb to linkpred_train.
 *
 * One table in options.c lists every key with its type, range and default;
 * parsing, validation, the error that lists the valid keys and the
 * normalised jsonb stored with each model version all come from it.
 */
#ifndef LINKPRED_OPTIONS_H
#define LINKPRED_OPTIONS_H

#include "postgres.h"
#include "utils/jsonb.h"

#include "model.h"
#include "train.h"

typedef enum LpLoss
{
	LP_LOSS_BPR,
	LP_LOSS_BCE,
	LP_LOSS_MARGIN,
	LP_LOSS_MSE
} LpLoss;

typedef enum LpSampler
{
	LP_SAMPLER_UNIFORM,
	LP_SAMPLER_DEGREE,
	LP_SAMPLER_INBATCH,
	LP_SAMPLER_HARD,
	LP_SAMPLER_DYNAMIC
} LpSampler;

typedef enum LpFeatures
{
	LP_FEATURES_AUTO,			/* structural on homogeneous graphs, none on bipartite */
	LP_FEATURES_NONE,			/* the embedding score alone */
	LP_FEATURES_STRUCTURAL		/* the head of head.h */
} LpFeatures;

/*
 * "user_edges": a second relation between users (friendships, follows),
 * {"relation": "friends", "src": "a", "dst": "b", "weight": 1}.  Its edges
 * are undirected and only shape the user vectors (train.h: LpLinkPull);
 * the model still predicts user -> item edges.
 */
typedef struct LpUserEdges
{
	char		relation[2 * NAMEDATALEN + 4];	/* "" = none; as given, or qualified */
	char		src[NAMEDATALEN];
	char		dst[NAMEDATALEN];
	double		weight;			/* strength of the pull between linked users */
} LpUserEdges;

#define LP_USER_EDGES_DEFAULT_WEIGHT 0.3

/*
 * "item_features": the items' attributes (attrs.h), either a
 * many-to-many relation, one row per item and attribute value,
 * {"relation": "artist_tags", "key": "artist_id", "attribute": "tag_id",
 * "weight": "count"} ("weight" optional), or columns of a per-item
 * relation, {"relation": "products", "key": "id", "columns":
 * ["category", "brand", "price"]}: each (column, value) of a categorical
 * column an attribute value, a numeric or vector column signed terms
 * (attrs_columns.h).  "user_features" gives the users' attributes in the
 * same shape (an LpItemFeatures too: the type is the option's, whichever
 * side).
 */
#define LP_MAX_FEATURE_COLUMNS 16

typedef struct LpItemFeatures
{
	char		relation[2 * NAMEDATALEN + 4];	/* "" = none; as given, or qualified */
	char		key[NAMEDATALEN];
	char		attribute[NAMEDATALEN]; /* "" with columns */
	char		weight[NAMEDATALEN];	/* "" = every row weighs 1 */
	int			n_columns;
	char		columns[LP_MAX_FEATURE_COLUMNS][NAMEDATALEN];
} LpItemFeatures;

/*
 * The matrix factorisation with the dot decoder on a bipartite graph
 * defaults to the logistic loss, and with it to a learning rate of 0.1 and
 * 16 negatives (bpr, 0.05 and 4 stay the defaults elsewhere: on the SEAL
 * graphs, homogeneous and under the structural head, bce lost 0.004 of mean
 * AUC).  Checked on validation parts of Gowalla and LastFM carved from
 * training edges only, by a rule fixed beforehand (bench/mf_defaults.sh,
 * bench/RESULTS-mf-defaults.md): 16 negatives scored 0.993 against 0.979
 * for the earlier 8, which had been set from test-split figures.
 */
#define LP_MF_BIPARTITE_DEFAULT_LOSS LP_LOSS_BCE
#define LP_MF_BIPARTITE_DEFAULT_LR 0.1
#define LP_MF_BIPARTITE_DEFAULT_NEGATIVES 16

/*
 * Option negative_group's default: consecutive positives of the matrix
 * factorisation that share one draw of negatives (negshare.c), for the
 * plain, degree and in-batch samplers; 1 = each positive draws its own.
 * Groups of 4 kept validation Recall@20 within 0.003 of 1 on Gowalla and
 * LastFM (seeds 1 and 2: -0.0010 and -0.0012), groups of 16 did not on
 * LastFM (-0.0047): bench/RESULTS-throughput.md, bench/negative_group.sh.
 */
#define LP_DEFAULT_NEGATIVE_GROUP 4

typedef struct LpOptions
{
	int			encoder;		/* its number in the registry (model.h) */
	LpDecoder	decoder;		/* how a pair of vectors is scored (train.h) */
	int			dim;			/* embedding dimension */
	int			epochs;			/* passes over the training edges */
	double		lr;				/* initial SGD learning rate */
	double		reg;			/* L2 regularisation */
	LpLoss		loss;
	LpSampler	sampler;
	double		degree_alpha;	/* exponent of the degree sampler */
	int			negatives;		/* sampled non-edges per positive */
	int			negative_group; /* consecutive positives sharing their negatives (train.c) */
	double		margin;			/* loss "margin" */
	int			hard_pool;		/* sampler "hard": candidates per negative */
	bool		bias;			/* learn a per-node bias term */
	bool		bipartite;		/* two id spaces (user -> item) */
	bool		directed;		/* homogeneous graphs only */
	int64		seed;			/* -1 = pick one; stored so a run can be repeated */
	int			keep_versions;	/* versions kept per model, active included */
	bool		warm_start;		/* start from the active version's embeddings */
	int			warm_epochs;	/* epochs when warm-starting */
	LpFeatures	features;		/* decoder inputs beside the embeddings */
	double		lowrank_weight;	/* spectral: weight of the low-rank term */
	double		item_norm;		/* spectral: item degree exponent, item-item term */
	int			layers;			/* lightgcn, sage: layers */
	int			fanout;			/* sage: neighbours sampled per node at each hop */
	int			hidden;			/* decoder mlp: hidden units */
	char		event_column[NAMEDATALEN];	/* "" = none */
	LpEventWeights event_weights;
	LpUserEdges user_edges;
	LpItemFeatures item_features;
	LpItemFeatures user_features;	/* the users', in the same shape */
	double		id_dropout;		/* item_features, user_features: chance a step leaves
								 * out a node's id part */
	bool		dim_auto;		/* spectral, "dim" not given: at most the graph's smaller side */
	bool		tune;			/* search the encoder's options.tune_axes on a validation part first */
	int			tune_seconds;	/* the search's time budget */
	char		time_column[NAMEDATALEN];	/* with tune: the validation part by time; "" = none */
	uint32		tune_free;		/* bit i: tune_axes[i] was not given, so it is searched */
	bool		encoder_given;	/* the user named the encoder ("tune" then keeps it) */
} LpOptions;

/*
 * "features": "auto" fits the structural head on homogeneous graphs with at
 * least this many edges: smaller ones cannot spare a held-out tenth.
 */
#define LP_FEATURES_AUTO_MIN_EDGES 200

/* whether these options train a structural head on a graph of n_edges */
extern bool LpOptionsStructural(const LpOptions *opts, int64 n_edges);

/*
 * The dimension a model of these options has on a graph of n_src sources
 * and n_dst targets: "dim", or with dim_auto (the spectral default) at
 * most the graph's smaller side.
 */
static inline int
LpOptionsDimOn(const LpOptions *opts, int32 n_src, int32 n_dst)
{
	return opts->dim_auto ? (int) Min((int32) opts->dim, Min(n_src, n_dst)) : opts->dim;
}

/* the encoder the options name */
static inline const LpEncoderKind *
LpOptionsEncoder(const LpOptions *opts)
{
	return LpEncoderAt(opts->encoder);
}

/*
 * Whether the user gave the option stored at offset of LpOptions, while the
 * encoders apply their defaults (LpEncoderKind.options.defaults).
 */
extern bool LpOptionGiven(const bool *given, Size offset);

extern void LpOptionsParse(Jsonb *json, LpOptions *opts);

/* a numeric (int or real) option by name, for the "tune" search */
extern double LpOptionsNumber(const LpOptions *opts, const char *name);
extern void LpOptionsSetNumber(LpOptions *opts, const char *name, double value);
/* options as stored with a version (jsonb text) parsed over the defaults */
extern void LpOptionsParseText(const char *json, LpOptions *opts);

struct LpTrainConfig;
/* the trainer's configuration for these options (seed, epochs as given) */
extern void LpOptionsToTrainConfig(const LpOptions *opts, struct LpTrainConfig *cfg);
extern char *LpOptionsToJson(const LpOptions *opts);
extern const char *LpLossName(LpLoss loss);
extern const char *LpSamplerName(LpSampler sampler);

#endif
