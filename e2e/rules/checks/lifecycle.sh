#!/usr/bin/env bash
# Run by localregistry_test (lifecycle_test) from wrapper_check, which gives a
# directory to write in:
#   kill-registry DIR: kills the registry (SIGKILL) and exits 0, as a test
#     would that passes although its registry crashed;
#   await-signal DIR: writes its own PID and the registry's into DIR, then
#     waits for SIGTERM or SIGINT (exits 42 or 43, having written the signal's
#     name into DIR/signal) or, at most 30 s, for none (exits 0).
set -uo pipefail
mode="$1"
dir="$2"

# The registry: the other child of the launcher (this test's parent), the one
# that runs `serve` (Node names its main thread, so comm is no help).
registry_pid() {
  local stat pid comm state ppid rest args
  for stat in /proc/[0-9]*/stat; do
    read -r pid comm state ppid rest 2>/dev/null <"$stat" || continue
    [[ "$ppid" == "$PPID" && "$pid" != "$$" ]] || continue
    args="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
    if [[ "$args" == *" serve "* ]]; then
      echo "$pid"
      return 0
    fi
  done
  echo "lifecycle: no registry among the children of $PPID" >&2
  return 1
}

registry="$(registry_pid)" || exit 1
case "$mode" in
  kill-registry)
    kill -KILL "$registry"
    # Until it has ended (its parent, the launcher, reaps it), at most 60 s.
    for ((i = 0; i < 1200; i++)); do
      read -r _ _ state _ 2>/dev/null <"/proc/$registry/stat" && [[ "$state" != Z ]] || break
      sleep 0.05
    done
    echo "lifecycle: killed the registry ($registry), exiting 0" >&2
    exit 0
    ;;
  await-signal)
    sleeper=
    trap 'echo TERM >"$dir/signal"; kill "$sleeper" 2>/dev/null; exit 42' TERM
    trap 'echo INT >"$dir/signal"; kill "$sleeper" 2>/dev/null; exit 43' INT
    # A bound, not a measurement: without a signal the test ends anyway.
    sleep 30 &
    sleeper=$!
    echo "$registry" >"$dir/registry.pid"
    echo "$$" >"$dir/test.pid.tmp" && mv "$dir/test.pid.tmp" "$dir/test.pid"
    wait "$sleeper"
    echo "lifecycle: no signal came" >&2
    exit 0
    ;;
  *)
    echo "lifecycle: unknown mode $mode" >&2
    exit 2
    ;;
esac
