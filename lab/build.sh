#!/usr/bin/env bash
# Builds the lab's upstream components from Go modules, once per version.
# Outputs go to $LAB_CACHE/bin/<component>-<version>/ (outside git); the Go build cache
# ($GOCACHE) makes a rebuild after a version bump incremental.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/versions.env"
source "$here/lib/common.sh"

build_kubernetes() {
  local out; out=$(kubernetes_bin_dir)
  if [ -x "$out/kubelet" ] && [ -f "$out/.complete" ]; then return 0; fi
  log "building Kubernetes $KUBERNETES_VERSION (apiserver, controller-manager, scheduler, kubelet, kube-proxy, kubectl, agnhost, etcd) into $out"
  local minor=${KUBERNETES_VERSION#v1.}; minor=${minor%%.*}
  local date; date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  local ld="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
  done
  mkdir -p "$out.tmp"
  local t0; t0=$(date +%s)
  (cd "$here/gomod/kubernetes" && CGO_ENABLED=0 go build -trimpath -ldflags "$ld" -o "$out.tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet \
    k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kubectl \
    k8s.io/kubernetes/test/images/agnhost go.etcd.io/etcd/server/v3)
  if [ -f "$out.tmp/server" ]; then mv "$out.tmp/server" "$out.tmp/etcd"; else mv "$out.tmp/v3" "$out.tmp/etcd"; fi
  cp "$(cd "$here/gomod/kubernetes" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)/test/images/agnhost/VERSION" "$out.tmp/agnhost.VERSION"
  echo $(( $(date +%s) - t0 )) > "$out.tmp/.build-seconds"
  touch "$out.tmp/.complete"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

build_containerd() {
  local out; out=$(containerd_bin_dir)
  if [ -x "$out/containerd" ] && [ -f "$out/.complete" ]; then return 0; fi
  log "building containerd $CONTAINERD_VERSION (containerd, containerd-shim-runc-v2, ctr) into $out"
  mkdir -p "$out.tmp"
  local t0; t0=$(date +%s)
  local pkg=github.com/containerd/containerd/v2
  local ld="-s -w -X $pkg/version.Version=$CONTAINERD_VERSION"
  (cd "$here/gomod/containerd" && CGO_ENABLED=0 go build -trimpath -tags "no_btrfs no_devmapper no_zfs" -ldflags "$ld" \
    -o "$out.tmp/" $pkg/cmd/containerd $pkg/cmd/containerd-shim-runc-v2 $pkg/cmd/ctr)
  echo $(( $(date +%s) - t0 )) > "$out.tmp/.build-seconds"
  touch "$out.tmp/.complete"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

# flanneld, only for the flannel-* pod networks (`build.sh flannel`). flannel's amd64 UDP backend
# needs cgo, so this one is built with gcc (the upstream Makefile does the same). main.go imports
# every backend, including tencent-vpc, whose Tencent Cloud SDK module the Go module proxy refuses:
# lab/gomod/flannel/stub-vpc is a lab-authored compile-only stand-in for it (docs/lab.md).
build_flannel() {
  local out; out=$(flannel_bin_dir)
  if [ -x "$out/flanneld" ] && [ -f "$out/.complete" ]; then return 0; fi
  command -v gcc >/dev/null 2>&1 || die "missing: gcc (flanneld needs cgo on amd64). Install with: apt-get install -y gcc libc6-dev" 2
  log "building flanneld $FLANNEL_VERSION into $out (cgo, niced)"
  mkdir -p "$out.tmp"
  local t0; t0=$(date +%s)
  (cd "$here/gomod/flannel" && CGO_ENABLED=1 nice -n 10 go build -trimpath \
    -ldflags "-s -w -X github.com/flannel-io/flannel/pkg/version.Version=$FLANNEL_VERSION" \
    -o "$out.tmp/flanneld" github.com/flannel-io/flannel)
  echo $(( $(date +%s) - t0 )) > "$out.tmp/.build-seconds"
  touch "$out.tmp/.complete"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

# MetalLB's speaker and controller, only for `lab up --lb metallb` (`build.sh metallb`), from
# lab/gomod/metallb (its go.mod pins go.universe.tf/metallb as a tool), niced.
build_metallb() {
  local out; out=$(metallb_bin_dir)
  if [ -x "$out/speaker" ] && [ -x "$out/controller" ] && [ -f "$out/.complete" ]; then return 0; fi
  grep -Eq "go.universe.tf/metallb $METALLB_VERSION( |$)" "$here/gomod/metallb/go.mod" \
    || die "lab/gomod/metallb/go.mod does not pin MetalLB $METALLB_VERSION; regenerate it: (cd lab/gomod/metallb && go get -tool go.universe.tf/metallb/speaker@$METALLB_VERSION go.universe.tf/metallb/controller@$METALLB_VERSION)" 2
  log "building MetalLB $METALLB_VERSION (speaker, controller) into $out (niced)"
  mkdir -p "$out.tmp"
  local t0; t0=$(date +%s)
  (cd "$here/gomod/metallb" && CGO_ENABLED=0 nice -n 10 go build -trimpath -ldflags "-s -w" \
    -o "$out.tmp/" go.universe.tf/metallb/speaker go.universe.tf/metallb/controller)
  echo $(( $(date +%s) - t0 )) > "$out.tmp/.build-seconds"
  touch "$out.tmp/.complete"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

# kube-router's NetworkPolicy controller, only for `lab up --netpol kube-router` (`build.sh kube-router`),
# from lab/gomod/kube-router (its go.mod pins github.com/cloudnativelabs/kube-router/v2 as a tool), niced.
# The lab runs it firewall-only (lab/lib/netpol.sh); the binary is upstream's, unmodified.
build_kube_router() {
  local out; out=$(kube_router_bin_dir)
  if [ -x "$out/kube-router" ] && [ -f "$out/.complete" ]; then return 0; fi
  local mod=github.com/cloudnativelabs/kube-router/v2
  grep -Eq "$mod $KUBE_ROUTER_VERSION( |$)" "$here/gomod/kube-router/go.mod" \
    || die "lab/gomod/kube-router/go.mod does not pin kube-router $KUBE_ROUTER_VERSION; regenerate it: (cd lab/gomod/kube-router && go get -tool $mod/cmd/kube-router@$KUBE_ROUTER_VERSION)" 2
  log "building kube-router $KUBE_ROUTER_VERSION into $out (niced)"
  mkdir -p "$out.tmp"
  local t0; t0=$(date +%s)
  (cd "$here/gomod/kube-router" && CGO_ENABLED=0 nice -n 10 go build -trimpath \
    -ldflags "-s -w -X $mod/pkg/version.Version=$KUBE_ROUTER_VERSION -X $mod/pkg/version.BuildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    -o "$out.tmp/kube-router" $mod/cmd/kube-router)
  echo $(( $(date +%s) - t0 )) > "$out.tmp/.build-seconds"
  touch "$out.tmp/.complete"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

start=$(date +%s)
# `build.sh --only <component…>` builds just those (e.g. kube-router while Kubernetes is still
# building elsewhere); otherwise Kubernetes and containerd come first, as `lab up` needs them.
if [ "${1:-}" = --only ]; then shift; else
  build_kubernetes
  build_containerd
fi
for extra in "$@"; do
  case "$extra" in
    flannel) build_flannel ;;
    metallb) build_metallb ;;
    kube-router) build_kube_router ;;
    *) die "build.sh: unknown component '$extra'" 2 ;;
  esac
done
log "build done in $(( $(date +%s) - start ))s"
