#!/usr/bin/env bash
# A node handed on from one job to the next: JOBS one-node jobs of 0.5 s, submitted together, run
# one after the other on a static 1-node cluster. From slurmctld.log: each job's end (its batch
# script done) -> the next job placed on the node. Prints the median and each figure; with REF,
# the same first on another commit's images, then this/other.
# Usage: bench/handoff.sh [JOBS] [REF]    (e.g. bench/handoff.sh 10 HEAD~1)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
jobs=${1:-10} ref=${2:-}
declare -A ms
trap 'bench_cleanup hoother$$; bench_cleanup hothis$$; other_cleanup' EXIT
variants=this
if [ -n "$ref" ]; then other_images "$ref"; variants="other this"; fi
for v in $variants; do
  name=ho$v$$
  variant_cluster "$v" "$name" EC4DOCK_MAXNODES=1 EC4DOCK_ELASTICITY=none -d
  until [ "$(docker exec "$name" sinfo -h -N -o %t)" = idle ]; do sleep 0.2; done
  in_frontend "$name" "for i in \$(seq 1 $jobs); do sbatch --exclusive --wrap 'sleep 0.5' >/dev/null; done
    while [ -n \"\$(squeue -h -o %i)\" ]; do sleep 0.2; done"
  # [time] _job_complete: JobId=N done ... [time] sched: Allocate JobId=N+1: the gap, in ms
  ms[$v]=$(docker exec "$name" cat /var/log/slurm/slurmctld.log | awk '
    function t(s) { split(substr(s, 13, 12), a, ":"); return (a[1] * 3600 + a[2] * 60 + a[3]) * 1000 }
    /_job_complete: JobId=[0-9]+ done/ { match($0, /JobId=[0-9]+/); done[substr($0, RSTART + 6, RLENGTH - 6)] = t($1) }
    /sched: Allocate JobId=/ { match($0, /JobId=[0-9]+/); id = substr($0, RSTART + 6, RLENGTH - 6); if ((id - 1) in done) printf "%d ", t($1) - done[id - 1] }')
  bench_cleanup "$name"
done
for v in $variants; do echo "$v: a job's end -> the next placed, median $(median ${ms[$v]}) ms (${ms[$v]})"; done
if [ -n "$ref" ]; then echo "this/other: $(awk -v a="$(median ${ms[this]})" -v b="$(median ${ms[other]})" 'BEGIN { printf "%.2f", a / b }')"; fi
