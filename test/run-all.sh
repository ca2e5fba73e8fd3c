#!/usr/bin/env bash
# `npm test`: the build (dist/), static checks, unit tests, then the lab for the lab's own tests and
# the end-to-end tests of the CLI (routed network), then the vxlan network (kube-proxy nftables),
# then real flannel (vxlan, host-gw) and BGP (BIRD) networks, then `lab down` asserted clean.
# Each step prints its duration (m:ss) when it ends; the closing lines are every step's duration,
# the total, and "tests: N passed, N failed, N skipped".
#
# No silent skips (issue 21): after a lab comes up, expect_lab exports LAB_EXPECTED=1 and the lab's
# mode (LAB_NETWORK, LAB_PROXY_MODE, LAB_IP_FAMILY, LAB_LB, LAB_NETPOL), and a test that needs the lab
# fails when it is down or in another mode (requireLab, test/tools/lab-expected.ts). Each vitest step
# has a minimum number of tests that must execute (passed + failed, not skipped or filtered out);
# fewer fails the step (test/tools/step-minimum.ts).
# The minimums (the number after each step's name; lab/e2e/ports in the loop's combos) are the
# counts of tests each step executed when set (issue 21). After adding or removing tests on purpose,
# update the step's number: read "=== <step>: N tests ran" in npm test's output, or, with a lab up in
# the step's mode, run `npx vitest list --json <the step's vitest args>` with its LAB_* variables
# (it lists the tests that would run, not the skipped ones) and count the entries.
set -uo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
mkdir -p reports/test
rm -f reports/test/*.json
failed_steps=()
too_few=() # steps' messages: fewer tests ran than their minimum
durations=()
started_all=$SECONDS

mmss() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }
step_fails() { # name: listed once
  local s
  for s in "${failed_steps[@]}"; do [ "$s" != "$1" ] || return 0; done
  failed_steps+=("$1")
}
step_done() { # name, $SECONDS at its start
  local took
  took=$(mmss $((SECONDS - $2)))
  durations+=("$1 $took")
  echo "=== $1: $took"
}
vitest_step() { # name, minimum tests executed (passed + failed), vitest args…
  local name=$1 minimum=$2 started=$SECONDS
  shift 2
  echo "=== $name"
  npx vitest run "$@" --reporter=default --reporter=json --outputFile.json="reports/test/$name.json" || step_fails "$name"
  local counted
  if counted=$(node --import tsx test/tools/step-minimum.ts "$name" "$minimum" "reports/test/$name.json"); then echo "$counted"; else
    echo "$counted"
    too_few+=("$counted")
    step_fails "$name"
  fi
  step_done "$name" "$started"
}
lab_step() { # name, lab args…
  local name=$1 started=$SECONDS
  shift
  echo "=== $name: npm run lab -- $*"
  bash lab/lab.sh "$@" || { step_fails "$name"; step_done "$name" "$started"; return 1; }
  step_done "$name" "$started"
}
# The lab now up, as the tests that follow must find it: network, kube-proxy mode, IP family,
# LoadBalancer (none|metallb), NetworkPolicy implementation (none|…).
expect_lab() {
  export LAB_EXPECTED=1 LAB_NETWORK=$1 LAB_PROXY_MODE=$2 LAB_IP_FAMILY=$3 LAB_LB=$4 LAB_NETPOL=${5:-none}
}
# Files for one lab mode only (requireLab({ ipFamily: 'ipv6' }) and the like): under LAB_EXPECTED they
# fail on any other mode, so the steps of other modes leave them out; their own steps name them.
only_other_modes=(--exclude test/lab/ipv6.test.ts --exclude test/lab/loadbalancer.test.ts --exclude test/lab/netpol.test.ts
  --exclude test/e2e/dual-stack.test.ts --exclude test/e2e/ipv6-only.test.ts --exclude test/e2e/loadbalancer.test.ts)

# The CLI the e2e tests drive is the compiled one (bin/ runs dist/): build it first.
echo "=== build"
started=$SECONDS
npm run build --silent || step_fails "build"
step_done build "$started"
# Habits: the typecheck (vitest strips types), no import cycles, the formatter's check.
echo "=== lint"
started=$SECONDS
npm run lint --silent || step_fails "lint"
step_done lint "$started"
vitest_step unit 700 --project unit
if [ "$(id -u)" -ne 0 ]; then
  echo "=== lab and end-to-end tests need root (network namespaces); skipped"
else
  if lab_step lab-up-routed up --network routed; then
    expect_lab routed iptables ipv4 none
    vitest_step lab-routed 21 --project lab "${only_other_modes[@]}"
    # Detection on routed: every routed fault but mtu (the vxlan step runs it, through the overlay),
    # loss-20 (trust.test.ts runs it) and kube-proxy-down (cli.test.ts asserts its rows here, the
    # vxlan step its diagnosis with nftables), and one healthy run (the other e2e files make a
    # dozen more): npm test's 45 minutes. npm run detect runs them all, healthy runs repeated.
    DETECTION_SKIP=mtu-routed,loss-20,kube-proxy-down DETECTION_HEALTHY_RUNS=1 vitest_step e2e 66 --project e2e "${only_other_modes[@]}"
  fi
  # A real NetworkPolicy enforcer (kube-router's firewall) and a real LoadBalancer implementation
  # (MetalLB L2) on one routed lab: the lab's own kube-router tests (its faults netpol-down and
  # netpol-bypass included), then the network-policy suite's core cases on it (each as the model
  # says, or a listed deviation) and under both enforcement faults (the diagnosis names the node);
  # the lab's own MetalLB tests, and the loadbalancer suite's rows passing on an address from its
  # pool (elsewhere they are skipped). Without an enforcer the network-policy suite ran in the e2e
  # step above. The full case set (~4 min): npm run test:netpol-full; the two enforcement faults as detection cases: npm run detect -- --netpol kube-router.
  if lab_step lab-up-netpol-lb up --network routed --netpol kube-router --lb metallb; then
    expect_lab routed iptables ipv4 metallb kube-router
    vitest_step lab-netpol-lb 8 --project lab test/lab/netpol.test.ts test/lab/loadbalancer.test.ts
    vitest_step e2e-netpol-lb 5 --project e2e test/e2e/network-policy.test.ts test/e2e/loadbalancer.test.ts
  fi
  # Dual-stack (routed, IPv4 + IPv6): both families on every node, pod and Service, and the
  # per-family faults (cut-route / block-port --family 6); the rest of the lab tests ran above.
  if lab_step lab-up-dual up --network routed --ip-family dual; then
    expect_lab routed iptables dual none
    vitest_step lab-dual 13 --project lab test/lab/dual.test.ts
    # Every check in both families (dual-stack.test.ts's healthy run, which also asserts what the
    # detection test's healthy run asserts elsewhere), and the IPv6-only faults: exactly the IPv6 rows.
    vitest_step e2e-dual 4 --project e2e test/e2e/dual-stack.test.ts test/e2e/detection.test.ts -t 'dual-stack lab|is detected exactly'
  fi
  # IPv6-only (routed): the lab's own IPv6-only tests, and the full suite passing with every row IPv6.
  if lab_step lab-up-ipv6 up --network routed --ip-family ipv6; then
    expect_lab routed iptables ipv6 none
    vitest_step lab-ipv6 4 --project lab test/lab/ipv6.test.ts
    vitest_step e2e-ipv6 1 --project e2e test/e2e/ipv6-only.test.ts
  fi
  # vxlan with kube-proxy in nftables mode: the overlay's own faults (cut-route through the overlay,
  # UDP 8472, mtu) and kube-proxy-down (nftables). The faults that do not depend on the pod network
  # (pods-to-node-drop, hairpin-off, dns-down, block-dns-udp, the NodePort and 10250 faults) ran on
  # routed above; on vxlan they run in `npm run detect -- --networks vxlan` (and --all).
  if lab_step lab-up-vxlan up --network vxlan --proxy-mode nftables; then
    expect_lab vxlan nftables ipv4 none
    vitest_step lab-vxlan 22 --project lab "${only_other_modes[@]}"
    # mtu is back (issue 23): on 2026-12-07 one run of this step could not open the API server's
    # exec into the small-MTU node's probes; after the day's changes it was detected exactly 6 times
    # of 6 on the vxlan lab (09:50-09:55 UTC, once after this step's other faults), ~25 s each.
    # The healthy run also asserts the nodeport and ports suites (the kubeadm profile's vxlan rows).
    DETECTION_HEALTHY_RUNS=1 DETECTION_CASES=cut-route-vxlan,kube-proxy-down,block-vxlan,mtu vitest_step e2e-vxlan 5 --project e2e test/e2e/detection.test.ts
  fi
  # Networks no one here wrote: real flanneld (vxlan, host-gw) and BIRD (bgp), one kube-proxy mode
  # each; the lab's own tests, 1 healthy run (every path, and the nodeport and ports suites with
  # the CNI the run detected and printed) and the faults of that network that no step above runs
  # (network:proxy:cases; no cases = all of that network's): the faults the routed and vxlan steps
  # already run (cut-route, no-egress-nat, block-vxlan) are not run again here. The lab's own tests
  # of faults that work the same on every network (a node's firewall, kube-proxy, DNS, hairpin:
  # test/lab/paths.test.ts and four of lab.test.ts's) ran on routed and vxlan; here the lab tests
  # are the network's own (pods and routes, its daemons, cut-route, no-forwarding, mtu, the overlay
  # port). Everything on every network × kube-proxy mode: npm run detect -- --all. Minimums: lab, e2e.
  network_only='^(?!.*(10250/tcp: the kubelet port|block-nodeports|kube-proxy-down|bad fault input))'
  for combo in flannel-vxlan:iptables:cut-route-flannel-vxlan:14/2 flannel-host-gw:nftables::14/3 bgp:iptables:bgp-down:14/2; do
    IFS=: read -r network proxy cases minimums <<<"$combo"
    IFS=/ read -r min_lab min_e2e <<<"$minimums"
    if lab_step "lab-up-$network" up --network "$network" --proxy-mode "$proxy"; then
      expect_lab "$network" "$proxy" ipv4 none
      vitest_step "lab-$network" "$min_lab" --project lab "${only_other_modes[@]}" --exclude test/lab/paths.test.ts -t "$network_only"
      DETECTION_CASES=$cases DETECTION_HEALTHY_RUNS=1 vitest_step "e2e-$network" "$min_e2e" --project e2e test/e2e/detection.test.ts
    fi
  done
  vitest_step lab-down 2 --project lab-down
fi

for line in "${too_few[@]}"; do echo "$line"; done
(IFS=,; echo "durations:${durations[*]/#/ }")
echo "total: $(mmss $((SECONDS - started_all)))"
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
    for (const file of r.testResults ?? []) {
      if (file.status === "failed" && file.message && !(file.assertionResults ?? []).some((t) => t.status === "failed")) {
        failed++;
        console.log(`FAILED ${f.replace(/\.json$/, "")}: ${file.name.replace(process.cwd() + "/", "")} (the file itself)`);
        for (const line of file.message.split("\n").slice(0, 25)) console.log("    " + line.slice(0, 1500));
      }
      for (const t of file.assertionResults ?? [])
        if (t.status === "failed") {
          console.log(`FAILED ${f.replace(/\.json$/, "")}: ${file.name.replace(process.cwd() + "/", "")} > ${t.fullName}`);
          const text = (t.failureMessages ?? []).join("\n").split("\n").filter((l) => !/^\s+at /.test(l));
          for (const line of text.slice(0, 25)) console.log("    " + line.slice(0, 1500));
        }
    }
  }
  const steps = process.argv[1] ? process.argv[1].split(" ") : [];
  if (steps.length) console.log("failed steps: " + steps.join(", "));
  console.log(`tests: ${passed} passed, ${failed + (failed === 0 && steps.length ? 1 : 0)} failed, ${skipped} skipped`);
' "${failed_steps[*]:-}"
[ ${#failed_steps[@]} -eq 0 ]
