# The cluster's certificates and kubeconfigs, made with openssl: one CA, the API server's
# serving cert, a client cert per component and per node, and the service-account key pair.
pki_dir() { echo "$LAB_STATE/pki"; }

pki_cert() { # name CN O [SANs]
  local d name=$1 cn=$2 org=$3 sans=${4:-}
  d=$(pki_dir)
  local subj="/CN=$cn"; [ -n "$org" ] && subj="/O=$org$subj"
  local ext="$d/$name.ext"
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [ -n "$sans" ]; then echo "extendedKeyUsage=serverAuth"; echo "subjectAltName=$sans";
    else echo "extendedKeyUsage=clientAuth"; fi
  } > "$ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$d/$name.key" -subj "$subj" -out "$d/$name.csr" 2>/dev/null
  openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
    -days 30 -extfile "$ext" -out "$d/$name.crt" 2>/dev/null
  rm -f "$d/$name.csr" "$ext"
}

pki_kubeconfig() { # name user-cert-name server
  local d; d=$(pki_dir)
  cat > "$d/$1.kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: $LAB_CLUSTER_NAME
  cluster:
    server: $3
    certificate-authority-data: $(base64 -w0 < "$d/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $(base64 -w0 < "$d/$2.crt")
    client-key-data: $(base64 -w0 < "$d/$2.key")
contexts:
- name: $LAB_CLUSTER_NAME
  context: {cluster: $LAB_CLUSTER_NAME, user: $2}
current-context: $LAB_CLUSTER_NAME
KC
}

pki_create() {
  local d; d=$(pki_dir); mkdir -p "$d"
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -keyout "$d/ca.key" -out "$d/ca.crt" -subj "/CN=kube-netconform-lab-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
  local cp_ip; cp_ip=$(node_ip_primary 0)
  # With IPv6 (dual): the control plane's IPv6 node address and the IPv6 Service range's first address too.
  # IPv6-only: the IPv6 ones instead of the IPv4 node address and Service VIP.
  local ip_sans="IP:$cp_ip,IP:$LAB_SERVICE_VIP,"
  [ "${LAB_IP_FAMILY:-ipv4}" = dual ] && ip_sans+="IP:$(node_ip6 0),IP:$LAB_SERVICE_VIP6,IP:::1,"
  [ "${LAB_IP_FAMILY:-ipv4}" = ipv6 ] && ip_sans="IP:$cp_ip,IP:$LAB_SERVICE_VIP6,IP:::1,"
  pki_cert apiserver kube-apiserver "" \
    "${ip_sans}IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:$(node_name 0),DNS:localhost"
  pki_cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  pki_cert admin kubernetes-admin system:masters
  pki_cert controller-manager system:kube-controller-manager ""
  pki_cert scheduler system:kube-scheduler ""
  pki_cert kube-proxy system:kube-proxy ""
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$d/sa.key" 2>/dev/null
  openssl pkey -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
  local server; server="https://$(url_host "$cp_ip"):$LAB_APISERVER_PORT"
  pki_kubeconfig admin admin "$server"
  pki_kubeconfig controller-manager controller-manager "$server"
  pki_kubeconfig scheduler scheduler "$server"
  pki_kubeconfig kube-proxy kube-proxy "$server"
  local i
  for i in $(all_node_indexes); do
    pki_cert "kubelet-$(node_name "$i")" "system:node:$(node_name "$i")" system:nodes
    pki_kubeconfig "kubelet-$(node_name "$i")" "kubelet-$(node_name "$i")" "$server"
  done
  chmod 600 "$d"/*.key
}
