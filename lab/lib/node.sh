# One node: containerd, kubelet and kube-proxy inside the node's network namespace, each with
# its own root/state dirs, socket, cgroup root and CNI config dir.

node_write_containerd_config() {
  local i=$1 d r; d=$(node_dir "$i"); r=$(node_run_dir "$i")
  mkdir -p "$d/containerd" "$r" "$d/cni/net.d"
  cat > "$d/containerd/config.toml" <<TOML
version = 3
root = "$d/containerd/root"
state = "$r/containerd"
# NRI's socket path is machine-wide; several containerds would fight over it.
disabled_plugins = ["io.containerd.nri.v1.nri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.blockfile", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$(containerd_sock "$i")"
[ttrpc]
  address = "$r/containerd.ttrpc.sock"
[debug]
  address = "$r/containerd.debug.sock"
[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "$LAB_PAUSE_IMAGE"
[plugins.'io.containerd.cri.v1.runtime']
  netns_mounts_under_state_dir = true
  # Root here lacks CAP_SYS_RESOURCE, so no process may lower its oom_score_adj (runc would
  # fail every sandbox with "can't get final child's PID"): clamp to containerd's own value.
  restrict_oom_score_adj = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$r/runc"
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "$d/cni/net.d"
    max_conf_num = 1
TOML
}

node_start_containerd() {
  local i=$1
  node_write_containerd_config "$i"
  start_daemon "containerd-$(node_name "$i")" "$i" env PATH="$(containerd_bin_dir):$PATH" \
    "$(containerd_bin_dir)/containerd" --config "$(node_dir "$i")/containerd/config.toml"
}

containerd_ready() { "$(containerd_bin_dir)/ctr" --address "$(containerd_sock "$1")" version; }

node_write_kubelet_config() {
  local i=$1 d name; d=$(node_dir "$i"); name=$(node_name "$i")
  mkdir -p "$d/kubelet" "$d/pod-logs"
  local taints=""
  if [ "$i" -eq 0 ]; then
    taints=$'registerWithTaints:\n- key: node-role.kubernetes.io/control-plane\n  effect: NoSchedule'
  fi
  # Dual: serve on both families' node addresses (::), as a one-family node serves on its node IP.
  local address; address=$(node_ip "$i")
  [ "${LAB_IP_FAMILY:-ipv4}" = dual ] && address='"::"'
  [ "${LAB_IP_FAMILY:-ipv4}" = ipv6 ] && address="\"$(node_ip6 "$i")\""
  cat > "$d/kubelet-config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $address
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $(pki_dir)/ca.crt}
authorization: {mode: Webhook}
# This VM mounts cgroup v1 hierarchies; Kubernetes 1.35+ refuses v1 unless told otherwise.
failCgroupV1: false
failSwapOn: false
cgroupDriver: cgroupfs
cgroupRoot: /$LAB_CGROUP_PARENT/$name
containerRuntimeEndpoint: unix://$(containerd_sock "$i")
podLogsDir: $d/pod-logs
resolvConf: ""
clusterDNS: ["$(lab_dns_ip)"]
clusterDomain: $LAB_CLUSTER_DOMAIN
serializeImagePulls: false
# All nodes share one disk and report the whole VM: keep eviction from reacting to the others.
evictionHard: {memory.available: "50Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
protectKernelDefaults: false
nodeStatusUpdateFrequency: 5s
$taints
YAML
}

node_start_kubelet() {
  local i=$1 name; name=$(node_name "$i")
  node_write_kubelet_config "$i"
  cgroup_make "$LAB_CGROUP_PARENT/$name"
  start_daemon "kubelet-$name" "$i" "$(kubernetes_bin_dir)/kubelet" \
    --config "$(node_dir "$i")/kubelet-config.yaml" \
    --kubeconfig "$(pki_dir)/kubelet-$name.kubeconfig" \
    --root-dir "$(node_dir "$i")/kubelet" \
    --hostname-override "$name" --node-ip "$(node_ips "$i")" --v=1
}

node_start_kube_proxy() {
  local i=$1 name d; name=$(node_name "$i"); d=$(node_dir "$i")
  local healthz=0.0.0.0:10256; lab_has_family 6 && healthz='"[::]:10256"'
  cat > "$d/kube-proxy-config.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $(pki_dir)/kube-proxy.kubeconfig}
mode: ${LAB_PROXY_MODE:-iptables}
clusterCIDR: $(lab_pod_cidrs)
hostnameOverride: $name
healthzBindAddress: $healthz
metricsBindAddress: 127.0.0.1:10249
# nf_conntrack_max is global across namespaces: leave the kernel's settings alone.
oomScoreAdj: 0
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
YAML
  start_daemon "kube-proxy-$name" "$i" "$(kubernetes_bin_dir)/kube-proxy" --config "$d/kube-proxy-config.yaml" --v=1
}

# The node's CNI config, once its podCIDR is known: the reference bridge plugin with
# host-local IPAM over the node's range; hairpin so a pod reaches itself through a Service.
# Optional 4th arg "flannel <network>": the configuration flannel's CNI plugin hands to the
# bridge plugin (pod default route via the bridge, an explicit route to flannel's network).
# The 2nd arg may be "cidr4,cidr6" (dual): one host-local range set and one default route per family.
node_write_cni_config() {
  local i=$1 cidr=$2 mtu=$3 style=${4:-} network=${5:-} d; d=$(node_dir "$i")
  mkdir -p "$d/cni/net.d" "$d/cni/ipam"
  local gateway='"isGateway": true' routes='[{"dst": "0.0.0.0/0"}]' name=lab-pods ranges="[[{\"subnet\": \"$cidr\"}]]"
  if [[ "$cidr" == *,* || "$cidr" == *:* ]]; then
    local c r=() rt=()
    for c in ${cidr//,/ }; do
      r+=("[{\"subnet\": \"$c\"}]")
      if [ "$(cidr_family "$c")" = 6 ]; then rt+=('{"dst": "::/0"}'); else rt+=('{"dst": "0.0.0.0/0"}'); fi
    done
    ranges="[$(IFS=,; echo "${r[*]}" | sed 's/\],\[/], [/g')]"; routes="[$(IFS=,; echo "${rt[*]}" | sed 's/},{/}, {/g')]"
  fi
  if [ "$style" = flannel ]; then
    # flannel's CNI plugin: a route to each family's cluster network (network: comma-separated).
    local n rn=()
    for n in ${network//,/ }; do rn+=("{\"dst\": \"$n\"}"); done
    gateway='"isGateway": true, "isDefaultGateway": true'; routes="[$(IFS=,; echo "${rn[*]}" | sed 's/},{/}, {/g')]"; name=cbr0
  fi
  cat > "$d/cni/net.d/10-lab.conflist.tmp" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "$name",
  "plugins": [
    {
      "type": "bridge", "bridge": "cni0", $gateway, "ipMasq": false,
      "hairpinMode": true, "mtu": $mtu,
      "ipam": {"type": "host-local", "ranges": $ranges, "routes": $routes, "dataDir": "$d/cni/ipam"}
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
JSON
  mv "$d/cni/net.d/10-lab.conflist.tmp" "$d/cni/net.d/10-lab.conflist"
}
