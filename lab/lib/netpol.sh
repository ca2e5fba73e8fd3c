# A real NetworkPolicy implementation for the lab, opt-in (`lab up --netpol kube-router`):
# kube-router's network policy controller (github.com/cloudnativelabs/kube-router/v2, built by
# `build.sh kube-router` from lab/gomod/kube-router), one per node namespace, firewall only:
# --run-firewall=true --run-router=false --run-service-proxy=false. It watches pods, namespaces
# and NetworkPolicies and programs the node's iptables filter table (chains KUBE-ROUTER-INPUT /
# -FORWARD / -OUTPUT, KUBE-POD-FW-*, KUBE-NWPLCY-*) and ipsets, in that node's namespace only.
# The pod network (routes, CNI) stays whatever --network chose.
#
# With the router off, kube-router starts no BGP server and so no GoBGP gRPC API: its TCP 50051
# listener (advisory GHSA-v5mh-h5hx-7v92: unauthenticated, on the node IP) does not exist; the
# health port (--health-port 0), metrics (port 0) and pprof (off) listen nowhere either.
#
# Lab-written, not kube-router's: running it as lab daemons (upstream: a DaemonSet), its client
# certificate CN=kube-router and a read-only ClusterRole (upstream's kube-router ClusterRole minus
# the lease and services/status writes, which only its load-balancer allocator uses), and its
# flags. kube-router writes no files in this mode: its state is the node namespace's iptables
# rules and ipsets, which `lab down` removes with the namespace.
LAB_NETPOLS="kube-router"

kube_router_daemon() { echo "kube-router-$(node_name "$1")"; }

kube_router_rbac() {
  pki_cert kube-router kube-router ""
  chmod 600 "$(pki_dir)/kube-router.key"
  pki_kubeconfig kube-router kube-router "https://$(url_host "$(node_ip_primary 0)"):$LAB_APISERVER_PORT"
  # Every informer kube-router starts must sync before it runs (services, endpoints and
  # endpointslices too, even with the proxy off): read-only on all of them.
  cat <<YAML | kubectl_lab apply -f - >/dev/null
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: kube-router}
rules:
- apiGroups: [""]
  resources: [namespaces, pods, services, nodes, endpoints]
  verbs: [get, list, watch]
- apiGroups: [networking.k8s.io]
  resources: [networkpolicies]
  verbs: [get, list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: kube-router}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kube-router}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: kube-router}
YAML
}

# How many full policy syncs node i's kube-router has logged ("sync iptables took …", -v 1).
kube_router_syncs() { local n; n=$(grep -c 'sync iptables took' "$LAB_LOGS/$(kube_router_daemon "$1").log" 2>/dev/null) || true; echo "${n:-0}"; }
kube_router_synced_since() { [ "$(kube_router_syncs "$1")" -gt "$2" ]; } # node index, count before

kube_router_start() { # node index; returns once its first full sync is done
  local i=$1 name before; name=$(node_name "$i"); before=$(kube_router_syncs "$i")
  start_daemon "$(kube_router_daemon "$i")" "$i" env NODE_NAME="$name" "$(kube_router_bin_dir)/kube-router" \
    --kubeconfig "$(pki_dir)/kube-router.kubeconfig" --hostname-override "$name" \
    --run-firewall=true --run-router=false --run-service-proxy=false --run-loadbalancer=false \
    --service-cluster-ip-range "$LAB_SERVICE_CIDR" --service-node-port-range "$LAB_NODEPORT_RANGE" \
    --health-port 0 --metrics-port 0 --v 1
  wait_for "kube-router on $name to finish a full policy sync" 60 kube_router_synced_since "$i" "$before" \
    || die "kube-router on $name did not sync; see $LAB_LOGS/$(kube_router_daemon "$i").log" 1
  daemon_alive "$(kube_router_daemon "$i")" || die "kube-router on $name exited; see $LAB_LOGS/$(kube_router_daemon "$i").log" 1
}

netpol_up() { # implementation
  [ "$1" = kube-router ] || die "unknown --netpol '$1'" 2
  log "kube-router $KUBE_ROUTER_VERSION NetworkPolicy controller on every node (firewall only)"
  kube_router_rbac
  local i; for i in $(all_node_indexes); do kube_router_start "$i"; done
}

# --netpol with the other options: kube-router's IPv6 (--enable-ipv6) is not wired in the lab.
netpol_check_support() { # netpol, ip family
  [ -z "$1" ] && return 0
  [[ " $LAB_NETPOLS " == *" $1 "* ]] || die "--netpol must be one of ${LAB_NETPOLS// /, } (got '$1')" 2
  [ "$2" = ipv4 ] || die "--netpol $1 is IPv4-only in the lab (kube-router's --enable-ipv6 is not wired or tested here); got --ip-family $2" 2
}

netpol_daemons() { # for lab status: "name" per line
  local i; for i in $(all_node_indexes); do kube_router_daemon "$i"; done
}
