#!/usr/bin/env bash
# `bazel run //:serve` as a user runs it: starts it, pulls every image of EXPECTED ("REFERENCE
# DIGEST" lines) with skopeo from the URL it prints, checks the digests, stops it with SIGINT
# (Ctrl-C) and checks that it exits and the port closes. Run in the consumer workspace, by
# run.sh, wherever that Bazel runs (in the sid chroot for Bazel 7).
#
#   serve_check.sh EXPECTED [BAZEL_STARTUP_OPTION...]
set -euo pipefail

expected="$(realpath "$1")"
shift
startup=("$@")
out="$(mktemp -d)"
server=
cleanup() {
  [[ -z "$server" ]] || kill -KILL "$server" 2>/dev/null || true
  rm -rf "$out"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- bazel run output" >&2
  tail -n 30 "$out/stderr" >&2 || true
  exit 1
}

bazel "${startup[@]}" build //:serve 2>&1 | grep -v -E '^[0-9.]+: src/main/tools/' || true
bazel "${startup[@]}" run //:serve -- --listen 127.0.0.1:0 >"$out/stdout" 2>"$out/stderr" &
server=$!

url=
for _ in $(seq 600); do # at most 60 s, and no longer than the server lives
  url="$(grep -o -m1 -E 'http://127\.0\.0\.1:[0-9]+' "$out/stdout" "$out/stderr" | head -n1 | cut -d: -f2-)" || true
  [[ -n "$url" ]] && break
  kill -0 "$server" 2>/dev/null || fail "bazel run //:serve exited before serving"
  sleep 0.1
done
[[ -n "$url" ]] || fail "bazel run //:serve printed no URL within 60 s"
host="${url#http://}"
echo "serving at $url"

while read -r ref digest; do
  got="sha256:$(skopeo --insecure-policy inspect --raw --tls-verify=false "docker://$host/$ref" | sha256sum | cut -d' ' -f1)"
  [[ "$got" == "$digest" ]] || fail "$ref: $got, expected $digest"
  echo "ok pulled $ref"
done <"$expected"

kill -INT "$server"
for _ in $(seq 300); do
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$server" 2>/dev/null && fail "still running 30 s after SIGINT"
set +e
wait "$server"
status=$?
set -e
server=
# 0: the registry's clean stop; 130: a launcher that reports the interrupt.
[[ "$status" == 0 || "$status" == 130 ]] || fail "exited with $status after SIGINT"
if (exec 3<>"/dev/tcp/127.0.0.1/${host##*:}") 2>/dev/null; then fail "the port is still open after the stop"; fi
echo "ok stopped on SIGINT (exit $status)"
