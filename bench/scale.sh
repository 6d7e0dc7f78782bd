#!/usr/bin/env bash
# N nodes powered on together -> all idle in Slurm, and the memory of an idle node. The engine's
# own speed is measured in the same run (N plain `docker run -d` at once, on a network) so the
# figures can be read as a ratio: this machine's times are noisy.
# Usage: bench/scale.sh [N...]   (default: 20 50)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# engine_baseline N: ms for N plain containers started at once on a user network, then ms for N
# started at once joining network namespaces that exist already (as nodes join their netns
# containers), printed as "ON_NETWORK JOINED".
engine_baseline() {
  local n=$1 net=benchnet$$ t0 ms joined
  docker network create "$net" >/dev/null
  t0=$(date +%s%N)
  for i in $(seq 1 "$n"); do docker run -d --name "benchplain$$-$i" --network "$net" --entrypoint sleep ec4dslurm:wn 600 >/dev/null & done
  wait
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  t0=$(date +%s%N)
  for i in $(seq 1 "$n"); do docker run -d --name "benchjoin$$-$i" --network "container:benchplain$$-$i" --entrypoint sleep ec4dslurm:wn 600 >/dev/null & done
  wait
  joined=$(( ($(date +%s%N) - t0) / 1000000 ))
  docker rm -f $(seq -f "benchjoin$$-%g" 1 "$n") $(seq -f "benchplain$$-%g" 1 "$n") >/dev/null
  docker network rm "$net" >/dev/null
  echo "$ms $joined"
}

printf '%-6s %-24s %-26s %-8s %-28s %-8s %-24s %-26s %s\n' nodes 'poweron -> all idle, ms' 'engine: N docker run, ms' ratio 'engine: N joining netns, ms' ratio 'idle node memory MiB' 'its netns container, MiB' 'frontend'
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(20 50)
for n in "${sizes[@]}"; do
  name=benchscale$n$$
  bench_cluster "$name" "EC4DOCK_MAXNODES=$n" EC4DOCK_ELASTICITY=none
  nodes=$(docker exec "$name" sinfo -h -N -o %N | tr '\n' ' ')
  ms=$(docker exec "$name" bash -c "t0=\$(date +%s%N); /opt/ec4docker/poweron $nodes >/dev/null && echo \$(( (\$(date +%s%N) - t0) / 1000000 ))")
  sleep 5 # let the nodes settle before reading their memory
  mem=$(docker stats --no-stream --format '{{.Name}} {{.MemUsage}}' | awk -v p="^${name}n[0-9]+$" '$1 ~ p {print $2}' | sed 's/MiB//' | sort -n)
  # each node's netns container (lib/backend/engine.ts) is part of its footprint too
  netns=$(docker stats --no-stream --format '{{.Name}} {{.MemUsage}}' | awk -v p="^${name}n[0-9]+-netns$" '$1 ~ p {print $2}' | sed 's/KiB/ KiB/; s/MiB/ MiB/' \
    | awk '{printf "%.2f\n", ($2 == "KiB") ? $1 / 1024 : $1}' | sort -n)
  fe=$(docker stats --no-stream --format '{{.Name}} {{.MemUsage}}' | awk -v p="^${name}$" '$1 ~ p {print $2}')
  bench_cleanup "$name"; trap - EXIT
  read -r base joined < <(engine_baseline "$n")
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
  printf '%-6s %-24s %-26s %-8s %-28s %-8s %-24s %-26s %s\n' "$n" "$ms" "$base" "$(ratio "$ms" "$base")" "$joined" "$(ratio "$ms" "$joined")" \
    "median $(median $mem), max $(echo "$mem" | tail -1)" "median $(median $netns), max $(echo "$netns" | tail -1)" "$fe"
done
