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

log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'lab: %s\n' "$1" >&2; exit "${2:-1}"; }

kubernetes_bin_dir() { echo "$LAB_CACHE/bin/kubernetes-$KUBERNETES_VERSION"; }
containerd_bin_dir() { echo "$LAB_CACHE/bin/containerd-$CONTAINERD_VERSION"; }
flannel_bin_dir() { echo "$LAB_CACHE/bin/flannel-$FLANNEL_VERSION"; }
metallb_bin_dir() { echo "$LAB_CACHE/bin/metallb-$METALLB_VERSION"; }

# Node i (0-based): 0 is the control plane, the rest are workers.
node_name() { if [ "$1" -eq 0 ]; then echo lab-control-plane; else echo "lab-worker-$1"; fi; }
node_ip() { echo "$LAB_NODE_NET_PREFIX.$((10 + $1))"; }
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
