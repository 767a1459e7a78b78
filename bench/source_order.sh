#!/usr/bin/env bash
# source_order.sh: the shared-negative step in source order with lanes and
# the user's row moved once a step (docs/training.md, "Negatives shared by a
# group of edges") against 7f782ac, the last commit with the shuffled order
# and the per-pair move: bench/kernel_ab.sh's throughput and quality runs,
# into bench/RESULTS-source-order.md.
#
# Usage: bash bench/source_order.sh [--small]
exec bash "$(dirname "$0")/kernel_ab.sh" --before "${BEFORE:-7f782ac}" --out RESULTS-source-order.md \
	--title "the shared-negative step in source order" "$@"
