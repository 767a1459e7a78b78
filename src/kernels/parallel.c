/*
 * parallel.c: the epoch loop over several threads (parallel.h says what it
 * promises: disjoint cells per round, bit-for-bit repeats).
 *
 * Why cells and not Hogwild.  Lock-free updates of shared rows from
 * threads that race (Hogwild) scale as well, but a race decides which of
 * two updates of a popular item lands last, so no two runs agree and a
 * fixed seed means nothing.  Stratified SGD (DSGD; PyTorch-BigGraph's
 * buckets) removes the races instead: within a round the threads own
 * disjoint blocks of sources and targets, negatives included, so every
 * write is to a row only one thread touches and the result depends only
 * on the seed and the thread count.  Over the T rounds of an epoch every
 * positive is visited once, and every target block serves every source
 * block as negatives, so the objective is the serial one; what changes is
 * the order of the positives (by cell) and that a positive's negatives
 * come from its own target block.
 *
 * A round has 4 cells per thread (at most 32, and at least 256 target
 * nodes a block), which the threads take one at a time: a thread that
 * another process holds up delays one small cell while the others take
 * the rest.  Each cell has its own random stream,
 * seeded from (seed, cell), and its own loss, summed in cell order, so
 * which thread ran which cell leaves no trace in the result.
 *
 * The threads are created once per run and parked on a barrier between
 * pieces of work; the calling thread takes part as thread 0 and alone
 * calls back into the caller.  The control block is malloc'd, never on the
 * stack, so that a progress callback leaving by longjmp cannot pull memory
 * from under the parked threads.  No PostgreSQL calls.
 */
#include "postgres.h"

#include <pthread.h>
#include <signal.h>

#include "parallel.h"

/*
 * Cells per round: 4 per thread, so that a thread another process holds
 * up delays one small cell while the others take the rest, at most 32 (a
 * tied graph's 2C node blocks are bits of a uint64).
 */
#define CELLS_PER_THREAD 4
#define MAX_ROUND_CELLS 32
/*
 * ... and no more than leave each target block this many nodes: a cell's
 * negatives come from its target block, and a small graph cut finely would
 * draw them from a few dozen nodes.
 */
#define MIN_BLOCK_NODES 256
/* rounds (2C - 1 at most) times cells per round */
#define MAX_CELLS ((2 * MAX_ROUND_CELLS - 1) * MAX_ROUND_CELLS)

/* a barrier that can shrink (a thread failed to start) */
typedef struct Barrier
{
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int			n;
	int			waiting;
	uint64		gen;
} Barrier;

/* one cell's stream and its part of the piece, a cache line apart */
typedef struct CellSlot
{
	LpRng		rng;
	double		loss;
	int64		count;
	char		pad[16];
} CellSlot;

/* a thread's sampler: the cell it works on sets `allowed` */
typedef struct ThreadSlot
{
	LpSamplerState sampler;
	char		pad[64];
} ThreadSlot;

typedef struct ParRun
{
	Barrier		start;
	Barrier		done;
	bool		quit;
	int			threads;
	int			cells;			/* per round: C */
	int			rounds;
	bool		tied;
	int			blocks;			/* node blocks: C, or 2C when tied */
	int			next;			/* the next cell of the piece a thread takes */

	/* the piece the threads work on */
	int			epoch;
	int			round;
	int64		piece;
	int64		pieces;
	int64		step_base;
	int64		round_len;

	LpEntry	   *order;
	const int32 *entry_src;
	bool		by_source;		/* LP_ORDER_BY_SOURCE: PlaceCells, ShuffleRuns */
	LpShareFn	fn;
	void	   *state;

	int64		cell_off[MAX_CELLS + 1];
	int64		cell_at[MAX_CELLS];	/* PlaceCells' cursors */
	uint64		cell_mask[MAX_CELLS];	/* target blocks a cell's negatives come from */
	int16		pair_cell[2 * MAX_ROUND_CELLS][2 * MAX_ROUND_CELLS];	/* tied */
	CellSlot	cell[MAX_CELLS];
	ThreadSlot	slot[LP_MAX_THREADS];
	pthread_t	tid[LP_MAX_THREADS];
} ParRun;

typedef struct ThreadArg
{
	ParRun	   *run;
	int			t;
} ThreadArg;

static void
BarrierInit(Barrier *b, int n)
{
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	b->n = n;
	b->waiting = 0;
	b->gen = 0;
}

static void
BarrierWait(Barrier *b)
{
	pthread_mutex_lock(&b->mu);
	if (++b->waiting >= b->n)
	{
		b->waiting = 0;
		b->gen++;
		pthread_cond_broadcast(&b->cv);
	}
	else
	{
		uint64		gen = b->gen;

		while (gen == b->gen)
			pthread_cond_wait(&b->cv, &b->mu);
	}
	pthread_mutex_unlock(&b->mu);
}

