#!/usr/bin/env bash
# Grid Engine: qsub -> running and -> finished on an all-off cluster (clues-monitor powers a node on).
# Usage: bench/sge-submit-latency.sh [RUNS]   (needs: npm run images -- sge)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
runs=${1:-3}
# Polls qstat every 50 ms from inside the frontend; prints "running_ms finished_ms".
probe='t0=$(date +%s%N); j=$(echo "hostname; sleep 1" | qsub -terse); r=; c=
while :; do s=$(qstat | awk -v j=$j "\$1 == j { print \$5 }"); n=$(date +%s%N)
  [ -z "$r" ] && [ "$s" = r -o -z "$s" ] && r=$(( (n - t0) / 1000000 ))
  [ -z "$s" ] && { c=$(( (n - t0) / 1000000 )); break; }
  [ $(( (n - t0) / 1000000 )) -gt 120000 ] && { echo "timeout"; exit 1; }
  sleep 0.05; done; echo "$r $c"'
# wait_ge_all_off NAME: no node in the queue's host group and no node container.
wait_ge_all_off() {
  local deadline=$((SECONDS + 120))
  until docker exec "$1" qconf -shgrp @allhosts | grep -q '^hostlist *NONE' && [ -z "$(docker ps -q --filter "label=org.ec4docker.cluster=$1" --filter label=org.ec4docker.role=node)" ]; do
    [ $SECONDS -lt $deadline ] || { echo "bench: nodes of $1 still on after 120 s" >&2; return 1; }
    sleep 0.2
  done
}
name=benchsge$$
bench_cluster "$name" EC4DOCK_MIDDLEWARE=sge EC4DOCK_MAXNODES=2 EC4DOCK_IDLE_TIME=1
running=() finished=()
for _ in $(seq 1 "$runs"); do
  wait_ge_all_off "$name"
  read -r r c < <(in_frontend "$name" "$probe")
  running+=("$r"); finished+=("$c")
done
printf '%-8s %-32s %s\n' middleware 'qsub->running ms (median)' 'qsub->finished ms (median)'
printf '%-8s %-32s %s\n' sge "$(median "${running[@]}") (${running[*]})" "$(median "${finished[@]}") (${finished[*]})"
