#!/usr/bin/env bash
# Bazel end-to-end test of rules_localregistry (see README.md).
#
#   e2e/bazel/run.sh              # from anywhere
#   BAZEL=/path/to/bazel LOCALREGISTRY_NODE=/path/to/node e2e/bazel/run.sh
#
# 1. writes user.bazelrc (Node binary, stubs for Debian's offline Bazel 4),
# 2. `bazel test //...` with a runfiles tree,
# 3. `bazel test //...` manifest-only (--nobuild_runfile_links, RUNFILES_MANIFEST_ONLY=1),
# 4. builds each target in //negative and checks its analysis error against negative/expected.txt.
#
# Exits 0 when everything passed, 1 on a failure, and 77 (skip) when bazel is missing, unless
# CI=true, where a missing bazel is a failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$here"
# log, die, skip, quiet, run_bazel
source "$repo/e2e/tools/lib.sh"

bazel_bin="${BAZEL:-$(command -v bazel || true)}"
[[ -n "$bazel_bin" && -x "$bazel_bin" ]] || skip "bazel not found (set BAZEL or install bazel-bootstrap)"

node="${LOCALREGISTRY_NODE:-$repo/node_modules/.bin/node}"
[[ -x "$node" ]] || die "no Node binary at $node (run npm ci, or set LOCALREGISTRY_NODE)"
node="$(realpath "$node")"
node_major="$("$node" -p 'process.versions.node.split(".")[0]')"
(( node_major >= 24 )) || die "$node is Node $node_major; the runtime needs Node 24 (runs .ts directly)"

# One output root for every run, so that re-runs reuse the action and test caches.
output_user_root="${LOCALREGISTRY_BAZEL_ROOT:-/tmp/localregistry-bazel}"
startup=(--output_user_root="$output_user_root" --max_idle_secs=120)
bazel() { "$bazel_bin" "${startup[@]}" "$@"; }

version="$("$bazel_bin" --version 2>/dev/null || true)"
log "bazel: $bazel_bin (${version:-unknown version}); node: $node (v$("$node" -p process.versions.node))"

{
  echo "# Written by run.sh; machine-specific."
  echo "build --action_env=LOCALREGISTRY_NODE=$node"
  echo "build --test_env=LOCALREGISTRY_NODE=$node"
  # Debian's bazel-bootstrap is offline: point its default repositories at local copies.
  if [[ -d /usr/share/bazel/rules/java ]]; then
    echo "build --override_repository=rules_java=/usr/share/bazel/rules/java"
    echo "build --override_repository=rules_cc=$here/stubs/rules_cc"
    echo "build --override_repository=remote_coverage_tools=$here/stubs/remote_coverage_tools"
  fi
  # Bazel 7+ (untested here): this workspace uses WORKSPACE, not bzlmod.
  case "$version" in
    bazel\ [7-9].*) echo "common --noenable_bzlmod --enable_workspace" ;;
  esac
} > user.bazelrc

cleanup() { bazel shutdown >/dev/null 2>&1 || true; }
trap cleanup EXIT

failures=()
start=$SECONDS

log "bazel test //... (runfiles tree)"
if ! run_bazel test //... --test_env=LOCALREGISTRY_RUNFILES_MODE=tree; then
  failures+=("bazel test with a runfiles tree")
fi

# Bazel 4 still creates the runfiles tree of a test run in the sandbox even with
# --nobuild_runfile_links, and hides <test>.runfiles_manifest from it; the standalone test
# strategy exposes the manifest, and node_test.sh then hides the tree (manifest mode).
log "bazel test //... (manifest-only runfiles)"
if ! run_bazel test //... --nobuild_runfile_links --strategy=TestRunner=standalone \
  --test_env=LOCALREGISTRY_RUNFILES_MODE=manifest; then
  failures+=("bazel test with manifest-only runfiles")
fi

log "negative analysis tests (//negative)"
if ! run_bazel build //negative:valid; then
  failures+=("//negative:valid (the control) does not build")
fi
while IFS=$'\t' read -r target expected; do
  [[ -z "$target" || "$target" == \#* ]] && continue
  if out="$(bazel build "//negative:$target" 2>&1)"; then
    echo "FAIL //negative:$target built, but must fail with: $expected"
    failures+=("//negative:$target built")
  elif ! grep -qF -- "$expected" <<<"$out"; then
    echo "FAIL //negative:$target failed without the expected message"
    echo "  expected: $expected"
    echo "  output:"
    grep -E 'ERROR|Error' <<<"$out" | sed 's/^/    /'
    failures+=("//negative:$target message")
  else
    echo "ok //negative:$target: $(grep -F -- "$expected" <<<"$out" | head -1 | sed 's/.*Error in fail: //')"
  fi
done < negative/expected.txt

log "done in $((SECONDS - start))s"
if (( ${#failures[@]} > 0 )); then
  printf 'FAILED:\n'
  printf '  - %s\n' "${failures[@]}"
  exit 1
fi
echo "PASS: Bazel e2e (runfiles tree, manifest-only runfiles, negative analysis)"
