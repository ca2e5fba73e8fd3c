#!/usr/bin/env bash
# The lab: a real multi-node Kubernetes on this machine, each node in its own network
# namespace. Usage: npm run lab -- <command>   (see `npm run lab -- help`)
set -euo pipefail
LAB_DIR=$(cd "$(dirname "$0")" && pwd)
source "$LAB_DIR/versions.env"
for f in common procs net pki images node control-plane flannel bgp egress faults faults-paths faults-real dns metallb netpol upstream-e2e up down; do source "$LAB_DIR/lib/$f.sh"; done

usage() {
  cat <<USAGE
Usage: npm run lab -- <command> [args]

  up [--nodes N] [--network routed|vxlan|flannel-vxlan|flannel-host-gw|bgp] [--proxy-mode iptables|nftables]
     [--ip-family ipv4|dual|ipv6] [--lb metallb] [--netpol kube-router]
                                            build if needed, start a cluster (default: 3 nodes, routed, iptables, ipv4,
                                            no LoadBalancer implementation, no NetworkPolicy implementation; dual: routed
                                            or vxlan; ipv6: routed; --lb metallb: MetalLB L2 on the node network;
                                            --netpol kube-router: kube-router's NetworkPolicy firewall on every node, IPv4)
  down                                      remove everything the lab made (idempotent)
  status                                    nodes, processes, pod network, kube-proxy, LoadBalancer and NetworkPolicy modes
  kubeconfig                                print the admin kubeconfig path
  exec <node> -- <command…>                 run a command in a node's network namespace
  fault <name> [args]                       inject a network fault (fault --help lists them)
  heal [name]                               undo one fault kind, or all faults
  build                                     build the upstream components only
  upstream-e2e [--build-only|--netpol]      upstream's network e2e Granular Checks against the running lab
                                            (builds e2e.test once per Kubernetes version; reports/upstream-e2e/);
                                            --netpol: its NetworkPolicy specs instead (reports/upstream-e2e-netpol/)
USAGE
}

require_root() { [ "$(id -u)" -eq 0 ] || die "the lab needs root (network namespaces, cgroups, mounts); run it as root or with sudo" 2; }

cmd=${1:-help}; shift || true
case "$cmd" in
  up) require_root; lab_up "$@" ;;
  down) require_root; lab_down ;;
  status) lab_status ;;
  kubeconfig) load_lab_config; echo "$(pki_dir)/admin.kubeconfig" ;;
  exec)
    require_root; load_lab_config
    [ $# -ge 1 ] || die "usage: npm run lab -- exec <node> -- <command…>" 2
    idx=$(node_index "$1"); shift
    [ "${1:-}" = "--" ] && shift
    [ $# -ge 1 ] || die "usage: npm run lab -- exec <node> -- <command…>" 2
    in_node "$idx" "$@" ;;
  fault) require_root; load_lab_config; fault_inject "$@" ;;
  heal) require_root; load_lab_config; fault_heal "$@" ;;
  build) bash "$LAB_DIR/build.sh" ;;
  upstream-e2e)
    if [ "${1:-}" = "--build-only" ]; then upstream_e2e_build; else require_root; upstream_e2e_run "$@"; fi ;;
  help|-h|--help) usage ;;
  *) usage >&2; die "unknown command '$cmd'" 2 ;;
esac
