#!/usr/bin/env bash
# Run by localregistry_test (exit_3_test): records LOCALREGISTRY_HOST, makes one
# request, then fails with 3.
# --- begin runfiles.bash initialization v2 ---
set -uo pipefail; f=bazel_tools/tools/bash/runfiles/runfiles.bash
source "${RUNFILES_DIR:-/dev/null}/$f" 2>/dev/null || \
  source "$(grep -sm1 "^$f " "${RUNFILES_MANIFEST_FILE:-/dev/null}" | cut -f2- -d' ')" 2>/dev/null || \
  source "$0.runfiles/$f" 2>/dev/null || \
  source "$(grep -sm1 "^$f " "$0.runfiles_manifest" | cut -f2- -d' ')" 2>/dev/null || \
  { echo>&2 "ERROR: cannot find $f"; exit 1; }; f=; set -e
# --- end runfiles.bash initialization v2 ---

echo "$LOCALREGISTRY_HOST" >"$TEST_UNDECLARED_OUTPUTS_DIR/host"
"$(rlocation rules_localregistry/localregistry)" pull -q "$LOCALREGISTRY_HOST/app:latest" "$TEST_TMPDIR/exit_3-layout" >/dev/null
echo "exit_3: pulled, now failing on purpose" >&2
exit 3
