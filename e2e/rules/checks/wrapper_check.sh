#!/usr/bin/env bash
# Runs localregistry_test and localregistry_serve launchers as a user's Bazel
# would, and checks what they do from the outside:
#   exit_3_test: the test's exit status (3) comes back, the registry's request
#     log is in TEST_UNDECLARED_OUTPUTS_DIR and the registry is stopped; the
#     same with manifest-only runfiles;
#   broken_test: a registry that cannot start fails the test at once with the
#     registry's error, without running the test;
#   serve: prints the URL and how to pull, serves, stops with exit 0 on SIGINT.
# Usage: wrapper_check.sh APP_DIGEST
# --- begin runfiles.bash initialization v2 ---
set -uo pipefail; f=bazel_tools/tools/bash/runfiles/runfiles.bash
source "${RUNFILES_DIR:-/dev/null}/$f" 2>/dev/null || \
  source "$(grep -sm1 "^$f " "${RUNFILES_MANIFEST_FILE:-/dev/null}" | cut -f2- -d' ')" 2>/dev/null || \
  source "$0.runfiles/$f" 2>/dev/null || \
  source "$(grep -sm1 "^$f " "$0.runfiles_manifest" | cut -f2- -d' ')" 2>/dev/null || \
  { echo>&2 "ERROR: cannot find $f"; exit 1; }; f=; set -e
# --- end runfiles.bash initialization v2 ---
set +e; [[ -n "${WRAPPER_CHECK_TRACE:-}" ]] && set -x

readonly APP_DIGEST="$1"
# A bound, not a measurement: a launcher that hangs fails here instead of at the test timeout.
readonly BOUND_SECONDS=60
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
show() { sed 's/^/    /' "$1" >&2; }

cli="$(rlocation rules_localregistry/localregistry)"

# run_launcher NAME [args...]: runs the launcher of //:NAME with its own
# TEST_TMPDIR and TEST_UNDECLARED_OUTPUTS_DIR under $TEST_TMPDIR/NAME; sets status.
run_launcher() {
  local name="$1"
  shift
  local dir="$TEST_TMPDIR/$name"
  mkdir -p "$dir/tmp" "$dir/outputs"
  TEST_TMPDIR="$dir/tmp" TEST_UNDECLARED_OUTPUTS_DIR="$dir/outputs" \
    timeout "$BOUND_SECONDS" "$(rlocation "$TEST_WORKSPACE/$name")" "$@" >"$dir/stdout" 2>"$dir/stderr"
  status=$?
}

run_launcher exit_3_test
dir="$TEST_TMPDIR/exit_3_test"
if ((status != 3)); then
  fail "exit_3_test exited $status, expected the test's 3; stderr:"
  show "$dir/stderr"
fi
if ! grep -q 'GET /v2/app/manifests/latest 200' "$dir/outputs/localregistry.log" 2>/dev/null; then
  fail "the request log $dir/outputs/localregistry.log lacks the test's pull:"
  show "$dir/outputs/localregistry.log"
fi
port="$(sed -n 's|^127\.0\.0\.1:||p' "$dir/outputs/host" 2>/dev/null)"
if [[ -z "$port" ]]; then
  fail "exit_3 did not record LOCALREGISTRY_HOST"
