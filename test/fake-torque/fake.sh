#!/bin/bash
# A fake Torque (and docker) command for test/unit/torque-adapter.test.ts: records its argv in
# $FAKE_LOG and replays recorded real outputs (test/fixtures/torque) named by $FAKE_PBSNODES and
# $FAKE_QSTAT. Linked as pbsnodes, qstat, qmgr, qrerun and docker.
cmd=$(basename "$0")
# Once a job was requeued, the outputs named by $FAKE_*_AFTER_RERUN (if set) take over.
if grep -q '^qrerun' "$FAKE_LOG" 2>/dev/null; then
  FAKE_PBSNODES=${FAKE_PBSNODES_AFTER_RERUN:-$FAKE_PBSNODES} FAKE_QSTAT=${FAKE_QSTAT_AFTER_RERUN:-$FAKE_QSTAT}
fi
echo "$cmd $*" >>"$FAKE_LOG"
case "$cmd $1" in
  "pbsnodes -x")
    if [ "$FAKE_PBSNODES" = empty ]; then
      echo 'pbsnodes: Server has no node list MSG=node list is empty - check '"'"'server_priv/nodes'"'"' file' >&2; exit 1
    fi
    # Torque 6.1.3 once its last node was deleted (seen live, test/bats/52-torque.bats)
    if [ "$FAKE_PBSNODES" = deleted ]; then echo 'pbsnodes: No nodes found' >&2; exit 1; fi
    cat "$FAKE_PBSNODES" ;;
  "qstat -f") [ "$FAKE_QSTAT" = none ] || cat "$FAKE_QSTAT" ;;
  "docker ps")                                      # node containers: those named in $FAKE_CONTAINERS
    for n in ${FAKE_CONTAINERS:-}; do
      [[ " $* " == *" label=org.ec4docker.node=$n "* ]] || continue
      printf '{"ID":"%s","Names":"%s","State":"running","Labels":"org.ec4docker.cluster=tq,org.ec4docker.role=node,org.ec4docker.node=%s"}\n' "$n" "$n" "$n"
    done ;;
  "docker container")                               # inspect of one in $FAKE_CONTAINERS, as the engine's JSON
    n=${*: -1}
    if [[ " ${FAKE_CONTAINERS:-} " == *" $n "* && "$*" == "container inspect $n" ]]; then
      printf '[{"Id":"%s","Created":"2026-01-01T00:00:00.5Z","State":{"Status":"running","StartedAt":"2026-01-01T00:00:01Z"},' "$n"
      printf '"Config":{"Labels":{"org.ec4docker.cluster":"tq","org.ec4docker.role":"node","org.ec4docker.node":"%s"}}}]\n' "$n"
    else echo "Error: No such container: $n" >&2; exit 1; fi ;;
  "docker network") echo null ;;                    # a network without ec4docker's node range
  "docker run") echo 0123456789ab ;;
  "docker rm") ;;
  pbsnodes* | qmgr* | qrerun*) ;;
  *) echo "fake: unexpected call: $cmd $*" >&2; exit 3 ;;
esac
