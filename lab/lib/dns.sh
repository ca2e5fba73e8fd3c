# Cluster DNS in the lab, the way kubeadm runs it: CoreDNS built from its Go module, packed
# into an OCI image like agnhost (no registry), a Deployment of two replicas in kube-system
# with its ServiceAccount and ClusterRole, the kube-dns Service at $LAB_DNS_IP, and kubelets
# with clusterDNS/clusterDomain. The Corefile has the kubernetes plugin and NO forward plugin:
# the lab never sends a query to a resolver outside it; names outside the cluster domain get
# SERVFAIL, names inside it that do not exist get NXDOMAIN.
COREDNS_VERSION=${COREDNS_VERSION:-v1.15.0}
LAB_DNS_IP=10.96.0.10                # kubeadm's: the tenth address of the Service range
LAB_DNS_IP6=fd6b:6e63:6c00:200::a    # the same in the IPv6 Service range (--ip-family ipv6 only)
# The kube-dns Service is single-stack in the primary family: IPv4 (also on a dual lab, where
# pods resolve over IPv4 and get AAAA answers for dual Services), IPv6 on an IPv6-only lab.
lab_dns_ip() { if [ "${LAB_IP_FAMILY:-ipv4}" = ipv6 ]; then echo "$LAB_DNS_IP6"; else echo "$LAB_DNS_IP"; fi; }
LAB_CLUSTER_DOMAIN=cluster.local
LAB_DNS_REPLICAS=2

coredns_bin_dir() { echo "$LAB_CACHE/bin/coredns-$COREDNS_VERSION"; }
# The upstream reference kubeadm deploys, so the Deployment reads as on a real cluster.
coredns_image() { echo "registry.k8s.io/coredns/coredns:$COREDNS_VERSION"; }
coredns_image_tar() { echo "$LAB_CACHE/images/coredns-$COREDNS_VERSION.tar"; }

# Build once per version (niced: the machine is shared), then the image tarball.
dns_build() {
  local out; out=$(coredns_bin_dir)
  local gomod="$LAB_DIR/gomod/coredns"
  grep -Eq "github.com/coredns/coredns $COREDNS_VERSION( |$)" "$gomod/go.mod" \
    || die "lab/gomod/coredns/go.mod does not pin CoreDNS $COREDNS_VERSION; regenerate it: (cd lab/gomod/coredns && go get -tool github.com/coredns/coredns@$COREDNS_VERSION)" 2
  if [ ! -x "$out/coredns" ] || [ ! -f "$out/.complete" ]; then
    log "building CoreDNS $COREDNS_VERSION into $out"
    mkdir -p "$out.tmp"
    local t0; t0=$(date +%s)
    (cd "$gomod" && CGO_ENABLED=0 nice -n 10 go build -trimpath \
      -ldflags "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION" -o "$out.tmp/coredns" github.com/coredns/coredns)
    echo $(( $(date +%s) - t0 )) > "$out.tmp/.build-seconds"
    touch "$out.tmp/.complete"
    rm -rf "$out"; mv "$out.tmp" "$out"
  fi
  local tar; tar=$(coredns_image_tar)
  if [ ! -f "$tar" ]; then
    log "building image $(coredns_image)"
    mkdir -p "$(dirname "$tar")"
    oci_binary_image_tar "$tar" "$(coredns_image)" "$out/coredns" '["/coredns"]' '["-conf","/etc/coredns/Corefile"]'
  fi
}

# oci_blob work file: move a file into the layout's blobs by digest; prints "digest size".
oci_blob() {
  local d; d=$(sha256_of "$2"); mv "$2" "$1/layout/blobs/sha256/$d"; echo "$d $(stat -c %s "$1/layout/blobs/sha256/$d")"
}

