#!/usr/bin/env bash
# sbatch -> RUNNING and -> COMPLETED on an all-off cluster, for each elasticity mode (3 runs each).
# Usage: bench/submit-latency.sh [RUNS]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
runs=${1:-3}
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
    read -r r c < <(in_frontend "$name" "$SLURM_PROBE")
    running+=("$r"); completed+=("$c"); engine+=("$(engine_ms)")
  done
  printf '%-8s %-32s %-32s %s\n' "$mode" "$(median "${running[@]}") (${running[*]})" "$(median "${completed[@]}") (${completed[*]})" "$(median "${engine[@]}") (${engine[*]})"
  bench_cleanup "$name"; trap - EXIT
done
