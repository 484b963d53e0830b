# Shell helpers of the e2e run.sh scripts (e2e/bazel, e2e/rules, e2e/consumer). Source it after `set -euo pipefail`;
# run_bazel calls the sourcing script's own `bazel` function (its startup options).

log() { printf '\n=== %s\n' "$*"; }

die() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}

# skip MESSAGE: exits 77 (skip); under CI=true a missing tool is a failure instead.
skip() {
  [[ "${CI:-}" == "true" ]] && die "$* (CI=true, so this fails instead of skipping)"
  echo "SKIP: $*"
  exit 77
}

# Debian's linux-sandbox writes debug lines into the logs of failing tests; drop them.
quiet() { grep --line-buffered -v -E '^[0-9.]+: src/main/tools/(linux-sandbox|process-tools)' || true; }

# run_bazel ARGS...: `bazel ARGS` with its output filtered, keeping bazel's exit status.
run_bazel() {
  local status
  set +e
  bazel "$@" 2>&1 | quiet
  status=${PIPESTATUS[0]}
  set -e
  return "$status"
}
