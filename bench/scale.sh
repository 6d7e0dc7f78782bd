#!/usr/bin/env bash
# N nodes powered on together -> all idle in Slurm, and the memory of an idle node.
# Usage: bench/scale.sh [N...]   (default: 20 50)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
printf '%-6s %-26s %-22s %s\n' nodes 'poweron -> all idle, ms' 'idle node memory MiB' 'frontend MiB'
for n in "${@:-20 50}"; do
  name=benchscale$n$$
  bench_cluster "$name" "EC4DOCK_MAXNODES=$n" EC4DOCK_ELASTICITY=none
  nodes=$(docker exec "$name" sinfo -h -N -o %N | tr '\n' ' ')
  ms=$(docker exec "$name" bash -c "t0=\$(date +%s%N); /opt/ec4docker/poweron $nodes >/dev/null && echo \$(( (\$(date +%s%N) - t0) / 1000000 ))")
  sleep 5 # let the nodes settle before reading their memory
  mem=$(docker stats --no-stream --format '{{.Name}} {{.MemUsage}}' | awk -v p="^${name}n[0-9]+$" '$1 ~ p {print $2}' | sed 's/MiB//' | sort -n)
  fe=$(docker stats --no-stream --format '{{.Name}} {{.MemUsage}}' | awk -v p="^${name}$" '$1 ~ p {print $2}')
  printf '%-6s %-26s %-22s %s\n' "$n" "$ms" "median $(median $mem), max $(echo "$mem" | tail -1)" "$fe"
  bench_cleanup "$name"; trap - EXIT
done
