#!/usr/bin/env bash
# npm test: typecheck, unit tests (vitest), build, end-to-end tests (bats). Builds images that
# are missing. Ends with one line summing every suite up: "N passed, N failed".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p test/results
[ -d node_modules ] || npm ci --no-audit --no-fund
passed=0 failed=0 status=0
count() { passed=$((passed + $1)); failed=$((failed + $2)); }

echo "==> typecheck"
if npx tsc --noEmit -p .; then count 1 0; else count 0 1; status=1; fi

echo "==> unit tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile=test/results/vitest.json || status=1
if [ -f test/results/vitest.json ]; then
  read -r p f < <(node -e 'const r=require("./test/results/vitest.json");console.log(r.numPassedTests, r.numFailedTests + (r.numRuntimeErrorTests||0))')
  count "$p" "$f"
else count 0 1; fi

echo "==> build"
if npm run -s build; then count 1 0; else count 0 1; status=1; fi

echo "==> end-to-end tests (bats, real Docker engine)"
if ! docker info >/dev/null 2>&1; then
  echo "no Docker engine answers: start one (Debian: apt-get install docker.io), or run .ci/engine.sh"
  count 0 1; status=1
else
  bash test/run-bats.sh || status=1
  p=$(grep -c '^ok ' test/results/bats.tap || true)
  f=$(grep -c '^not ok ' test/results/bats.tap || true)
  plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' test/results/bats.tap | head -1)
  # tests that never reported (a crash mid-run) count as failed
  missing=$(( ${plan:-0} - p - f )); [ "$missing" -gt 0 ] || missing=0
  count "$p" $((f + missing))
fi
echo "$passed passed, $failed failed" | tee test/results/summary.txt
[ "$failed" -eq 0 ] && exit "$status" || exit 1
