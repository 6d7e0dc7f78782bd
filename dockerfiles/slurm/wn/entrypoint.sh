#!/bin/bash
# Slurm working node: the cluster's munge key and root's authorized key from the read-only
# secrets volume, then munged, and sshd beside slurmd (configless: slurm.conf comes from slurmctld).
set -euo pipefail
. /usr/local/lib/ec4docker/lib.sh
: "${EC4DOCK_SERVERNAME:?is not set: nodes are started by the frontend (poweron)}"

start_munge
# Beside slurmd's start rather than before it: a job waits for slurmd's registration, not for sshd.
{ start_node_sshd || log "sshd did not start"; } &
[ -d /var/lib/slurm/slurmd ] && [ -d /var/log/slurm ] || install -d -o slurm -g slurm /var/lib/slurm/slurmd /var/log/slurm
# -b: report "just booted"; without it slurmctld ignores a resumed container's registration,
# because the container inherits the host's boot time.
exec /usr/sbin/slurmd -D -b --conf-server "$EC4DOCK_SERVERNAME"
