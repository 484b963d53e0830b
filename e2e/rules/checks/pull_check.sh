#!/usr/bin/env bash
# Run by localregistry_test: pulls each REF=DIGEST argument from the registry at
# $LOCALREGISTRY_HOST with the localregistry CLI and checks the digest.
# --- begin runfiles.bash initialization v2 ---
set -uo pipefail; f=bazel_tools/tools/bash/runfiles/runfiles.bash
source "${RUNFILES_DIR:-/dev/null}/$f" 2>/dev/null || \
  source "$(grep -sm1 "^$f " "${RUNFILES_MANIFEST_FILE:-/dev/null}" | cut -f2- -d' ')" 2>/dev/null || \
  source "$0.runfiles/$f" 2>/dev/null || \
  source "$(grep -sm1 "^$f " "$0.runfiles_manifest" | cut -f2- -d' ')" 2>/dev/null || \
  { echo>&2 "ERROR: cannot find $f"; exit 1; }; f=; set -e
# --- end runfiles.bash initialization v2 ---

fail() { echo "FAIL: $*" >&2; exit 1; }

[[ "${LOCALREGISTRY_HOST:-}" =~ ^127\.0\.0\.1:[0-9]+$ ]] || fail "LOCALREGISTRY_HOST is '${LOCALREGISTRY_HOST:-}'"
[[ "${LOCALREGISTRY_URL:-}" == "http://$LOCALREGISTRY_HOST" ]] || fail "LOCALREGISTRY_URL is '${LOCALREGISTRY_URL:-}'"
[[ "${CHECK_ENV:-}" == "from the wrapper" ]] || fail "the wrapper's env did not reach the test (CHECK_ENV='${CHECK_ENV:-}')"
[[ -f "${TEST_UNDECLARED_OUTPUTS_DIR:?}/localregistry.log" ]] || fail "no localregistry.log in TEST_UNDECLARED_OUTPUTS_DIR"
(($# > 0)) || fail "no REF=DIGEST arguments (the wrapper's args must reach the test)"

cli="$(rlocation rules_localregistry/localregistry)"
[[ -x "$cli" ]] || fail "rlocation rules_localregistry/localregistry gave '$cli'"

for pair in "$@"; do
  ref="${pair%%=*}"
  want="${pair#*=}"
  out="$TEST_TMPDIR/layout-${ref//[\/:@]/_}"
  got="$("$cli" pull -q "$LOCALREGISTRY_HOST/$ref" "$out")" || fail "pull $ref failed"
  [[ "$got" == "$want" ]] || fail "$ref: pulled $got, expected $want"
  echo "ok $ref $got"
done
