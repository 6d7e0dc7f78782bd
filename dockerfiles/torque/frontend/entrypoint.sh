#!/bin/bash
# Torque frontend: SSH keys, the cluster's munge key (Fedora's Torque authenticates with munge),
# then munged, sshd, trqauthd, pbs_server (created with a queue on first start), pbs_sched, cron
# and clues-monitor. Nodes are added by clues-monitor/poweron (qmgr create node). NEVER RUN by the
# project (see the Dockerfile).
set -euo pipefail
. /usr/local/lib/ec4docker/lib.sh
: "${EC4DOCK_SERVERNAME:?is not set: start the frontend with setup-cluster}"

frontend_setup
make_munge_key
echo "$EC4DOCK_SERVERNAME" >/etc/torque/server_name
touch /var/log/ec4docker/events.jsonl
start_munge
start_sshd
/usr/sbin/trqauthd
home=/var/lib/torque
if [ ! -e "$home/server_priv/serverdb" ]; then
  log "frontend $EC4DOCK_SERVERNAME: creating the Torque server"
  /usr/sbin/pbs_server -t create -f
  until qmgr -c 'list server' >/dev/null 2>&1; do sleep 0.2; done
  # One queue, a 1-second scheduler, finished jobs kept a minute (as qstat users expect).
  qmgr -c 'create queue batch queue_type=execution'
  qmgr -c 'set queue batch enabled=true'
  qmgr -c 'set queue batch started=true'
  qmgr -c 'set server default_queue=batch'
  qmgr -c 'set server scheduling=true'
  qmgr -c 'set server scheduler_iteration=1'
  qmgr -c 'set server node_check_rate=10'
  qmgr -c 'set server keep_completed=60'
  qmgr -c "set server managers += root@$EC4DOCK_SERVERNAME"
  qmgr -c "set server submit_hosts += $EC4DOCK_SERVERNAME"
  qmgr -c 'set server allow_node_submit=true'
else
  /usr/sbin/pbs_server
fi
until qmgr -c 'list server' >/dev/null 2>&1; do sleep 0.2; done
/usr/sbin/pbs_sched
start_monitor
# pbs_server daemonizes: stay up while it runs.
while pgrep -x pbs_server >/dev/null; do sleep 5; done
die "pbs_server exited; see /var/log/torque/server_logs"
