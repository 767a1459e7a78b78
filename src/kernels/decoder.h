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
 * The registry (model.c, beside the encoders') calls no PostgreSQL
 * function: the trainer's kernels read its kinds, and a unit test
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

typedef struct LpDecoderKind
{
	const char *name;			/* the value of the "decoder" option */
	const char *label;			/* in messages: "the MLP decoder", "its bilinear decoder" */

	/* Options: its defaults for what the user left out (NULL: none). */
	void		(*defaults) (struct LpOptions *opts, const bool *given);

	/*
	 * A pair scores U[u] . V[v], the vectors as trained, and nothing else:
	 * every encoder trains it (the others need LpEncoderKind.trains_decoders),
	 * stored vectors can seed a retrain, item attributes compose vectors for
	 * it, the matrix factorisation's bipartite defaults were measured with
	 * it, and a tied model serves from one node table.
	 */
	bool		vectors_only;

	/* Memory (linkpred.max_memory), NULL for none: bytes counted with the
	 * embeddings, and its own work space, reported as "<label> decoder". */
	double		(*emb_bytes) (const LpGraph *g, double dim);
	double		(*work_bytes) (const LpGraph *g, const LpTrainConfig *cfg);

	/*
	 * Training.  one_table: a homogeneous graph keeps one node table even
	 * when directed (the decoder gives the direction).  alloc: its weights
	 * in emb, initialised (NULL: none).  The matrix factorisation's SGD
	 * (train.c) runs it per pair: sgd_matrix, the bilinear step that also
	 * trains R; parallel, the several-thread loop (parallel.c) can run it.
	 * fit: it trains the matrix factorisation's vectors itself, jointly
	 * with its weights (NULL: the SGD does, LpTrain).
	 */
	bool		one_table;
	void		(*alloc) (const LpGraph *g, const LpTrainConfig *cfg, LpEmbeddings *emb);
	bool		sgd_matrix;
	bool		parallel;
	LpTrainResult (*fit) (const LpFitArgs *a);

	/*
	 * What a version stores (version_catalog.decoder): n_weights floats from
	 * weights(emb) (n_weights NULL: nothing stored).
	 */
	Size		(*n_weights) (int dim, int hidden);
	const float *(*weights) (const LpEmbeddings *emb);

	/*
	 * Scoring.  queries: the users' query step of top-k, Q = R' U (NULL:
	 * the user vectors themselves); serving stores Q as the model's U.
	 * load: serving takes its n stored weights w in (NULL: nothing but
	 * queries).  eval: evaluation's embedding scorer after training.
	 * serve_eval: the same for a served model.  score, score_row: one
	 * pair's score without biases and every item's (NULL: the dot product
	 * of the query and the item vector).  scratch_floats: what those need
	 * in the serving model's mlp_scratch.  arrays: its serving arrays, which
	 * a shared copy holds too: where each pointer is and its floats; their
	 * number (NULL: none).  fold_in: a fresh user's vector (NULL: LpFoldIn).
	 * ann_index: an inner-product index can rank its top-k.
	 */
	void		(*queries) (const float *U, int32 n, int dim, const float *w, float *Q);
	void		(*load) (struct LpServingModel *m, const float *w, Size n);
	void		(*eval) (const LpEmbeddings *emb, const LpTrainConfig *cfg, int32 n_dst,
						 struct LpEvalEmbedding *ee);
	void		(*serve_eval) (struct LpServingModel *m, struct LpEvalEmbedding *ee);
	float		(*score) (struct LpServingModel *m, const float *q, const float *hv);
	void		(*score_row) (struct LpServingModel *m, const float *q, float *s);
	Size		(*scratch_floats) (int dim, int hidden);
	int			(*arrays) (struct LpServingModel *m, float ***where, Size *floats);
	void		(*fold_in) (struct LpServingModel *m, const int32 *items, int n, float *bu);
	bool		ann_index;
} LpDecoderKind;

/* most decoders the registry holds */
#define LP_MAX_DECODERS 8

/*
 * Add a decoder; its number (the value LpOptions.decoder holds) is the
 * order of registration.  A second kind of the same name is ignored and
 * returns the first one's number.
 */
extern int	LpRegisterDecoder(const LpDecoderKind *kind);

/* the decoder numbered i, NULL if none; by name, -1 if none */
extern const LpDecoderKind *LpDecoderAt(int i);
extern int	LpDecoderIndex(const char *name);

/* the names of every registered decoder, NULL-terminated, index = number */
extern const char *const *LpDecoderNames(void);

/* the builtin decoders (model/decoders.c), registered in this order (registry.c) */
extern PGDLLIMPORT const LpDecoderKind LpDotDecoder;
extern PGDLLIMPORT const LpDecoderKind LpBilinearDecoder;
extern PGDLLIMPORT const LpDecoderKind LpMlpDecoder;
extern void LpRegisterBuiltinDecoders(void);

#endif
