#!/usr/bin/env bash
# Runs commands inside the Debian sid chroot that scripts/setup-bazel7.sh prepares (Bazel 7.7.1,
# skopeo, stardoc, skylib, rules_shell), e.g.
#
#   scripts/in-sid-chroot.sh --bind "$PWD" --chdir "$PWD" -- bazel test //...
#
# The chroot gets /proc, /dev, /sys, the host's /tmp and every --bind DIR at the same path. All of
# it is mounted in a private mount namespace inside a private PID namespace: nothing is ever
# mounted on the host, and when the command exits (or this script is killed, even with SIGKILL)
# the kernel ends every process left in the namespace (a Bazel server included) and drops the
# mounts with it. Mount points this script had to create in the chroot are removed afterwards
# (unless it was killed: then empty directories may be left in the chroot).
#
# A session keeps the namespaces for several commands, so that one Bazel server serves them all:
#
#   scripts/in-sid-chroot.sh --bind DIR --start-session FILE     # returns once it is ready
#   scripts/in-sid-chroot.sh --session FILE --chdir DIR -- bazel build //...
#   scripts/in-sid-chroot.sh --end-session FILE                  # ends everything in it
#
# Options:
#   --bind DIR           make DIR visible at the same path in the chroot (repeatable)
#   --chdir DIR          working directory in the chroot (default /)
#   --env NAME           pass NAME from this environment into the chroot (repeatable; the command
#                        otherwise gets only PATH, HOME=/root, LANG=C.UTF-8 and TERM)
#   --start-session FILE start a session; FILE records it
#   --session FILE       run the command in that session (--bind has no effect there)
#   --end-session FILE   end that session and everything running in it
# Environment: LOCALREGISTRY_SID_CHROOT, the chroot (default /var/lib/localregistry/sid-chroot).
#
# As root it needs nothing else; as another user it runs in a user namespace mapped to root (where
# the kernel allows it), which works once every mount point already exists in the chroot.
# Exit status: the command's; 125 when the chroot cannot be entered.
set -euo pipefail

root="${LOCALREGISTRY_SID_CHROOT:-/var/lib/localregistry/sid-chroot}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() {
  echo "in-sid-chroot: $*" >&2
  exit 125
}
readonly USAGE="usage: in-sid-chroot.sh [--bind DIR]... [--chdir DIR] [--env NAME]... -- COMMAND [ARGS...]
       in-sid-chroot.sh [--bind DIR]... --start-session FILE | --session FILE [--chdir DIR] [--env NAME]... -- COMMAND [ARGS...] | --end-session FILE"

binds=(/tmp)
chdir=/
pass_env=()
start_session=
session=
end_session=
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bind | --chdir | --env | --start-session | --session | --end-session)
      [[ $# -ge 2 ]] || die "$1 needs an argument"
      case "$1" in
        --bind) binds+=("$(realpath -e -- "$2")") || die "--bind $2: no such directory" ;;
        --chdir) chdir="$2" ;;
        --env) pass_env+=("$2") ;;
        --start-session) start_session="$2" ;;
        --session) session="$2" ;;
        --end-session) end_session="$2" ;;
      esac
      shift 2
      ;;
    --)
      shift
      break
      ;;
    *) die "unknown option '$1'
$USAGE" ;;
  esac
done

# A process's start time (clock ticks since boot): with the PID, it names one process for good.
start_time() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }" # the fields after "(comm)", which may hold spaces
  read -ra fields <<<"$stat"
  echo "${fields[19]}" # field 22 of stat(5); the first one here is field 3
}

# The host PID of a session's PID 1, checked to be the same process (not a reused PID).
session_pid() {
  local pid started
  read -r pid started <"$1" 2>/dev/null || die "no session file $1"
  [[ "$pid" =~ ^[0-9]+$ && "$(start_time "$pid")" == "$started" ]] || die "the session of $1 has ended"
  echo "$pid"
}

if [[ -n "$end_session" ]]; then
  pid="$(session_pid "$end_session")"
  # Ends PID 1's command (sleep), so that PID 1 removes its mount points and exits; that ends
  # whatever else runs in the session.
  for child in $(cat "/proc/$pid/task/$pid/children" 2>/dev/null); do kill -KILL "$child" 2>/dev/null || true; done
  for _ in $(seq 100); do
    [[ -e "/proc/$pid" ]] || break
    sleep 0.05
  done
  # PID 1 of a namespace ignores signals it has no handler for, except SIGKILL from outside.
  kill -KILL "$pid" 2>/dev/null || true
  while [[ -e "/proc/$pid" ]]; do sleep 0.05; done
  rm -f "$end_session"
  exit 0
fi

