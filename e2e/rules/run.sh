#!/usr/bin/env bash
# End-to-end tests of rules_localregistry's rules and toolchain (see README.md).
#
#   e2e/rules/run.sh [bazel4] [bazel7] [bazel7-future]     (default: bazel4 bazel7)
#
# bazel4: Debian's Bazel 4.2.3 on this machine, WORKSPACE mode.
# bazel7: Bazel 7.7.1 in the sid chroot (scripts/setup-bazel7.sh, scripts/in-sid-chroot.sh),
#         bzlmod; run.sh runs itself there with --in-chroot.
# bazel7-future: bazel7 with the flags Bazel 8 and 9 flip (e2e/bazel-future.bazelrc), over steps 2
#         and 3 (the rules' own tests, the docs, the e2e targets); e2e/consumer/run.sh bazel7-future
#         covers serve and the toolchain from the release archive.
#
# 1. writes node_archive.bzl / node_archive.MODULE.bazel: the Node toolchain
#    from a file:// URL (npm's node-<os>-<arch> package, `npm pack` from npm's
#    cache, or $LOCALREGISTRY_NODE_ARCHIVE), so the repository rule runs offline;
# 2. the rules' unit and analysis tests in the repository root (//rules/tests);
#    on bazel7 also the docs test (stardoc);
# 3. `bazel test //...` here: localregistry_test, serve and the CLI;
# 4. `bazel run //:serve`: serves, pulls with `bazel run @rules_localregistry//:localregistry`,
#    stops on SIGINT;
# 5. the toolchain's Node is the one from the file:// archive;
# 6. a wrong sha256 for it fails the fetch.
#
# Exits 0 when everything passed, 1 on a failure, 77 (skip) when a Bazel is
# missing, unless CI=true, where a missing Bazel is a failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$here"
# log, die, skip, quiet, run_bazel
source "$repo/e2e/tools/lib.sh"

bazels=()
in_chroot=
for arg in "$@"; do
  case "$arg" in
    bazel4 | bazel7 | bazel7-future) bazels+=("$arg") ;;
    --in-chroot) in_chroot=1 ;;
    *) die "usage: run.sh [bazel4] [bazel7] [bazel7-future]" ;;
  esac
