#!/bin/bash
# Slurm frontend: per-cluster secrets (made once, on the secrets volume), SSH keys for ubuntu
# and root, slurm.conf from the cluster's config, then munged, sshd, cron and slurmctld.
set -euo pipefail
. /usr/local/lib/ec4docker/lib.sh
: "${EC4DOCK_SERVERNAME:?is not set: start the frontend with setup-cluster}"

# The cluster's config, for commands started without this environment (slurmctld's programs, cron).
env | grep '^EC4DOCK_' | sort >/etc/ec4docker/cluster.env

umask 077
# munge key: one per cluster, written atomically so that a node never reads half a key.
if [ ! -s "$SECRETS/munge.key" ]; then
  dd if=/dev/urandom of="$SECRETS/.munge.key.tmp" bs=1024 count=1 2>/dev/null
  mv "$SECRETS/.munge.key.tmp" "$SECRETS/munge.key"
fi
# root's key, for ssh from the frontend to the nodes; only the public half goes to the nodes.
install -d -m 0700 /root/.ssh
[ -s /root/.ssh/id_ed25519 ] || ssh-keygen -q -t ed25519 -N '' -C "root@$EC4DOCK_SERVERNAME" -f /root/.ssh/id_ed25519
install -m 0644 /root/.ssh/id_ed25519.pub "$SECRETS/root_authorized_keys"
umask 022

# ubuntu: a key in the shared /home reaches every node; the host's login key is authorized too.
home=/home/ubuntu
install -d -o ubuntu -g ubuntu -m 0755 "$home"
install -d -o ubuntu -g ubuntu -m 0700 "$home/.ssh"
[ -s "$home/.ssh/id_ed25519" ] || runuser -u ubuntu -- ssh-keygen -q -t ed25519 -N '' -C "ubuntu@$EC4DOCK_SERVERNAME" -f "$home/.ssh/id_ed25519"
authorize() { grep -qxF "$1" "$home/.ssh/authorized_keys" 2>/dev/null || echo "$1" >>"$home/.ssh/authorized_keys"; }
authorize "$(cat "$home/.ssh/id_ed25519.pub")"
[ -z "${EC4D_AUTHORIZED_KEY:-}" ] || authorize "$EC4D_AUTHORIZED_KEY"
chown ubuntu:ubuntu "$home/.ssh/authorized_keys" && chmod 0600 "$home/.ssh/authorized_keys"
if [ "${EC4D_PASSWORD_LOGIN:-no}" = yes ]; then
  sed -i 's/^PasswordAuthentication no/PasswordAuthentication yes/' /etc/ssh/sshd_config.d/ec4docker.conf
fi

/opt/ec4docker/slurm-conf >/etc/slurm/slurm.conf
# SlurmUser runs the power programs, which call the engine: give it the socket's group.
if [ -S /var/run/docker.sock ]; then
  gid=$(stat -c %g /var/run/docker.sock)
  group=$(getent group "$gid" | cut -d: -f1 || true)
  [ -n "$group" ] || { groupadd -g "$gid" dockerhost && group=dockerhost; }
  usermod -aG "$group" slurm
fi
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
