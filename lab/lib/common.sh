# Shared settings and helpers for the lab scripts (sourced by lab.sh, not run).
# Everything the lab makes is named with the "knc-" prefix or lives under these three
# directories, so `lab down` can find and remove exactly what the lab made.
LAB_CACHE=${LAB_CACHE:-/var/cache/kube-netconform-lab}   # built binaries and images, by version
LAB_STATE=${LAB_STATE:-/var/lib/kube-netconform-lab}     # one cluster's data (wiped by down)
LAB_RUN=${LAB_RUN:-/run/kube-netconform-lab}             # sockets, pids (wiped by down)
LAB_LOGS=$LAB_STATE/logs
export GOFLAGS=${GOFLAGS:--buildvcs=false}

# The lab's addresses. Node network: the root namespace's one leg is .1, nodes start at .10.
LAB_NODE_NET_PREFIX=172.28.0
LAB_NODE_NET=$LAB_NODE_NET_PREFIX.0/24
LAB_ROOT_IP=$LAB_NODE_NET_PREFIX.1
LAB_ROOT_IF=knc-lab0
LAB_HUB_NS=knc-lab-hub
LAB_POD_CIDR=10.244.0.0/16          # flannel's and kind's default cluster CIDR; /24 per node
LAB_SERVICE_CIDR=10.96.0.0/12       # kubeadm's and kind's default Service range
LAB_SERVICE_VIP=10.96.0.1           # the `kubernetes` Service: first address of the range
LAB_NODEPORT_RANGE=30000-32767      # kube-apiserver's default --service-node-port-range
LAB_APISERVER_PORT=6443
LAB_VXLAN_PORT=8472                 # flannel's VXLAN port (the seed's port table)
LAB_CGROUP_PARENT=knc-lab           # cgroup v1 parent for every lab process and pod
LAB_CLUSTER_NAME=kube-netconform-lab

# IPv6 (`lab up --ip-family dual|ipv6`): one ULA /48 for the whole lab, fd6b:6e63:6c00::/48
# ("knc" + "l" in ASCII), never a global prefix. Node network: subnet 0 (/64; the root leg ::1,
# nodes ::10, ::11, … like the IPv4 last octets); pod cluster CIDR subnets 0x100-0x1ff (/56, a /64
# per node); Service range in subnet 0x200, a /112 (kube-apiserver refuses IPv6 ranges > /108).
LAB_IP_FAMILIES="ipv4 dual ipv6"
LAB_NODE_NET6_PREFIX=fd6b:6e63:6c00:
LAB_NODE_NET6=${LAB_NODE_NET6_PREFIX}:/64
LAB_ROOT_IP6=${LAB_NODE_NET6_PREFIX}:1
LAB_POD_CIDR6=fd6b:6e63:6c00:100::/56
LAB_SERVICE_CIDR6=fd6b:6e63:6c00:200::/112
LAB_SERVICE_VIP6=fd6b:6e63:6c00:200::1

log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'lab: %s\n' "$1" >&2; exit "${2:-1}"; }

kubernetes_bin_dir() { echo "$LAB_CACHE/bin/kubernetes-$KUBERNETES_VERSION"; }
containerd_bin_dir() { echo "$LAB_CACHE/bin/containerd-$CONTAINERD_VERSION"; }
flannel_bin_dir() { echo "$LAB_CACHE/bin/flannel-$FLANNEL_VERSION"; }
metallb_bin_dir() { echo "$LAB_CACHE/bin/metallb-$METALLB_VERSION"; }
kube_router_bin_dir() { echo "$LAB_CACHE/bin/kube-router-$KUBE_ROUTER_VERSION"; }

