/*
 * decoder.h: the seam where decoders plug in, beside the encoders' (model.h).
 *
 * A decoder turns a pair of vectors into a score: the dot product, the
 * bilinear h_u' R h_v (R learnt) or the MLP (mlp.h).  Each is one
 * LpDecoderKind: its name (the "decoder" option), its option defaults and
 * refusals, the memory its weights take, how training runs it, what a
 * version stores of it and how serving loads it, its per-pair score, the
 * users' query step of top-k and how evaluation wraps it.  LpOptions.decoder
 * and LpTrainConfig.decoder hold its number in the registry (the order of
 * registration: dot 0, bilinear 1, mlp 2, the values the LpDecoder enum of
 * train.h names and stored options spell by name).  Nothing outside a
 * decoder's own file (model/decoders.c) branches on which decoder a model
 * has: options, the pipeline, the trainer, storing and serving ask the kind.
 *
 * The registry (model.h, model.c, shared with the encoders) calls no
 * PostgreSQL function: the trainer's kernels read its kinds, and a unit test
 * registers kinds of its own.
 */
#ifndef LINKPRED_DECODER_H
#define LINKPRED_DECODER_H

#include "postgres.h"

#include "graph.h"
#include "model.h"
#include "train.h"

struct LpOptions;
struct LpServingModel;
struct LpEvalEmbedding;

/* most arrays of its own a decoder's serving model holds (shared_cache_load.c) */
#define LP_DECODER_MAX_ARRAYS 2

/*
 * What a decoder is, the bits of LpDecoderKind.traits.
 *
 * VECTORS_ONLY: a pair scores U[u] . V[v], the vectors as trained, and
 * nothing else: every encoder trains it (the others need
 * LP_ENC_TRAINS_DECODERS), stored vectors can seed a retrain, node
 * attributes compose vectors for it, the matrix factorisation's bipartite
 * defaults were measured with it, and a tied model serves from one node
 * table.  ONE_TABLE: a homogeneous graph keeps one node table even when
 * directed (the decoder gives the direction).  The matrix factorisation's
 * SGD (train.c) runs it per pair: SGD_MATRIX, with the bilinear step that
 * also trains R; PARALLEL, the several-thread loop (parallel.c) can run it.
 * ANN_INDEX: an inner-product index can rank its top-k.
 */
#define LP_DEC_VECTORS_ONLY	0x01
#define LP_DEC_ONE_TABLE	0x02
#define LP_DEC_SGD_MATRIX	0x04
#define LP_DEC_PARALLEL		0x08
#define LP_DEC_ANN_INDEX	0x10

/*
 * Its fit: alloc, its weights in emb, initialised (NULL: none); run, it
 * trains the matrix factorisation's vectors itself, jointly with its
 * weights (NULL: the SGD does, LpTrain).  Memory (linkpred.max_memory),
 * NULL for none: emb_bytes, counted with the embeddings; work_bytes, its
 * own work space, reported as "<label> decoder".
 */
typedef struct LpDecoderFit
{
	void		(*alloc) (const LpGraph *g, const LpTrainConfig *cfg, LpEmbeddings *emb);
	LpTrainResult (*run) (const LpFitArgs *a);
	double		(*emb_bytes) (const LpGraph *g, double dim);
	double		(*work_bytes) (const LpGraph *g, const LpTrainConfig *cfg);
} LpDecoderFit;

/*
 * What a version stores (version_catalog.decoder): n_weights floats from
 * weights(emb) (n_weights NULL: nothing stored).
 */
typedef struct LpDecoderStore
{
	Size		(*n_weights) (int dim, int hidden);
	const float *(*weights) (const LpEmbeddings *emb);
} LpDecoderStore;

/*
 * A served model: load, serving takes its n stored weights w in (NULL:
 * nothing but the queries).  scratch_floats: what its scoring and fold-in
 * need in the serving model's dec_scratch.  fold_in: a fresh user's vector
 * against its frozen weights (NULL: LpFoldIn).
 */
typedef struct LpDecoderServe
{
	void		(*load) (struct LpServingModel *m, const float *w, Size n);
	Size		(*scratch_floats) (int dim, int hidden);
	void		(*fold_in) (struct LpServingModel *m, const int32 *items, int n, float *bu);
} LpDecoderServe;

/*
 * Scoring.  queries: the users' query step of top-k, Q = R' U (NULL: the
 * user vectors themselves); serving stores Q as the model's U.  pair, row:
 * one pair's score without biases and every item's (NULL: the dot product
 * of the query and the item vector).
 */
typedef struct LpDecoderScore
{
	void		(*queries) (const float *U, int32 n, int dim, const float *w, float *Q);
	float		(*pair) (struct LpServingModel *m, const float *q, const float *hv);
	void		(*row) (struct LpServingModel *m, const float *q, float *s);
} LpDecoderScore;

/* Evaluation's embedding scorer: after training, and for a served model. */
typedef struct LpDecoderEval
{
	void		(*trained) (const LpEmbeddings *emb, const LpTrainConfig *cfg, int32 n_dst,
							struct LpEvalEmbedding *ee);
	void		(*served) (struct LpServingModel *m, struct LpEvalEmbedding *ee);
} LpDecoderEval;

typedef struct LpDecoderKind
{
	const char *name;			/* the value of the "decoder" option; first,
								 * as in every kind (LpRegistryAdd) */
	const char *label;			/* in messages: "the MLP decoder", "its bilinear decoder" */
	/* its defaults for options the user left out (NULL: none) */
	void		(*defaults) (struct LpOptions *opts, const bool *given);
	uint32		traits;			/* LP_DEC_* bits */
	LpDecoderFit fit;
	LpDecoderStore store;
	LpDecoderServe serve;
	LpDecoderScore score;
	LpDecoderEval eval;

	/*
	 * Its serving arrays, which a shared copy (shared_cache_load.c) holds
	 * too: where each pointer is and its floats; their number (NULL: none).
	 */
	int			(*arrays) (struct LpServingModel *m, float ***where, Size *floats);
} LpDecoderKind;

/* whether decoder dk is all of what (LP_DEC_* bits) */
static inline bool
LpDecoderIs(const LpDecoderKind *dk, uint32 what)
{
	return (dk->traits & what) == what;
}

/* the decoder numbered i, NULL if none (the registry: model.h) */
static inline const LpDecoderKind *
LpDecoderAt(int i)
{
	return LpRegistryAt(LP_DECODERS, i);
}

/* the builtin decoders (model/decoders.c), registered in this order (registry.c) */
extern PGDLLIMPORT const LpDecoderKind LpDotDecoder;
extern PGDLLIMPORT const LpDecoderKind LpBilinearDecoder;
extern PGDLLIMPORT const LpDecoderKind LpMlpDecoder;
extern void LpRegisterBuiltinDecoders(void);

#endif
