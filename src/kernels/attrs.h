/*
 * attrs.h: node attributes in the matrix factorisation (options
 * item_features and user_features).
 *
 * An item's vector is its id vector plus the weighted mean of the vectors
 * of its attribute values (tags, categories, a brand), plus the signed
 * terms of its numeric and vector columns, and likewise its bias:
 *
 *   v_i = V[i] + sum_a w_ia A[a] + sum_t x_it A[t]
 *   b_i = bv[i] + sum_a w_ia ab[a] + sum_t x_it ab[t]
 *
 * the categorical weights w_ia >= 0 of an item summing to 1 (LightFM's
 * hybrid), the terms' x_it of any sign and sum (attrs_columns.h: a
 * standardised value).  Here both sums are one list of (attribute, weight)
 * pairs (graph.h's item_attr), and nothing assumes a weight's sign or sum.
 * A user with attributes (a country, an age band) is composed the same way
 * from U and bu.  The two sides' values are distinct rows of one table A
 * (graph.h).  In a homogeneous graph a node's one attribute list composes
 * it as a source (from U) and as a target (from V); an undirected graph's
 * U and V are one table, composed once.  The attribute vectors are trained by the same SGD steps as
 * the id vectors: a step forms the user's and the items' vectors, updates
 * them as train.c's step does (sgd.h's dot steps), and hands each change
 * back to the id vector (in full) and to every attribute vector (times its
 * weight): since dv_i/dA[a] = w_ia (x_it for a term), that is the gradient
 * step of each part, sign included (test_attrs.c checks it by finite
 * differences).  A side without attributes is not composed: the step reads
 * and writes its id vectors directly.
 *
 * After the fit, LpAttrsCompose writes the composed vectors into U, bu, V
 * and bv, so that everything downstream (evaluation, the top-k index,
 * storing, serving) sees plain vectors.  A node with no training edge
 * (cold: in the attribute table but in no edge) keeps no id part: its
 * vector is its attributes' alone, as a node added after training would
 * have.
 *
 * Every training step trains the composed vectors, id parts included;
 * with probability cfg->id_dropout (option "id_dropout", one value for both
 * sides) an attributes-only pass follows, which scores the nodes with
 * attributes without their id parts and updates only the attributes, so
 * that the attributes alone learn to score nodes, as they must for cold
 * ones, without taking warm nodes' steps from their id parts.
 *
 * Above the samplers (sampler.h) and the training's types (sgd.h); the
 * matrix factorisation's trainer (train.c) calls it.  Nothing here calls
 * PostgreSQL.
 */
#ifndef LINKPRED_ATTRS_H
#define LINKPRED_ATTRS_H

#include "postgres.h"

#include "graph.h"
#include "rng.h"
#include "sampler.h"
#include "sgd.h"

/*
 * The default of option "id_dropout" (cfg->id_dropout): how it was chosen
 * is in attrs.c.
 */
#define LP_ATTR_DEFAULT_ID_DROPOUT 0.8

/* A and ab for g->n_attrs attribute values: N(0, 0.1^2) vectors, zero biases */
extern void LpAttrsInit(const LpGraph *g, LpEmbeddings *emb, uint64 seed);

/* floats of LpAttrStep's scratch */
#define LP_ATTR_SCRATCH_FLOATS(dim) (6 * (dim))

/*
 * One positive u -> i with its negatives, the dot decoder, nodes composed
 * of id and attribute vectors; returns the loss.  scratch holds
 * LP_ATTR_SCRATCH_FLOATS(dim) floats.
 */
extern float LpAttrStep(const LpGraph *g, const LpTrainConfig *cfg,
						const LpSamplerState *sampler, LpEmbeddings *emb, LpRng *rng,
						int32 u, int32 i, float w, float lr, float *scratch);

/*
 * After the fit: V[i] and bv[i] become item i's composed vector and bias,
 * U[u] and bu[u] user u's (each side that has attributes); the id part of
 * a node of degree 0 in g is dropped first.
 */
extern void LpAttrsCompose(const LpGraph *g, LpEmbeddings *emb);

/*
 * node i's composed vector and bias from the parts, into v (dim floats):
 * user i under users, else item i
 */
extern void LpAttrsVector(const LpGraph *g, const LpEmbeddings *emb, bool users, int32 i,
						  float *v, float *b);

#endif
