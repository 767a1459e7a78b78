# linkpred: PGXS build, plus the commands README.md gives users:
#   make test          build, install, throwaway cluster, pg_regress + pgTAP (+ shell tests)
#   make demo          build, install, throwaway cluster, sample shop data, train, recommend
#   make installcheck  the pg_regress tests (REGRESS) against a running server named by
#                      PGHOST, PGPORT, PGUSER, in a database created and dropped again
#   make sanitize      the unit tests built with -fsanitize=address,undefined

EXTENSION = linkpred
MODULE_big = linkpred
DATA = $(wildcard sql/linkpred--*.sql)

OBJS = \
	src/module.o \
	src/linkpred.o \
	src/blas.o \
	src/kernels/rng.o \
	src/kernels/simd.o \
	src/kernels/sgd.o \
	src/kernels/sampler.o \
	src/kernels/epoch.o \
	src/kernels/parallel.o \
	src/kernels/attrs.o \
	src/kernels/negshare.o \
	src/kernels/train.o \
	src/kernels/lightgcn.o \
	src/kernels/sage.o \
	src/kernels/sage_batch.o \
	src/kernels/sage_attrs.o \
	src/kernels/mlp.o \
	src/kernels/mlp_train.o \
	src/kernels/spectral.o \
	src/kernels/head.o \
	src/kernels/head_walk.o \
	src/kernels/head_regress.o \
	src/kernels/heur_graph.o \
	src/kernels/heuristics.o \
	src/kernels/metrics.o \
	src/kernels/dotblock.o \
	src/kernels/topk.o \
	src/kernels/qscan.o \
	src/kernels/ann.o \
	src/kernels/ann_build.o \
	src/kernels/ann_calibrate.o \
	src/kernels/model.o \
	src/model/options.o \
	src/model/options_json.o \
	src/model/registry.o \
	src/model/decoders.o \
	src/model/encoder_mf.o \
	src/model/encoder_spectral.o \
	src/model/encoder_lightgcn.o \
	src/model/encoder_sage.o \
	src/model/fit.o \
	src/model/headfit.o \
	src/model/scoring.o \
	src/data/loader.o \
	src/data/attrs_loader.o \
	src/data/attrs_columns.o \
	src/data/keymap.o \
	src/data/split.o \
	src/catalog/spi.o \
	src/catalog/catalog.o \
	src/catalog/jobrows.o \
	src/catalog/store.o \
	src/catalog/store_read.o \
	src/catalog/citus.o \
	src/catalog/views.o \
	src/catalog/attr_store.o \
	src/serve/versions.o \
	src/jobs/jobs.o \
	src/jobs/worker.o \
	src/jobs/pipeline.o src/jobs/tune.o src/jobs/jobfit.o src/jobs/memory.o src/jobs/jobindex.o \
	src/serve/cache.o \
	src/serve/cache_load.o \
	src/serve/cache_lazy.o \
	src/serve/shared_cache.o \
	src/serve/shared_cache_load.o \
	src/serve/serve.o \
	src/serve/ranking.o \
	src/serve/fresh_attrs.o \
	src/serve/fresh_compose.o \
	src/serve/fresh_items.o \
	src/serve/fresh_scan.o \
	src/serve/slice.o \
	src/serve/evaluate.o

# pg_regress tests: sql/<name>.sql against expected/<name>.out
REGRESS = setup train_basic bad_input serve evaluate versions sources
REGRESS_OPTS = --inputdir=.
# installcheck's database: contrib_regression_linkpred, dropped afterwards (below)
USE_MODULE_DB = 1
NO_INSTALLCHECK = 1

PG_CONFIG ?= pg_config
# OpenBLAS's cblas.h: where pkg-config says (Debian puts it in a multiarch dir)
BLAS_CFLAGS ?= $(shell pkg-config --cflags openblas 2>/dev/null)
BLAS_LIBS ?= $(or $(shell pkg-config --libs openblas 2>/dev/null),-lopenblas)
# every folder of src/ is an include directory: a header is named by its file alone
LP_SRC_DIRS = src src/kernels src/model src/data src/catalog src/jobs src/serve
PG_CPPFLAGS = $(addprefix -I$(srcdir)/,$(LP_SRC_DIRS)) $(BLAS_CFLAGS)
# extra compile and link flags: make sanitize builds with the sanitizers here
LP_EXTRA_CFLAGS ?=
# -pthread: the trainer's threads (src/kernels/parallel.c)
SHLIB_LINK = $(BLAS_LIBS) -lm -pthread $(LP_EXTRA_CFLAGS)
PG_CFLAGS = -O2 -pthread $(LP_EXTRA_CFLAGS)

# Without the server headers the build targets cannot work, but "make test"
# and "make demo" still can: their scripts install the packages first.
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
else
all install installcheck:
	@echo "PostgreSQL 15 server headers (PGXS) not found." >&2
	@echo "Install postgresql-server-dev-15, or run 'make test' as root: it installs them." >&2
	@exit 1
endif

# The numeric kernels at -O3: the vectoriser turns their element-wise update
# loops into SIMD code (sums stay in order, so the results are the same bit
# for bit); the SGD costs about a fifth less CPU (bench/train_bench.c).  The
# extra flags again after it, so that make sanitize's -O1 still wins.
$(filter src/kernels/%.o,$(OBJS)): CFLAGS += -O3 $(LP_EXTRA_CFLAGS)

# PGXS tracks no header dependencies: rebuild everything when a header changes
$(OBJS): $(foreach d,$(LP_SRC_DIRS),$(wildcard $(srcdir)/$(d)/*.h))

# PGXS's installcheck leaves its database behind; this one drops it (with any
# training worker still connected) whether the tests pass or not.  The
# differences of a failed run stay in regression.diffs.
ifneq ($(wildcard $(PGXS)),)
.PHONY: installcheck
installcheck:
	$(pg_regress_installcheck) $(REGRESS_OPTS) $(REGRESS); \
	rc=$$?; \
	'$(bindir)/psql' -X -q -d postgres -c 'DROP DATABASE IF EXISTS $(CONTRIB_TESTDB) WITH (FORCE)' || rc=1; \
	exit $$rc
endif

.PHONY: test demo bench sanitize print-regress
test:
	bash test/run.sh

# the unit tests and the whole server suite under AddressSanitizer and
# UndefinedBehaviorSanitizer (not part of make test; about twice its time)
sanitize:
	bash test/sanitize.sh

demo:
	bash test/demo.sh

bench:
	bash bench/run.sh $(BENCH_ARGS)

print-regress:
	@echo $(REGRESS)
