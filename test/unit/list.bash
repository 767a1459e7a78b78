# list.bash: the unit tests and the sources each is built from.  Sourced
# by test/run.sh (make test) and test/sanitize.sh (make sanitize), which
# define unit NAME SOURCES... and K (src/kernels).

# the SGD trainer, the layers under it (src/kernels/train.h lists them) and
# the registry it asks for the decoder's kind
TRAINER=("$K/train.c" "$K/negshare.c" "$K/model.c" "$K/attrs.c" "$K/parallel.c" "$K/epoch.c" "$K/sampler.c" "$K/sgd.c" "$K/rng.c" "$K/simd.c")

unit test_train "${TRAINER[@]}" -pthread
unit test_parallel "${TRAINER[@]}" -pthread
unit test_simd "${TRAINER[@]}" -pthread
unit test_heuristics "$K/heuristics.c"
unit test_split "$LP_SRC/src/data/split.c" "$K/rng.c"
unit test_eval "$K/metrics.c" "$K/dotblock.c" "$K/topk.c" "$K/mlp.c" "${TRAINER[@]}" $(pkg-config --cflags --libs openblas) -pthread
unit test_head "$K/head.c" "$K/head_walk.c" "$K/head_regress.c" "$K/heur_graph.c"
unit test_lightgcn "$K/lightgcn.c" "${TRAINER[@]}" -pthread
unit test_sage "$K/sage.c" "$K/sage_batch.c" "$K/sage_attrs.c" "${TRAINER[@]}" $(pkg-config --cflags --libs openblas) -pthread
unit test_mlp "$K/mlp.c" "$K/mlp_train.c" "${TRAINER[@]}" $(pkg-config --cflags --libs openblas) -pthread
unit test_spectral "$K/spectral.c" "$K/rng.c" "$K/head.c" "$K/head_walk.c" "$K/head_regress.c" "$K/heur_graph.c" "$K/heuristics.c" $(pkg-config --cflags --libs openblas)
unit test_model "${TRAINER[@]}" -pthread
unit test_ann "$K/ann.c" "$K/ann_build.c" "$K/ann_calibrate.c" "$K/topk.c" $(pkg-config --cflags --libs openblas)
unit test_shard
unit test_attrs "${TRAINER[@]}" -pthread
unit test_sage_attrs "$K/sage.c" "$K/sage_batch.c" "$K/sage_attrs.c" "${TRAINER[@]}" $(pkg-config --cflags --libs openblas) -pthread
unit test_qscan "$K/qscan.c" "$K/rng.c" "$K/simd.c"
unit test_dotblock "$K/dotblock.c" "$K/rng.c" "$K/simd.c"
