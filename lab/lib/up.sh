# `lab up`: preflight, build, then bring the cluster up step by step. Any failure tears down
# what was made (a half-built cluster is never left behind silently) and shows the log tail.

# The Debian packages the lab runs on (runc, CNI plugins, iptables … are not built from source).
# nftables: kube-proxy's nftables mode; bird2: the bgp pod network; gcc + libc6-dev: flanneld's cgo;
# dash … hostname: the userland of the agnhost image (AGNHOST_USERLAND in images.sh); ipset: kube-router
# (`--netpol kube-router`).
LAB_DEBIAN_PACKAGES="iproute2 util-linux iptables conntrack runc containernetworking-plugins openssl nftables bird2 gcc libc6-dev"
LAB_DEBIAN_PACKAGES+=" bash dash netcat-openbsd curl socat bind9-dnsutils coreutils grep sed hostname ipset"
LAB_NETWORKS="routed vxlan flannel-vxlan flannel-host-gw bgp"
LAB_PROXY_MODES="iptables nftables"

lab_missing_commands() { # network proxy-mode [netpol]: only what this lab needs
  local network=${1:-routed} proxy_mode=${2:-iptables} netpol=${3:-} c
  for c in ip nsenter iptables iptables-save iptables-restore conntrack runc openssl setsid tar gzip sha256sum ldd \
    $(for e in $AGNHOST_USERLAND; do echo "${e#*=}"; done); do
    command -v "$c" >/dev/null 2>&1 || echo "$c"
  done
  [ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] && [ -x /usr/lib/cni/portmap ] || echo "CNI-plugins"
  [ "$proxy_mode" != nftables ] || command -v nft >/dev/null 2>&1 || echo nft
  if [ "$network" = bgp ]; then command -v bird >/dev/null 2>&1 && command -v birdc >/dev/null 2>&1 || echo bird; fi
  case "$network" in flannel-*) command -v gcc >/dev/null 2>&1 || echo gcc ;; esac
  [ "$netpol" != kube-router ] || command -v ipset >/dev/null 2>&1 || echo ipset
}

lab_preflight() { # network proxy-mode ip-family [netpol]
  local network=$1 proxy_mode=$2 netpol=${4:-} missing
  missing=$(lab_missing_commands "$network" "$proxy_mode" "$netpol" | tr '\n' ' ')
  # On a fresh Debian machine, install what is missing rather than stop (we are root here).
  if [ -n "$missing" ] && command -v apt-get >/dev/null 2>&1; then
    log "installing the lab's Debian packages (missing: $missing)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $LAB_DEBIAN_PACKAGES >/dev/null
    missing=$(lab_missing_commands "$network" "$proxy_mode" "$netpol" | tr '\n' ' ')
  fi
  [ -z "$missing" ] || die "missing: $missing. Install with: apt-get install -y $LAB_DEBIAN_PACKAGES" 2
  if [ "${3:-ipv4}" != ipv4 ]; then
    command -v ip6tables >/dev/null 2>&1 && command -v ip6tables-restore >/dev/null 2>&1 || die "missing: ip6tables (kube-proxy programs IPv6 Services with it). Install with: apt-get install -y iptables" 2
    command -v nft >/dev/null 2>&1 || die "missing: nft (the hub bridge's router-advertisement filter). Install with: apt-get install -y nftables" 2
    [ -d /proc/sys/net/ipv6 ] || die "this kernel has no IPv6 (/proc/sys/net/ipv6 is missing); --ip-family ${3} needs it" 2
  fi
  command -v go >/dev/null 2>&1 || die "missing: go (Go ≥ 1.26 builds the lab's Kubernetes, etcd and containerd)" 2
  ip netns list >/dev/null 2>&1 || die "this kernel or container does not allow network namespaces (ip netns failed)" 2
  [ -d "$CGROUP_V1_ROOT/pids" ] && [ -d "$CGROUP_V1_ROOT/cpu" ] && [ -d "$CGROUP_V1_ROOT/memory" ] \
    || die "the lab needs cgroup v1 hierarchies (cpu, memory, pids) under $CGROUP_V1_ROOT; this machine has: $(ls "$CGROUP_V1_ROOT" | tr '\n' ' ')" 2
  # The node network must not collide with anything this machine already routes.
  local clash
  clash=$(ip -4 route show | grep -v "dev $LAB_ROOT_IF" | awk -v p="$LAB_NODE_NET_PREFIX." 'index($1,p)==1 || $1=="'"$LAB_NODE_NET"'"' || true)
  [ -z "$clash" ] || die "the lab's node network $LAB_NODE_NET is already routed on this machine ($clash); free it first" 2
  if [ "${3:-ipv4}" != ipv4 ]; then
    clash=$(ip -6 route show | grep -v "dev $LAB_ROOT_IF" | awk -v p="$LAB_NODE_NET6_PREFIX" 'index($1,p)==1' || true)
    [ -z "$clash" ] || die "the lab's IPv6 node network $LAB_NODE_NET6 is already routed on this machine ($clash); free it first" 2
  fi
  clash=$(LAB_IP_FAMILY=${3:-ipv4} net_blackhole_clash)
  [ -z "$clash" ] || die "the lab's pod or Service range is already routed on this machine ($clash); the lab blackholes them in the root namespace while it is up, so free them first" 2
}

