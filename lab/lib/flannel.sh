# The flannel pod networks (`--network flannel-vxlan | flannel-host-gw`): the real flanneld
# (built from github.com/flannel-io/flannel, see build.sh) runs once per node namespace with
# --kube-subnet-mgr, reads the node's podCIDR from the API server, writes its node annotations,
# programs flannel.1 / FDB / neighbours (vxlan) or routes via the peers' node IPs (host-gw) and
# its iptables rules, and writes the node's subnet.env. Lab-written: the per-node CNI conflist
# from that subnet.env — flannel's CNI plugin is not served by the Go module proxy, so the lab
# writes the bridge + host-local configuration that plugin would hand to the bridge plugin.
# Dual-stack (`--ip-family dual`): flanneld's own dual-stack mode — net-conf "EnableIPv6" with the
# lab's IPv6 cluster CIDR as "IPv6Network"; it takes the node's IPv6 podCIDR from
# node.spec.podCIDRs, annotates the node with public-ipv6 (and, vxlan, backend-v6-data), programs
# a second VXLAN device flannel-v6.1 over the IPv6 node network (vxlan) or IPv6 routes via the
# peers' IPv6 node addresses (host-gw), its ip6tables masquerade rules, and FLANNEL_IPV6_NETWORK /
# FLANNEL_IPV6_SUBNET in subnet.env; the lab's CNI config then gets a second host-local range.

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
  local v6=""; if lab_has_family 6; then v6=$(printf ', "EnableIPv6": true, "IPv6Network": "%s"' "$LAB_POD_CIDR6"); fi
  printf '{"Network": "%s"%s, "EnableNFTables": false, "Backend": {"Type": "%s"}}\n' "$LAB_POD_CIDR" "$v6" "$backend" > "$d/net-conf.json"
  start_daemon "flanneld-$name" "$i" env NODE_NAME="$name" "$(flannel_bin_dir)/flanneld" \
    --kube-subnet-mgr --kubeconfig-file "$(pki_dir)/flannel.kubeconfig" \
    --iface eth0 --ip-masq --subnet-file "$d/subnet.env" --net-config-path "$d/net-conf.json" --healthz-port 0
}

# FLANNEL_SUBNET=10.244.1.1/24 → the subnet host-local allocates from: 10.244.1.0/24 (the lab's
# node ranges are /24s: controller-manager --node-cidr-mask-size 24).
# IPv6: FLANNEL_IPV6_SUBNET=fd6b:6e63:6c00:101::1/64 → fd6b:6e63:6c00:101::/64 (flanneld writes
# the network address plus one; the lab's IPv6 node ranges are /64s).
flannel_subnet_network() {
  local ip=${1%/*}
  if [[ "$ip" == *:* ]]; then
    [[ "$ip" == *::1 ]] || die "unexpected FLANNEL_IPV6_SUBNET '$1' (expected <network>::1/<len>)" 1
    echo "${ip%1}/${1#*/}"
  else
    echo "${ip%.*}.0/${1#*/}"
  fi
}

# flanneld's VXLAN device of a family (4|6).
flannel_vxlan_dev() { if [ "$1" = 6 ]; then echo flannel-v6.1; else echo flannel.1; fi; }

flannel_up() { # backend
  local backend=$1 i
  flannel_rbac
  for i in $(all_node_indexes); do flannel_start "$i" "$backend"; done
  for i in $(all_node_indexes); do
    wait_for "flanneld on $(node_name "$i") to write its subnet.env" 60 test -s "$(flannel_dir "$i")/subnet.env"
    # shellcheck disable=SC1090
    ( source "$(flannel_dir "$i")/subnet.env"
      ranges="" networks=""
      ranges=$(flannel_subnet_network "$FLANNEL_SUBNET"); networks=$FLANNEL_NETWORK
      if lab_has_family 6; then
        [ -n "${FLANNEL_IPV6_SUBNET:-}" ] || die "flanneld on $(node_name "$i") wrote no FLANNEL_IPV6_SUBNET (EnableIPv6 is on)" 1
        ranges+=",$(flannel_subnet_network "$FLANNEL_IPV6_SUBNET")"; networks+=",$FLANNEL_IPV6_NETWORK"
      fi
      node_write_cni_config "$i" "$ranges" "$FLANNEL_MTU" flannel "$networks" )
  done
}

# The route flannel programs on node A for node B's pod range (what heal restores or awaits).
flannel_route_ok() { # A index, B's podCIDR (either family), B index
  local a=$1 cidr=$2 b=$3 want f; f=$(cidr_family "$cidr")
  if [ "$LAB_NETWORK" = flannel-vxlan ]; then want="via ${cidr%/*} dev $(flannel_vxlan_dev "$f")"; else want="via $(node_ip_family "$b" "$f") dev eth0"; fi
  in_node "$a" ip -"$f" route show exact "$cidr" | grep -q "^$cidr $want"
}
