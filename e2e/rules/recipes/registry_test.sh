#!/usr/bin/env bash
# docs/rules.md, "The CLI, from any test", with skopeo's output checked.
# --- begin runfiles.bash initialization v2 ---
set -uo pipefail; f=bazel_tools/tools/bash/runfiles/runfiles.bash
source "${RUNFILES_DIR:-/dev/null}/$f" 2>/dev/null || \
  source "$(grep -sm1 "^$f " "${RUNFILES_MANIFEST_FILE:-/dev/null}" | cut -f2- -d' ')" 2>/dev/null || \
  source "$0.runfiles/$f" 2>/dev/null || \
  source "$(grep -sm1 "^$f " "$0.runfiles_manifest" | cut -f2- -d' ')" 2>/dev/null || \
  { echo>&2 "ERROR: cannot find $f"; exit 1; }; f=; set -e
# --- end runfiles.bash initialization v2 ---

ready="$TEST_TMPDIR/registry.url"
"$(rlocation "$LOCALREGISTRY")" serve --manifest "$(rlocation "$MANIFEST")" \
  --listen 127.0.0.1:0 --ready-file "$ready" >/dev/null 2>"$TEST_TMPDIR/registry.log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server' EXIT

# Wait until it serves, but stop waiting as soon as it has exited.
while [[ ! -s "$ready" ]]; do
  if ! kill -0 "$server" 2>/dev/null; then
    echo "the registry did not start:" >&2
    cat "$TEST_TMPDIR/registry.log" >&2
    exit 1
  fi
  sleep 0.1
done
host="$(sed 's|^http://||' "$ready")"   # 127.0.0.1:PORT

out="$(skopeo inspect --tls-verify=false "docker://$host/app:latest")"
grep -q '"Digest": "sha256:a17421f7cc6785af640f7872941b18a8e71ba64c784d7524c44f303405e49ba5"' <<<"$out" ||
  { echo "skopeo inspect: unexpected digest in $out" >&2; exit 1; }
echo "ok: skopeo inspect docker://$host/app:latest"
