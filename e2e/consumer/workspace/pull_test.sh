#!/usr/bin/env bash
# Pulls every image of expected_digests.txt ("REFERENCE DIGEST" lines) with skopeo from the registry
# localregistry_test started (LOCALREGISTRY_HOST) and checks each digest; copies the image and the
# index into OCI layouts and checks those digests too.
set -euo pipefail

expected="$1"
host="${LOCALREGISTRY_HOST:?LOCALREGISTRY_HOST is not set: run this through localregistry_test}"
[[ "${LOCALREGISTRY_URL:-}" == "http://$host" ]] || { echo "LOCALREGISTRY_URL='${LOCALREGISTRY_URL:-}' does not match LOCALREGISTRY_HOST=$host" >&2; exit 1; }
skopeo=(skopeo --insecure-policy)
tmp="${TEST_TMPDIR:?}"
# The e2e's sandboxed run asks for proof that $HOME really is read-only there.
if [[ "${REQUIRE_READONLY_HOME:-}" == 1 ]] && touch "${HOME:?}/.localregistry-probe" 2>/dev/null; then
  rm -f "$HOME/.localregistry-probe"
  echo "FAIL: HOME=$HOME is writable, but this run must have a read-only HOME" >&2
  exit 1
fi

checked=0
while read -r ref digest; do
  [[ -z "$ref" ]] && continue
  got="sha256:$("${skopeo[@]}" inspect --raw --tls-verify=false "docker://$host/$ref" | sha256sum | cut -d' ' -f1)"
  [[ "$got" == "$digest" ]] || { echo "FAIL $ref: manifest digest $got, expected $digest" >&2; exit 1; }
  echo "ok $ref $digest"
  checked=$((checked + 1))
done <"$expected"
((checked >= 4)) || { echo "FAIL: only $checked references in $expected" >&2; exit 1; }

copy() {
  local ref="$1" dest="$2"
  shift 2
  "${skopeo[@]}" copy "$@" --preserve-digests --quiet --src-tls-verify=false "docker://$host/$ref" "oci:$tmp/$dest:x"
  local want got
  want="$(awk -v r="$ref" '$1 == r { print $2 }' "$expected")"
  got="$("${skopeo[@]}" inspect --raw "oci:$tmp/$dest:x" | sha256sum | cut -d' ' -f1)"
  [[ "sha256:$got" == "$want" ]] || { echo "FAIL copy $ref: sha256:$got, expected $want" >&2; exit 1; }
  echo "ok copied $ref"
}
copy app:latest app
copy multi/arch:1 multiarch --all
if "${skopeo[@]}" inspect --raw --tls-verify=false "docker://$host/fixtures/base:latest" >/dev/null 2>&1; then
  echo "FAIL: the digest-only image is served under a tag" >&2
  exit 1
fi
echo "ok fixtures/base has no tag"
