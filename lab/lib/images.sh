# Probe images without a registry: an OCI image-layout tarball per image, made from the
# locally built agnhost binary and imported into every node's containerd. The names are the
# real upstream references, so the suite's manifests (imagePullPolicy: IfNotPresent) run
# unchanged here and on real clusters.
agnhost_version() { cat "$(kubernetes_bin_dir)/agnhost.VERSION"; }
agnhost_image() { echo "registry.k8s.io/e2e-test-images/agnhost:$(agnhost_version)"; }
LAB_PAUSE_IMAGE=registry.k8s.io/pause:3.10.1
images_dir() { echo "$LAB_CACHE/images/kubernetes-$KUBERNETES_VERSION"; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# oci_image_tar out.tar ref entrypoint-json cmd-json: one layer holding /agnhost and /tmp.
oci_image_tar() {
  local out=$1 ref=$2 entrypoint=$3 cmd=$4
  local work; work=$(mktemp -d)
  mkdir -p "$work/rootfs/tmp" "$work/layout/blobs/sha256"
  chmod 1777 "$work/rootfs/tmp"
  cp "$(kubernetes_bin_dir)/agnhost" "$work/rootfs/agnhost"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work/rootfs" -cf "$work/layer.tar" .
  local diff_id; diff_id=$(sha256_of "$work/layer.tar")
  gzip -n -1 < "$work/layer.tar" > "$work/layer.tar.gz"
  local layer_digest layer_size; layer_digest=$(sha256_of "$work/layer.tar.gz"); layer_size=$(stat -c %s "$work/layer.tar.gz")
  mv "$work/layer.tar.gz" "$work/layout/blobs/sha256/$layer_digest"
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":%s,"Cmd":%s,"WorkingDir":"/","Env":["PATH=/"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$entrypoint" "$cmd" "$diff_id" > "$work/config.json"
  local config_digest config_size; config_digest=$(sha256_of "$work/config.json"); config_size=$(stat -c %s "$work/config.json")
  mv "$work/config.json" "$work/layout/blobs/sha256/$config_digest"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$config_digest" "$config_size" "$layer_digest" "$layer_size" > "$work/manifest.json"
  local manifest_digest manifest_size; manifest_digest=$(sha256_of "$work/manifest.json"); manifest_size=$(stat -c %s "$work/manifest.json")
  mv "$work/manifest.json" "$work/layout/blobs/sha256/$manifest_digest"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$manifest_digest" "$manifest_size" "$ref" "${ref##*:}" > "$work/layout/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' > "$work/layout/oci-layout"
  tar --owner=0 --group=0 -C "$work/layout" -cf "$out.tmp" . && mv "$out.tmp" "$out"
  rm -rf "$work"
}

images_build() {
  local d; d=$(images_dir); mkdir -p "$d"
  [ -f "$d/agnhost.tar" ] || { log "building image $(agnhost_image)"; oci_image_tar "$d/agnhost.tar" "$(agnhost_image)" '["/agnhost"]' '["pause"]'; }
  [ -f "$d/pause.tar" ] || { log "building sandbox image $LAB_PAUSE_IMAGE (agnhost pause)"; oci_image_tar "$d/pause.tar" "$LAB_PAUSE_IMAGE" '["/agnhost","pause"]' '[]'; }
}

images_import() { # node index
  local i=$1 d; d=$(images_dir)
  local ctr; ctr="$(containerd_bin_dir)/ctr --address $(containerd_sock "$i") -n k8s.io"
  # ctr prints containerd's cgroup v1 deprecation warning on every call: keep it in the log.
  $ctr images import --local "$d/pause.tar" >/dev/null 2>>"$LAB_LOGS/images.log"
  $ctr images import --local "$d/agnhost.tar" >/dev/null 2>>"$LAB_LOGS/images.log"
}