lab_has_leftovers() {
  ip netns list 2>/dev/null | grep -q '^knc-' || ip link show "$LAB_ROOT_IF" >/dev/null 2>&1 \
    || ip -4 route show exact "$LAB_POD_CIDR" | grep -q '^blackhole ' \
    || ip -6 route show exact "$LAB_POD_CIDR6" | grep -q '^blackhole ' \
    || [ -d "$LAB_STATE" ] || [ -d "$LAB_RUN" ] || [ -n "$(cgroup_lab_pids)" ]
}

lab_on_up_failure() {
  local rc=$?
  trap - EXIT INT TERM
  [ "$rc" -ne 0 ] || rc=1
  log "lab up failed (exit $rc). Recent log lines:"
  local f
  for f in "$LAB_LOGS"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 5 "$f" >&2; }; done
  if [ -n "${LAB_KEEP_ON_FAILURE:-}" ]; then
    log "LAB_KEEP_ON_FAILURE is set: leaving the partial lab for debugging; remove it with: npm run lab -- down"
  else
    log "tearing down the partial lab so nothing is left behind"
    lab_down >/dev/null 2>&1 || true
  fi
  exit "$rc"
}

# "index podCIDRs" per node (comma-separated, primary family first: with one family just the
# podCIDR), once the controller-manager has allocated them all.
all_pod_cidrs_allocated() {
  local i
  for i in $(all_node_indexes); do
    [ -n "$(kubectl_lab get node "$(node_name "$i")" -o jsonpath='{.spec.podCIDR}' 2>/dev/null)" ] || return 1
  done
}
pod_cidr_table() {
  local i
  for i in $(all_node_indexes); do echo "$i $(kubectl_lab get node "$(node_name "$i")" -o jsonpath='{.spec.podCIDRs[*]}' | tr ' ' ',')"; done
}

# A node's podCIDR of one family (4|6), by node name.
node_pod_cidr() {
  local c
  for c in $(kubectl_lab get node "$1" -o jsonpath='{.spec.podCIDRs[*]}'); do
    [ "$(cidr_family "$c")" = "$2" ] && { echo "$c"; return 0; }
  done
  die "node $1 has no IPv$2 podCIDR" 1
}

