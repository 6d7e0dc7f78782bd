#!/bin/bash
# Torque working node: the cluster's munge key and root's authorized key from the read-only
# secrets volume, then munged, sshd, trqauthd and pbs_mom in the foreground, pointed at the
# frontend. NEVER RUN by the project (see dockerfiles/torque/frontend/Dockerfile).
set -euo pipefail
. /usr/local/lib/ec4docker/lib.sh
: "${EC4DOCK_SERVERNAME:?is not set: nodes are started by the frontend (poweron)}"

start_munge
start_node_sshd
echo "$EC4DOCK_SERVERNAME" >/etc/torque/server_name
printf '$pbsserver %s\n$logevent 225\n$usecp *:/home /home\n' "$EC4DOCK_SERVERNAME" >/etc/torque/mom/config
/usr/sbin/trqauthd
exec /usr/sbin/pbs_mom -F
