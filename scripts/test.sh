#!/usr/bin/env bash
# `npm test`: set up the machine and run every test, failing on the first broken stage.
#   1. scripts/setup-tools.sh: the apt tools the e2e tests drive (skipped if the script is absent);
#      scripts/setup-bazel7.sh: Bazel 7.7.1 in a sid chroot (once, then cached; time and disk: README.md)
#   2. check that `node` is v24 (npm scripts put node_modules/.bin, where `npm ci` installs it, first)
#   3. typecheck: tsc -p .; formatting and lint: prettier --check, buildifier --mode=check --lint=warn
#   4. node --test over src/, e2e/ and bench/ *.test.ts: unit, e2e with real clients, Bazel e2e,
#      benchmark smoke run
# Environment: LOCALREGISTRY_TEST_CONCURRENCY (test files run at once; default: CPUs, 2 to 4).
# Extra arguments go to `node --test`, e.g. `npm test -- --test-name-pattern=serve`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

stage() { printf '\n== %s\n' "$*"; }

if [[ -f scripts/setup-tools.sh ]]; then
  stage "setup: scripts/setup-tools.sh"
  bash scripts/setup-tools.sh
fi
stage "setup: scripts/setup-bazel7.sh (Bazel 7.7.1 in a Debian sid chroot; cached after the first run)"
bash scripts/setup-bazel7.sh

stage "node"
node_version="$(node --version)"
if [[ "$node_version" != v24.* ]]; then
  echo "test.sh: $(command -v node) is $node_version, but the tests need Node 24: run 'npm ci' (it installs Node 24 into node_modules/.bin)" >&2
  exit 1
fi
echo "$(command -v node) $node_version"

stage "typecheck: tsc -p ."
tsc -p .
echo "ok"

stage "format: prettier --check; buildifier --mode=check --lint=warn (scripts/buildifier.sh; npm run format fixes formatting)"
npm run --silent format:check

# Test files, found without following symlinks (Bazel's e2e/bazel/bazel-* output links hold copies).
mapfile -t files < <(find src e2e bench \( -name node_modules -o -name 'bazel-*' \) -type d -prune -o -type f -name '*.test.ts' -print 2>/dev/null | LC_ALL=C sort)
if [[ ${#files[@]} -eq 0 ]]; then
  echo "test.sh: no *.test.ts files found" >&2
  exit 1
fi
cpus="$(nproc 2>/dev/null || echo 2)"
concurrency="${LOCALREGISTRY_TEST_CONCURRENCY:-$(( cpus < 2 ? 2 : (cpus > 4 ? 4 : cpus) ))}"

stage "tests: ${#files[@]} files, $concurrency at a time"
# Each test gets at most 10 minutes, so a hang fails the run instead of stalling it.
node --test --test-reporter=spec --test-concurrency="$concurrency" --test-timeout=600000 "$@" "${files[@]}"