/* the cell of positive u -> i: (round, cell of the round) flattened */
static inline int
CellOf(const ParRun *p, int32 u, int32 i)
{
	int			a = LpNodeBlock(u, p->blocks),
				b = LpNodeBlock(i, p->blocks);

	if (p->tied)
		return p->pair_cell[a][b];
	return ((b - a + p->cells) % p->cells) * p->cells + a;
}

/*
 * The rounds: bipartite, cell k of round r has source block k and target
 * block (k + r) mod C.  Tied, the 2C blocks play a round-robin tournament
 * (the circle method: block 2C - 1 stays, the others rotate), cell k of
 * round r holding one pair; a block's positives within itself go to the
 * cell that holds the block in round 0.
 */
static void
PlanCells(ParRun *p)
{
	int			C = p->cells;

	if (!p->tied)
	{
		p->rounds = C;
		p->blocks = C;
		for (int r = 0; r < C; r++)
			for (int k = 0; k < C; k++)
				p->cell_mask[r * C + k] = UINT64CONST(1) << ((k + r) % C);
		return;
	}
	p->rounds = 2 * C - 1;
	p->blocks = 2 * C;
	for (int r = 0; r < p->rounds; r++)
		for (int k = 0; k < C; k++)
		{
			int			m = p->rounds;
			int			a = k == 0 ? m : (r + k) % m;
			int			b = k == 0 ? r : (r - k + m) % m;
			int			cell = r * C + k;

			p->pair_cell[a][b] = p->pair_cell[b][a] = (int16) cell;
			p->cell_mask[cell] = (UINT64CONST(1) << a) | (UINT64CONST(1) << b);
			if (r == 0)
				p->pair_cell[a][a] = p->pair_cell[b][b] = (int16) cell;
		}
}

/* order holds every entry: regroup it by cell (counting sort, CSR order within) */
static void
LayOutCells(ParRun *p, const LpGraph *g, const int32 *entry_src, LpEntry *order)
{
	int			cells = p->rounds * p->cells;
	int64	   *pos = p->cell_off;

	memset(pos, 0, sizeof(int64) * (cells + 1));
	for (int64 e = 0; e < g->n_entries; e++)
		pos[CellOf(p, entry_src[e], g->targets[e]) + 1]++;
	for (int c = 0; c < cells; c++)
		pos[c + 1] += pos[c];
	/* pos[c] walks cell c, then is moved back to its start */
	for (int64 e = 0; e < g->n_entries; e++)
		order[pos[CellOf(p, entry_src[e], g->targets[e])]++] = e;
	for (int c = cells; c > 0; c--)
		pos[c] = pos[c - 1];
	pos[0] = 0;
}

/*
 * An epoch's order of each cell's positives, as LpSourceOrder's: each
 * source's positives of the cell together, the sources in the epoch's
 * random order (one for all cells, from rng); Work shuffles each source's
 * run.  The cells' bounds (cell_off) stay.
 */
static void
PlaceCells(ParRun *p, const LpGraph *g, LpEntry *order, LpRng *rng)
{
	LpAffinePerm perm;

	memcpy(p->cell_at, p->cell_off, sizeof(int64) * p->rounds * p->cells);
	LpAffineDraw(&perm, g->n_src, rng);
	for (int64 k = 0; k < g->n_src; k++)
	{
		int32		u = LpAffineAt(&perm, k);

		for (int64 e = g->offsets[u]; e < g->offsets[u + 1]; e++)
			order[p->cell_at[CellOf(p, u, g->targets[e])]++] = (LpEntry) e;
	}
}

/* each run of one source's positives in order[lo .. lo + len - 1], shuffled */
static void
ShuffleRuns(const int32 *entry_src, LpEntry *order, int64 len, LpRng *rng)
{
	int64		run = 0;

	for (int64 x = 1; x <= len; x++)
		if (x == len || entry_src[order[x]] != entry_src[order[run]])
		{
			LpShuffle(order + run, x - run, rng);
			run = x;
		}
}

/*
 * Thread t's part of the current piece: the cells of the round it takes,
 * one at a time, each's share of the piece.  Which thread takes a cell
 * changes nothing: the cell's stream and loss are its own.
 */
static void
Work(ParRun *p, int t)
{
	LpSamplerState *sampler = &p->slot[t].sampler;
	int			k;

	while ((k = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) < p->cells)
	{
		int			cell = p->round * p->cells + k;
		CellSlot   *c = &p->cell[cell];
		int64		lo0 = p->cell_off[cell];
		int64		len = p->cell_off[cell + 1] - lo0;
		int64		lo = lo0 + len * p->piece / p->pieces,
					hi = lo0 + len * (p->piece + 1) / p->pieces;
		LpShare		sh;

		if (p->piece == 0)
		{
			if (p->by_source)
				ShuffleRuns(p->entry_src, p->order + lo0, len, &c->rng);
			else
				LpShuffle(p->order + lo0, len, &c->rng);
		}
		sampler->allowed = p->cell_mask[cell];
		sh.epoch = p->epoch;
		sh.cell = k;
		sh.cells = p->cells;
		sh.cell_lo = lo0;
		sh.cell_len = len;
		sh.step_base = p->step_base;
		sh.round_len = p->round_len;
		c->loss = 0;
		c->count = hi - lo;
		if (hi > lo)
			p->fn(p->state, p->order, lo, hi, &sh, sampler, &c->rng, &c->loss);
	}
}

