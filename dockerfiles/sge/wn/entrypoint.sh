#!/bin/bash
# Grid Engine working node: root's authorized key from the read-only secrets volume, sshd, then
# sge_execd in the foreground (the frontend registers the node before it starts the container),
# started again if it exits (a qmaster that does not answer yet, a restart of the frontend).
set -euo pipefail
. /usr/local/lib/ec4docker/lib.sh
: "${EC4DOCK_SERVERNAME:?is not set: nodes are started by the frontend (poweron)}"

start_node_sshd
echo "$EC4DOCK_SERVERNAME" >"$SGE_ROOT/$SGE_CELL/common/act_qmaster"
install -d -o sgeadmin -g sgeadmin /var/run/gridengine /var/spool/gridengine/execd
trap 'kill -TERM "$execd" 2>/dev/null; exit 0' TERM INT
while :; do
  SGE_ND=true /usr/sbin/sge_execd &
  execd=$!
  wait "$execd" && rc=0 || rc=$?
  log "sge_execd exited (status $rc); starting it again"
  sleep 0.5
done