done
((${#bazels[@]} > 0)) || bazels=(bazel4 bazel7)

# --- 1. the Node archive (on the host: npm is there) ------------------------------
archive="${LOCALREGISTRY_NODE_ARCHIVE:-}"
if [[ -z "$archive" ]]; then
  node="$repo/node_modules/.bin/node"
  [[ -x "$node" ]] || die "no $node: run npm ci (or set LOCALREGISTRY_NODE_ARCHIVE)"
  read -r os arch version < <("$node" -p '[process.platform, process.arch, process.versions.node].join(" ")')
  package="node-$os-$arch"
  archive="$here/.node/$package-$version.tgz"
  if [[ ! -f "$archive" ]]; then
    [[ -z "$in_chroot" ]] || die "no $archive (run.sh makes it before it enters the chroot)"
    mkdir -p .node
    (cd .node && npm pack --prefer-offline --silent "$package@$version" >/dev/null) ||
      die "npm pack $package@$version failed (run npm ci first: it puts the package in npm's cache)"
  fi
fi
[[ -f "$archive" ]] || die "no Node archive at $archive"
archive="$(cd "$(dirname "$archive")" && pwd)/$(basename "$archive")"

if [[ -z "$in_chroot" ]]; then
  # The program of the runnable image (busybox/BUILD.bazel): the host's static busybox, copied
  # into the workspace so that the chroot's Bazel sees the same file.
  busybox=/bin/busybox
  [[ -x "$busybox" ]] && ! ldd "$busybox" >/dev/null 2>&1 ||
    die "no static $busybox: install busybox-static (scripts/setup-tools.sh)"
  cmp -s "$busybox" busybox/busybox || cp "$busybox" busybox/busybox
  status=0
  for b in "${bazels[@]}"; do
    if [[ "$b" == bazel7* ]]; then
      "$repo/scripts/in-sid-chroot.sh" -- true 2>/dev/null ||
        skip "the sid chroot with Bazel 7.7.1 is missing: run scripts/setup-bazel7.sh"
      # cri_pod_test runs sid's containerd 2 from scripts/setup-sid-debs.sh's cache.
      sid_debs="${LOCALREGISTRY_SID_DEBS:-/var/cache/localregistry/sid-debs}"
      binds=(--bind "$repo")
      [[ ! -d "$sid_debs" ]] || binds+=(--bind "$sid_debs")
      "$repo/scripts/in-sid-chroot.sh" "${binds[@]}" --chdir "$here" --env CI --env LOCALREGISTRY_SID_DEBS --env LOCALREGISTRY_BAZEL_ROOT -- \
        env LOCALREGISTRY_NODE_ARCHIVE="$archive" bash "$here/run.sh" --in-chroot "$b" || status=$?
    else
      command -v bazel >/dev/null || skip "bazel not found (install bazel-bootstrap)"
      LOCALREGISTRY_NODE_ARCHIVE="$archive" bash "$here/run.sh" --in-chroot bazel4 || status=$?
    fi
    ((status == 0)) || exit "$status"
  done
  exit 0
fi

# From here on: one Bazel, this process's own.
((${#bazels[@]} == 1)) || die "--in-chroot runs one Bazel"
mode=workspace
[[ "${bazels[0]}" == bazel7* ]] && mode=bzlmod
# Bazel 8 and 9 semantics: e2e/bazel-future.bazelrc, in an output root of its own.
future=
[[ "${bazels[0]}" == bazel7-future ]] && future=1
bazel_bin="$(command -v bazel || true)"
[[ -n "$bazel_bin" ]] || skip "bazel not found"
output_user_root="${LOCALREGISTRY_BAZEL_ROOT:-/tmp/localregistry-rules-$mode}${future:+-future}"
# Startup options first: run_bazel --bazelrc=FILE test ... is allowed.
bazel() {
  local startup=(--output_user_root="$output_user_root" --max_idle_secs=120)
  while [[ "${1:-}" == --bazelrc=* ]]; do
    startup+=("$1")
    shift
  done
  "$bazel_bin" "${startup[@]}" "$@"
}

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux_amd64 ;;
  Linux-aarch64) platform=linux_arm64 ;;
  Darwin-x86_64) platform=darwin_amd64 ;;
  Darwin-arm64) platform=darwin_arm64 ;;
  *) die "unsupported machine $(uname -sm)" ;;
esac
sha256="$(sha256sum "$archive" | cut -d' ' -f1)"
spec="\"$platform\": [\"file://$archive\", \"$sha256\", \"package\"]"
printf '# Written by run.sh.\nNODE_REPOSITORIES = {%s}\n' "$spec" >node_archive.bzl
printf '# Written by run.sh.\nnode = use_extension("@rules_localregistry//rules:extensions.bzl", "node")\nnode.toolchain(node_repositories = {%s})\n' "$spec" >node_archive.MODULE.bazel

# --- user.bazelrc ----------------------------------------------------------------
stubs="$repo/e2e/bazel/stubs"
{
  echo "# Written by run.sh; machine-specific."
  echo "build --symlink_prefix=/"
  if [[ "$mode" == workspace ]]; then
    # Debian's Bazel 4.2.3 is offline: local copies of its default repositories.
    echo "build --override_repository=rules_java=/usr/share/bazel/rules/java"
    echo "build --override_repository=rules_cc=$stubs/rules_cc"
    echo "build --override_repository=remote_coverage_tools=$stubs/remote_coverage_tools"
    # sh_test is loaded from @rules_shell, as Bazel 8 and 9 need: here, Bazel 4's native one.
    echo "build --override_repository=rules_shell=$stubs/rules_shell"
    # For starlark/: as a WORKSPACE user who wants our bzl_library targets
    # declares bazel_skylib (docs/rules.md); e2e/bazel's workspace has none.
    echo "build --override_repository=bazel_skylib=/usr/share/bazel/tools/skylib"
  else
    # Debian's Bazel 7 (sid) reads /etc/bazel/bazelrc, which points bzlmod at
    # Debian's modules; e2e/bzlmod-stubs stand in for the rest.
    for m in apple_support buildozer protobuf zlib; do
      echo "common --override_module=$m=$repo/e2e/bzlmod-stubs/$m"
    done
    # sh_test and sh_binary for Bazel 7 (recipes/, //docs): Debian's bazel-rules-shell.
    echo "common --override_module=rules_shell=/usr/share/bazel/rules/shell"
    echo "common --noenable_workspace"
    echo "common --lockfile_mode=off"
    echo "build --nosandbox_debug"
    [[ -z "$future" ]] || echo "import $repo/e2e/bazel-future.bazelrc"
  fi
} >user.bazelrc
# The repository root's own docs also need stardoc, a dev dependency, from Debian too
# (bazel_skylib: /etc/bazel/bazelrc on Bazel 7, user.bazelrc on Bazel 4).
{
  echo "# Written by run.sh; machine-specific."
  echo "import $here/user.bazelrc"
  if [[ "$mode" == bzlmod ]]; then
    echo "common --override_module=stardoc=/usr/share/bazel/tools/stardoc"
    # stardoc's renderer is a java_binary: run it with the system JDK, not a downloaded one.
    echo "build --java_runtime_version=local_jdk --tool_java_runtime_version=local_jdk"
  fi
} >root.bazelrc

failures=()
start=$SECONDS
# finish WHAT: the summary, and the exit status.
finish() {
  log "done in $((SECONDS - start))s (${bazels[0]}, $mode)"
  if ((${#failures[@]} > 0)); then
    printf 'FAILED:\n'
    printf '  - %s\n' "${failures[@]}"
    exit 1
  fi
  echo "PASS: rules e2e (${bazels[0]}): $1"
  exit 0
}
cleanup() {
  bazel shutdown >/dev/null 2>&1 || true
  (cd "$repo" && bazel --bazelrc="$here/root.bazelrc" shutdown >/dev/null 2>&1) || true
}
trap cleanup EXIT

# --- 2. unit and analysis tests of the rules, in the repository root -------------
log "bazel test //rules/tests/... in the repository root ($mode)"
root_targets=(//rules/tests/...)
# Not with Bazel 8/9's flags: the docs' stardoc renderer, a java_binary, then finds no Java runtime
# toolchain in Debian's offline Bazel 7.7.1 (a user never builds it).
[[ "$mode" == bzlmod && -z "$future" ]] && root_targets+=(//docs/...)
if ! (cd "$repo" && run_bazel --bazelrc="$here/root.bazelrc" test "${root_targets[@]}"); then
  failures+=("unit and analysis tests (//rules/tests) in the repository root")
fi

# --- 3. the e2e targets -------------------------------------------------------------
log "bazel test //... ($mode)"
e2e_flags=()
# recipes/ uses $(rlocationpath) and rules_shell, which Bazel 4.2.3 lacks: there it is not even loaded.
[[ "$mode" == workspace ]] && e2e_flags+=(--deleted_packages=recipes)
if ! run_bazel test "${e2e_flags[@]}" -- //...; then
  failures+=("bazel test //...")
fi
# A launcher as a Bazel test that runs a pod through containerd's CRI (manual: it needs root).
log "cri_pod_test: containerd's CRI runs the Bazel-built busybox in a pod ($mode)"
if ((EUID != 0)); then
  echo "not run: cri_pod_test needs root"
  [[ "${CI:-}" != true ]] || failures+=("cri_pod_test needs root (CI=true)")
elif ! run_bazel test //:cri_pod_test --test_env=LOCALREGISTRY_SID_DEBS; then
  failures+=("cri_pod_test")
fi
# A launcher as a Bazel test that boots a QEMU VM as the node (manual: root, QEMU and the host's
# containerd 1.6, so only on the host's Bazel 4.2.3: the sid chroot has no QEMU).
if [[ "$mode" == workspace ]]; then
  log "vm_pod_test: a QEMU VM node's containerd runs the Bazel-built busybox in a pod ($mode)"
  if ((EUID != 0)); then
    echo "not run: vm_pod_test needs root"
    [[ "${CI:-}" != true ]] || failures+=("vm_pod_test needs root (CI=true)")
  elif run_bazel test //:vm_pod_test --test_output=errors \
    --test_env=CI --test_env=LOCALREGISTRY_SID_DEBS --test_env=LOCALREGISTRY_VM_CACHE --test_env=LOCALREGISTRY_VM_ACCEL; then
    # The test's times (QEMU start to containerd up, pulls, pod output): rules.test.ts shows TIMES lines.
    sed -n 's/^.*\(QEMU start to: .*\)$/TIMES: vm_pod_test: \1/p' "$(bazel info bazel-testlogs 2>/dev/null)/vm_pod_test/test.log" || true
  else
    failures+=("vm_pod_test")
  fi
fi
# Our bzl_library targets, as a module that is not the root loads them (the
# dependencies they load must be regular bazel_deps, not dev ones).
if [[ "$mode" == bzlmod ]]; then
  log "bazel query @rules_localregistry//rules:all (rules_localregistry not the root module)"
  if ! run_bazel query @rules_localregistry//rules:all; then
    failures+=("bazel query @rules_localregistry//rules:all")
  fi
fi
# The wrapped test's environment is exactly the wrapper's (plus LOCALREGISTRY_URL
# and LOCALREGISTRY_HOST): env_record run alone and wrapped (env_wrapped) record
# theirs, with a marker in every variable the launcher assigns or reads (found in
# the template, so that a new one is covered too; BUILD.bazel's ENV_MARKERS set
# some through `env`), NODE_OPTIONS included, except those Bazel sets for the
# test itself. Bazel's test-setup.sh assigns some names too (TEST_PATH, which
# the launcher used to assign as well; signals): there its value wins.
log "localregistry_test gives the test the environment Bazel gave the wrapper ($mode)"
env_check() {
  local template="$repo/rules/private/launcher/launcher.sh.tpl" names=() flags=() name testlogs alone wrapped
  while IFS= read -r name; do
    [[ "$name" =~ ^(BUILD_WORKING_DIRECTORY|IFS|PWD|RUNFILES_.*|TEST_SRCDIR|TEST_TMPDIR|TEST_UNDECLARED_OUTPUTS_DIR|LOCALREGISTRY_.*)$ ]] ||
      names+=("$name")
  done < <(
    { grep -v '^[[:space:]]*#' "$template" |
      grep -oE '\$\{?[A-Za-z_][A-Za-z0-9_]*|(^|[[:space:];(])[A-Za-z_][A-Za-z0-9_]*\+?=|\b(local|readonly|for|read -r( -d '"''"')?|unset) [A-Za-z_][A-Za-z0-9_]*' |
      sed -E "s/^[[:space:];(]//; s/^\\$\\{?//; s/\\+?=\$//; s/^(local|readonly|for|read -r( -d '')?|unset) //"
      echo NODE_OPTIONS; } | sort -u
  )
  for name in "${names[@]}"; do
    if [[ "$name" == NODE_OPTIONS ]]; then
      # An option no Node accepts (Node ignores words without a dash): the
      # registry's Node must not see the test's NODE_OPTIONS.
      flags+=("--test_env=$name=--marker-from-test-env")
    else
      flags+=("--test_env=$name=marker from --test_env: $name, 'single' \"double\" spaces")
    fi
  done
  echo "markers: ${names[*]}"
  run_bazel test //:env_record //:env_wrapped --nocache_test_results "${flags[@]}" || return 1
  testlogs="$(bazel info bazel-testlogs 2>/dev/null)"
  # NUL-separated, sorted, what differs with the target made the same (its
  # name in paths and TEST_TARGET, the sandbox's number, the hash in the
  # temporary directory's name); one variable a line for diff.
  recorded() {
    sed -n 's/^ENV0 //p' "$testlogs/$1/test.log" | base64 -d |
      sed -z -E "s/env_record|env_wrapped/TARGET/g; s|/sandbox/([a-z-]+)/[0-9]+/|/sandbox/\1/N/|g; s|/_tmp/[0-9a-f]{32}|/_tmp/HASH|g" |
      sort -z | tr '\0' '\n'
  }
  alone="$(recorded env_record)"
  wrapped="$(recorded env_wrapped)"
  for name in "${names[@]}"; do
    grep -q "^$name=" <<<"$alone" || { echo "$name (a marker) is not in env_record's environment"; return 1; }
  done
  grep -qE '^LOCALREGISTRY_URL=http://127\.0\.0\.1:[0-9]+$' <<<"$wrapped" && grep -qE '^LOCALREGISTRY_HOST=127\.0\.0\.1:[0-9]+$' <<<"$wrapped" ||
    { echo "env_wrapped got no LOCALREGISTRY_URL or LOCALREGISTRY_HOST"; return 1; }
  if ! diff <(echo "$alone") <(grep -vE '^LOCALREGISTRY_(URL|HOST)=' <<<"$wrapped"); then
    echo "the environment of env_record alone (<) and wrapped (>) differ"
    return 1
  fi
  echo "ok: the same $(wc -l <<<"$alone") variables alone and wrapped, plus LOCALREGISTRY_URL and LOCALREGISTRY_HOST"
}
if ! env_check; then
  failures+=("localregistry_test changed the test's environment")
fi

# With Bazel 8 and 9 semantics, what follows is the consumer e2e's to check (from the archive).
[[ -z "$future" ]] || finish "unit/analysis tests, localregistry_test, with Bazel 8/9's flags"
# The sandboxes hide the runfiles manifest from tests; the standalone strategy
# shows it, so wrapper_check can also run a launcher with manifest-only runfiles.
log "wrapper_check with manifest-only runfiles ($mode)"
if ! run_bazel test //:wrapper_check --strategy=TestRunner=standalone --test_env=CHECK_MANIFEST_ONLY=1; then
  failures+=("wrapper_check with manifest-only runfiles")
fi

# --- 4. bazel run //:serve ----------------------------------------------------------
log "bazel run //:serve, pulled from with bazel run @rules_localregistry//:localregistry, stopped with SIGINT"
tmp="$(mktemp -d)"
serve_check() {
  # Job control, so that the background `bazel run` gets SIGINT as it would from Ctrl-C.
  set -m
  bazel run //:serve -- --listen 127.0.0.1:0 >"$tmp/stdout" 2>"$tmp/stderr" &
  local pid=$! i url got
  set +m
  for ((i = 0; i < 1200; i++)); do
    [[ -s "$tmp/stdout" ]] && grep -q 'Ctrl-C stops' "$tmp/stderr" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  url="$(head -n 1 "$tmp/stdout")"
  if [[ ! "$url" =~ ^http://127\.0\.0\.1:[0-9]+$ ]]; then
    echo "serve printed '$url'; stderr:"
    cat "$tmp/stderr"
    kill -TERM "$pid" 2>/dev/null
    return 1
  fi
  got="$(bazel run @rules_localregistry//:localregistry -- pull -q "${url#http://}/app:latest" "$tmp/layout" 2>"$tmp/pull-stderr")" ||
    { echo "pull failed:"; cat "$tmp/pull-stderr"; }
  # Like Ctrl-C: SIGINT to the job's process group.
  kill -INT -- "-$pid"
  local status=0
  wait "$pid" || status=$?
  echo "pulled app:latest: $got; serve exited $status after SIGINT"
  [[ "$got" == "sha256:a17421f7cc6785af640f7872941b18a8e71ba64c784d7524c44f303405e49ba5" && "$status" == 0 ]]
}
if ! serve_check; then
  failures+=("bazel run //:serve")
fi
rm -rf "$tmp"

# --- 5. the toolchain's Node came through the repository rule from the archive ----
log "the Node of the toolchain"
external="$(bazel info output_base 2>/dev/null)/external"
node_repo="$(find "$external" -maxdepth 1 -name "*localregistry_node_$platform" | head -n 1)"
want="v$(tar -xzOf "$archive" package/package.json | sed -n 's/^ *"version": "v*\([^"]*\)".*$/\1/p' | head -n 1)"
got="$([[ -n "$node_repo" ]] && "$node_repo/bin/node" --version || echo "no repository *localregistry_node_$platform in $external")"
echo "toolchain Node: $got (archive: $want)"
[[ "$got" == "$want" ]] || failures+=("the toolchain's Node is '$got', not the archive's $want")

# --- 6. a wrong checksum fails the fetch, naming the archive -------------------------
log "a Node archive with a wrong sha256"
bad="$(printf '%064d' 0)"
sed -i "s/$sha256/$bad/" node_archive.bzl node_archive.MODULE.bazel
out="$(bazel build //:pull_test 2>&1)" && status=0 || status=$?
sed -i "s/$bad/$sha256/" node_archive.bzl node_archive.MODULE.bazel
if ((status == 0)) || ! grep -q "Checksum was $sha256 but wanted $bad" <<<"$out"; then
  echo "$out" | tail -20
  failures+=("a wrong Node checksum did not fail the fetch with Bazel's checksum error")
else
  echo "ok: $(grep -o "Checksum was [0-9a-f]* but wanted [0-9a-f]*" <<<"$out" | head -n 1)"
fi

finish "unit/analysis tests, localregistry_test, serve, CLI, Node toolchain"
