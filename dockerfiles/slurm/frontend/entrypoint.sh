#!/bin/bash
# Slurm frontend: per-cluster secrets (made once, on the secrets volume), SSH keys for ubuntu
# and root, slurm.conf from the cluster's config, then munged, sshd, cron and slurmctld.
set -euo pipefail
. /usr/local/lib/ec4docker/lib.sh
: "${EC4DOCK_SERVERNAME:?is not set: start the frontend with setup-cluster}"

frontend_setup
# munge key: one per cluster, written atomically so that a node never reads half a key.
if [ ! -s "$SECRETS/munge.key" ]; then
  (umask 077 && dd if=/dev/urandom of="$SECRETS/.munge.key.tmp" bs=1024 count=1 2>/dev/null)
  mv "$SECRETS/.munge.key.tmp" "$SECRETS/munge.key"
fi

/opt/ec4docker/slurm-conf >/etc/slurm/slurm.conf
# SlurmUser runs the power programs, which call the engine: give it the socket's group.
engine_group slurm
install -d -o slurm -g slurm /var/lib/slurm/slurmctld /var/log/slurm /var/log/ec4docker
touch /var/log/ec4docker/events.jsonl && chown slurm:slurm /var/log/ec4docker/events.jsonl

start_munge
start_sshd
rm -f /run/ec4docker-ready
log "frontend $EC4DOCK_SERVERNAME: starting slurmctld"
/usr/sbin/slurmctld -D -i &
ctld=$!
trap 'kill -TERM "$ctld" 2>/dev/null' TERM INT
until scontrol ping >/dev/null 2>&1; do
  kill -0 "$ctld" 2>/dev/null || die "slurmctld exited; see /var/log/slurm/slurmctld.log"
  sleep 0.2
done
# Nodes powered off are held out of scheduling unless Slurm itself manages power (slurm-init).
/opt/ec4docker/slurm-init
# cron supervises clues-monitor (it restarts it within a minute if it dies); start it now too.
/usr/sbin/cron
setsid /opt/ec4docker/clues-monitor run >>/var/log/ec4docker/monitor.log 2>&1 </dev/null &
touch /run/ec4docker-ready
log "frontend $EC4DOCK_SERVERNAME: ready"
while kill -0 "$ctld" 2>/dev/null; do wait "$ctld" || true; done
