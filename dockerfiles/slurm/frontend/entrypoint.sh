#!/bin/bash
# Slurm frontend: per-cluster secrets (made once, on the secrets volume), SSH keys for ubuntu
# and root, slurm.conf from the cluster's config, then munged, sshd, cron, slurmctld and, when
# EC4DOCK_REST_API=yes, slurmrestd.
set -euo pipefail
. /usr/local/lib/ec4docker/lib.sh
: "${EC4DOCK_SERVERNAME:?is not set: start the frontend with setup-cluster}"

frontend_setup
make_munge_key
if [ "${EC4DOCK_REST_API:-no}" = yes ]; then
  make_secret jwt.key 32
  install -o slurm -g slurm -m 0600 "$SECRETS/jwt.key" /etc/slurm/jwt.key
fi

/opt/ec4docker/slurm-conf >/etc/slurm/slurm.conf
# SlurmUser runs the power programs, which call the engine: give it the socket's group.
engine_group slurm
# Nodes seen registered or booting (lib/slurm/registered.ts): none yet at this start.
# job_submit.lua marks each submitted job in /run/ec4docker/submitted (lib/slurm/conf.ts).
rm -rf /run/ec4docker/registered /run/ec4docker/booting
install -d -o slurm -g slurm /var/lib/ec4docker/slurmctld /var/log/slurm /var/log/ec4docker /run/ec4docker/registered \
  /run/ec4docker/booting /run/ec4docker/submitted
touch /var/log/ec4docker/events.jsonl && chown slurm:slurm /var/log/ec4docker/events.jsonl

start_munge
start_sshd
if [ "${EC4DOCK_ACCOUNTING:-no}" = yes ]; then
  # slurmctld retries slurmdbd only every 2 s: start it once slurmdbd answers (30 s at most)
  for _ in $(seq 1 300); do bash -c "exec 3<>/dev/tcp/$EC4DOCK_SERVERNAME-db/6819" 2>/dev/null && break; sleep 0.1; done
fi
log "frontend $EC4DOCK_SERVERNAME: starting slurmctld"
/usr/sbin/slurmctld -D -i &
ctld=$!
trap 'kill -TERM "$ctld" 2>/dev/null' TERM INT
wait_for_daemon "$ctld" "slurmctld exited; see /var/log/slurm/slurmctld.log" scontrol ping
# Nodes powered off are held out of scheduling unless Slurm itself manages power (slurm-init).
/opt/ec4docker/slurm-init
if [ "${EC4DOCK_REST_API:-no}" = yes ]; then
  # slurmrestd runs as neither root nor SlurmUser; in an unprivileged container it cannot make
  # its own namespaces (it would need SYS_ADMIN), which SLURMRESTD_SECURITY turns off.
  log "frontend $EC4DOCK_SERVERNAME: starting slurmrestd on port 6820"
  runuser -u slurmrest -- env SLURM_JWT=daemon SLURMRESTD_SECURITY=disable_unshare_sysv,disable_unshare_files \
    /usr/sbin/slurmrestd -a rest_auth/jwt 0.0.0.0:6820 >>/var/log/slurm/slurmrestd.log 2>&1 &
fi
start_monitor
while kill -0 "$ctld" 2>/dev/null; do wait "$ctld" || true; done
