#!/usr/bin/env bash
# Installs the Debian packages the e2e tests and benchmarks drive (real registry
# clients, the reference registry, load generators, Bazel). Idempotent: it checks
# for the binaries (not dpkg), and runs apt only when one is missing. Quiet on
# success; on failure it says what was missing and shows apt's output.
# Needs root (or sudo) on Debian 12. Usage: bash scripts/setup-tools.sh
set -euo pipefail

# "binary-or-path:package". A path (starting with /) is checked with -e, for
# packages that ship no binary.
readonly TOOLS=(
  skopeo:skopeo
  containerd:containerd
  ctr:containerd
  runc:runc
  podman:podman
  conmon:conmon
  docker-registry:docker-registry
  umoci:umoci
  ip:iproute2
  nsenter:util-linux
  unshare:util-linux
  busybox:busybox-static
  nginx:nginx
  wrk:wrk
  ab:apache2-utils
  fuse-overlayfs:fuse-overlayfs
  newuidmap:uidmap
  bazel:bazel-bootstrap
  /usr/share/bazel/rules/java/java/defs.bzl:bazel-rules-java
  /usr/share/bazel/tools/skylib/lib/unittest.bzl:bazel-skylib
)

# Root's binaries (nginx, runc) live in sbin, which a non-login PATH may lack.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

missing_packages=()
for entry in "${TOOLS[@]}"; do
  tool="${entry%%:*}"
  package="${entry##*:}"
  if [[ "$tool" == /* ]]; then
    [[ -e "$tool" ]] && continue
  else
    command -v "$tool" >/dev/null 2>&1 && continue
  fi
  [[ " ${missing_packages[*]-} " == *" $package "* ]] || missing_packages+=("$package")
done

if [[ ${#missing_packages[@]} -eq 0 ]]; then
  exit 0
fi

fail() {
  echo "setup-tools: $*" >&2
  exit 1
}

sudo_cmd=()
if [[ "$(id -u)" -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 ||
    fail "missing packages (${missing_packages[*]}) and not root: run as root, or install them with apt-get"
  sudo_cmd=(sudo -n)
fi
command -v apt-get >/dev/null 2>&1 ||
  fail "missing packages (${missing_packages[*]}) and no apt-get: this script supports Debian 12 only"

log="$(mktemp -t setup-tools.XXXXXX.log)"
cleanup() {
  rm -f "$log"
  if [[ -n "${policy_rc_created:-}" ]]; then "${sudo_cmd[@]}" rm -f /usr/sbin/policy-rc.d; fi
}
trap cleanup EXIT

# Keep package scripts from starting daemons (nginx would take port 80, the
# registry port 5000): tests start their own instances in temp dirs.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${sudo_cmd[@]}" chmod 755 /usr/sbin/policy-rc.d
  policy_rc_created=1
fi

run_apt() {
  if ! "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    fail "'apt-get $*' failed (missing: ${missing_packages[*]})"
  fi
}

run_apt update
run_apt install -y --no-install-recommends "${missing_packages[@]}"

# Re-check, so a package that no longer ships the expected binary is reported here
# rather than as a confusing test failure.
for entry in "${TOOLS[@]}"; do
  tool="${entry%%:*}"
  if [[ "$tool" == /* ]]; then
    [[ -e "$tool" ]] || fail "installed ${entry##*:} but $tool is still missing"
  else
    command -v "$tool" >/dev/null 2>&1 || fail "installed ${entry##*:} but '$tool' is still not on PATH"
  fi
done
