#!/bin/sh
# PID 1 of the VM node that ./vm.ts boots (busybox sh; everything else is busybox applets).
#
# Stage 1 (in the initramfs): runc cannot pivot_root out of the initramfs (rootfs cannot be
# unmounted), so copy it into a tmpfs and switch_root there, running this script again.
# Stage 2 (argument "node"): mount what containerd and runc need, load the modules, configure
# eth0, start containerd, then serve the host's commands read from the console, one per line:
#   cat FILE     print FILE between "begin FILE" and "end FILE" lines
#   processes    print the command line of each user-space process
#   stop         stop containerd and power off (QEMU runs with -no-reboot: it exits)
# Every line for the host starts with "localregistry-vm: ".
set -u
PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH

say() { echo "localregistry-vm: $*"; }

if [ "${1:-}" != node ]; then
  /bin/busybox --install -s /bin
  mkdir -p /proc
  mount -t proc proc /proc
  say "stage 1 after $(cut -d' ' -f1 /proc/uptime) s of uptime"
  umount /proc
  mkdir -p /newroot
  mount -t tmpfs -o mode=0755 root /newroot
  for entry in /*; do
    case "$entry" in
    /newroot | /proc | /sys | /dev) ;;
    *) cp -a "$entry" /newroot/ ;;
    esac
  done
  mkdir -p /newroot/proc /newroot/sys /newroot/dev
  exec switch_root /newroot /init node
fi

# shellcheck source=/dev/null
. /etc/localregistry-vm/config # ADDRESS, GATEWAY, MODULES (files, in load order)

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /run /tmp /var/lib/containerd /var/log/pods
mount -t devpts devpts /dev/pts
mount -t tmpfs shm /dev/shm
mount -t tmpfs run /run
mount -t tmpfs tmp /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
stty -echo
say "stage 2 after $(cut -d' ' -f1 /proc/uptime) s of uptime"

for module in $MODULES; do insmod "$module" || say "insmod $module failed"; done
hostname node
ip link set lo up
ip link set eth0 up
ip addr add "$ADDRESS" dev eth0
ip route add default via "$GATEWAY"
say "network up"

containerd --config /etc/containerd/config.toml >/var/log/containerd.log 2>&1 &
containerd=$!
tries=0
until [ -S /run/containerd/containerd.sock ]; do
  tries=$((tries + 1))
  if [ "$tries" -gt 600 ] || ! kill -0 "$containerd" 2>/dev/null; then
    say "containerd failed:"
    cat /var/log/containerd.log
    break
  fi
  sleep 0.1
done
[ -S /run/containerd/containerd.sock ] && say "containerd up"

while read -r command argument; do
  case "$command" in
  cat)
    say "begin $argument"
    cat "$argument"
    say "end $argument"
    ;;
  processes)
    for process in /proc/[0-9]*; do
      line="$(tr '\0' ' ' <"$process/cmdline" 2>/dev/null)"
      [ -n "$line" ] && say "process ${process#/proc/} $line"
    done
    say "processes end"
    ;;
  stop) break ;;
  *) say "unknown command: $command" ;;
  esac
done

kill "$containerd"
wait "$containerd"
say "containerd exited with $?"
sync
reboot -f
