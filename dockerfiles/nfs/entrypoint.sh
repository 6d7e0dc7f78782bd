#!/bin/bash
# The cluster's NFSv4 server: /home (the cluster's home volume) exported read-write to the Swarm's
# hosts only (EC4D_NFS_CLIENTS: their addresses, comma-separated), whose engines mount it for the
# nodes. Owners go as numbers (every image makes the same users), root is squashed. Marking itself
# an I/O flusher needs CAP_SYS_RESOURCE, which a container need not have: ganesha goes on without.
set -euo pipefail
. /usr/local/lib/ec4docker/lib.sh
: "${EC4D_NFS_CLIENTS:?is not set: setup-cluster starts this container}"
mkdir -p /var/run/ganesha /var/lib/nfs/ganesha
cat >/etc/ganesha/ganesha.conf <<CONF
NFS_CORE_PARAM {
  Protocols = 4; NFS_Port = 2049; Enable_UDP = false; Enable_NLM = false; Enable_RQUOTA = false;
  allow_set_io_flusher_fail = true;
}
NFSv4 { Graceless = true; Allow_Numeric_Owners = true; Only_Numeric_Owners = true; }
EXPORT {
  Export_Id = 1; Path = /home; Pseudo = /home; Protocols = 4; Transports = TCP;
  Access_Type = None; Squash = Root_Squash; SecType = sys;
  FSAL { Name = VFS; }
  CLIENT { Clients = ${EC4D_NFS_CLIENTS}; Access_Type = RW; }
}
LOG { Default_Log_Level = EVENT; }
CONF
ganesha.nfsd -F -L /dev/stdout -f /etc/ganesha/ganesha.conf -N NIV_EVENT &
server=$!
for _ in $(seq 1 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/2049) 2>/dev/null; then log "NFS server of /home: ready"; break; fi
  kill -0 "$server" 2>/dev/null || exit 1
  sleep 0.1
done
wait "$server"