# Node i (0-based): 0 is the control plane, the rest are workers.
node_name() { if [ "$1" -eq 0 ]; then echo lab-control-plane; else echo "lab-worker-$1"; fi; }
node_ip() { echo "$LAB_NODE_NET_PREFIX.$((10 + $1))"; }
node_ip6() { echo "${LAB_NODE_NET6_PREFIX}:$((10 + $1))"; }
node_netns() { echo "knc-$(node_name "$1")"; }
node_dir() { echo "$LAB_STATE/nodes/$(node_name "$1")"; }
node_run_dir() { echo "$LAB_RUN/nodes/$(node_name "$1")"; }
containerd_sock() { echo "$(node_run_dir "$1")/containerd.sock"; }

# Saved at `up`: how many nodes and which pod network the running lab has.
lab_config_file() { echo "$LAB_STATE/lab.env"; }
load_lab_config() {
  local f; f=$(lab_config_file)
  [ -f "$f" ] || die "the lab is not up (no $f). Start it with: npm run lab -- up" 1
  # shellcheck disable=SC1090
  source "$f"
}
node_count() { echo "${LAB_NODES:-3}"; }

# The lab's IP families as 4 / 6, primary first (a lab.env from before --ip-family: ipv4).
lab_families() { case "${LAB_IP_FAMILY:-ipv4}" in ipv4) echo 4 ;; dual) echo "4 6" ;; ipv6) echo 6 ;; esac; }
lab_has_family() { [[ " $(lab_families) " == *" $1 "* ]]; }
node_ip_family() { if [ "$2" = 6 ]; then node_ip6 "$1"; else node_ip "$1"; fi; } # index, 4|6
# Comma-separated, primary family first (kubelet --node-ip, the API server's URL host, …).
node_ips() { local f out=(); for f in $(lab_families); do out+=("$(node_ip_family "$1" "$f")"); done; local IFS=,; echo "${out[*]}"; }
# The primary family's node address: the API server's, the kubeconfigs' (IPv4 unless --ip-family ipv6).
node_ip_primary() { local f; f=$(lab_families); node_ip_family "$1" "${f%% *}"; }
cidr_family() { if [[ "$1" == *:* ]]; then echo 6; else echo 4; fi; }
ipt_cmd() { if [ "$1" = 6 ]; then echo ip6tables; else echo iptables; fi; } # family
# A URL host: IPv6 literals in brackets.
url_host() { if [[ "$1" == *:* ]]; then echo "[$1]"; else echo "$1"; fi; }
# The pod range, Service range, first Service address of the lab's families (comma lists, primary first).
lab_pod_cidrs() { local f out=(); for f in $(lab_families); do if [ "$f" = 6 ]; then out+=("$LAB_POD_CIDR6"); else out+=("$LAB_POD_CIDR"); fi; done; local IFS=,; echo "${out[*]}"; }
lab_service_cidrs() { local f out=(); for f in $(lab_families); do if [ "$f" = 6 ]; then out+=("$LAB_SERVICE_CIDR6"); else out+=("$LAB_SERVICE_CIDR"); fi; done; local IFS=,; echo "${out[*]}"; }
all_node_indexes() { seq 0 $(( $(node_count) - 1 )); }
node_names() { local i; for i in $(all_node_indexes); do node_name "$i"; done; }

# Resolve a node name given on the command line to its index, or fail listing valid names.
node_index() {
  local want=$1 i
  for i in $(all_node_indexes); do [ "$(node_name "$i")" = "$want" ] && { echo "$i"; return 0; }; done
  die "unknown node '$want'; nodes are: $(node_names | tr '\n' ' ')" 2
}

in_node() { local i=$1; shift; nsenter --net="/run/netns/$(node_netns "$i")" -- "$@"; }

kubectl_lab() { "$(kubernetes_bin_dir)/kubectl" --kubeconfig "$LAB_STATE/pki/admin.kubeconfig" "$@"; }

# wait_for "what" timeout_seconds command...: polls a condition, fails naming what was awaited.
wait_for() {
  local what=$1 timeout=$2; shift 2
  local deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "timed out after ${timeout}s waiting for: $what"
      return 1
    fi
    sleep 0.5   # poll interval of a condition wait, not a fixed delay
  done
}
