# Shell helpers of the cached set-up scripts (setup-bazel7.sh, setup-sid-debs.sh). Source it after
# `set -euo pipefail`, with SETUP_NAME (for messages), MARKER (a file naming what is set up) and
# WANT (what this run sets up) set: a changed WANT sets up again.

fail() {
  echo "$SETUP_NAME: $*" >&2
  exit 1
}

# True when MARKER says WANT is set up.
is_set_up() { [[ -f "$MARKER" && "$(cat "$MARKER")" == "$WANT" ]]; }

# lock_setup LOCKFILE: waits for any other run of this set-up (two test runs at once on a fresh
# machine would work in one directory); exits 0 if that run set it up meanwhile.
lock_setup() {
  exec 9>"$1"
  flock 9
  if is_set_up; then exit 0; fi
  setup_log="$(mktemp -t "$SETUP_NAME.XXXXXX.log")"
  trap 'rm -f "$setup_log"' EXIT
}

# quiet COMMAND...: runs it with its output in a log; on failure shows the log's tail and fails.
quiet() {
  if ! "$@" >"$setup_log" 2>&1; then
    tail -n 40 "$setup_log" >&2
    fail "'$*' failed"
  fi
}

# Records that WANT is set up.
mark_set_up() {
  echo "$WANT" >"$MARKER.tmp"
  mv "$MARKER.tmp" "$MARKER"
}
