#!/usr/bin/env bash
# Job end -> node powered off (Slurm shows ~ and the container is gone), EC4DOCK_IDLE_TIME=0, each mode.
# Usage: bench/idle-off.sh [RUNS]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
runs=${1:-3}
probe='j=$(sbatch --parsable --wrap "sleep 1"); while [ -n "$(squeue -h -j $j -o %i)" ]; do sleep 0.05; done; t0=$(date +%s%N)
while sinfo -h -N -o %t | grep -vq "~$"; do sleep 0.05; done; echo $(( ($(date +%s%N) - t0) / 1000000 ))'
printf '%-8s %s\n' mode 'job end -> all nodes off, ms (median, runs)'
for mode in slurm monitor; do
  name=benchoff$mode$$
  bench_cluster "$name" EC4DOCK_MAXNODES=1 "EC4DOCK_ELASTICITY=$mode" EC4DOCK_IDLE_TIME=0
  times=()
  for _ in $(seq 1 "$runs"); do wait_all_off "$name"; times+=("$(in_frontend "$name" "$probe")"); done
  printf '%-8s %s (%s)\n' "$mode" "$(median "${times[@]}")" "${times[*]}"
  bench_cleanup "$name"; trap - EXIT
done
