#!/bin/bash
# Grid Engine frontend: SSH keys for ubuntu and root, then sshd, sge_qmaster (the cell is made
# at build time; sge-init configures the queue on first start), cron and clues-monitor.
set -euo pipefail
. /usr/local/lib/ec4docker/lib.sh
: "${EC4DOCK_SERVERNAME:?is not set: start the frontend with setup-cluster}"

frontend_setup
echo "$EC4DOCK_SERVERNAME" >"$SGE_ROOT/$SGE_CELL/common/act_qmaster"
install -d /var/log/ec4docker && touch /var/log/ec4docker/events.jsonl
install -d -o sgeadmin -g sgeadmin /var/run/gridengine
start_sshd
log "frontend $EC4DOCK_SERVERNAME: starting sge_qmaster"
SGE_ND=true /usr/sbin/sge_qmaster >>/var/log/ec4docker/qmaster.log 2>&1 &
qmaster=$!
trap 'kill -TERM "$qmaster" 2>/dev/null' TERM INT
wait_for_daemon "$qmaster" "sge_qmaster exited; see /var/spool/gridengine/qmaster/messages" qconf -sh
# The queue, host group, parallel environments and timings (idempotent: a restart keeps them).
/opt/ec4docker/sge-init
start_monitor
while kill -0 "$qmaster" 2>/dev/null; do wait "$qmaster" || true; done
