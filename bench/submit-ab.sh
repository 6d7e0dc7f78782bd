#!/usr/bin/env bash
# sbatch -> RUNNING on an all-off cluster, another commit's code against this tree's, one cluster
# at a time (a second cluster alive beside the first, booting and powering off, doubles the
# spread): blocks of PER submits in the order other, this, this, other, other, this, each on a
# fresh 2-node cluster (mode monitor, idle time 1 s) of its own images. Prints the medians and
# this/other.
# Usage: bench/submit-ab.sh REF [PER]    (e.g. bench/submit-ab.sh HEAD~3 5)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ref=${1:?usage: bench/submit-ab.sh REF [PER]}; per=${2:-5}
other_images "$ref"
declare -A ms
trap 'bench_cleanup abother$$; bench_cleanup abthis$$; other_cleanup' EXIT
for v in other this this other other this; do
  variant_cluster "$v" "ab$v$$" EC4DOCK_MAXNODES=2 EC4DOCK_IDLE_TIME=1 EC4DOCK_ELASTICITY=monitor
  for _ in $(seq 1 "$per"); do wait_all_off "ab$v$$"; ms[$v]+="$(in_frontend "ab$v$$" "$SLURM_PROBE" | cut -d' ' -f1) "; done
  bench_cleanup "ab$v$$"
done
for v in other this; do echo "$v: submit->RUNNING median $(median ${ms[$v]}) ms (${ms[$v]})"; done
echo "this/other: $(awk -v a="$(median ${ms[this]})" -v b="$(median ${ms[other]})" 'BEGIN { printf "%.2f", a / b }')"