elif (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  fail "the registry of exit_3_test still accepts connections on port $port after the test"
fi

# The same with manifest-only runfiles, as on a platform without a runfiles
# tree: no RUNFILES_DIR/TEST_SRCDIR, only this test's runfiles manifest, and
# another working directory. Everything (Node, the runtime, the layouts, the
# test, the CLI it runs) must be found through the manifest.
manifest_only() {
  (
    cd "$TEST_TMPDIR" &&
      env -u RUNFILES_DIR -u TEST_SRCDIR -u JAVA_RUNFILES -u PYTHON_RUNFILES \
        RUNFILES_MANIFEST_FILE="$runfiles_manifest" RUNFILES_MANIFEST_ONLY=1 "$@"
  )
}
runfiles_manifest="${RUNFILES_MANIFEST_FILE:-${RUNFILES_DIR:-$TEST_SRCDIR}/MANIFEST}"
exit_3="$(rlocation "$TEST_WORKSPACE/exit_3_test")"
dir="$TEST_TMPDIR/manifest_only"
if [[ ! -f "$runfiles_manifest" ]]; then
  # Bazel 4.2.3's linux-sandbox shows tests no runfiles manifest; run.sh sets
  # CHECK_MANIFEST_ONLY=1 where there is one.
  [[ -z "${CHECK_MANIFEST_ONLY:-}" ]] || fail "no runfiles manifest at $runfiles_manifest"
  echo "note: no runfiles manifest here; the manifest-only check did not run"
else
  mkdir -p "$dir/tmp" "$dir/outputs"
  TEST_TMPDIR="$dir/tmp" TEST_UNDECLARED_OUTPUTS_DIR="$dir/outputs" \
    manifest_only timeout "$BOUND_SECONDS" "$exit_3" >"$dir/stdout" 2>"$dir/stderr"
  status=$?
  if ((status != 3)) || ! grep -q 'GET /v2/app/manifests/latest 200' "$dir/outputs/localregistry.log" 2>/dev/null; then
    fail "exit_3_test with manifest-only runfiles exited $status (expected 3) or did not serve the pull; stderr:"
    show "$dir/stderr"
    show "$dir/outputs/localregistry.log"
  fi
fi

run_launcher broken_test
dir="$TEST_TMPDIR/broken_test"
if ((status != 1)); then
  fail "broken_test exited $status, expected 1"
fi
if ! grep -q 'the registry did not start' "$dir/stderr" || ! grep -q 'lists no manifests' "$dir/stderr"; then
  fail "broken_test's stderr does not say that the registry did not start and why:"
  show "$dir/stderr"
fi
if grep -q 'exit_3: pulled' "$dir/stderr"; then
  fail "broken_test ran the test although the registry did not start"
fi

# serve: in the background, like `bazel run //:serve -- --listen 127.0.0.1:0`,
# as a job of its own (job control), so that SIGINT reaches it as Ctrl-C would:
# a non-interactive shell starts background commands with SIGINT ignored.
dir="$TEST_TMPDIR/serve"
mkdir -p "$dir"
set -m
"$(rlocation "$TEST_WORKSPACE/serve")" --listen 127.0.0.1:0 >"$dir/stdout" 2>"$dir/stderr" &
pid=$!
set +m
# until_gone SECONDS: waits for the serve job to end, at most SECONDS.
until_gone() {
  local i
  for ((i = 0; i < $1 * 20; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.05
  done
  return 1
}
for ((i = 0; i < BOUND_SECONDS * 20; i++)); do
  [[ -s "$dir/stdout" ]] && grep -q 'Ctrl-C stops' "$dir/stderr" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
url="$(head -n 1 "$dir/stdout")"
if [[ ! "$url" =~ ^http://127\.0\.0\.1:[0-9]+$ ]]; then
  fail "serve printed '$url' on stdout, expected its URL; stderr:"
  show "$dir/stderr"
else
  host="${url#http://}"
  got="$("$cli" pull -q "$host/app:latest" "$TEST_TMPDIR/serve-layout")"
  [[ "$got" == "$APP_DIGEST" ]] || fail "pulled app:latest from serve: '$got', expected $APP_DIGEST"
  grep -qF "skopeo copy --src-tls-verify=false docker://$host/app:latest" "$dir/stderr" ||
    { fail "serve does not say how to pull app:latest:"; show "$dir/stderr"; }
  grep -qF "$host/multi/digests@sha256:" "$dir/stderr" ||
    { fail "serve does not list the digest-only image:"; show "$dir/stderr"; }
fi
kill -INT -- "-$pid" 2>/dev/null
if until_gone "$BOUND_SECONDS"; then
  wait "$pid"
  status=$?
  ((status == 0)) || { fail "serve exited $status after SIGINT, expected 0; stderr:"; show "$dir/stderr"; }
else
  fail "serve still runs ${BOUND_SECONDS}s after SIGINT"
  kill -KILL -- "-$pid" 2>/dev/null
fi

if ((failures > 0)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "PASS: exit status, request log, fail-fast start and serve"
