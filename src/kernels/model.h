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
 * line in the list of registry.c.  The registry here holds the decoders
 * (decoder.h) too.
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
	LpEntry	   *order;			/* g->n_entries of scratch, the SGD loop's */
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

/*
 * An encoder's options: its defaults for what the user left out
 * (LpOptionGiven(given, offsetof(LpOptions, x)) says whether x was set),
 * its refusals (ERRORs) of options it cannot honour, and what "tune"
 * searches.  Any of them NULL: none (tune_axes NULL: "tune" is refused).
 */
typedef struct LpEncoderOptions
{
	void		(*defaults) (struct LpOptions *opts, const bool *given);
	void		(*check) (const struct LpOptions *opts);
	const LpTuneAxis *tune_axes;
} LpEncoderOptions;

/* An encoder's fit and what it costs. */
typedef struct LpEncoderFit
{
	/* fit a->emb on a->g; work space in the current memory context */
	LpTrainResult (*run) (const LpFitArgs *a);
	/* bytes it holds beyond the graph and the embeddings (NULL: none), and
	 * their name in memory messages: "LightGCN training" */
	double		(*work_bytes) (const LpGraph *g, const LpTrainConfig *cfg);
	const char *work_label;
	/* threads it runs on for cfg (cfg->threads the most; NULL: 1) */
	int			(*threads) (const LpGraph *g, const LpTrainConfig *cfg);
	/* the instruction set its steps use for cfg (cfg->simd the widest, simd.h; NULL: the baseline) */
	LpSimd		(*simd) (const LpGraph *g, const LpTrainConfig *cfg);
	/* epochs it reports through progress (NULL: cfg->epochs) */
	int			(*epochs) (const LpTrainConfig *cfg);
} LpEncoderFit;

/* What an encoder's models permit, the bits of LpEncoderKind.permits. */
#define LP_ENC_TRAINS_DECODERS	0x01	/* the bilinear and MLP decoders train on it */
#define LP_ENC_WARM_START		0x02	/* stored vectors can seed a retrain */
#define LP_ENC_ANN_INDEX		0x04	/* an inner-product index can rank its top-k */
#define LP_ENC_ITEM_TERM		0x08	/* bipartite: scores add the item-item term */
#define LP_ENC_MINIMISES_LOSS	0x10	/* the fit's final loss means something */
#define LP_ENC_ITEM_FEATURES	0x20	/* options item_features, user_features:
										 * nodes composed of attributes (attrs.h) */
#define LP_ENC_FRESH_NODES		0x40	/* its vectors are sums of attribute vectors:
										 * a version stores them (attr_store.c) and
										 * serving composes nodes added since
										 * (fresh_items) */

typedef struct LpEncoderKind
{
	const char *name;			/* the value of the "encoder" option; first,
								 * as in every kind (LpRegistryAdd) */
	LpEncoderOptions options;
	LpEncoderFit fit;
	uint32		permits;		/* LP_ENC_* bits */

	/*
	 * Serving: the vector (m->fold_u) and bias of a user with items[0 ..
	 * n-1], sorted, against the frozen item side (fresh => true).
	 */
	void		(*fold_in) (struct LpServingModel *m, const int32 *items, int n, float *bu);
} LpEncoderKind;

/* whether kind's models permit all of what (LP_ENC_* bits) */
static inline bool
LpEncoderPermits(const LpEncoderKind *kind, uint32 what)
{
	return (kind->permits & what) == what;
}

/*
 * The registries: the encoders (here) and the decoders (decoder.h), each
 * a fixed table numbered in the order of registration; the number is the
 * value LpOptions.encoder or LpOptions.decoder holds.
 */
typedef enum LpRegistryId
{
	LP_ENCODERS,
	LP_DECODERS
} LpRegistryId;

/* most kinds a registry holds */
#define LP_MAX_ENCODERS 16
#define LP_MAX_DECODERS 8

/*
 * Add a kind (an LpEncoderKind to LP_ENCODERS, an LpDecoderKind to
 * LP_DECODERS) and return its number; the registry reads its name, the
 * kind's first field.  A second kind of the same name is ignored and
 * returns the first one's number; -1 when the registry is full.
 */
extern int	LpRegistryAdd(LpRegistryId r, const void *kind);

/* the kind numbered i, NULL if none; by name, -1 if none */
extern const void *LpRegistryAt(LpRegistryId r, int i);
extern int	LpRegistryIndex(LpRegistryId r, const char *name);

/* the names of every registered kind, NULL-terminated, index = number */
extern const char *const *LpRegistryNames(LpRegistryId r);

/* the encoder numbered i, NULL if none (LpDecoderAt: decoder.h) */
static inline const LpEncoderKind *
LpEncoderAt(int i)
{
	return LpRegistryAt(LP_ENCODERS, i);
}

/* the epochs a kind's fit reports for cfg */
extern int	LpEncoderEpochs(const LpEncoderKind *kind, const LpTrainConfig *cfg);

/* the threads a kind's fit runs on for cfg */
extern int	LpEncoderThreads(const LpEncoderKind *kind, const LpGraph *g, const LpTrainConfig *cfg);

/* the instruction set (simd.h) a kind's fit uses for cfg */
extern LpSimd LpEncoderSimd(const LpEncoderKind *kind, const LpGraph *g, const LpTrainConfig *cfg);

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