lab_up() {
  local nodes=3 network=routed proxy_mode=iptables ip_family=ipv4 lb= netpol=
  while [ $# -gt 0 ]; do
    case "$1" in
      --nodes) nodes=${2:?--nodes needs a number}; shift 2 ;;
      --nodes=*) nodes=${1#*=}; shift ;;
      --network) network=${2:?--network needs one of: $LAB_NETWORKS}; shift 2 ;;
      --network=*) network=${1#*=}; shift ;;
      --proxy-mode) proxy_mode=${2:?--proxy-mode needs iptables or nftables}; shift 2 ;;
      --proxy-mode=*) proxy_mode=${1#*=}; shift ;;
      --ip-family) ip_family=${2:?--ip-family needs one of: $LAB_IP_FAMILIES}; shift 2 ;;
      --ip-family=*) ip_family=${1#*=}; shift ;;
      --lb) lb=${2:?--lb needs one of: $LAB_LBS}; shift 2 ;;
      --lb=*) lb=${1#*=}; shift ;;
      --netpol) netpol=${2:?--netpol needs one of: $LAB_NETPOLS}; shift 2 ;;
      --netpol=*) netpol=${1#*=}; shift ;;
      *) die "unknown option '$1' for up; options: --nodes N, --network ${LAB_NETWORKS// /|}, --proxy-mode iptables|nftables, --ip-family ${LAB_IP_FAMILIES// /|}, --lb ${LAB_LBS// /|}, --netpol ${LAB_NETPOLS// /|}" 2 ;;
    esac
  done
  [[ "$nodes" =~ ^[0-9]+$ ]] && [ "$nodes" -ge 2 ] && [ "$nodes" -le 20 ] || die "--nodes must be a number from 2 to 20 (got '$nodes')" 2
  [[ " $LAB_NETWORKS " == *" $network "* ]] || die "--network must be one of ${LAB_NETWORKS// /, } (got '$network')" 2
  [[ " $LAB_PROXY_MODES " == *" $proxy_mode "* ]] || die "--proxy-mode must be iptables or nftables (got '$proxy_mode')" 2
  [[ " $LAB_IP_FAMILIES " == *" $ip_family "* ]] || die "--ip-family must be one of ${LAB_IP_FAMILIES// /, } (got '$ip_family')" 2
  lab_check_family_support "$network" "$ip_family"
  [ -z "$lb" ] || [[ " $LAB_LBS " == *" $lb "* ]] || die "--lb must be one of ${LAB_LBS// /, } (got '$lb')" 2
  [ -z "$lb" ] || [ "$ip_family" = ipv4 ] || die "--lb $lb: the lab's MetalLB pool is IPv4 only (got --ip-family $ip_family)" 2
  netpol_check_support "$netpol" "$ip_family"
  lab_preflight "$network" "$proxy_mode" "$ip_family" "$netpol"
  if lab_has_leftovers; then
    log "found a previous lab (running or crashed); removing it first"
    lab_down
  fi
  local t0; t0=$(date +%s)
  local extra_builds=(); case "$network" in flannel-*) extra_builds+=(flannel) ;; esac
  [ -z "$lb" ] || extra_builds+=("$lb")
  [ -z "$netpol" ] || extra_builds+=("$netpol")
  bash "$LAB_DIR/build.sh" "${extra_builds[@]}"
  images_build
  dns_build
  local t_build=$(( $(date +%s) - t0 ))
  # Any failing step exits (set -e); the EXIT trap then removes the partial lab.
  trap lab_on_up_failure EXIT
  trap 'exit 130' INT TERM
  export LAB_NODES=$nodes LAB_NETWORK=$network LAB_PROXY_MODE=$proxy_mode LAB_IP_FAMILY=$ip_family LAB_LB=$lb LAB_NETPOL=$netpol
  mkdir -p "$LAB_STATE" "$LAB_RUN" "$LAB_LOGS"
  printf 'LAB_NODES=%s\nLAB_NETWORK=%s\nLAB_PROXY_MODE=%s\nLAB_IP_FAMILY=%s\nLAB_LB=%s\nLAB_NETPOL=%s\n' "$nodes" "$network" "$proxy_mode" "$ip_family" "$lb" "$netpol" > "$(lab_config_file)"
  cgroup_make "$LAB_CGROUP_PARENT/daemons"
  log "network: hub, $nodes node namespaces, root leg $LAB_ROOT_IF $LAB_ROOT_IP$(lab_has_family 6 && echo " $LAB_ROOT_IP6")"
  net_create_hub
  local i; for i in $(all_node_indexes); do net_create_node "$i"; done
  log "certificates"
  pki_create
  log "control plane on $(node_name 0) ($(node_ip_primary 0))"
  cp_start_etcd
  wait_for "etcd to report healthy" 30 etcd_ready
  cp_start_apiserver
  for i in $(all_node_indexes); do node_start_containerd "$i"; done
  wait_for "kube-apiserver /readyz at https://$(url_host "$(node_ip_primary 0)"):$LAB_APISERVER_PORT" 60 apiserver_ready
  cp_start_controller_manager
  cp_start_scheduler
  for i in $(all_node_indexes); do
    wait_for "containerd of $(node_name "$i")" 30 containerd_ready "$i"
    images_import "$i"
    node_start_kubelet "$i"
    node_start_kube_proxy "$i"
  done
  wait_for "every node to register and get a podCIDR" 60 all_pod_cidrs_allocated
  local table; table=$(pod_cidr_table)
  pod_network_up "$network" <<<"$table"
  egress_nat_up "$network"
  kubectl_lab label node "$(node_name 0)" node-role.kubernetes.io/control-plane= --overwrite >/dev/null
  lab_declare_cni "$network"
  wait_for "every node to be Ready" 90 kubectl_lab wait --for=condition=Ready node --all --timeout=2s
  # Before any workload: CoreDNS and the smoke pods then run under its (default-allow) rules.
  [ -z "$netpol" ] || netpol_up "$netpol"
  dns_up
  log "checking that a probe pod runs on every node"
  lab_smoke_pods
  [ "$lb" != metallb ] || metallb_up
  trap - EXIT INT TERM
  log "lab up: $nodes nodes, $network pod network, kube-proxy $proxy_mode mode,$([ "$ip_family" = ipv4 ] || echo " ip family $ip_family,")${lb:+ LoadBalancer $lb,}${netpol:+ NetworkPolicy $netpol,} in $(( $(date +%s) - t0 ))s (build/images ${t_build}s)"
  echo "$(pki_dir)/admin.kubeconfig"
}

