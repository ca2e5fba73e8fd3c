# The flannel pod networks (`--network flannel-vxlan | flannel-host-gw`): the real flanneld
# (built from github.com/flannel-io/flannel, see build.sh) runs once per node namespace with
# --kube-subnet-mgr, reads the node's podCIDR from the API server, writes its node annotations,
# programs flannel.1 / FDB / neighbours (vxlan) or routes via the peers' node IPs (host-gw) and
# its iptables rules, and writes the node's subnet.env. Lab-written: the per-node CNI conflist
# from that subnet.env — flannel's CNI plugin is not served by the Go module proxy, so the lab
# writes the bridge + host-local configuration that plugin would hand to the bridge plugin.

flannel_dir() { echo "$(node_dir "$1")/flannel"; }

# flanneld's own identity: a client certificate (CN flannel) bound to a ClusterRole with what
# upstream's kube-flannel.yml grants its ServiceAccount when NODE_NAME is set (no pods get).
flannel_rbac() {
  pki_cert flannel flannel ""
  chmod 600 "$(pki_dir)/flannel.key"
  pki_kubeconfig flannel flannel "https://$(node_ip 0):$LAB_APISERVER_PORT"
  cat <<YAML | kubectl_lab apply -f - >/dev/null
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: flannel}
rules:
- apiGroups: [""]
  resources: [nodes]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [nodes/status]
  verbs: [patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: flannel}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: flannel}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: flannel}
YAML
}

flannel_start() { # node index, backend (vxlan | host-gw)
  local i=$1 backend=$2 d name; d=$(flannel_dir "$i"); name=$(node_name "$i")
  mkdir -p "$d"
  printf '{"Network": "%s", "EnableNFTables": false, "Backend": {"Type": "%s"}}\n' "$LAB_POD_CIDR" "$backend" > "$d/net-conf.json"
  start_daemon "flanneld-$name" "$i" env NODE_NAME="$name" "$(flannel_bin_dir)/flanneld" \
    --kube-subnet-mgr --kubeconfig-file "$(pki_dir)/flannel.kubeconfig" \
    --iface eth0 --ip-masq --subnet-file "$d/subnet.env" --net-config-path "$d/net-conf.json" --healthz-port 0
}

# FLANNEL_SUBNET=10.244.1.1/24 → the subnet host-local allocates from: 10.244.1.0/24 (the lab's
# node ranges are /24s: controller-manager --node-cidr-mask-size 24).
flannel_subnet_network() { local ip=${1%/*}; echo "${ip%.*}.0/${1#*/}"; }

flannel_up() { # backend
  local backend=$1 i
  flannel_rbac
  for i in $(all_node_indexes); do flannel_start "$i" "$backend"; done
  for i in $(all_node_indexes); do
    wait_for "flanneld on $(node_name "$i") to write its subnet.env" 60 test -s "$(flannel_dir "$i")/subnet.env"
    # shellcheck disable=SC1090
    ( source "$(flannel_dir "$i")/subnet.env"
      node_write_cni_config "$i" "$(flannel_subnet_network "$FLANNEL_SUBNET")" "$FLANNEL_MTU" flannel "$FLANNEL_NETWORK" )
  done
}

# The route flannel programs on node A for node B's pod range (what heal restores or awaits).
flannel_route_ok() { # A index, B's podCIDR, B index
  local a=$1 cidr=$2 b=$3 want
  if [ "$LAB_NETWORK" = flannel-vxlan ]; then want="via ${cidr%/*} dev flannel.1"; else want="via $(node_ip "$b") dev eth0"; fi
  in_node "$a" ip -4 route show exact "$cidr" | grep -q "^$cidr $want"
}
