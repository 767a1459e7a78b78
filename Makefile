# linkpred: PGXS build, plus the two commands README.md gives users:
#   make test   build, install, throwaway cluster, pg_regress + pgTAP (+ shell tests)
#   make demo   build, install, throwaway cluster, sample shop data, train, recommend

EXTENSION = linkpred
MODULE_big = linkpred
DATA = $(wildcard sql/linkpred--*.sql)

OBJS = \
	src/linkpred.o \
	src/blas.o \
	src/options.o \
	src/catalog.o \
	src/keymap.o \
	src/loader.o \
	src/split.o \
	src/sampler.o \
	src/train.o \
	src/store.o \
	src/worker.o \
	src/pipeline.o \
	src/jobs.o \
	src/jobrows.o \
	src/versions.o \
	src/cache.o \
	src/shared_cache.o \
	src/head.o \
	src/headfit.o \
	src/fit.o \
	src/scoring.o \
	src/model.o \
	src/registry.o \
	src/encoder_mf.o \
	src/encoder_spectral.o \
	src/encoder_lightgcn.o \
	src/encoder_sage.o \
	src/spectral.o \
	src/lightgcn.o \
	src/sage.o \
	src/mlp.o \
	src/serve.o \
	src/topk.o \
	src/ann.o \
	src/ann_build.o \
	src/eval.o \
	src/heuristics.o \
	src/evaluate.o

# pg_regress tests: sql/<name>.sql against expected/<name>.out
REGRESS = setup train_basic bad_input serve evaluate versions
REGRESS_OPTS = --inputdir=.

PG_CONFIG ?= pg_config
# OpenBLAS's cblas.h: where pkg-config says (Debian puts it in a multiarch dir)
BLAS_CFLAGS ?= $(shell pkg-config --cflags openblas 2>/dev/null)
BLAS_LIBS ?= $(or $(shell pkg-config --libs openblas 2>/dev/null),-lopenblas)
PG_CPPFLAGS = -I$(srcdir)/src $(BLAS_CFLAGS)
SHLIB_LINK = $(BLAS_LIBS) -lm
PG_CFLAGS = -O2

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

# PGXS tracks no header dependencies: rebuild everything when a header changes
$(OBJS): $(wildcard $(srcdir)/src/*.h)

.PHONY: test demo bench print-regress
test:
	bash test/run.sh

demo:
	bash test/demo.sh

bench:
	bash bench/run.sh $(BENCH_ARGS)

print-regress:
	@echo $(REGRESS)