# oci_binary_image_tar out.tar ref binary entrypoint-json cmd-json: an OCI image-layout tarball
# with one layer holding /<binary name>, /tmp and /etc (as images.sh's agnhost image, for any binary).
oci_binary_image_tar() {
  local out=$1 ref=$2 bin=$3 entrypoint=$4 cmd=$5
  local work; work=$(mktemp -d)
  mkdir -p "$work/rootfs/tmp" "$work/rootfs/etc" "$work/layout/blobs/sha256"
  chmod 1777 "$work/rootfs/tmp"
  cp "$bin" "$work/rootfs/$(basename "$bin")"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work/rootfs" -cf "$work/layer.tar" .
  local diff_id; diff_id=$(sha256_of "$work/layer.tar")
  gzip -n -1 < "$work/layer.tar" > "$work/layer.tar.gz"
  local layer; layer=$(oci_blob "$work" "$work/layer.tar.gz")
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":%s,"Cmd":%s,"WorkingDir":"/","Env":["PATH=/"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$entrypoint" "$cmd" "$diff_id" > "$work/config.json"
  local config; config=$(oci_blob "$work" "$work/config.json")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    ${config% *} ${config#* } ${layer% *} ${layer#* } > "$work/manifest.json"
  local manifest; manifest=$(oci_blob "$work" "$work/manifest.json")
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    ${manifest% *} ${manifest#* } "$ref" "${ref##*:}" > "$work/layout/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' > "$work/layout/oci-layout"
  tar --owner=0 --group=0 -C "$work/layout" -cf "$out.tmp" . && mv "$out.tmp" "$out"
  rm -rf "$work"
}

dns_image_import() { # node index
  "$(containerd_bin_dir)/ctr" --address "$(containerd_sock "$1")" -n k8s.io images import --local "$(coredns_image_tar)" >/dev/null 2>>"$LAB_LOGS/images.log"
}

dns_manifests() {
  cat <<YAML
apiVersion: v1
kind: ServiceAccount
metadata: {name: coredns, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "system:coredns", labels: {kubernetes.io/bootstrapping: rbac-defaults}}
rules:
- apiGroups: [""]
  resources: [endpoints, services, pods, namespaces]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:coredns", labels: {kubernetes.io/bootstrapping: rbac-defaults}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns"}
subjects: [{kind: ServiceAccount, name: coredns, namespace: kube-system}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  # No forward plugin: nothing leaves the lab. Unknown cluster names: NXDOMAIN; other names: SERVFAIL.
  Corefile: |
    .:53 {
        errors
        health {
            lameduck 5s
        }
        ready
        kubernetes $LAB_CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
            pods insecure
            fallthrough in-addr.arpa ip6.arpa
            ttl 30
        }
        prometheus :9153
        cache 30
        reload
        loadbalance
    }
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  replicas: $LAB_DNS_REPLICAS
  strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      priorityClassName: system-cluster-critical
      serviceAccountName: coredns
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector: {matchExpressions: [{key: k8s-app, operator: In, values: [kube-dns]}]}
              topologyKey: kubernetes.io/hostname
      tolerations:
      - {key: CriticalAddonsOnly, operator: Exists}
      - {key: node-role.kubernetes.io/control-plane, effect: NoSchedule}
      nodeSelector: {kubernetes.io/os: linux}
      dnsPolicy: Default
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        # Port 53 without root or file capabilities (a tarball layer carries no xattrs).
        sysctls: [{name: net.ipv4.ip_unprivileged_port_start, value: "53"}]
        seccompProfile: {type: RuntimeDefault}
      containers:
      - name: coredns
        image: $(coredns_image)
        imagePullPolicy: IfNotPresent
        args: [-conf, /etc/coredns/Corefile]
        resources: {limits: {memory: 170Mi}, requests: {cpu: 50m, memory: 70Mi}}
        volumeMounts: [{name: config-volume, mountPath: /etc/coredns, readOnly: true}]
        ports:
        - {containerPort: 53, name: dns, protocol: UDP}
        - {containerPort: 53, name: dns-tcp, protocol: TCP}
        - {containerPort: 9153, name: metrics, protocol: TCP}
        livenessProbe: {httpGet: {path: /health, port: 8080}, initialDelaySeconds: 60, timeoutSeconds: 5, failureThreshold: 5}
        readinessProbe: {httpGet: {path: /ready, port: 8181}, periodSeconds: 2}
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
          readOnlyRootFilesystem: true
      volumes:
      - name: config-volume
        configMap: {name: coredns, items: [{key: Corefile, path: Corefile}]}
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: {k8s-app: kube-dns, kubernetes.io/cluster-service: "true", kubernetes.io/name: CoreDNS}
  annotations: {prometheus.io/port: "9153", prometheus.io/scrape: "true"}
spec:
  selector: {k8s-app: kube-dns}
  clusterIP: $(lab_dns_ip)
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: 53}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}
  - {name: metrics, port: 9153, protocol: TCP, targetPort: 9153}
YAML
}

dns_ready() {
  [ "$(kubectl_lab -n kube-system get deployment coredns -o jsonpath='{.status.readyReplicas}' 2>/dev/null)" = "$LAB_DNS_REPLICAS" ]
}

# After every node is Ready: image into every node, objects in, both replicas Ready.
dns_up() {
  local i
  for i in $(all_node_indexes); do dns_image_import "$i"; done
  log "cluster DNS: CoreDNS $COREDNS_VERSION, $LAB_DNS_REPLICAS replicas, Service kube-system/kube-dns $(lab_dns_ip), domain $LAB_CLUSTER_DOMAIN"
  dns_manifests | kubectl_lab apply -f - >/dev/null
  wait_for "CoreDNS (kube-system/coredns) to have $LAB_DNS_REPLICAS ready replicas" 120 dns_ready
}

dns_scale() { # replicas
  kubectl_lab -n kube-system scale deployment coredns --replicas="$1" >/dev/null
}
dns_pods_gone() { [ -z "$(kubectl_lab -n kube-system get pods -l k8s-app=kube-dns -o name 2>/dev/null)" ]; }
