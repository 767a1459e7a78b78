/*
 * linkpred.c: what every layer above the kernels shares (linkpred.h): the
 * linkpred.* settings' variables, LpPallocHuge and LpGrowHuge for arrays
 * that may pass 1 GB, LpFloatArray for a real[] of floats, LpClip for a
 * user string in a message, and the
 * threads a job trains on.  It calls nothing of linkpred's: the module's
 * entry, which registers the settings, is module.c, at the top.
 */
#include "postgres.h"

#include <limits.h>
#include <sys/mman.h>
#include <unistd.h>

#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"

#include "linkpred.h"
#include "train.h"

char	   *linkpred_default_model = NULL;
int			linkpred_max_memory_kb = 4 * 1024 * 1024;
int			linkpred_ann_min_items = 100000;
int			linkpred_ann_probes = 0;
int			linkpred_exact_scan_8bit_min_mb = 16;
int			linkpred_training_threads = 0;
int			linkpred_simd = LP_SIMD_SETTING_AUTO;

void *
LpPallocHuge(Size n)
{
	return MemoryContextAllocHuge(CurrentMemoryContext, n);
}

void *
LpGrowHuge(void *p, Size n)
{
	return p ? repalloc_huge(p, n) : MemoryContextAllocHuge(CurrentMemoryContext, n);
}

ArrayType *
LpFloatArray(const float *v, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * n);

	for (int i = 0; i < n; i++)
		d[i] = Float4GetDatum(v[i]);
	return construct_array(d, n, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT);
}

void
LpReleasePages(void *p, Size from, Size to)
{
#ifdef MADV_DONTNEED
	static Size page = 0;
	uintptr_t	start;
	uintptr_t	end;

	if (page == 0)
		page = (Size) sysconf(_SC_PAGESIZE);
	if (p == NULL || page <= 0)
		return;
	start = TYPEALIGN((uintptr_t) page, (uintptr_t) p + from);
	end = TYPEALIGN_DOWN((uintptr_t) page, (uintptr_t) p + to);
	if (end > start)
		(void) madvise((void *) start, end - start, MADV_DONTNEED);
#endif
}

void
LpAdviseHugePages(void *p, Size n)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = 2 * 1024 * 1024;
	uintptr_t	start;
	uintptr_t	end;

	if (p == NULL || n < LP_HUGE_PAGES_MIN)
		return;
	/* the 2 MB pages wholly inside the array (a huge page is 2 MB on x86-64) */
	start = TYPEALIGN(huge, (uintptr_t) p);
	end = TYPEALIGN_DOWN(huge, (uintptr_t) p + n);
	if (end > start)
		(void) madvise((void *) start, end - start, MADV_HUGEPAGE);
#endif
}

/*
 * A user string as an error message shows it: its first
 * LINKPRED_CLIP_BYTES bytes (whole characters) and "..." when cut.  A
 * 10-million-character option value or model name must not become a
 * 10 MB error message, server log line and job row.
 */
const char *
LpClip(const char *s)
{
	size_t		len = strlen(s);
	int			cut;

	if (len <= LINKPRED_CLIP_BYTES)
		return s;
	cut = pg_mbcliplen(s, (int) Min(len, (size_t) INT_MAX), LINKPRED_CLIP_BYTES);
	return psprintf("%.*s...", cut, s);
}

/*
 * The threads a job submitted with linkpred.training_threads = setting
 * trains on a graph of n_entries positives: the setting, or for 0 the
 * machine's online cores from LP_AUTO_THREADS_MIN_ENTRIES positives on
 * (below, one: an epoch takes a fraction of a second, and a small model
 * stays the same on every machine whatever its cores); at most
 * LP_MAX_THREADS.
 */
int
LpResolveTrainingThreads(int setting, int64 n_entries)
{
	long		cores = setting > 0 ? setting :
		n_entries >= LP_AUTO_THREADS_MIN_ENTRIES ? sysconf(_SC_NPROCESSORS_ONLN) : 1;

	return (int) Max(1, Min(cores, LP_MAX_THREADS));
}

/*
 * The instruction set (simd.h) a job submitted with linkpred.simd =
 * setting may train with on a graph of n_entries positives: the widest the
 * CPU has, for "auto" from LP_AUTO_THREADS_MIN_ENTRIES positives on.  Below
 * that "auto" keeps the baseline, as it keeps one thread: a small model
 * trains in a fraction of a second and stays the same, bit for bit, on
 * every x86-64 machine.
 */
int
LpResolveSimd(int setting, int64 n_entries)
{
	if (setting == LP_SIMD_SETTING_OFF ||
		(setting == LP_SIMD_SETTING_AUTO && n_entries < LP_AUTO_THREADS_MIN_ENTRIES))
		return LP_SIMD_BASELINE;
	return LpSimdDetect();
}
