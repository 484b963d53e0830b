#!/usr/bin/env bash
# Test wrapper: runs a TypeScript check with the Node binary in
# LOCALREGISTRY_NODE (--test_env, written by run.sh).
#
# Usage (sh_test args): node_test.sh <rlocation path of a .ts file> [args...]
#
# With LOCALREGISTRY_RUNFILES_MODE=manifest the check runs the way a platform
# without a runfiles tree would: only RUNFILES_MANIFEST_FILE (Bazel's
# <test>.runfiles_manifest, which exists next to the runfiles directory when
# run.sh uses --strategy=TestRunner=standalone) is set, RUNFILES_DIR and
# TEST_SRCDIR are unset and the working directory is TEST_TMPDIR, so every
# path must come from the manifest.
set -euo pipefail

node="${LOCALREGISTRY_NODE:-}"
if [[ -z "$node" || ! -x "$node" ]]; then
  echo "LOCALREGISTRY_NODE must name a Node 24 binary (got '${node}'); run e2e/bazel/run.sh" >&2
  exit 1
fi

script="$1"
shift

mode="${LOCALREGISTRY_RUNFILES_MODE:-tree}"
case "$mode" in
  tree)
    : "${RUNFILES_DIR:=${TEST_SRCDIR:?neither RUNFILES_DIR nor TEST_SRCDIR is set}}"
    export RUNFILES_DIR
    unset RUNFILES_MANIFEST_FILE RUNFILES_MANIFEST_ONLY
    script_path="$RUNFILES_DIR/$script"
    ;;
  manifest)
    dir="${RUNFILES_DIR:-${TEST_SRCDIR:-}}"
    manifest="${RUNFILES_MANIFEST_FILE:-${dir%.runfiles}.runfiles_manifest}"
    if [[ ! -f "$manifest" ]]; then
      echo "manifest mode: no runfiles manifest at '$manifest' (run.sh runs this mode with --nobuild_runfile_links --strategy=TestRunner=standalone)" >&2
      exit 1
    fi
    export RUNFILES_MANIFEST_FILE="$manifest" RUNFILES_MANIFEST_ONLY=1
    unset RUNFILES_DIR TEST_SRCDIR JAVA_RUNFILES PYTHON_RUNFILES
    script_path="$(awk -v k="$script" '$1 == k { print substr($0, length(k) + 2); exit }' "$manifest")"
    if [[ -z "$script_path" ]]; then
      echo "manifest mode: '$script' is not in $manifest" >&2
      exit 1
    fi
    cd "${TEST_TMPDIR:?}"
    ;;
  *)
    echo "LOCALREGISTRY_RUNFILES_MODE must be tree or manifest, got '$mode'" >&2
    exit 1
    ;;
esac

echo "runfiles mode: $mode" >&2
exec "$node" "$script_path" "$@"
