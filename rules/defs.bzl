"""Public API of rules_localregistry.

Load from `@rules_localregistry//rules:defs.bzl`; everything under
`rules/private/` may change without notice.
"""

load(
    "//rules/private:launcher.bzl",
    _localregistry_serve = "localregistry_serve",
    _localregistry_test = "localregistry_test",
)
load(
    "//rules/private:manifest.bzl",
    _LocalRegistryImagesInfo = "LocalRegistryImagesInfo",
    _localregistry_manifest = "localregistry_manifest",
)
load(
    "//rules/private:toolchain.bzl",
    _localregistry_node_toolchain = "localregistry_node_toolchain",
)

localregistry_manifest = _localregistry_manifest
localregistry_serve = _localregistry_serve
localregistry_test = _localregistry_test
localregistry_node_toolchain = _localregistry_node_toolchain
LocalRegistryImagesInfo = _LocalRegistryImagesInfo
