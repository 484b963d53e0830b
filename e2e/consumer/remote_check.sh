#!/usr/bin/env bash
# Remote execution, for real: the consumer workspace's tests run on Bazel's own REAPI executor (the
# remote worker of Bazel's source, src/tools/remote, from Debian's bazel-bootstrap-source), with the
# worker's linux-sandbox and no network in each action but the action's own loopback. Run in the
# consumer workspace, in the sid chroot, by run.sh (bazel7-remote).
#
#   remote_check.sh WORKER_DIR WORK_PATH [BAZEL_STARTUP_OPTION...]
#
# WORKER_DIR caches the compiled worker (one javac against the installed Bazel server jar, which
# holds the REAPI protos, gRPC stubs and sandbox code, plus Debian's jars of its classpath).
# WORK_PATH is the worker's execroot and CAS, outside /tmp (the actions' sandbox gets a /tmp of its
# own). The worker binds every address: this script runs it, and the Bazel client and server, in
# a network namespace of its own with only loopback up.
set -euo pipefail

worker_dir="$1"
work_path="$2"
shift 2
startup=("$@")
readonly PORT=8980 # free: the network namespace is this script's own
readonly SRC=/usr/src/bazel-bootstrap
readonly BAZEL=/usr/share/bazel

if [[ -z "${REMOTE_CHECK_NETNS:-}" ]]; then
  REMOTE_CHECK_NETNS=1 exec unshare --net --kill-child "$0" "$worker_dir" "$work_path" "$@"
fi
ip link set lo up

classpath="$BAZEL/A-server.jar:$(paste -sd: "$BAZEL/bazel_classpath_debian_depends.txt")"
classes="$worker_dir/classes"
if [[ ! -f "$worker_dir/built" ]]; then
  echo "compiling Bazel's remote worker from $SRC"
  rm -rf "$worker_dir" && mkdir -p "$classes/main/tools"
  # The worker extracts its sandbox from this resource.
  cp /usr/libexec/x86_64-linux-gnu/bazel/linux-sandbox "$classes/main/tools/linux-sandbox"
  mapfile -t sources < <(find "$SRC/src/tools/remote/src/main/java/com/google/devtools/build/remote/worker" -name '*.java')
  javac -proc:none -nowarn -d "$classes" -cp "$classpath" "${sources[@]}" \
    "$SRC/tools/java/runfiles/Runfiles.java" "$SRC/tools/java/runfiles/Util.java"
  touch "$worker_dir/built"
fi

# The worker's log and Bazel's output, removed with the worker stopped.
tmp="$(mktemp -d)"
log="$tmp/worker.log" out="$tmp/bazel.log" worker=
trap '[[ -z "$worker" ]] || kill -TERM "$worker" 2>/dev/null; rm -rf "$tmp"' EXIT
# A fresh worker (execroot, CAS) and a fresh Bazel output base below: an output base that saw
# another worker's outputs fails with "Missing digest" (build without the bytes).
rm -rf "$work_path" && mkdir -p "$work_path/exec" "$work_path/cas" "$work_path/runfiles"
RUNFILES_DIR="$work_path/runfiles" java -cp "$classes:$classpath" com.google.devtools.build.remote.worker.RemoteWorker \
  --work_path="$work_path/exec" --cas_path="$work_path/cas" --listen_port="$PORT" \
  --sandboxing --sandboxing_block_network >"$log" 2>&1 &
worker=$!
# Listening: port 8980 (0x2314) in state 0A of /proc/net/tcp{,6}; at most 60 s, as long as it runs.
listening() { grep -qE ':2314 0+:0000 0A' /proc/net/tcp /proc/net/tcp6 2>/dev/null; }
for ((i = 0; i < 600; i++)); do
  listening && break
  kill -0 "$worker" 2>/dev/null || break
  sleep 0.1
done
if ! listening; then
  echo "FAIL: the remote worker does not listen on $PORT:" >&2
  tail -n 30 "$log" >&2
  exit 1
fi

# A server of its own (started here, in this network namespace), no disk cache (every action must
# reach the worker) and nothing taken from the worker's cache.
bazel "${startup[@]}" clean --expunge 2>/dev/null || true
set +e
bazel "${startup[@]}" test //... --remote_executor=grpc://127.0.0.1:$PORT --disk_cache= \
  --noremote_accept_cached --nocache_test_results 2>&1 | grep -v -E '^[0-9.]+: src/main/tools/' | tee "$out"
status=${PIPESTATUS[0]}
bazel "${startup[@]}" shutdown
set -e
if ((status != 0)); then
  echo "--- remote worker log" >&2
  tail -n 30 "$log" >&2
  exit "$status"
fi
# Both tests ran (not cached), and on the worker: Bazel counts the spawns it ran remotely.
grep -qE '^//:pull_test +PASSED' "$out" && grep -qE '^//:api_test +PASSED' "$out" ||
  { echo "FAIL: the tests did not both run" >&2; exit 1; }
grep -qE '^INFO: [0-9]+ processes: .*[0-9]+ remote[.,]' "$out" ||
  { echo "FAIL: no action ran on the remote worker" >&2; exit 1; }
echo "ok: $(grep -E '^INFO: [0-9]+ processes:' "$out")"
