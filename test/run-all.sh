#!/usr/bin/env bash
# `npm test`: the build (dist/), unit tests, then the lab (brought up if it is not already) for the lab's own
# tests and the end-to-end tests of the CLI, then the vxlan pod network, then `lab down`
# asserted clean. Prints one closing line "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
mkdir -p reports/test
rm -f reports/test/*.json
failed_steps=()

vitest_step() { # name, vitest args…
  local name=$1; shift
  echo "=== $name"
  npx vitest run "$@" --reporter=default --reporter=json --outputFile.json="reports/test/$name.json" || failed_steps+=("$name")
}
lab_step() { # name, lab args…
  local name=$1; shift
  echo "=== $name: npm run lab -- $*"
  bash lab/lab.sh "$@" || { failed_steps+=("$name"); return 1; }
}

# The CLI the e2e tests drive is the compiled one (bin/ runs dist/): build it first.
echo "=== build"
npm run build --silent || failed_steps+=("build")
vitest_step unit --project unit
if [ "$(id -u)" -ne 0 ]; then
  echo "=== lab and end-to-end tests need root (network namespaces); skipped"
else
  if lab_step lab-up-routed up --network routed; then
    LAB_NETWORK=routed vitest_step lab-routed --project lab
    vitest_step e2e --project e2e
  fi
  if lab_step lab-up-vxlan up --network vxlan; then
    LAB_NETWORK=vxlan vitest_step lab-vxlan --project lab
    # The overlay's own faults (UDP 8472) and the MTU fault through VXLAN; the rest ran above.
    LAB_NETWORK=vxlan DETECTION_HEALTHY_RUNS=2 vitest_step e2e-vxlan --project e2e test/e2e/detection.test.ts test/e2e/nodeport-ports.test.ts
  fi
  vitest_step lab-down --project lab-down
fi

node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of fs.readdirSync("reports/test")) {
    const r = JSON.parse(fs.readFileSync("reports/test/" + f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
  }
  const steps = process.argv[1] ? process.argv[1].split(" ") : [];
  if (steps.length) console.log("failed steps: " + steps.join(", "));
  console.log(`tests: ${passed} passed, ${failed + (failed === 0 && steps.length ? 1 : 0)} failed, ${skipped} skipped`);
' "${failed_steps[*]:-}"
[ ${#failed_steps[@]} -eq 0 ]
