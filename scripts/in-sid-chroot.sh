#!/usr/bin/env bash
# Runs a command inside the Debian sid chroot that scripts/setup-bazel7.sh prepares (Bazel 7.7.1,
# skopeo, stardoc, skylib, rules_shell), e.g.
#
#   scripts/in-sid-chroot.sh --bind "$PWD" --chdir "$PWD" -- bazel test //...
#
# The chroot gets /proc, /dev, /sys, the host's /tmp and every --bind DIR at the same path. All of
# it is mounted in a private mount namespace inside a private PID namespace: nothing is ever
# mounted on the host, and when the command exits (or this script is killed, even with SIGKILL)
# the kernel ends every process left in the namespace (a Bazel server included) and drops the
# mounts with it. Mount points this script had to create in the chroot are removed afterwards.
#
# Options:
#   --bind DIR    make DIR visible at the same path in the chroot (repeatable)
#   --chdir DIR   working directory in the chroot (default /)
#   --env NAME    pass NAME from this environment into the chroot (repeatable; the command
#                 otherwise gets only PATH, HOME=/root, LANG=C.UTF-8 and TERM)
# Environment: LOCALREGISTRY_SID_CHROOT, the chroot (default /var/lib/localregistry/sid-chroot).
#
# As root it needs nothing else; as another user it runs in a user namespace mapped to root (where
# the kernel allows it), which works once every mount point already exists in the chroot.
# Exit status: the command's; 125 when the chroot cannot be entered.
set -euo pipefail

root="${LOCALREGISTRY_SID_CHROOT:-/var/lib/localregistry/sid-chroot}"

die() {
  echo "in-sid-chroot: $*" >&2
  exit 125
}

binds=(/tmp)
chdir=/
pass_env=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bind)
      [[ $# -ge 2 ]] || die "--bind needs a directory"
      binds+=("$(realpath -e -- "$2")") || die "--bind $2: no such directory"
      shift 2
      ;;
    --chdir)
      [[ $# -ge 2 ]] || die "--chdir needs a directory"
      chdir="$2"
      shift 2
      ;;
    --env)
      [[ $# -ge 2 ]] || die "--env needs a variable name"
      pass_env+=("$2")
      shift 2
      ;;
    --)
      shift
      break
      ;;
    *) die "unknown option '$1' (usage: in-sid-chroot.sh [--bind DIR]... [--chdir DIR] [--env NAME]... -- COMMAND [ARGS...])" ;;
  esac
done
[[ $# -gt 0 ]] || die "no command (usage: in-sid-chroot.sh [--bind DIR]... [--chdir DIR] [--env NAME]... -- COMMAND [ARGS...])"
[[ -x "$root/usr/bin/apt-get" ]] || die "no Debian chroot at $root: run scripts/setup-bazel7.sh (as root) or set LOCALREGISTRY_SID_CHROOT"

# Mount points missing in the chroot are created now and removed when done (deepest first).
created=()
for dir in "${binds[@]}"; do
  missing=()
  path="$dir"
  while [[ "$path" != / && ! -e "$root$path" ]]; do
    missing=("$path" "${missing[@]}")
    path="$(dirname "$path")"
  done
  for path in "${missing[@]}"; do
    mkdir "$root$path" || die "cannot create the mount point $root$path (not root?)"
    created+=("$root$path")
  done
done
remove_mount_points() {
  local i
  for ((i = ${#created[@]} - 1; i >= 0; i--)); do rmdir "${created[i]}" 2>/dev/null || true; done
}
trap remove_mount_points EXIT

env_args=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "TERM=${TERM:-dumb}")
for name in "${pass_env[@]}"; do
  [[ -v "$name" ]] && env_args+=("$name=${!name}")
done

namespaces=(--mount --propagation private --pid --fork --kill-child)
[[ "$(id -u)" -eq 0 ]] || namespaces+=(--map-root-user)

# The inner script runs as PID 1 of the new namespaces: mount, then make the chroot the root of the
# mount namespace with pivot_root (not chroot(2): in a chroot the kernel refuses new user
# namespaces, which Bazel's linux-sandbox needs), and run the command there.
inner='
set -eu
root="$1" chdir="$2" nbinds="$3"
shift 3
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount --rbind /sys "$root/sys"
while [ "$nbinds" -gt 0 ]; do
  mount --bind "$1" "$root$1"
  shift
  nbinds=$((nbinds - 1))
done
cd "$root"
pivot_root . .
umount -l .
cd "$chdir"
# PID 1 stays this shell, which reaps orphans (a Bazel server that exits); stdin is passed on.
exec 3<&0
env -i "$@" <&3 3<&- &
wait $!
'
set +e
unshare "${namespaces[@]}" /bin/sh -c "$inner" sh "$root" "$chdir" "${#binds[@]}" "${binds[@]}" "${env_args[@]}" "$@"
status=$?
set -e
exit "$status"
