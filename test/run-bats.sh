#!/usr/bin/env bash
# End-to-end tests (bats) against the real Docker engine; TAP output goes to test/results/bats.tap.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p test/results
node_modules/bats/bin/bats --print-output-on-failure --timing "${@:-test/bats}" | tee test/results/bats.tap
exit "${PIPESTATUS[0]}"
