"""Public API of rules_localregistry.

Load from `@rules_localregistry//rules:defs.bzl`; everything under
`rules/private/` may change without notice.
"""

load(
    "//rules/private:manifest.bzl",
    _LocalRegistryImagesInfo = "LocalRegistryImagesInfo",
    _localregistry_manifest = "localregistry_manifest",
)

localregistry_manifest = _localregistry_manifest
LocalRegistryImagesInfo = _LocalRegistryImagesInfo
