# Probe images without a registry: an OCI image-layout tarball per image, made from the
# locally built agnhost binary and imported into every node's containerd. The names are the
# real upstream references, so the suite's manifests (imagePullPolicy: IfNotPresent) run
# unchanged here and on real clusters.
agnhost_version() { cat "$(kubernetes_bin_dir)/agnhost.VERSION"; }
agnhost_image() { echo "registry.k8s.io/e2e-test-images/agnhost:$(agnhost_version)"; }
LAB_PAUSE_IMAGE=registry.k8s.io/pause:3.10.1
images_dir() { echo "$LAB_CACHE/images/kubernetes-$KUBERNETES_VERSION"; }

# The userland upstream's agnhost image has (Alpine with bind-tools, curl, netcat-openbsd, bash,
# socat, …): Debian's binaries from this machine, each with the shared libraries `ldd` lists and the
# dynamic loader, so the lab tests what users run. kube-netconform's checks run their client
# commands in the probes with these (bash for the command loop; curl, socat, nc, dig; head, tr and
# cksum for the full-size payloads), and upstream's own e2e tests exec `/bin/sh -c "… | nc -w 1 -u
# … | grep -v …"` and `curl -g -q -s …` in their pods. Busybox does not fit (its shell runs its own
# applets before PATH; its nc has no -u). "image path=host command" (the host command found on
# PATH); Debian packages: bash, dash, netcat-openbsd, curl, socat, bind9-dnsutils, coreutils, grep,
# sed, hostname.
AGNHOST_USERLAND="/bin/sh=dash /bin/bash=bash /usr/bin/nc=nc.openbsd /usr/bin/curl=curl /usr/bin/socat=socat /usr/bin/dig=dig
/bin/grep=grep /bin/head=head /bin/tail=tail /bin/cat=cat /bin/sed=sed /bin/wc=wc /bin/tr=tr /bin/cksum=cksum /bin/sleep=sleep
/bin/ls=ls /bin/env=env /bin/hostname=hostname"
AGNHOST_PATH=/bin:/usr/bin:/

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# The host files the userland is made of, one "image-path<TAB>host-file" a line: every binary of
# AGNHOST_USERLAND and every library its `ldd` lists (the loader included), at ldd's path.
agnhost_userland_files() {
  local entry dest cmd src
  for entry in $AGNHOST_USERLAND; do
    dest=${entry%%=*} cmd=${entry#*=}
    src=$(command -v "$cmd") || die "missing '$cmd' (see images_build)" 2
    printf '%s\t%s\n' "$dest" "$(readlink -f "$src")"
    ldd "$src" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' | while read -r lib; do
      printf '%s\t%s\n' "$lib" "$(readlink -f "$lib")"
    done
  done | sort -u
}

# The image's cache key: the agnhost binary, the userland's paths and contents, PATH. Any change
# (a userland entry added, a Debian package upgraded) makes a new tarball.
agnhost_image_key() {
  {
    sha256_of "$(kubernetes_bin_dir)/agnhost"
    echo "$AGNHOST_PATH"
    agnhost_userland_files | while IFS=$'\t' read -r dest src; do printf '%s %s\n' "$dest" "$(sha256_of "$src")"; done
  } | sha256sum | cut -c1-16
}

# oci_image_tar out.tar ref entrypoint-json cmd-json [userland]: one layer holding /agnhost and /tmp,
# and with "userland" the files of agnhost_userland_files, an /etc/passwd root line and PATH.
oci_image_tar() {
  local out=$1 ref=$2 entrypoint=$3 cmd=$4 userland=${5:-}
  local work; work=$(mktemp -d)
  mkdir -p "$work/rootfs/tmp" "$work/layout/blobs/sha256"
  chmod 1777 "$work/rootfs/tmp"
  cp "$(kubernetes_bin_dir)/agnhost" "$work/rootfs/agnhost"
  local path=/
  if [ "$userland" = userland ]; then
    path=$AGNHOST_PATH
    local dest src
    while IFS=$'\t' read -r dest src; do
      mkdir -p "$work/rootfs$(dirname "$dest")"
      cp -L "$src" "$work/rootfs$dest"
    done < <(agnhost_userland_files)
    mkdir -p "$work/rootfs/etc"
    echo 'root:x:0:0:root:/root:/bin/sh' > "$work/rootfs/etc/passwd"
    echo 'root:x:0:' > "$work/rootfs/etc/group"
  fi
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work/rootfs" -cf "$work/layer.tar" .
  local diff_id; diff_id=$(sha256_of "$work/layer.tar")
  gzip -n -1 < "$work/layer.tar" > "$work/layer.tar.gz"
  local layer_digest layer_size; layer_digest=$(sha256_of "$work/layer.tar.gz"); layer_size=$(stat -c %s "$work/layer.tar.gz")
  mv "$work/layer.tar.gz" "$work/layout/blobs/sha256/$layer_digest"
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":%s,"Cmd":%s,"WorkingDir":"/","Env":["PATH=%s"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$entrypoint" "$cmd" "$path" "$diff_id" > "$work/config.json"
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

# Sets AGNHOST_TAR (used by images_import) to the tarball of the current key, built if missing;
# tarballs of older keys are removed.
images_build() {
  local d; d=$(images_dir); mkdir -p "$d"
  local e; for e in $AGNHOST_USERLAND; do
    command -v "${e#*=}" >/dev/null 2>&1 \
      || die "the lab's agnhost image needs '${e#*=}' from this machine. Install with: apt-get install -y bash dash netcat-openbsd curl socat bind9-dnsutils coreutils grep sed hostname" 2
  done
  AGNHOST_TAR="$d/agnhost-$(agnhost_image_key).tar"
  if [ ! -f "$AGNHOST_TAR" ]; then
    log "building image $(agnhost_image) (agnhost + Debian userland: $(for e in $AGNHOST_USERLAND; do printf '%s ' "${e#*=}"; done))"
    oci_image_tar "$AGNHOST_TAR" "$(agnhost_image)" '["/agnhost"]' '["pause"]' userland
    find "$d" -maxdepth 1 -name 'agnhost-*.tar' ! -path "$AGNHOST_TAR" -delete
  fi
  [ -f "$d/pause.tar" ] || { log "building sandbox image $LAB_PAUSE_IMAGE (agnhost pause)"; oci_image_tar "$d/pause.tar" "$LAB_PAUSE_IMAGE" '["/agnhost","pause"]' '[]'; }
}

images_import() { # node index
  local i=$1 d; d=$(images_dir)
  local ctr; ctr="$(containerd_bin_dir)/ctr --address $(containerd_sock "$i") -n k8s.io"
  # ctr prints containerd's cgroup v1 deprecation warning on every call: keep it in the log.
  $ctr images import --local "$d/pause.tar" >/dev/null 2>>"$LAB_LOGS/images.log"
  $ctr images import --local "${AGNHOST_TAR:?images_build sets it}" >/dev/null 2>>"$LAB_LOGS/images.log"
}