# Which pod networks run which IP families: the lab's own (routed, vxlan) carry IPv6, and so do
# the real ones in dual-stack (flanneld's EnableIPv6, BIRD's per-family sessions). IPv6-only is
# wired for routed only (flanneld would need EnableIPv4 off, BIRD a router id that is not an
# IPv4 node address: not done in the lab).
lab_check_family_support() { # network, ip family
  local network=$1 family=$2
  [ "$family" = ipv4 ] && return 0
  case "$network" in
    routed) return 0 ;;
    vxlan|flannel-vxlan|flannel-host-gw|bgp) [ "$family" = dual ] && return 0 ;;
  esac
  die "--ip-family $family is not supported with --network $network (the lab runs $network IPv4-only or dual-stack; $family works with: $(lab_family_networks "$family"))" 2
}
lab_family_networks() { case "$1" in dual) echo "routed, vxlan, flannel-vxlan, flannel-host-gw, bgp" ;; *) echo "routed" ;; esac; }

# The pod network, once every node has its podCIDR. Args: network; "index cidr" lines on stdin.
pod_network_up() {
  local network=$1 table i cidr; table=$(cat)
  case "$network" in
    routed)
      while read -r i cidr; do node_write_cni_config "$i" "$cidr" 1500; done <<<"$table"
      net_routed_pod_routes <<<"$table" ;;
    vxlan)
      while read -r i cidr; do node_write_cni_config "$i" "$cidr" 1450; done <<<"$table"
      net_vxlan_pod_routes <<<"$table" ;;
    flannel-vxlan|flannel-host-gw)
      flannel_up "${network#flannel-}" ;;
    bgp)
      while read -r i cidr; do node_write_cni_config "$i" "$cidr" 1500; done <<<"$table"
      bgp_up <<<"$table" ;;
  esac
}

# The lab states its pod network the way any operator can: kube-system/netconform-cni. Only what
# it really has: `bridge` (routed: the CNI bridge plugin and static routes, no node-to-node
# port), `vxlan` (its kernel VXLAN mesh, UDP 8472), `bgp` (BIRD, TCP 179). Flannel is not stated:
# the suite must find it from flanneld's own node annotations.
lab_declare_cni() {
  local cni
  case "$1" in routed) cni=bridge ;; vxlan) cni=vxlan ;; bgp) cni=bgp ;; *) return 0 ;; esac
  kubectl_lab create configmap netconform-cni -n kube-system --from-literal=cni="$cni" >/dev/null
}

# A pod pinned to every node (control plane included) must start; then it is removed.
lab_smoke_pods() {
  local i name
  for i in $(all_node_indexes); do
    name=$(node_name "$i")
    cat <<YAML | kubectl_lab apply -f - >/dev/null
apiVersion: v1
kind: Pod
metadata: {name: lab-smoke-$name, namespace: default, labels: {app: lab-smoke}}
spec:
  nodeName: $name
  tolerations: [{operator: Exists}]
  automountServiceAccountToken: false
  containers:
  - name: pause
    image: $(agnhost_image)
    imagePullPolicy: IfNotPresent
    args: [pause]
YAML
  done
  wait_for "a smoke pod to be Ready on every node" 60 kubectl_lab wait --for=condition=Ready pod -l app=lab-smoke -n default --timeout=2s
  kubectl_lab delete pod -l app=lab-smoke -n default --wait=false >/dev/null
}

lab_status() {
  if [ ! -f "$(lab_config_file)" ]; then echo "lab: down"; return 0; fi
  load_lab_config
  echo "lab: up, $LAB_NODES nodes, $LAB_NETWORK pod network, kube-proxy ${LAB_PROXY_MODE:-iptables} mode,$(lab_has_family 6 && echo " ip family ${LAB_IP_FAMILY},")${LAB_LB:+ LoadBalancer $LAB_LB,}${LAB_NETPOL:+ NetworkPolicy $LAB_NETPOL,} kubeconfig $(pki_dir)/admin.kubeconfig"
  local i name d
  for i in $(all_node_indexes); do
    name=$(node_name "$i")
    local alive=()
    local daemons=(containerd kubelet kube-proxy)
    case "$LAB_NETWORK" in flannel-*) daemons+=(flanneld) ;; bgp) daemons+=(bird) ;; esac
    [ "${LAB_NETPOL:-}" != kube-router ] || daemons+=(kube-router)
    for d in "${daemons[@]}"; do daemon_alive "$d-$name" && alive+=("$d") || alive+=("$d:DOWN"); done
    echo "  $name $(node_ips "$i") netns $(node_netns "$i"): ${alive[*]}"
  done
  for d in etcd kube-apiserver kube-controller-manager kube-scheduler $([ "${LAB_LB:-}" != metallb ] || metallb_daemons); do
    daemon_alive "$d" && echo "  $d: running" || echo "  $d: DOWN"
  done
  kubectl_lab get nodes -o wide 2>&1 || true
}
