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
    job=$(in_frontend "$name" 'sbatch --parsable --wrap "sleep 300"')
    until [ "$(docker exec "$name" squeue -h -j "$job" -o %T)" = RUNNING ]; do sleep 0.1; done
    victim=$(docker exec "$name" squeue -h -j "$job" -o %N)
    read -r q r < <(docker exec "$name" bash -c "docker kill $victim >/dev/null; t0=\$(date +%s%N); q=
      while :; do s=\$(squeue -h -j $job -o %T); n=\$(( (\$(date +%s%N) - t0) / 1000000 ))
        [ -z \"\$q\" ] && [ \"\$s\" = PENDING ] && q=\$n
        [ -n \"\$q\" ] && [ \"\$s\" = RUNNING ] && { echo \$q \$n; break; }
        [ \$n -gt 300000 ] && { echo timeout timeout; break; }
        sleep 0.05; done")
    requeued+=("$q"); rerun+=("$r")
    docker exec "$name" scancel "$job"
  done
  printf '%-8s %-30s %s\n' "$mode" "$(median "${requeued[@]}") (${requeued[*]})" "$(median "${rerun[@]}") (${rerun[*]})"
  bench_cleanup "$name"; trap - EXIT
done
