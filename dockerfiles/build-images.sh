#!/usr/bin/env bash
# Builds the images of a middleware: npm run images -- NAME (slurm, the default; sge; torque)
# BASE_IMAGE=debian:trixie uses a registry's image; otherwise the base is made locally
# (debootstrap + docker import). Needs dist/ec4d (npm run build) for the frontend.
# Torque is compiled from its source: vendor/torque's tarball, or the one TORQUE_SOURCE names.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
middleware=${1:-slurm}
[ -x dist/ec4d ] || { echo "build-images: dist/ec4d is missing; run: npm run build" >&2; exit 2; }
# The middlewares are the executable's own list (lib/middleware/registry.ts), each with its folder here.
known=$(dist/ec4d middlewares)
if ! grep -qx -- "$middleware" <<<"$known" || [ ! -d "dockerfiles/$middleware" ]; then
  echo "build-images: unknown middleware '$middleware' (available: $(paste -sd, <<<"$known" | sed 's/,/, /g'))" >&2
  exit 2
fi
prefix=ec4d$middleware
if [ "$middleware" = torque ]; then
  # The tarball goes into the build context (see .dockerignore) for ec4dtorque:build.
  source=${TORQUE_SOURCE:-vendor/torque/torque-6.1.3-ccdab3b.tar.gz}
  [ -f "$source" ] || { echo "build-images: TORQUE_SOURCE $source: no such file" >&2; exit 2; }
  # (the listing read whole: grep -q ending early would fail tar under pipefail)
  grep -q '^[^/]*/src/server/pbsd_main.c$' <<<"$(tar -tzf "$source" 2>/dev/null || true)" \
    || { echo "build-images: $source is not a Torque source tarball (no src/server/pbsd_main.c in it)" >&2; exit 2; }
  cp "$source" dist/torque-source.tar.gz
fi
base=${BASE_IMAGE:-ec4docker/debian:trixie}
if [ "$base" = ec4docker/debian:trixie ]; then bash dockerfiles/base/make-base-image.sh "$base"; fi
step() { echo "==> [$1] docker build -t $2 -f $3"; }
declare -A arg=([PACKAGES_DAY]=$(date -u +%F) [BASE_IMAGE]=$base [EC4D_BASE]=ec4docker:base [EC4D_TOOLS]=ec4docker:frontend-tools [EC4D_BUILD]=$prefix:build)
# build TAG DOCKERFILE: with the build args that Dockerfile declares (others make the builder warn)
build() {
  local args=() name
  for name in $(sed -n 's/^ARG \([A-Za-z0-9_]*\).*/\1/p' "$2" | sort -u); do
    [ -z "${arg[$name]+set}" ] || args+=(--build-arg "$name=${arg[$name]}")
  done
  docker build "${args[@]}" -t "$1" -f "$2" .
}
# The middleware's own images, one per folder: its build stage first where it has one (Torque's
# compiled source), then frontend, wn, and any other it runs (Slurm's db).
roles=(frontend wn)
[ ! -f "dockerfiles/$middleware/build/Dockerfile" ] || roles=(build "${roles[@]}")
for dir in "dockerfiles/$middleware"/*/; do
  role=$(basename "$dir")
  [ -f "$dir/Dockerfile" ] && [[ ! " ${roles[*]} " =~ " $role " ]] && roles+=("$role")
done
total=$((3 + ${#roles[@]})) n=3
started=$SECONDS
step 1/$total ec4docker:base dockerfiles/base/Dockerfile
build ec4docker:base dockerfiles/base/Dockerfile
step 2/$total ec4docker:frontend-tools dockerfiles/frontend-tools/Dockerfile
build ec4docker:frontend-tools dockerfiles/frontend-tools/Dockerfile
# the NFS server of a cluster whose /home is shared over NFS (EC4DOCK_SHARED_HOME=nfs), any middleware
step 3/$total ec4docker:nfs dockerfiles/nfs/Dockerfile
build ec4docker:nfs dockerfiles/nfs/Dockerfile
for role in "${roles[@]}"; do
  n=$((n + 1))
  step "$n/$total" "$prefix:$role" "dockerfiles/$middleware/$role/Dockerfile"
  build "$prefix:$role" "dockerfiles/$middleware/$role/Dockerfile"
done
built=$(printf "$prefix:%s, " "${roles[@]}") built=${built%, }
echo "==> images ${built%, *} and ${built##*, } built in $((SECONDS - started)) s"
