#!/usr/bin/env bash
# The code of another commit against this tree, in one run: sbatch -> RUNNING on an all-off
# cluster (ROUNDS each, alternating), and N nodes powered on -> all idle (twice each, ABBA order),
# each cluster made by its own tree's setup-cluster with its own images. Prints medians and the
# ratios this/other, and the memory of the gate and the frontends.
# Usage: bench/compare.sh REF [ROUNDS] [N]    (e.g. bench/compare.sh HEAD~3 7 50)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ref=${1:?usage: bench/compare.sh REF [ROUNDS] [N]}; rounds=${2:-7}; scale=${3:-50}
other=/tmp/ec4d-compare-$$
git -C "$ROOT" worktree add -q "$other" "$ref"
ln -s "$ROOT/node_modules" "$other/node_modules"
# The other commit's images, tagged ec4dother:*, then this tree's (ec4dslurm:*) again.
log=/tmp/ec4d-compare-images.log
images() { (cd "$1" && npm run -s images -- slurm >"$log" 2>&1) || { tail -20 "$log" >&2; exit 1; }; }
images "$other" && docker tag ec4dslurm:frontend ec4dother:frontend && docker tag ec4dslurm:wn ec4dother:wn
images "$ROOT"
declare -A tree=([other]=$other [this]=$ROOT) image=([other]=ec4dother [this]=ec4dslurm)
probe='t0=$(date +%s%N); j=$(sbatch --parsable --wrap "hostname; sleep 1"); r=
while :; do s=$(squeue -h -j $j -o %T 2>/dev/null); n=$(date +%s%N)
  [ "$s" = RUNNING -o "$s" = COMPLETING -o -z "$s" ] && { r=$(( (n - t0) / 1000000 )); break; }
  [ $(( (n - t0) / 1000000 )) -gt 120000 ] && { echo "timeout"; exit 1; }
  sleep 0.05; done; echo "$r"'
mk() { # mk VARIANT NAME MAXNODES
  printf '%s\n' "EC4DOCK_SERVERNAME=$2" "EC4DOCK_NODEBASENAME=${2}n" "EC4DOCK_MAXNODES=$3" EC4DOCK_IDLE_TIME=1 \
    "EC4DOCK_FRONTEND_IMAGENAME=${image[$1]}:frontend" "EC4DOCK_WN_IMAGENAME=${image[$1]}:wn" >"/tmp/$2.config"
  "${tree[$1]}/setup-cluster" -f "/tmp/$2.config" -y >/dev/null
}
trap 'for v in other this; do bench_cleanup p$v$$; bench_cleanup s$v$$; done; git -C "$ROOT" worktree remove --force "$other"' EXIT
declare -A sub scl
for v in other this; do mk $v "p$v$$" 2; done
for _ in $(seq 1 "$rounds"); do
  for v in other this; do wait_all_off "p$v$$"; sub[$v]+="$(in_frontend "p$v$$" "$probe") "; done
done
mem() { docker stats --no-stream --format '{{.MemUsage}}' "$1" 2>/dev/null | cut -d/ -f1; }
echo "memory: frontend this $(mem "pthis$$"), other $(mem "pother$$"); gate this $(mem "pthis$$-gate" || true)"
for v in other this; do bench_cleanup "p$v$$"; done
for v in other this this other; do
  n="s$v$$"; mk $v "$n" "$scale"; wait_all_off "$n"
  nodes=$(seq -f "${n}n%g" 1 "$scale" | tr '\n' ' ')
  t0=$(date +%s%N); docker exec "$n" /opt/ec4docker/poweron $nodes >/dev/null; scl[$v]+="$(( ($(date +%s%N) - t0) / 1000000 )) "
  bench_cleanup "$n"
done
for v in other this; do
  echo "$v: submit->RUNNING median $(median ${sub[$v]}) ms (${sub[$v]}); poweron $scale -> idle median $(median ${scl[$v]}) ms (${scl[$v]})"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "this/other: submit $(ratio "$(median ${sub[this]})" "$(median ${sub[other]})"), $scale nodes $(ratio "$(median ${scl[this]})" "$(median ${scl[other]})")"
