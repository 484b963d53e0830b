#!/usr/bin/env bash
# Runs localregistry_test and localregistry_serve launchers as a user's Bazel
# would, and checks what they do from the outside:
#   exit_3_test: the test's exit status (3) comes back, the registry's request
#     log is in TEST_UNDECLARED_OUTPUTS_DIR and the registry is stopped; the
#     same with manifest-only runfiles;
#   broken_test: a registry that cannot start fails the test at once with the
#     registry's error, without running the test;
#   hostname_without_tls_test: so do attributes whose serve flags do not combine;
#   lifecycle_test: a registry that dies during a passing test fails it,
#     naming its log (which is kept, also without TEST_TMPDIR and
#     TEST_UNDECLARED_OUTPUTS_DIR); SIGTERM and SIGINT to the launcher reach
#     the test; SIGTERM to its process group does not blame the registry; a
#     SIGKILLed launcher leaves no registry behind;
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

run_launcher hostname_without_tls_test
dir="$TEST_TMPDIR/hostname_without_tls_test"
if ((status != 1)) || ! grep -q -- '--hostname names the certificate of --tls: add --tls' "$dir/stderr" ||
  grep -q 'exit_3: pulled' "$dir/stderr"; then
  fail "hostname_without_tls_test exited $status; it must fail at once with serve's error, without running the test:"
  show "$dir/stderr"
fi

# until_gone SECONDS: waits for the background job $pid to end, at most SECONDS.
until_gone() {
  local i
  for ((i = 0; i < $1 * 20; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.05
  done
  return 1
}

# gone PID: whether process PID has ended (a zombie has, whoever reaps it).
gone() {
  local state
  { read -r _ _ state _ <"/proc/$1/stat"; } 2>/dev/null || return 0
  [[ "$state" == Z ]]
}

# A registry that dies during a test that passes fails the test, with a
# message that names its log, which is there.
run_launcher lifecycle_test kill-registry "$TEST_TMPDIR/lifecycle_test"
dir="$TEST_TMPDIR/lifecycle_test"
log="$dir/outputs/localregistry.log"
if ((status != 1)) || ! grep -qF "the registry exited during the test" "$dir/stderr" || ! grep -qF "$log" "$dir/stderr"; then
  fail "lifecycle_test, whose registry died, exited $status (expected 1) or did not name the log $log; stderr:"
  show "$dir/stderr"
fi
[[ -f "$log" ]] || fail "the log $log named by lifecycle_test is not there"

# The same without TEST_TMPDIR and TEST_UNDECLARED_OUTPUTS_DIR (as when run by
# hand): the log lives in a temporary directory of the launcher's, which must
# outlive the message that names it.
dir="$TEST_TMPDIR/no_test_dirs"
mkdir -p "$dir/tmp"
env -u TEST_TMPDIR -u TEST_UNDECLARED_OUTPUTS_DIR TMPDIR="$dir/tmp" \
  timeout "$BOUND_SECONDS" "$(rlocation "$TEST_WORKSPACE/lifecycle_test")" kill-registry "$dir" >"$dir/stdout" 2>"$dir/stderr"
status=$?
log="$(sed -n 's/^.*; its log: //p' "$dir/stderr")"
if ((status != 1)) || [[ "$log" != "$dir/tmp/"*/localregistry.log || ! -f "$log" ]]; then
  fail "lifecycle_test without TEST_TMPDIR exited $status (expected 1) or named no log that is there ('$log'); stderr:"
  show "$dir/stderr"
fi

# start_lifecycle DIR: lifecycle_test await-signal DIR in the background, as a
# job of its own (job control: SIGINT not ignored, one process group to clean
# up), until the test has written its PID; sets pid. Fails when it does not.
start_lifecycle() {
  local dir="$1" i
  mkdir -p "$dir/tmp" "$dir/outputs"
  set -m
  TEST_TMPDIR="$dir/tmp" TEST_UNDECLARED_OUTPUTS_DIR="$dir/outputs" \
    "$(rlocation "$TEST_WORKSPACE/lifecycle_test")" await-signal "$dir" >"$dir/stdout" 2>"$dir/stderr" &
  pid=$!
  set +m
  for ((i = 0; i < BOUND_SECONDS * 20; i++)); do
    [[ -f "$dir/test.pid" ]] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  fail "lifecycle_test in $dir did not start its test; stderr:"
  show "$dir/stderr"
  kill -KILL -- "-$pid" 2>/dev/null
  return 1
}

# SIGTERM (as Bazel's timeout sends) and SIGINT to the launcher alone reach the
# test, whose exit status comes back (or the signal's, 143 or 130, where bash
# lost the test's: see run_test in the launcher).
for signal in TERM INT; do
  dir="$TEST_TMPDIR/signal_$signal"
  start_lifecycle "$dir" || continue
  kill -"$signal" "$pid"
  if until_gone "$BOUND_SECONDS"; then
    wait "$pid"
    status=$?
    want=42
    lost=143
    [[ "$signal" == TERM ]] || { want=43; lost=130; }
    got="$(cat "$dir/signal" 2>/dev/null)"
    if ((status != want && status != lost)) || [[ "$got" != "$signal" ]]; then
      fail "SIG$signal to lifecycle_test: exit $status (expected the test's $want, or $lost), the test got '$got'; stderr:"
      show "$dir/stderr"
    fi
  else
    fail "lifecycle_test still runs ${BOUND_SECONDS}s after SIG$signal"
  fi
  kill -KILL -- "-$pid" 2>/dev/null
done

# SIGTERM to the whole process group, as Bazel's timeout sends it: the
# registry stops too, which is no failure of its own; the status is the test's
# (42), or the signal's (143) where bash lost it.
dir="$TEST_TMPDIR/signal_group"
if start_lifecycle "$dir"; then
  kill -TERM -- "-$pid"
  if until_gone "$BOUND_SECONDS"; then
    wait "$pid"
    status=$?
    if ((status != 42 && status != 143)) || grep -q 'the registry exited' "$dir/stderr"; then
      fail "SIGTERM to lifecycle_test's process group: exit $status (expected 42 or 143), or the registry blamed; stderr:"
      show "$dir/stderr"
    fi
  else
    fail "lifecycle_test still runs ${BOUND_SECONDS}s after SIGTERM to its process group"
  fi
  kill -KILL -- "-$pid" 2>/dev/null
fi

# A SIGKILLed launcher leaves no registry behind: the registry sees its stdin
# (a pipe only the launcher writes to) end, and stops.
dir="$TEST_TMPDIR/sigkill"
if start_lifecycle "$dir"; then
  registry="$(cat "$dir/registry.pid")"
  kill -KILL "$pid"
  wait "$pid"
  for ((i = 0; i < BOUND_SECONDS * 20; i++)); do
    gone "$registry" && break
    sleep 0.05
  done
  if ! gone "$registry"; then
    fail "the registry ($registry) still runs ${BOUND_SECONDS}s after its launcher was SIGKILLed"
  elif ! grep -q 'standard input closed' "$dir/outputs/localregistry.log"; then
    fail "the registry of a SIGKILLed launcher ended without saying why; its log:"
    show "$dir/outputs/localregistry.log"
  fi
  # The test (and, on a failure, the registry), orphaned in the job's process group.
  kill -KILL -- "-$pid" 2>/dev/null
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
echo "PASS: exit status, request log, fail-fast start, registry death, signals and serve"
