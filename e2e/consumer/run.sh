#!/usr/bin/env bash
# The consumer e2e (issue 9): a user's workspace outside the repository gets rules_localregistry
# from its release archive (scripts/release.sh, a file:// URL) and Node from the rules' toolchain
# (a file:// URL of the Node npm installed), with no node_modules anywhere, and runs
# localregistry_test (skopeo in an sh_test, a Node test importing the API through runfiles),
# a digest-only image, an index, and `bazel run //:serve`.
#
#   e2e/consumer/run.sh [bazel4] [bazel7] [bazel7-future]      (default: bazel4 bazel7)
#
# bazel4: Debian 12's Bazel 4.2.3, WORKSPACE + http_archive.
# bazel7: Bazel 7.7.1 in the sid chroot (scripts/setup-bazel7.sh, scripts/in-sid-chroot.sh),
#         MODULE.bazel + archive_override, --noenable_workspace.
# bazel7-future: bazel7 with the flags Bazel 8 and 9 flip (e2e/bazel-future.bazelrc): the tests,
#         `bazel run //:serve` and the registry's presubmit test module (the caching checks stay
#         bazel7's: the flags change what loads and how runfiles are named, not what is cached).
# bazel7-remote: bazel7's tests under real remote execution: Bazel's own remote worker, compiled
#         from Debian's bazel-bootstrap-source, in a network namespace of the test's own
#         (remote_check.sh).
# Both are the snippets of the archive's release notes (scripts/release.sh --notes), pasted.
# On each: `bazel test //... --nocache_test_results`; `bazel run //:serve` started, pulled from and
# stopped; hermeticity (a run with no other Node reachable and the checkout's node_modules
# unreadable passes; a changed runtime reruns the tests). On bazel7 also remote-execution
# readiness: the workspace copied to a second path with the same --disk_cache gets cache hits
# for every action (execution log), no output holds an absolute path, and the tests pass under
# --spawn_strategy=sandboxed with a read-only $HOME; and the Bazel Central Registry presubmit's test
# module (examples/smoke) passes from the archive, through the entry rendered from .bcr/.
#
# LOCALREGISTRY_RELEASE_ARCHIVE=FILE tests that archive instead of the working tree's.
# State is kept per checkout in $LOCALREGISTRY_CONSUMER_WORK (default /tmp/localregistry-consumer-
# <hash of the checkout path>): Bazel output roots, disk and repository caches, so reruns are warm.
# Exits 0 on success, 1 on a failure, 77 (skip) when a Bazel is missing, unless CI=true, where
# that fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
node="$repo/node_modules/.bin/node" # the harness's Node (layouts, log checks), never the tests'

source "$repo/e2e/tools/lib.sh"

