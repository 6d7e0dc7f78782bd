#!/usr/bin/env bash
# Every benchmark, one after the other (never two at once: one engine, two cores). About 10 minutes.
set -euo pipefail
dir=$(dirname "${BASH_SOURCE[0]}")
for b in submit-latency idle-off requeue scale middlewares; do echo "== $b"; bash "$dir/$b.sh"; echo; done
