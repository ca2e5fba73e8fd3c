# A real LoadBalancer implementation for the lab, opt-in (`lab up --lb metallb`): MetalLB in L2
# mode, its speaker and controller built from the Go module (lab/gomod/metallb, build.sh
# metallb) and run out of cluster as lab daemons in the node namespaces: one speaker per node
# (--node-name; memberlist off: no --ml-bindaddr, so every node must run one, and does), one
# controller on the control plane (--webhook-mode=disabled, no cert rotation). Its CRDs are
# applied from the module (config/crd/bases). The pool is inside the lab's node network, and the
# L2Advertisement is limited to eth0, the node's leg on the lab bridge: ARP for the addresses is
# answered on the lab L2 only, which the root namespace reaches through knc-lab0 (the runner
# dials the address directly). The speaker's and controller's metrics listen on loopback only.
#
# Lab-written, not MetalLB's: running them as lab daemons (upstream runs a DaemonSet and a
# Deployment), the admin kubeconfig they use (upstream: ServiceAccounts and RBAC), and one
# stand-in pod per node named as the speaker's pod — v0.15.2's speaker reads its own Pod
# (--pod-name) at start, to own its ServiceL2Status objects.
LAB_LB_POOL=${LAB_LB_POOL:-$LAB_NODE_NET_PREFIX.240-$LAB_NODE_NET_PREFIX.250}
LAB_METALLB_NS=metallb-system
LAB_LBS="metallb"

metallb_module_dir() { (cd "$LAB_DIR/gomod/metallb" && go list -m -f '{{.Dir}}' go.universe.tf/metallb); }
metallb_speaker_pod() { echo "metallb-speaker-$(node_name "$1")"; }

metallb_standin_pods() {
  local i
  for i in $(all_node_indexes); do
    cat <<YAML
---
apiVersion: v1
kind: Pod
metadata:
  name: $(metallb_speaker_pod "$i")
  namespace: $LAB_METALLB_NS
  labels: {app: metallb, component: speaker}
  annotations: {netconform.io/lab: "stand-in for the MetalLB speaker that runs as a lab daemon on this node"}
spec:
  nodeName: $(node_name "$i")
  hostNetwork: true
  tolerations: [{operator: Exists}]
  automountServiceAccountToken: false
  containers:
  - name: pause
    image: $(agnhost_image)
    imagePullPolicy: IfNotPresent
    args: [pause]
YAML
  done
}

metallb_config() {
  cat <<YAML
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: lab-node-network, namespace: $LAB_METALLB_NS}
spec:
  addresses: [$LAB_LB_POOL]
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {name: lab-node-network, namespace: $LAB_METALLB_NS}
spec:
  ipAddressPools: [lab-node-network]
  interfaces: [eth0]
YAML
}

metallb_apply_config() { metallb_config | kubectl_lab apply -f -; }

metallb_crds_established() {
  kubectl_lab wait --for=condition=Established --timeout=2s \
    crd/ipaddresspools.metallb.io crd/l2advertisements.metallb.io crd/servicel2statuses.metallb.io
}

metallb_up() {
  local crds i name bin; crds="$(metallb_module_dir)/config/crd/bases"; bin=$(metallb_bin_dir)
  [ -d "$crds" ] || die "MetalLB's CRDs are not in the module cache ($crds)" 1
  log "MetalLB $METALLB_VERSION (L2 on eth0, pool $LAB_LB_POOL)"
  kubectl_lab create namespace "$LAB_METALLB_NS" >/dev/null
  kubectl_lab apply --server-side -f "$crds" >/dev/null
  wait_for "MetalLB's CRDs to be established" 30 metallb_crds_established
  metallb_standin_pods | kubectl_lab apply -f - >/dev/null
  start_daemon metallb-controller 0 env KUBECONFIG="$(pki_dir)/admin.kubeconfig" METALLB_NAMESPACE="$LAB_METALLB_NS" \
    "$bin/controller" --namespace "$LAB_METALLB_NS" --webhook-mode=disabled --disable-cert-rotation --port 7473 --log-level info
  for i in $(all_node_indexes); do
    name=$(node_name "$i")
    start_daemon "metallb-speaker-$name" "$i" env KUBECONFIG="$(pki_dir)/admin.kubeconfig" METALLB_NAMESPACE="$LAB_METALLB_NS" \
      "$bin/speaker" --namespace "$LAB_METALLB_NS" --node-name "$name" --pod-name "$(metallb_speaker_pod "$i")" \
      --host 127.0.0.1 --port 7472 --log-level info
  done
  wait_for "MetalLB's IPAddressPool and L2Advertisement to be accepted" 30 metallb_apply_config
  local d
  for d in $(metallb_daemons); do
    daemon_alive "$d" || die "$d exited at start; see $LAB_LOGS/$d.log" 1
  done
}

metallb_daemons() { # for lab status: "name" per line
  local i
  echo metallb-controller
  for i in $(all_node_indexes); do echo "metallb-speaker-$(node_name "$i")"; done
}
