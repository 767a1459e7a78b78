# list.bash: the unit tests and the sources each is built from.  Sourced
# by test/run.sh (make test) and test/sanitize.sh (make sanitize), which
# define unit NAME SOURCES... and K (src/kernels).
unit test_train "$K/train.c" "$K/attrs.c" "$K/sampler.c" "$K/parallel.c" -pthread
unit test_parallel "$K/train.c" "$K/attrs.c" "$K/sampler.c" "$K/parallel.c" -pthread
unit test_heuristics "$K/heuristics.c"
unit test_split "$LP_SRC/src/data/split.c" "$K/sampler.c"
unit test_eval "$K/metrics.c" "$K/topk.c" "$K/mlp.c" "$K/train.c" "$K/attrs.c" "$K/parallel.c" "$K/sampler.c" $(pkg-config --cflags --libs openblas) -pthread
unit test_head "$K/head.c"
unit test_lightgcn "$K/lightgcn.c" "$K/train.c" "$K/attrs.c" "$K/parallel.c" "$K/sampler.c" -pthread
unit test_sage "$K/sage.c" "$K/sage_batch.c" "$K/train.c" "$K/attrs.c" "$K/parallel.c" "$K/sampler.c" $(pkg-config --cflags --libs openblas) -pthread
unit test_mlp "$K/mlp.c" "$K/mlp_train.c" "$K/train.c" "$K/attrs.c" "$K/parallel.c" "$K/sampler.c" $(pkg-config --cflags --libs openblas) -pthread
unit test_spectral "$K/spectral.c" "$K/sampler.c" "$K/head.c" "$K/heuristics.c" $(pkg-config --cflags --libs openblas)
unit test_model "$K/model.c" "$K/train.c" "$K/attrs.c" "$K/parallel.c" "$K/sampler.c" -pthread
unit test_ann "$K/ann.c" "$K/ann_build.c" "$K/topk.c" $(pkg-config --cflags --libs openblas)
unit test_shard
unit test_attrs "$K/attrs.c" "$K/train.c" "$K/parallel.c" "$K/sampler.c" -pthread
