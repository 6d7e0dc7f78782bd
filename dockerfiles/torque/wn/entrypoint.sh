#!/bin/bash
# Torque working node: root's authorized key from the read-only secrets volume, sshd, trqauthd
# (for commands run by jobs), then pbs_mom in the foreground, pointed at the frontend, copying
# job output through the shared /home.
set -euo pipefail
. /usr/local/lib/ec4docker/lib.sh
: "${EC4DOCK_SERVERNAME:?is not set: nodes are started by the frontend (poweron)}"

start_node_sshd
home=/var/spool/torque
echo "$EC4DOCK_SERVERNAME" >"$home/server_name"
# A status every 10 s, not 45: pbs_server lists the node free only from a status, and a first one
# lost (a node just re-created; docs/torque.md) would otherwise leave it down past the power-on limit.
printf '$pbsserver %s\n$logevent 225\n$usecp *:/home /home\n$status_update_time 10\n' "$EC4DOCK_SERVERNAME" >"$home/mom_priv/config"
/usr/local/sbin/trqauthd >/dev/null
exec /usr/local/sbin/pbs_mom -F
