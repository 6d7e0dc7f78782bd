#!/usr/bin/env bash
# sbatch -> RUNNING and -> COMPLETED on an all-off cluster, for each elasticity mode (3 runs each).
# Usage: bench/submit-latency.sh [RUNS]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
runs=${1:-3}
# Polls squeue every 50 ms from inside the frontend; prints "running_ms completed_ms".
probe='t0=$(date +%s%N); j=$(sbatch --parsable --wrap "hostname; sleep 1"); r=; c=
while :; do s=$(squeue -h -j $j -o %T 2>/dev/null); n=$(date +%s%N)
  [ -z "$r" ] && [ "$s" = RUNNING -o "$s" = COMPLETING -o -z "$s" ] && r=$(( (n - t0) / 1000000 ))
  [ -z "$s" ] && { c=$(( (n - t0) / 1000000 )); break; }
  [ $(( (n - t0) / 1000000 )) -gt 120000 ] && { echo "timeout"; exit 1; }
  sleep 0.05; done; echo "$r $c"'
# The engine's own speed in the same run: one plain `docker run -d` on a network, in ms.
engine_ms() {
  local t0 ms; docker network create benchnet$$ >/dev/null; t0=$(date +%s%N)
  docker run -d --name benchplain$$ --network benchnet$$ --entrypoint sleep ec4dslurm:wn 60 >/dev/null
  ms=$(( ($(date +%s%N) - t0) / 1000000 )); docker rm -f benchplain$$ >/dev/null; docker network rm benchnet$$ >/dev/null; echo "$ms"
}
printf '%-8s %-32s %-32s %s\n' mode 'submit->RUNNING ms (median)' 'submit->COMPLETED ms (median)' 'engine: docker run ms'
for mode in slurm monitor; do
  name=bench$mode$$
  bench_cluster "$name" EC4DOCK_MAXNODES=2 "EC4DOCK_ELASTICITY=$mode" EC4DOCK_IDLE_TIME=1
  running=() completed=() engine=()
  for _ in $(seq 1 "$runs"); do
    wait_all_off "$name"
    read -r r c < <(in_frontend "$name" "$probe")
    running+=("$r"); completed+=("$c"); engine+=("$(engine_ms)")
  done
  printf '%-8s %-32s %-32s %s\n' "$mode" "$(median "${running[@]}") (${running[*]})" "$(median "${completed[@]}") (${completed[*]})" "$(median "${engine[@]}") (${engine[*]})"
  bench_cleanup "$name"; trap - EXIT
done
