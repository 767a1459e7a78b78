#!/usr/bin/env bash
# epochs_curve.sh: how the default model's quality grows with its epochs,
# on VALIDATION data carved from training edges only (validation.bash):
# Recall@20 and training seconds of the default matrix factorisation at
# 5, 10, 20 and 40 epochs (the default) on Gowalla and LastFM.  The figure
# that matters for big graphs: how many epochs reach most of the quality
# of 40, since every epoch is a full pass over the edges.  Writes
# bench/RESULTS-epochs.md.  Seed 1 everywhere.
#
# Usage: bash bench/epochs_curve.sh   (EPOCHS="5 10 ..." for other counts)
source "$(dirname "$0")/validation.bash"
out="$LP_SRC/bench/RESULTS-epochs.md"
lp_psql -q -c "CREATE TABLE grid (graph text, epochs int, part text, recall float8, ndcg float8, seconds float8)"
EPOCHS=${EPOCHS:-"5 10 20 40"}
for g in lastfm gowalla; do
	for e in $EPOCHS; do
		val_run $g val "{\"encoder\": \"mf\", \"epochs\": $e, \"seed\": 1}" "$e" "epochs $e"
	done
done
{
	echo "# The default model's quality against its epochs, on validation data"
	echo
	echo "\`bash bench/epochs_curve.sh\`, $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),"
	echo "$(free -g | awk '/^Mem:/ {print $2}') GB memory, shared with other work (seconds are inflated); $(( $(date +%s) - started )) s in all."
	echo "The default model (\`\"mf\"\`, every option at its default but \`epochs\`), seed 1, validation parts of"
	echo "\`bench/validation_load.sql\` (Gowalla's training file split again per user; LastFM's bench split)."
	echo "\"of 40\": Recall@20 divided by that of the default 40 epochs on the same graph."
	echo
	echo "| graph | epochs | val Recall@20 | of 40 | val NDCG@20 | seconds (train + evaluate) |"
	echo "|---|---|---|---|---|---|"
	q -F ' | ' <<SQL | sed 's/^/| /; s/$/ |/'
SELECT g.graph, g.epochs, round(g.recall::numeric, 4),
       round((g.recall / (SELECT recall FROM grid b WHERE b.graph = g.graph AND b.epochs = 40))::numeric, 3),
       round(g.ndcg::numeric, 4), round(g.seconds::numeric, 1)
FROM grid g ORDER BY g.graph, g.epochs;
SQL
} >"$out"
cat "$out"
