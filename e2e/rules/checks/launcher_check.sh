#!/usr/bin/env bash
# Run by localregistry_test launcher_test (tls, hostnames, advertise, mirror_for): checks what a
# launcher gets from the wrapper, as a node would use it. No client gets a skip-verify flag.
#   - LOCALREGISTRY_URL is https://, LOCALREGISTRY_CA_FILE the CA that verifies the registry
#     for every extra certificate name (openssl) and not for another name;
#   - LOCALREGISTRY_CLIENT_CONFIG: containerd's hosts.toml per mirrored host with the advertised
#     server and the CA; skopeo pulls the Bazel-built busybox by its production names through the
#     containers/ drop-in and CA directory, and the program in its layer runs.
# $BUSYBOX_LAYOUT is the image's layout in the runfiles, $GREETING what its command prints.
set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

[[ "${LOCALREGISTRY_HOST:-}" =~ ^127\.0\.0\.1:([0-9]+)$ ]] || fail "LOCALREGISTRY_HOST is '${LOCALREGISTRY_HOST:-}'"
port="${BASH_REMATCH[1]}"
[[ "${LOCALREGISTRY_URL:-}" == "https://$LOCALREGISTRY_HOST" ]] || fail "LOCALREGISTRY_URL is '${LOCALREGISTRY_URL:-}'"
ca="${LOCALREGISTRY_CA_FILE:-}"
[[ -f "$ca" ]] || fail "LOCALREGISTRY_CA_FILE is '$ca', not a file"
config="${LOCALREGISTRY_CLIENT_CONFIG:-}"
[[ -d "$config" ]] || fail "LOCALREGISTRY_CLIENT_CONFIG is '$config', not a directory"

# verify NAME: a TLS handshake with the registry for NAME that verifies with the run's CA.
verify() {
  openssl s_client -connect "$LOCALREGISTRY_HOST" -servername "$1" -verify_hostname "$1" \
    -CAfile "$ca" -verify_return_error </dev/null >"$TEST_TMPDIR/s_client.out" 2>&1
}
for name in registry.test.internal localhost; do
  verify "$name" || fail "the certificate does not verify for $name: $(tail -n 5 "$TEST_TMPDIR/s_client.out")"
  echo "ok: the certificate verifies for $name with LOCALREGISTRY_CA_FILE"
done
! verify other.test.internal || fail "the certificate verifies for other.test.internal, a name it was not issued for"

advertised="localhost:$port"
for host in docker.io registry.test.internal; do
  dir="$config/containerd/certs.d/$host"
  grep -qxF "server = \"https://$advertised\"" "$dir/hosts.toml" || fail "$dir/hosts.toml has no server https://$advertised: $(cat "$dir/hosts.toml")"
  grep -qF "[host.\"https://$advertised\"]" "$dir/hosts.toml" || fail "$dir/hosts.toml has no [host.\"https://$advertised\"]"
  cmp -s "$dir/ca.crt" "$ca" || fail "$dir/ca.crt is not LOCALREGISTRY_CA_FILE"
  echo "ok: containerd's $host/hosts.toml names https://$advertised with the CA"
done

want="$(sed -n 's/.*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p' "$BUSYBOX_LAYOUT/index.json")"
[[ -n "$want" ]] || fail "no manifest digest in $BUSYBOX_LAYOUT/index.json"
skopeo=(skopeo --registries-conf "$config/containers/registries.conf.d/50-localregistry.conf")
certs="$config/containers/certs.d/$advertised"
for ref in registry.test.internal/library/busybox:latest docker.io/library/busybox:latest; do
  got="$("${skopeo[@]}" inspect --raw --cert-dir "$certs" "docker://$ref" | sha256sum | cut -d' ' -f1)"
  [[ "sha256:$got" == "$want" ]] || fail "$ref: manifest sha256:$got, the layout has $want"
  echo "ok: skopeo inspect $ref through the client configuration: $want"
done
"${skopeo[@]}" inspect --config --raw --cert-dir "$certs" docker://docker.io/library/busybox:latest >"$TEST_TMPDIR/config.json"
grep -qF "\"Entrypoint\":[\"/bin/busybox\"],\"Cmd\":[\"echo\",\"$GREETING\"]" "$TEST_TMPDIR/config.json" ||
  fail "the image config has not /bin/busybox echo '$GREETING': $(cat "$TEST_TMPDIR/config.json")"

# dir: keeps the blobs as served (oci: would compress the layer).
pulled="$TEST_TMPDIR/pulled"
"${skopeo[@]}" copy --quiet --insecure-policy --src-cert-dir "$certs" docker://docker.io/library/busybox:latest "dir:$pulled"
[[ "sha256:$(sha256sum <"$pulled/manifest.json" | cut -d' ' -f1)" == "$want" ]] || fail "skopeo copy did not keep the manifest $want"
layer="$(sed -n 's/.*"layers":\[{[^}]*"digest":"sha256:\([0-9a-f]*\)".*/\1/p' "$pulled/manifest.json")"
mkdir "$TEST_TMPDIR/rootfs"
tar -xf "$pulled/$layer" -C "$TEST_TMPDIR/rootfs"
# The entrypoint and command of the config, run from the pulled layer.
said="$("$TEST_TMPDIR/rootfs/bin/busybox" echo "$GREETING")"
[[ "$said" == "$GREETING" ]] || fail "the pulled layer's /bin/busybox echo printed '$said'"
echo "ok: skopeo copied docker.io/library/busybox:latest; its entrypoint and command print: $said"
