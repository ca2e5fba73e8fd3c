# `npm run lab -- upstream-e2e`: upstream Kubernetes' own network e2e tests (the Granular Checks of
# test/e2e/network/networking.go) run against the running lab, for comparison with kube-netconform.
# e2e.test is built from the same k8s.io/kubernetes module the lab's binaries come from
# (lab/gomod/kubernetes), once per Kubernetes version, into $LAB_CACHE/bin/e2e-test-<version>/.
# Sourced by lab.sh; `upstream_e2e_build` alone needs no lab (build it outside the lab lock).

# The tests kube-netconform's pod-to-pod, pod-to-service and nodeport paths cover, HTTP and UDP.
# DualStack (the lab is IPv4 by default), SCTP (no SCTP in the probes) and [Slow] ones are skipped.
UPSTREAM_E2E_FOCUS='Granular Checks: (Pods should function for (intra-pod|node-pod) communication: (http|udp)|Services should (function for (pod|node)-Service: (http|udp)|be able to handle large requests|support basic nodePort))'
UPSTREAM_E2E_SKIP='DualStack|SCTP|Slow'
# `upstream-e2e --netpol`: upstream's NetworkPolicy specs (test/e2e/network/netpol: "Netpol
# NetworkPolicy between server and client", TCP, and its "using UDP" context), the ones the
# network-policy suite's cases are compared with; SCTP's context is skipped (no SCTP in the lab;
# the two TCP specs that merely name SCTP in a policy run). Needs an enforcer: `lab up --netpol kube-router`.
UPSTREAM_E2E_NETPOL_FOCUS='Netpol (\[LinuxOnly\] )?NetworkPolicy between server and client'
UPSTREAM_E2E_NETPOL_SKIP='SCTPConnectivity'

e2e_bin_dir() { echo "$LAB_CACHE/bin/e2e-test-$KUBERNETES_VERSION"; }

upstream_e2e_build() {
  local out; out=$(e2e_bin_dir)
  if [ -x "$out/e2e.test" ] && [ -f "$out/.complete" ]; then return 0; fi
  log "building upstream e2e.test $KUBERNETES_VERSION into $out (niced, ~5 min with a warm Go build cache)"
  # A scratch copy of the lab's module: -mod=mod adds the test-only requirements to its go.sum,
  # which must not touch lab/gomod/kubernetes.
  local mod; mod=$(mktemp -d)
  cp "$LAB_DIR/gomod/kubernetes/go.mod" "$LAB_DIR/gomod/kubernetes/go.sum" "$mod/"
  mkdir -p "$out.tmp"
  local t0; t0=$(date +%s)
  (cd "$mod" && CGO_ENABLED=0 GOFLAGS="$GOFLAGS -mod=mod" nice -n 10 go test -c -trimpath -o "$out.tmp/e2e.test" k8s.io/kubernetes/test/e2e) \
    || { rm -rf "$mod" "$out.tmp"; die "building e2e.test failed" 1; }
  rm -rf "$mod"
  echo $(( $(date +%s) - t0 )) > "$out.tmp/.build-seconds"
  touch "$out.tmp/.complete"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

# The selected tests run their pods on e2e.test's "agnhost" image (imageutils.Agnhost): its name must be
# the lab's own agnhost image, which every node's containerd has (the lab has no registry and no
# route out, so any other image would fail to pull, never reach the internet). --list-images names
# every image of the whole binary (older agnhost tags and private-registry ones too, for other tests).
upstream_e2e_check_images() {
  local e2e=$1 want; want=$(agnhost_image)
  "$e2e" --list-images 2>/dev/null | grep -qxF "$want" \
    || die "this e2e.test does not use the lab's agnhost image $want (its --list-images has no such line)" 1
}

upstream_e2e_run() { # [--netpol]
  [ $# -eq 0 ] || { [ $# -eq 1 ] && [ "$1" = --netpol ]; } || die "usage: npm run lab -- upstream-e2e [--build-only|--netpol]" 2
  load_lab_config
  upstream_e2e_build
  local e2e; e2e="$(e2e_bin_dir)/e2e.test"
  upstream_e2e_check_images "$e2e"
  local focus=$UPSTREAM_E2E_FOCUS skip=$UPSTREAM_E2E_SKIP name=upstream-e2e what="network Granular Checks" limit=20m
  if [ "${1:-}" = --netpol ]; then
    focus=$UPSTREAM_E2E_NETPOL_FOCUS skip=$UPSTREAM_E2E_NETPOL_SKIP name=upstream-e2e-netpol what="NetworkPolicy specs" limit=120m
    [ "${LAB_NETPOL:-}" != "" ] || log "warning: this lab runs no NetworkPolicy implementation (lab up --netpol kube-router): upstream's NetworkPolicy specs will fail"
  fi
  local report; report="$(cd "$LAB_DIR/.." && pwd)/reports/$name"
  rm -rf "$report"; mkdir -p "$report"
  log "running upstream's $what against the lab (JUnit and log in $report)"
  local t0 rc=0; t0=$(date +%s.%N)
  # -provider=skeleton: no cloud; the repo-list is the default (upstream's image names, which the lab's
  # images carry). The tests talk to the API server and to lab pod, Service and node addresses only.
  "$e2e" --provider=skeleton --kubeconfig "$(pki_dir)/admin.kubeconfig" \
    --ginkgo.focus="$focus" --ginkgo.skip="$skip" \
    --ginkgo.no-color --ginkgo.timeout="$limit" \
    --ginkgo.junit-report="$report/junit.xml" \
    >"$report/e2e.log" 2>&1 || rc=$?
  local secs; secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
  # A pod that could not get its image (one the lab does not have) is named, not left to a timeout message.
  if grep -qE 'ErrImagePull|ImagePullBackOff' "$report/e2e.log"; then
    log "some test pod could not pull its image (the lab only has $(agnhost_image) and $LAB_PAUSE_IMAGE):"
    grep -oE '(Failed to pull image|image) \\?"[^"\\]+' "$report/e2e.log" | sort -u | head -5 >&2 || true
  fi
  [ -f "$report/junit.xml" ] || { tail -n 30 "$report/e2e.log" >&2; die "upstream e2e wrote no JUnit (exit $rc); log: $report/e2e.log" 1; }
  # The summary line, then the tests that did not pass; its exit status is the verdict (with e2e.test's).
  local repo; repo=$(cd "$LAB_DIR/.." && pwd)
  local src=0; "$repo/node_modules/.bin/tsx" "$repo/lab/upstream-junit.ts" "$report/junit.xml" "$secs" || src=$?
  [ "$src" -le 1 ] || die "cannot read $report/junit.xml" 1
  [ "$rc" -eq 0 ] && [ "$src" -eq 0 ] || { echo "log: $report/e2e.log" >&2; return 1; }
}