bazels=("$@")
[[ ${#bazels[@]} -gt 0 ]] || bazels=(bazel4 bazel7)
for b in "${bazels[@]}"; do
  [[ "$b" == bazel4 || "$b" == bazel7 || "$b" == bazel7-future || "$b" == bazel7-remote ]] ||
    die "usage: run.sh [bazel4] [bazel7] [bazel7-future] [bazel7-remote]"
done
[[ -x "$node" ]] || die "no $node: run npm ci"

work="${LOCALREGISTRY_CONSUMER_WORK:-/tmp/localregistry-consumer-$(printf '%s' "$repo" | sha256sum | cut -c1-12)}"
mkdir -p "$work/logs"
# The remote worker's execroot, outside /tmp: the actions' sandbox gets a /tmp of its own.
remote_dir="/var/tmp/$(basename "$work")-remote"
mkdir -p "$remote_dir"
# One run per checkout at a time: the workspaces and output bases are shared between runs.
exec 9>"$work/lock"
flock -w 1200 9 || die "another run holds $work/lock"

# --- what every workspace shares: the archive, Node, layouts ------------------------------------

rm -rf "$work/archive" && mkdir -p "$work/archive"
if [[ -n "${LOCALREGISTRY_RELEASE_ARCHIVE:-}" ]]; then
  log "release archive: $LOCALREGISTRY_RELEASE_ARCHIVE"
  archive="$work/archive/$(basename "$LOCALREGISTRY_RELEASE_ARCHIVE")"
  cp "$LOCALREGISTRY_RELEASE_ARCHIVE" "$archive"
  strip_prefix="$(tar -tzf "$archive" | cut -d/ -f1 | sort -u)"
else
  log "release archive (scripts/release.sh --worktree)"
  mapfile -t release < <(bash "$repo/scripts/release.sh" --worktree --out "$work/archive")
  archive="${release[0]}"
  strip_prefix="${release[2]#strip_prefix: }"
fi
echo "$archive ($strip_prefix)"
tar -tzf "$archive" >"$work/archive/listing"
grep -qx "$strip_prefix/runtime/localregistry.mjs" "$work/archive/listing" || die "the archive has no runtime/localregistry.mjs"
! grep -q node_modules "$work/archive/listing" || die "the archive holds node_modules"
# The same release with one runtime byte changed: the tests must run again, not be (cached).
changed="$work/archive/changed/$(basename "$archive")"
mkdir -p "$work/archive/changed/x"
tar -xzf "$archive" -C "$work/archive/changed/x"
# A new comment each run: a change seen before would be a (cached) hit from the disk cache.
printf '// changed %s\n' "$(date +%s.%N)" >>"$work/archive/changed/x/$strip_prefix/runtime/localregistry.mjs"
tar -czf "$changed" -C "$work/archive/changed/x" "$strip_prefix"
rm -rf "$work/archive/changed/x"

log "Node archive (npm's node-<os>-<arch> package)"
read -r node_os node_arch node_version < <("$node" -p '[process.platform, process.arch, process.versions.node].join(" ")')
[[ "$node_os-$node_arch" == linux-x64 ]] || die "only linux-x64 is wired here, not $node_os-$node_arch"
node_archive="$work/node/node-$node_os-$node_arch-$node_version.tgz"
if [[ ! -f "$node_archive" ]]; then
  mkdir -p "$work/node"
  (cd "$work/node" && npm pack --prefer-offline --silent "node-$node_os-$node_arch@$node_version" >/dev/null) ||
    die "npm pack node-$node_os-$node_arch@$node_version failed (npm ci puts it in npm's cache)"
fi
node_repositories="{\"linux_amd64\": [\"file://$node_archive\", \"$(sha256sum "$node_archive" | cut -d' ' -f1)\", \"package\"]}"
echo "$node_archive"

log "layouts (src/testing/cli.ts make-layout)"
layouts="$work/layouts"
if [[ ! -f "$layouts/expected_digests.txt" ]]; then
  rm -rf "$layouts" && mkdir -p "$layouts"
  make_layout() { "$node" "$repo/src/testing/cli.ts" make-layout --kind "$1" --name "consumer-$2" --out "$layouts/$2" | "$node" -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).digest'; }
  app="$(make_layout image app)"
  multiarch="$(make_layout index multiarch)"
  fixtures="$(make_layout image fixtures)"
  printf '%s\n' "app:latest $app" "app:v1 $app" "multi/arch:1 $multiarch" "fixtures/base@$fixtures $fixtures" >"$layouts/expected_digests.txt.tmp"
  mv "$layouts/expected_digests.txt.tmp" "$layouts/expected_digests.txt"
fi
cat "$layouts/expected_digests.txt"

# --- the workspaces ----------------------------------------------------------------------------

# make_workspace DIR bazel4|bazel7 ARCHIVE: a fresh consumer workspace in DIR.
make_workspace() {
  local dir="$1" kind="$2" release="$3"
  rm -rf "$dir" && mkdir -p "$dir"
  cp -R "$here/workspace/." "$dir/"
  # The Node test rule a user writes, as the registry's test module has it (one copy of it).
  cp "$repo/examples/smoke/node_test.bzl" "$dir/tools/"
  mkdir -p "$dir/layouts"
  for name in app multiarch fixtures; do cp -R "$layouts/$name" "$dir/layouts/$name"; done
  cp "$layouts/expected_digests.txt" "$dir/"
  set_release "$dir" "$kind" "$release"
  write_bazelrc "$dir" "$kind"
  # The workspace's rules_shell, for its sh_test: Debian's bazel-rules-shell.
  [[ "$kind" == bazel4 ]] || echo "common --override_module=rules_shell=/usr/share/bazel/rules/shell" >>"$dir/.bazelrc"
}

# write_bazelrc DIR bazel4|bazel7: DIR/.bazelrc for that Bazel, offline.
write_bazelrc() {
  local dir="$1" kind="$2"
  if [[ "$kind" == bazel4 ]]; then
    mkdir -p "$work/stubs4" && cp -R "$repo/e2e/bazel/stubs/." "$work/stubs4/"
    cat >"$dir/.bazelrc" <<EOF
# Debian's Bazel 4.2.3 is offline: its default repositories come from local copies.
build --override_repository=rules_java=/usr/share/bazel/rules/java
build --override_repository=rules_cc=$work/stubs4/rules_cc
build --override_repository=remote_coverage_tools=$work/stubs4/remote_coverage_tools
# sh_test is loaded from @rules_shell, as Bazel 8 and 9 need: here, Bazel 4's native one.
build --override_repository=rules_shell=$work/stubs4/rules_shell
build --repository_cache=$work/repository-cache
build --disk_cache=$work/disk-cache-4
# Actions see a fixed PATH, not the client's: cache keys must not depend on who runs Bazel.
build --incompatible_strict_action_env
EOF
  else
    mkdir -p "$work/stubs7" && cp -R "$repo/e2e/bzlmod-stubs/." "$work/stubs7/"
    cat >"$dir/.bazelrc" <<EOF
# Debian's Bazel 7.7.1 is offline (e2e/bzlmod-stubs/README.md).
common --noenable_workspace
common --override_module=apple_support=$work/stubs7/apple_support
common --override_module=buildozer=$work/stubs7/buildozer
common --override_module=protobuf=$work/stubs7/protobuf
common --override_module=zlib=$work/stubs7/zlib
common --repository_cache=$work/repository-cache
build --disk_cache=$work/disk-cache-7
build --incompatible_strict_action_env
EOF
    if [[ "$kind" == bazel7-future ]]; then
      cp "$repo/e2e/bazel-future.bazelrc" "$work/bazel-future.bazelrc"
      echo "import $work/bazel-future.bazelrc" >>"$dir/.bazelrc"
    fi
  fi
}

# set_release DIR bazel4|bazel7 ARCHIVE: points the workspace at a release archive with the snippet
# of its release notes (scripts/release.sh --notes, a file:// URL), pasted as a user pastes it.
set_release() {
  local dir="$1" kind="$2" release="$3" notes
  notes="$(bash "$repo/scripts/release.sh" --notes "$release" --url "file://$release")" || die "release.sh --notes $release failed"
  if [[ "$kind" == bazel4 ]]; then
    {
      printf 'workspace(name = "consumer")\n\n'
      # Node from the local archive: the one line a user without network access changes.
      snippet WORKSPACE <<<"$notes" | sed "s|^localregistry_register_toolchains()\$|localregistry_register_toolchains(node_repositories = $node_repositories)|"
    } >"$dir/WORKSPACE"
    grep -q 'sha256 = ' "$dir/WORKSPACE" && grep -q 'node_repositories = ' "$dir/WORKSPACE" || die "the release notes have no WORKSPACE snippet to paste"
  else
    {
      printf 'module(name = "consumer")\n\n'
      snippet bzlmod <<<"$notes"
      # The user's own sh_test (Bazel 8 and 9 have no native one).
      printf '\nbazel_dep(name = "rules_shell", version = "0.4.1")\n'
      printf '\nnode = use_extension("@rules_localregistry//rules:extensions.bzl", "node")\nnode.toolchain(node_repositories = %s)\n' "$node_repositories"
    } >"$dir/MODULE.bazel"
    grep -q 'archive_override(' "$dir/MODULE.bazel" || die "the release notes have no MODULE.bazel snippet to paste"
  fi
}

# snippet WORD: the starlark block of the release notes on stdin under the heading that names WORD.
snippet() {
  awk -v word="$1" '
    /^### / { section = index($0, word) > 0 }
    /^```/ { if (block) { block = 0; next } if (section && $0 == "```starlark") { block = 1; next } }
    block'
}

# --- running Bazel -----------------------------------------------------------------------------

kind=
# Bazel 7 runs in one chroot session per run.sh, so that one Bazel server serves every step.
session=
end_session() {
  [[ -z "$session" ]] || "$repo/scripts/in-sid-chroot.sh" --end-session "$session" || true
  session=
}
trap end_session EXIT

# bz DIR ARGS...: Bazel of $kind in workspace DIR, output filtered of Debian's sandbox debug lines.
bz() {
  local dir="$1"
  shift
  local status
  set +e
  if [[ "$kind" == bazel4 ]]; then
    (cd "$dir" && bazel --output_user_root="$work/root4" --max_idle_secs=60 "$@") 2>&1 | quiet
  else
    "$repo/scripts/in-sid-chroot.sh" --session "$session" --chdir "$dir" -- bazel --output_user_root="$work/root-$kind" "$@" 2>&1 | quiet
  fi
  status=${PIPESTATUS[0]}
  set -e
  return "$status"
}

# run_script DIR SCRIPT ARGS...: a script of e2e/consumer/ run where that Bazel runs (in the chroot).
run_script() {
  local dir="$1" script="$2"
  shift 2
  cp "$here/$script" "$work/$script"
  if [[ "$kind" == bazel4 ]]; then
    (cd "$dir" && bash "$work/$script" "$@" --output_user_root="$work/root4" --max_idle_secs=60)
  else
    "$repo/scripts/in-sid-chroot.sh" --session "$session" --chdir "$dir" -- bash "$work/$script" "$@" --output_user_root="$work/root-$kind"
  fi
}

failures=()
check() {
  local what="$1"
  shift
  if "$@"; then
    echo "ok: $what"
  else
    echo "FAILED: $what"
    failures+=("$kind: $what")
  fi
}

# test_passes DIR LOG ARGS...: bazel test //... passes; its output goes to LOG as well.
test_passes() {
  local dir="$1" out="$2"
  shift 2
  bz "$dir" test //... "$@" | tee "$out"
  return "${PIPESTATUS[0]}"
}

# Both wrapped tests ran (PASSED, not "(cached) PASSED") in LOG.
tests_ran() {
  grep -qE '^//:pull_test +PASSED' "$1" && grep -qE '^//:api_test +PASSED' "$1"
}
tests_cached() {
  grep -qE '^//:pull_test +\(cached\) PASSED' "$1" && grep -qE '^//:api_test +\(cached\) PASSED' "$1"
}

# Runs with no Node but the toolchain's: /usr/bin/node and /usr/local/bin/node hidden (an empty
# non-executable file bound over each), the checkout's node_modules unreadable (an empty mode-000
# tmpfs over it) and no node_modules/.bin on PATH, all in a private mount namespace.
hermetic_test_passes() {
  local dir="$1" out="$2"
  shift 2
  if [[ "$kind" == bazel7 ]]; then
    # The chroot has no Node at all, and the checkout is not mounted in it.
    "$repo/scripts/in-sid-chroot.sh" -- sh -c '! node --version 2>/dev/null' || { echo "a node runs in the chroot" >&2; return 1; }
    test_passes "$dir" "$out" --nocache_test_results
    return
  fi
  local path
  path="$(tr ':' '\n' <<<"$PATH" | grep -v node_modules | paste -sd:)"
  (
    cd "$dir"
    OUT="$out" PATH="$path" unshare --mount --propagation private --kill-child bash -c '
      set -euo pipefail
      hide="$(mktemp)"
      for bin in /usr/bin/node /usr/local/bin/node; do [[ -e "$bin" ]] && mount --bind "$hide" "$bin"; done
      mount -t tmpfs -o mode=000 none "$1/node_modules"
      ! node --version >/dev/null 2>&1 || { echo "a node still runs: $(command -v node)" >&2; exit 1; }
      shift
      bazel "$@" shutdown
      set +e
      bazel "$@" test //... --nocache_test_results 2>&1 | tee "$OUT"
      status=${PIPESTATUS[0]}
      bazel "$@" shutdown
      exit "$status"
    ' bash "$repo" --output_user_root="$work/root4" --max_idle_secs=60
  ) 2>&1 | quiet
  return "${PIPESTATUS[0]}"
}

# The registry's presubmit as its CI runs it: the entry rendered from .bcr/ for this archive
# (scripts/bcr-entry.ts, the archive's file:// URL for its release URL), the archive unpacked as
# source.json says, the entry's MODULE.bazel over the module's, and presubmit.yml's test targets in
# its module_path. Offline here, the test module also gets Node from the local archive (by default
# the toolchain downloads it) and this Bazel's .bazelrc.
bcr_test_module_passes() {
  local out="$1" registry="$work/bcr/registry" src="$work/bcr/src" entry prefix module_path module
  local targets=()
  rm -rf "$work/bcr" && mkdir -p "$src"
  entry="$("$node" "$repo/scripts/bcr-entry.ts" --archive "$archive" --out "$registry" --url "file://$archive")" || return 1
  prefix="$("$node" -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).strip_prefix' "$entry/source.json")"
  module_path="$(sed -n 's/^ *module_path: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' "$entry/presubmit.yml")"
  mapfile -t targets < <(sed -n 's/^ *- *"\(-\{0,1\}\/\/[^"]*\)" *$/\1/p' "$entry/presubmit.yml")
  [[ -n "$module_path" && ${#targets[@]} -gt 0 ]] || { echo "presubmit.yml: no module_path or test_targets" >&2; return 1; }
  tar -xzf "$archive" -C "$src"
  cp "$entry/MODULE.bazel" "$src/$prefix/MODULE.bazel"
  module="$src/$prefix/$module_path"
  [[ -f "$module/MODULE.bazel" ]] || { echo "the archive has no test module at $prefix/$module_path" >&2; return 1; }
  printf '\nnode = use_extension("@rules_localregistry//rules:extensions.bzl", "node")\nnode.toolchain(node_repositories = %s)\n' "$node_repositories" >>"$module/MODULE.bazel"
  write_bazelrc "$module" "$kind"
  local status
  bz "$module" test "${targets[@]}" --nocache_test_results | tee "$out"
  status=${PIPESTATUS[0]}
  bz "$module" shutdown || true
  [[ "$status" -eq 0 ]] && grep -qE '^//:pull_test +PASSED' "$out"
}

# --- the checks ----------------------------------------------------------------------------------

# presubmit_check LOGS: the registry's presubmit test module passes from the archive.
presubmit_check() {
  log "$kind: the Bazel Central Registry entry's presubmit test module, from the archive"
  check "the presubmit's test module passes" bcr_test_module_passes "$1/bcr.log"
}

run_bazel_checks() {
  local a="$work/$kind/a" b="$work/$kind/b" logs="$work/logs/$kind"
  rm -rf "$logs" && mkdir -p "$logs"
  make_workspace "$a" "$kind" "$archive"

  if [[ "$kind" == bazel7-remote ]]; then
    log "$kind: bazel test //... on Bazel's remote worker (REAPI), sandboxed, no network"
    check "the tests pass under remote execution" run_script "$a" remote_check.sh "$work/remote-worker" "$remote_dir/work"
    return 0
  fi

  log "$kind: bazel test //... --nocache_test_results"
  check "bazel test //... passes" test_passes "$a" "$logs/test.log" --nocache_test_results
  check "both localregistry_tests ran" tests_ran "$logs/test.log"

  log "$kind: bazel run //:serve, pull, stop"
  check "bazel run //:serve serves, and stops on SIGINT" run_script "$a" serve_check.sh "$a/expected_digests.txt"

  if [[ "$kind" == bazel7-future ]]; then
    presubmit_check "$logs"
    return 0
  fi

  log "$kind: hermetic: no other Node, node_modules unreadable"
  check "passes with no Node but the toolchain's" hermetic_test_passes "$a" "$logs/hermetic.log"
  check "the hermetic tests ran" tests_ran "$logs/hermetic.log"

  log "$kind: a changed runtime reruns the tests"
  check "unchanged: the tests are (cached)" test_passes "$a" "$logs/cached.log"
  check "unchanged: (cached) in the output" tests_cached "$logs/cached.log"
  set_release "$a" "$kind" "$changed"
  check "changed runtime: bazel test //... passes" test_passes "$a" "$logs/changed.log"
  check "changed runtime: the tests ran again" tests_ran "$logs/changed.log"

  [[ "$kind" == bazel7 ]] || return 0

  log "$kind: remote-execution readiness: a copy at another path hits the disk cache"
  rm -rf "$b" && cp -R "$a" "$b"
  rm -f "$b"/bazel-*
  # A fresh output base: every action must come from the disk cache, not from an earlier run here.
  bz "$b" clean --expunge
  check "the copy passes" test_passes "$b" "$logs/copy.log" --execution_log_json_file="$logs/copy.exec.json"
  check "every action of the copy is a cache hit, no output holds a path" \
    "$node" "$here/check-cache.ts" --exec-log "$logs/copy.exec.json" --outputs "$(readlink "$b/bazel-bin")" --path "$work"

  presubmit_check "$logs"

  log "$kind: --spawn_strategy=sandboxed with a read-only \$HOME"
  # /root, the chroot's HOME, is outside every path the linux-sandbox makes writable.
  check "passes sandboxed with a read-only HOME" test_passes "$a" "$logs/sandboxed.log" --nocache_test_results \
    --spawn_strategy=sandboxed --test_env=HOME=/root --test_env=REQUIRE_READONLY_HOME=1
  check "the sandboxed tests ran" tests_ran "$logs/sandboxed.log"
}

start=$SECONDS
for kind in "${bazels[@]}"; do
  if [[ "$kind" == bazel4 ]]; then
    command -v bazel >/dev/null || skip "bazel (Bazel 4.2.3, bazel-bootstrap) not found: run scripts/setup-tools.sh"
  else
    "$repo/scripts/in-sid-chroot.sh" -- true 2>/dev/null || skip "the sid chroot with Bazel 7.7.1 is missing: run scripts/setup-bazel7.sh"
  fi
  kind_start=$SECONDS
  if [[ "$kind" == bazel7* ]]; then
    session="$work/session-$kind"
    "$repo/scripts/in-sid-chroot.sh" --bind "$work" --bind "$remote_dir" --start-session "$session"
  fi
  run_bazel_checks
  end_session
  log "$kind: done in $((SECONDS - kind_start)) s"
done

log "done in $((SECONDS - start)) s"
if [[ ${#failures[@]} -gt 0 ]]; then
  printf 'FAILED:\n'
  printf '  - %s\n' "${failures[@]}"
  exit 1
fi
echo "PASS: consumer e2e (${bazels[*]})"
