#!/usr/bin/env bash
# buildifier over every Starlark file of the repository: BUILD, .bzl, WORKSPACE and MODULE.bazel
# files, tracked or new, but not what git ignores (node_modules, files the e2e scripts generate).
#
#   scripts/buildifier.sh check   formatting and lint warnings (--mode=check --lint=warn); npm test
#   scripts/buildifier.sh fix     rewrite the formatting (npm run format); warnings are left to fix by hand
#
# buildifier comes from npm (@bazel/buildifier ships its binaries): node_modules/.bin.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

case "${1:-}" in
  check) flags=(--mode=check --lint=warn) ;;
  fix) flags=(--mode=fix --lint=off) ;;
  *)
    echo "usage: scripts/buildifier.sh check|fix" >&2
    exit 2
    ;;
esac
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- \
  '*.bzl' '*.bazel' '*.star' 'BUILD' '*/BUILD' 'WORKSPACE' '*/WORKSPACE' | LC_ALL=C sort -u)
[[ ${#files[@]} -gt 0 ]] || {
  echo "buildifier.sh: no Starlark files found" >&2
  exit 1
}
# Deleted but not yet committed files are still listed by git: only those that exist.
existing=()
for f in "${files[@]}"; do [[ -e "$f" ]] && existing+=("$f"); done
buildifier "${flags[@]}" "${existing[@]}"
