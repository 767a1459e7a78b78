/*
 * model.h: the seam where encoders plug in.
 *
 * An encoder is one LpEncoderKind: its name (the "encoder" option), its
 * option defaults and refusals, the memory its fit needs beyond the
 * embeddings, the fit itself (an SGD trainer runs LpEpochLoop, train.h),
 * what its model permits (warm start, the approximate top-k index, the
 * bilinear and MLP decoders) and how serving folds in a user it has not
 * seen.  Nothing outside the encoder's own file branches on which encoder
 * a model has: options, the training pipeline, storing and serving all ask
 * the kind.  Adding one: a file that defines its LpEncoderKind, and one
 * line in the list of registry.c.
 *
 * This file and model.c call no PostgreSQL function, so a unit test can
 * register an encoder of its own and train through the same dispatch.
 */
#ifndef LINKPRED_MODEL_H
#define LINKPRED_MODEL_H

#include "postgres.h"

#include "graph.h"
#include "train.h"

struct LpOptions;
struct LpServingModel;

/* what a fit works on; the kind's fit fills emb and *final_loss */
typedef struct LpFitArgs
{
	const LpGraph *g;
	const LpTrainConfig *cfg;
	const LpSamplerState *sampler;
	LpEmbeddings *emb;			/* allocated and initialised (LpInitEmbeddings) */
	int64	   *order;			/* g->n_entries of scratch, the SGD loop's */
	int32	   *entry_src;		/* likewise */
	LpProgressFn progress;
	void	   *arg;
	double	   *final_loss;
} LpFitArgs;

/*
 * One option the "tune" search tries (jobs/tune.c): a numeric option of
 * the options table and the values tried.  An encoder's list ends with a
 * NULL option.
 */
#define LP_TUNE_MAX_VALUES 6
#define LP_TUNE_MAX_AXES 8

typedef struct LpTuneAxis
{
	const char *option;
	int			n;
	double		values[LP_TUNE_MAX_VALUES];
} LpTuneAxis;

typedef struct LpEncoderKind
{
	const char *name;			/* the value of the "encoder" option */
	const char *work_label;		/* its work space in memory messages: "LightGCN training" */

	/*
	 * Options: the encoder's defaults for what the user left out
	 * (LpOptionGiven(given, offsetof(LpOptions, x)) says whether x was set),
	 * then its refusals (ERRORs) of options it cannot honour.  Either NULL.
	 */
	void		(*defaults) (struct LpOptions *opts, const bool *given);
	void		(*check) (const struct LpOptions *opts);

	/* epochs the fit reports through progress (NULL: cfg->epochs) */
	int			(*epochs) (const LpTrainConfig *cfg);
	/* bytes the fit holds beyond the graph and the embeddings (NULL: none) */
	double		(*work_bytes) (const LpGraph *g, const LpTrainConfig *cfg);
	/* threads its fit runs on for cfg (cfg->threads the most; NULL: 1) */
	int			(*threads) (const LpGraph *g, const LpTrainConfig *cfg);
	/* fit a->emb on a->g; work space in the current memory context */
	LpTrainResult (*fit) (const LpFitArgs *a);

	/* what its models permit */
	bool		trains_decoders;	/* the bilinear and MLP decoders train on it */
	bool		warm_start;		/* stored vectors can seed a retrain */
	bool		ann_index;		/* an inner-product index can rank its top-k */
	bool		item_term;		/* bipartite: scores add the item-item term */
	bool		minimises_loss; /* the fit's final loss means something */
	const LpTuneAxis *tune_axes;	/* what "tune" searches; NULL: it is refused */
	bool		item_features;	/* option item_features: items composed of attributes (attrs.h) */

	/*
	 * Serving: the vector (m->fold_u) and bias of a user with items[0 ..
	 * n-1], sorted, against the frozen item side (fresh => true).
	 */
	void		(*fold_in) (struct LpServingModel *m, const int32 *items, int n, float *bu);
} LpEncoderKind;

/* most encoders the registry holds */
#define LP_MAX_ENCODERS 16

/*
 * Add an encoder; its number (the value LpOptions.encoder holds) is the
 * order of registration.  A second kind of the same name is ignored and
 * returns the first one's number.
 */
extern int	LpRegisterEncoder(const LpEncoderKind *kind);

/* the encoder numbered i, NULL if none; by name, -1 if none */
extern const LpEncoderKind *LpEncoderAt(int i);
extern int	LpEncoderIndex(const char *name);

/* the names of every registered encoder, NULL-terminated, index = number */
extern const char *const *LpEncoderNames(void);

/* the epochs a kind's fit reports for cfg */
extern int	LpEncoderEpochs(const LpEncoderKind *kind, const LpTrainConfig *cfg);

/* the threads a kind's fit runs on for cfg */
extern int	LpEncoderThreads(const LpEncoderKind *kind, const LpGraph *g, const LpTrainConfig *cfg);

/* the builtin encoders (encoder_*.c), registered in this order (registry.c) */
extern PGDLLIMPORT const LpEncoderKind LpMfEncoder;
extern PGDLLIMPORT const LpEncoderKind LpSpectralEncoder;
extern PGDLLIMPORT const LpEncoderKind LpLightGcnEncoder;
extern PGDLLIMPORT const LpEncoderKind LpSageEncoder;
extern void LpRegisterBuiltinEncoders(void);

/* the matrix factorisation's fold-in (SGD against the frozen items), which
 * the other SGD encoders share */
extern void LpMfFoldIn(struct LpServingModel *m, const int32 *items, int n, float *bu);

#endif
