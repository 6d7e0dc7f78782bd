#!/bin/bash
# A simulated host: /sys and the cgroup mounts writable (read-only in a container even with every
# capability), then dockerd on its socket and on tcp 2375 (tests only: no TLS), and with REGISTRY=1
# the registry. INSECURE: the registry address the engine may pull from over plain http.
set -u
mount -o remount,rw /sys 2>/dev/null
for c in /sys/fs/cgroup/*; do mountpoint -q "$c" && { mount -o remount,rw,bind "$c" 2>/dev/null || mount -o remount,rw "$c" 2>/dev/null; }; done
# a host started again (after a stop: a lost host coming back) finds the last run's pid files
rm -rf /var/run/docker.pid /var/run/docker/containerd/containerd.pid
mkdir -p /etc/docker
printf '{ "storage-driver": "overlay2", "insecure-registries": ["%s"], "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"] }\n' "${INSECURE:-}" >/etc/docker/daemon.json
if [ "${REGISTRY:-0}" = 1 ]; then docker-registry serve /etc/docker/registry/ec4docker-test.yml >/var/log/registry.log 2>&1 & fi
exec dockerd >/var/log/dockerd.log 2>&1
