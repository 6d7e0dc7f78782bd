#!/usr/bin/env bash
# A node container killed mid-job -> the job requeued (PENDING) -> running again elsewhere, each mode.
# Usage: [MODES="slurm monitor"] bench/requeue.sh [RUNS]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
runs=${1:-3}
printf '%-8s %-30s %s\n' mode 'kill -> requeued ms (median)' 'kill -> running again ms (median)'
for mode in ${MODES:-slurm monitor}; do
  name=benchrq$mode$$
  bench_cluster "$name" EC4DOCK_MAXNODES=2 "EC4DOCK_ELASTICITY=$mode" EC4DOCK_IDLE_TIME=60
  requeued=() rerun=()
  for _ in $(seq 1 "$runs"); do
    IFS=/ read -r q r < <(requeue_once "$name")
    requeued+=("$q"); rerun+=("$r")
  done
  printf '%-8s %-30s %s\n' "$mode" "$(median "${requeued[@]}") (${requeued[*]})" "$(median "${rerun[@]}") (${rerun[*]})"
  bench_cleanup "$name"; trap - EXIT
done