env_args=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "TERM=${TERM:-dumb}")
for name in "${pass_env[@]}"; do
  [[ -v "$name" ]] && env_args+=("$name=${!name}")
done

if [[ -n "$session" ]]; then
  [[ $# -gt 0 ]] || die "no command
$USAGE"
  pid="$(session_pid "$session")"
  user=()
  [[ "$(id -u)" -eq 0 ]] || user=(--user --preserve-credentials)
  exec nsenter --target "$pid" --mount --pid "${user[@]}" --root --wd -- \
    /bin/sh -c 'cd "$1" && shift && exec env -i "$@"' sh "$chdir" "${env_args[@]}" "$@"
fi

if [[ -n "$start_session" ]]; then
  [[ $# -eq 0 ]] || die "--start-session takes no command
$USAGE"
  rm -f "$start_session"
  # This script again, in the background, with a PID 1 that waits for ever: it keeps the
  # namespaces (and removes the mount points) until --end-session kills that PID 1.
  bind_args=()
  for dir in "${binds[@]:1}"; do bind_args+=(--bind "$dir"); done
  LOCALREGISTRY_SESSION_FILE="$start_session" setsid "$here/in-sid-chroot.sh" "${bind_args[@]}" -- sleep infinity </dev/null >/dev/null 2>&1 &
  for _ in $(seq 200); do # at most 20 s
    [[ -s "$start_session" ]] && exit 0
    kill -0 $! 2>/dev/null || die "the session did not start (run a command without a session to see why)"
    sleep 0.1
  done
  die "the session did not start within 20 s"
fi

[[ $# -gt 0 ]] || die "no command
$USAGE"
[[ -x "$root/usr/bin/apt-get" ]] || die "no Debian chroot at $root: run scripts/setup-bazel7.sh (as root) or set LOCALREGISTRY_SID_CHROOT"

namespaces=(--mount --propagation private --pid --fork --kill-child)
[[ "$(id -u)" -eq 0 ]] || namespaces+=(--map-root-user)

# The inner script runs as PID 1 of the new namespaces: mount, then make the chroot the root of the
# mount namespace with pivot_root (not chroot(2): in a chroot the kernel refuses new user
# namespaces, which Bazel's linux-sandbox needs), and run the command there. Mount points missing
# in the chroot are made here (where the mounts are seen as the command will see them) and
# removed after the command.
inner='
set -eu
PATH=/usr/sbin:/usr/bin:/sbin:/bin
root="$1" chdir="$2" nbinds="$3"
shift 3
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount --rbind /sys "$root/sys"
binds="" made=""
IFS="
"
while [ "$nbinds" -gt 0 ]; do
  missing="" dir="$1"
  while [ "$dir" != / ] && [ ! -e "$root$dir" ]; do
    missing="$dir
$missing"
    dir="$(dirname "$dir")"
  done
  for dir in $missing; do mkdir "$root$dir" && made="$dir
$made"; done
  mount --bind "$1" "$root$1"
  binds="$1
$binds"
  shift
  nbinds=$((nbinds - 1))
done
cd "$root"
pivot_root . .
umount -l .
cd "$chdir"
# PID 1 stays this shell, which reaps orphans (a Bazel server that exits); stdin is passed on.
exec 3<&0
set +e
env -i "$@" <&3 3<&- &
wait $!
status=$?
cd /
for dir in $binds; do umount -l "$dir"; done
for dir in $made; do rmdir "$dir"; done
exit "$status"
'
# unshare dies with this script (--pdeathsig), and the namespaces with unshare (--kill-child).
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
exec 3<&0
set +e
setpriv --pdeathsig KILL unshare "${namespaces[@]}" /bin/sh -c "$inner" sh "$root" "$chdir" "${#binds[@]}" "${binds[@]}" "${env_args[@]}" "$@" <&3 3<&- &
unshare_pid=$!
if [[ -n "${LOCALREGISTRY_SESSION_FILE:-}" ]]; then
  # A session: record the host PID of the namespaces' PID 1 once the command in it has started.
  for _ in $(seq 200); do
    init="$(cat "/proc/$unshare_pid/task/$unshare_pid/children" 2>/dev/null)"
    init="${init%% *}"
    if [[ -n "$init" && -n "$(cat "/proc/$init/task/$init/children" 2>/dev/null)" ]]; then
      echo "$init $(start_time "$init")" >"$LOCALREGISTRY_SESSION_FILE.tmp" && mv "$LOCALREGISTRY_SESSION_FILE.tmp" "$LOCALREGISTRY_SESSION_FILE"
      break
    fi
    kill -0 "$unshare_pid" 2>/dev/null || break
    sleep 0.1
  done
fi
wait "$unshare_pid"
status=$?
set -e
exit "$status"
