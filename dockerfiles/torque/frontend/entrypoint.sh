#!/bin/bash
# Torque frontend: SSH keys for ubuntu and root, then sshd, trqauthd, pbs_server (its database
# on the cluster's state volume, made with one queue at the first start), pbs_sched, cron and
# clues-monitor. Nodes are created in the server by poweron/clues-monitor (qmgr create node).
set -euo pipefail
. /usr/local/lib/ec4docker/lib.sh
: "${EC4DOCK_SERVERNAME:?is not set: start the frontend with setup-cluster}"

frontend_setup
home=/var/spool/torque
echo "$EC4DOCK_SERVERNAME" >"$home/server_name"
install -d /var/log/ec4docker && touch /var/log/ec4docker/events.jsonl
# The server's jobs, queues and nodes outlive the frontend's container: kept on the state volume.
state=/var/lib/ec4docker/torque-server
if [ ! -L "$home/server_priv" ]; then
  [ -e "$state" ] || cp -a "$home/server_priv" "$state"  # the installed skeleton, at the first start
  rm -rf "$home/server_priv" && ln -s "$state" "$home/server_priv"
fi
start_sshd
/usr/local/sbin/trqauthd >/dev/null
if [ ! -e "$home/server_priv/serverdb" ]; then
  log "frontend $EC4DOCK_SERVERNAME: creating the Torque server"
  /usr/local/sbin/pbs_server -F -t create -f >>/var/log/ec4docker/pbs_server.log 2>&1 &
else
  log "frontend $EC4DOCK_SERVERNAME: starting pbs_server"
  /usr/local/sbin/pbs_server -F >>/var/log/ec4docker/pbs_server.log 2>&1 &
fi
server=$!
trap 'kill -TERM "$server" 2>/dev/null' TERM INT
wait_for_daemon "$server" "pbs_server exited; see $home/server_logs" qmgr -c 'list server'
# One queue, a scheduler that runs every second, finished jobs shown a minute (idempotent: a
# restart keeps what the database holds).
qmgr >/dev/null <<QMGR
set server scheduling = true
set server scheduler_iteration = 1
set server node_check_rate = 150
set server keep_completed = 60
set server managers += root@$EC4DOCK_SERVERNAME
set server operators += root@$EC4DOCK_SERVERNAME
set server allow_node_submit = true
QMGR
qmgr -c 'list queue batch' >/dev/null 2>&1 || qmgr >/dev/null <<QMGR
create queue batch queue_type = execution
set queue batch enabled = true
set queue batch started = true
set server default_queue = batch
QMGR
# is_transit: the queue takes jobs for more nodes, or other nodes, than the server lists now
# (powered-off nodes are not listed); the scheduler leaves them queued (our patch) until they are on.
qmgr -c 'set queue batch is_transit = true' >/dev/null
/usr/local/sbin/pbs_sched
start_monitor
while kill -0 "$server" 2>/dev/null; do wait "$server" || true; done
