#!/usr/bin/env bash
# `npm run demo`: bring the lab up (building it the first time) and certify it with the full
# suite. Leaves the lab running so you can poke at it; `npm run lab -- down` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build --silent   # the CLI runs the compiled dist/
# Not `status | grep -q`: under pipefail, grep's early exit can kill status with SIGPIPE and the
# pipeline reads as "not up", which restarted a running lab (new PKI, new kubeconfig).
status=$(bash lab/lab.sh status 2>/dev/null || true)
if [[ $status != "lab: up"* ]]; then
  bash lab/lab.sh up "$@"
fi
kubeconfig=$(bash lab/lab.sh kubeconfig)
set +e
node bin/kube-netconform.js run --kubeconfig "$kubeconfig" --report-dir reports
rc=$?
set -e
echo
echo "reports: reports/junit.xml reports/summary.md reports/report.html reports/results.json"
echo "the lab is still up: npm run lab -- status | fault … | heal | down"
exit $rc