static void *
ThreadMain(void *varg)
{
	ThreadArg  *a = varg;
	ParRun	   *p = a->run;

	for (;;)
	{
		BarrierWait(&p->start);
		if (p->quit)
			return NULL;
		Work(p, a->t);
		BarrierWait(&p->done);
	}
}

/* release and join threads 1 .. started - 1 */
static void
StopThreads(ParRun *p, int started)
{
	p->quit = true;
	BarrierWait(&p->start);
	for (int t = 1; t < started; t++)
		pthread_join(p->tid[t], NULL);
}

LpTrainResult
LpEpochLoopParallel(const LpGraph *g, const LpTrainConfig *cfg, int threads, int64 chunk,
					LpEpochOrder how, LpRng *rng, LpEntry *order, const int32 *entry_src,
					const LpSamplerState *sampler, LpShareFn fn, LpSerialFn serial,
					void *state, LpProgressFn progress, void *arg, double *final_loss)
{
	int64		n = g->n_entries;
	ParRun	   *p = calloc(1, sizeof(ParRun));
	ThreadArg	targ[LP_MAX_THREADS];
	sigset_t	all,
				old;
	int			started = 1;
	LpTrainResult result = LP_TRAIN_OK;

	*final_loss = 0;
	if (p == NULL)
		return LP_TRAIN_NO_THREADS;
	threads = Max(2, Min(threads, LP_MAX_THREADS));
	p->threads = threads;
	p->cells = Max(threads, Min(Min(CELLS_PER_THREAD * threads, MAX_ROUND_CELLS),
								(g->tied ? g->n_src / 2 : g->n_dst) / MIN_BLOCK_NODES));
	p->tied = g->tied;
	p->order = order;
	p->entry_src = entry_src;
	p->by_source = how == LP_ORDER_BY_SOURCE;
	p->fn = fn;
	p->state = state;
	PlanCells(p);
	LayOutCells(p, g, entry_src, order);
	/* cell c's stream: from (seed, c), apart from the caller's */
	for (int c = 0; c < p->rounds * p->cells; c++)
		LpRngSeed(&p->cell[c].rng, cfg->seed ^ (UINT64CONST(0x7f4a7c159e3779b9) * (uint64) (c + 1)));
	for (int t = 0; t < threads; t++)
	{
		p->slot[t].sampler = *sampler;
		p->slot[t].sampler.blocks = p->blocks;
	}
	BarrierInit(&p->start, threads);
	BarrierInit(&p->done, threads);

	/* the helpers never run a signal handler: PostgreSQL's belong to this thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (; started < threads; started++)
	{
		targ[started].run = p;
		targ[started].t = started;
		if (pthread_create(&p->tid[started], NULL, ThreadMain, &targ[started]) != 0)
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started < threads)
	{
		pthread_mutex_lock(&p->start.mu);
		p->start.n = started;
		pthread_mutex_unlock(&p->start.mu);
		StopThreads(p, started);
		free(p);
		return LP_TRAIN_NO_THREADS;
	}

	chunk = Max(chunk, 1);
	for (p->epoch = 1; p->epoch <= cfg->epochs && result == LP_TRAIN_OK; p->epoch++)
	{
		double		loss = 0;
		int64		done = 0;

		if (p->by_source)
			PlaceCells(p, g, order, rng);
		for (p->round = 0; p->round < p->rounds && result == LP_TRAIN_OK; p->round++)
		{
			int64		rlo = p->cell_off[p->round * p->cells],
						rhi = p->cell_off[(p->round + 1) * p->cells];

			p->round_len = rhi - rlo;
			p->step_base = (int64) (p->epoch - 1) * n + done;
			p->pieces = Max((p->round_len + chunk - 1) / chunk, 1);
			for (p->piece = 0; p->piece < p->pieces; p->piece++)
			{
				int64		now = done;

				p->next = 0;
				BarrierWait(&p->start);
				Work(p, 0);
				BarrierWait(&p->done);
				/* in cell order, whichever thread ran each */
				for (int k = 0; k < p->cells; k++)
				{
					loss += p->cell[p->round * p->cells + k].loss;
					now += p->cell[p->round * p->cells + k].count;
				}
				if (serial)
					serial(state, p->epoch, done, now, rng);
				done = now;
				if (isnan(loss) || isinf(loss))
				{
					result = LP_TRAIN_DIVERGED;
					break;
				}
				if (progress && !progress(arg, p->epoch, (double) done / n, loss / Max(done, 1),
										  done == n))
				{
					result = LP_TRAIN_STOPPED;
					break;
				}
			}
		}
		if (result == LP_TRAIN_OK)
			*final_loss = loss / Max(n, 1);
	}
	StopThreads(p, threads);
	free(p);
	return result;
}
