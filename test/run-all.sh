#!/usr/bin/env bash
# `npm test`: the build (dist/), static checks, unit tests, then the lab for the lab's own tests and
# the end-to-end tests of the CLI (routed network), then the vxlan network (kube-proxy nftables),
# then real flannel (vxlan, host-gw) and BGP (BIRD) networks, then `lab down` asserted clean.
# Prints one closing line "tests: N passed, N failed".
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
# Habits: the typecheck (vitest strips types), no import cycles, the formatter's check.
echo "=== lint"
npm run lint --silent || failed_steps+=("lint")
vitest_step unit --project unit
if [ "$(id -u)" -ne 0 ]; then
  echo "=== lab and end-to-end tests need root (network namespaces); skipped"
else
  if lab_step lab-up-routed up --network routed; then
    LAB_NETWORK=routed vitest_step lab-routed --project lab
    # Detection on routed: every routed fault but mtu (vxlan's step runs it through the overlay),
    # loss-20 (trust.test.ts runs it) and kube-proxy-down (cli.test.ts asserts its rows here, the
    # vxlan step its diagnosis with nftables): npm test's 60 minutes. npm run detect runs them all.
    DETECTION_SKIP=mtu,loss-20,kube-proxy-down DETECTION_HEALTHY_RUNS=2 vitest_step e2e --project e2e
  fi
  # Dual-stack (routed, IPv4 + IPv6): both families on every node, pod and Service, and the
  # per-family faults (cut-route / block-port --family 6); the rest of the lab tests ran above.
  if lab_step lab-up-dual up --network routed --ip-family dual; then
    LAB_NETWORK=routed LAB_IP_FAMILY=dual vitest_step lab-dual --project lab test/lab/dual.test.ts
    # Every check in both families (one healthy run), and the IPv6-only faults: exactly the IPv6 rows.
    LAB_NETWORK=routed LAB_IP_FAMILY=dual DETECTION_HEALTHY_RUNS=1 vitest_step e2e-dual --project e2e test/e2e/dual-stack.test.ts test/e2e/detection.test.ts
  fi
  # IPv6-only (routed): the lab's own IPv6-only tests, and the full suite passing with every row IPv6.
  if lab_step lab-up-ipv6 up --network routed --ip-family ipv6; then
    LAB_NETWORK=routed LAB_IP_FAMILY=ipv6 vitest_step lab-ipv6 --project lab test/lab/ipv6.test.ts
    LAB_NETWORK=routed LAB_IP_FAMILY=ipv6 vitest_step e2e-ipv6 --project e2e test/e2e/ipv6-only.test.ts
  fi
  # A real LoadBalancer implementation (MetalLB L2, routed): the lab's own MetalLB tests, and the
  # loadbalancer suite's rows passing on an address from its pool (elsewhere they are skipped).
  if lab_step lab-up-lb up --network routed --lb metallb; then
    LAB_NETWORK=routed LAB_LB=metallb vitest_step lab-lb --project lab test/lab/loadbalancer.test.ts
    LAB_NETWORK=routed LAB_LB=metallb vitest_step e2e-lb --project e2e test/e2e/loadbalancer.test.ts
  fi
  # vxlan with kube-proxy in nftables mode: the overlay's own faults (cut-route through the overlay,
  # UDP 8472), kube-proxy-down (nftables) and the MTU fault through VXLAN. The faults that do not
  # depend on the pod network (pods-to-node-drop, hairpin-off, dns-down, block-dns-udp, and the
  # nodeport-ports suite's NodePort and 10250 faults) ran on routed above; on vxlan they run in
  # `npm run detect -- --networks vxlan` (and --all).
  if lab_step lab-up-vxlan up --network vxlan --proxy-mode nftables; then
    LAB_NETWORK=vxlan vitest_step lab-vxlan --project lab
    LAB_NETWORK=vxlan LAB_PROXY_MODE=nftables DETECTION_HEALTHY_RUNS=2 vitest_step e2e-vxlan --project e2e test/e2e/detection.test.ts test/e2e/nodeport-ports.test.ts \
      -t 'healthy|cut-route-vxlan|kube-proxy-down|fault mtu|block-vxlan|vxlan: block-port'
  fi
  # Networks no one here wrote: real flanneld (vxlan, host-gw) and BIRD (bgp), one kube-proxy mode
  # each; the lab's own tests, 2 healthy runs + that network's faults (network:proxy:cases, no
  # cases = all of that network's), and the healthy ports run that prints the detected CNI.
  # flannel-vxlan's mtu fault (the MTU through flannel.1, 2 min) runs in npm run detect only; the
  # full network × kube-proxy matrix: npm run detect -- --all.
  for combo in flannel-vxlan:iptables:block-vxlan,cut-route-flannel-vxlan flannel-host-gw:nftables: bgp:iptables:; do
    network=${combo%%:*} rest=${combo#*:}
    proxy=${rest%%:*} cases=${rest#*:}
    if lab_step "lab-up-$network" up --network "$network" --proxy-mode "$proxy"; then
      LAB_NETWORK=$network vitest_step "lab-$network" --project lab
      LAB_NETWORK=$network LAB_PROXY_MODE=$proxy DETECTION_CASES=$cases DETECTION_HEALTHY_RUNS=2 vitest_step "e2e-$network" --project e2e test/e2e/detection.test.ts
      LAB_NETWORK=$network vitest_step "e2e-$network-ports" --project e2e test/e2e/nodeport-ports.test.ts -t 'healthy lab'
    fi
  done
  vitest_step lab-down --project lab-down
fi

node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of fs.readdirSync("reports/test")) {
    const r = JSON.parse(fs.readFileSync("reports/test/" + f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
  }
  // Each failed test, with the first lines of its failure: the end of the output is what CI shows.
  for (const f of fs.readdirSync("reports/test").sort()) {
    const r = JSON.parse(fs.readFileSync("reports/test/" + f, "utf8"));
    for (const file of r.testResults ?? [])
      for (const t of file.assertionResults ?? [])
        if (t.status === "failed") {
          console.log(`FAILED ${f.replace(/\.json$/, "")}: ${file.name.replace(process.cwd() + "/", "")} > ${t.fullName}`);
          const text = (t.failureMessages ?? []).join("\n").split("\n").filter((l) => !/^\s+at /.test(l));
          for (const line of text.slice(0, 25)) console.log("    " + line.slice(0, 1500));
        }
  }
  const steps = process.argv[1] ? process.argv[1].split(" ") : [];
  if (steps.length) console.log("failed steps: " + steps.join(", "));
  console.log(`tests: ${passed} passed, ${failed + (failed === 0 && steps.length ? 1 : 0)} failed, ${skipped} skipped`);
' "${failed_steps[*]:-}"
[ ${#failed_steps[@]} -eq 0 ]
