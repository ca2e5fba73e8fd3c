# The control plane on node 0: etcd (loopback only, like kubeadm's single-member layout),
# kube-apiserver on :6443 of the node IP, controller-manager (allocates each node's podCIDR)
# and scheduler (bound to loopback, as kubeadm binds them).

cp_start_etcd() {
  local d; d="$LAB_STATE/etcd"; mkdir -p "$d"
  start_daemon etcd 0 "$(kubernetes_bin_dir)/etcd" --name lab --data-dir "$d" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster lab=http://127.0.0.1:2380 --listen-metrics-urls http://127.0.0.1:2381 \
    --unsafe-no-fsync --log-level warn
}
etcd_ready() { in_node 0 "$(kubernetes_bin_dir)/kubectl" get --raw /health --server http://127.0.0.1:2381 2>/dev/null | grep -q '"health":"true"'; }

cp_start_apiserver() {
  local p; p=$(pki_dir)
  # Dual: advertised on the primary (IPv4) node address, listening on both families (::);
  # IPv6-only: advertised on the IPv6 node address.
  local bind=0.0.0.0; lab_has_family 6 && bind=::
  start_daemon kube-apiserver 0 "$(kubernetes_bin_dir)/kube-apiserver" \
    --advertise-address "$(node_ip_primary 0)" --bind-address "$bind" --secure-port "$LAB_APISERVER_PORT" \
    --etcd-servers http://127.0.0.1:2379 \
    --service-cluster-ip-range "$(lab_service_cidrs)" --service-node-port-range "$LAB_NODEPORT_RANGE" \
    --client-ca-file "$p/ca.crt" --tls-cert-file "$p/apiserver.crt" --tls-private-key-file "$p/apiserver.key" \
    --kubelet-client-certificate "$p/apiserver-kubelet-client.crt" --kubelet-client-key "$p/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types InternalIP \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$p/sa.pub" --service-account-signing-key-file "$p/sa.key" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --allow-privileged=true --profiling=false --v=1
}
apiserver_ready() { kubectl_lab get --raw /readyz; }

cp_start_controller_manager() {
  local p; p=$(pki_dir)
  # One family: --node-cidr-mask-size 24 as before; dual: a /24 and a /64 per node.
  local masks=(--node-cidr-mask-size 24)
  [ "${LAB_IP_FAMILY:-ipv4}" = dual ] && masks=(--node-cidr-mask-size-ipv4 24 --node-cidr-mask-size-ipv6 64)
  [ "${LAB_IP_FAMILY:-ipv4}" = ipv6 ] && masks=(--node-cidr-mask-size 64)
  start_daemon kube-controller-manager 0 "$(kubernetes_bin_dir)/kube-controller-manager" \
    --kubeconfig "$p/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$p/controller-manager.kubeconfig" --authorization-kubeconfig "$p/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false \
    --root-ca-file "$p/ca.crt" --service-account-private-key-file "$p/sa.key" --use-service-account-credentials \
    --cluster-signing-cert-file "$p/ca.crt" --cluster-signing-key-file "$p/ca.key" \
    --allocate-node-cidrs --cluster-cidr "$(lab_pod_cidrs)" "${masks[@]}" \
    --service-cluster-ip-range "$(lab_service_cidrs)" --v=1
}

cp_start_scheduler() {
  local p; p=$(pki_dir)
  start_daemon kube-scheduler 0 "$(kubernetes_bin_dir)/kube-scheduler" \
    --kubeconfig "$p/scheduler.kubeconfig" \
    --authentication-kubeconfig "$p/scheduler.kubeconfig" --authorization-kubeconfig "$p/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false --v=1
}
