#!/usr/bin/env bash
# Makes the base image ec4docker images build FROM, without a container registry:
# debootstrap a minimal Debian into a temporary folder, then `docker import` it.
# With a registry, skip this and build with --build-arg BASE_IMAGE=debian:trixie.
# Usage: make-base-image.sh [TAG] (default ec4docker/debian:trixie); MIRROR overrides the mirror.
set -euo pipefail
tag=${1:-ec4docker/debian:trixie}
suite=trixie
mirror=${MIRROR:-http://deb.debian.org/debian}
if docker image inspect "$tag" >/dev/null 2>&1; then echo "base image $tag: present"; exit 0; fi
command -v debootstrap >/dev/null || { echo "make-base-image: debootstrap is missing (apt-get install debootstrap)" >&2; exit 2; }
root=$(mktemp -d /tmp/ec4docker-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "base image $tag: debootstrap $suite from $mirror (about 30 s)"
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$root.log" 2>&1 || { tail -20 "$root.log" >&2; exit 1; }
rm -f "$root.log"
# Same apt sources as the official image, and no cached package lists.
printf 'deb %s %s main\ndeb %s %s-updates main\ndeb http://deb.debian.org/debian-security %s-security main\n' \
  "$mirror" "$suite" "$mirror" "$suite" "$suite" >"$root/etc/apt/sources.list"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb
tar -C "$root" -c . | docker import \
  --change 'CMD ["/bin/bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$tag" >/dev/null
echo "base image $tag: imported"
