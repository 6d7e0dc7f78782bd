#!/bin/bash
# Grid Engine working node: root's authorized key from the read-only secrets volume, sshd, then
# sge_execd in the foreground, started again until the qmaster accepts it (the frontend makes the
# node an exec host right after starting its container, so the first try may be refused).
set -euo pipefail
. /usr/local/lib/ec4docker/lib.sh
: "${EC4DOCK_SERVERNAME:?is not set: nodes are started by the frontend (poweron)}"

install -d -m 0700 /root/.ssh
[ ! -s "$SECRETS/root_authorized_keys" ] || install -m 0600 "$SECRETS/root_authorized_keys" /root/.ssh/authorized_keys
start_sshd
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
