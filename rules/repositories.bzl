"""WORKSPACE setup of rules_localregistry: the Node that runs its runtime.

```starlark
load("@rules_localregistry//rules:repositories.bzl", "localregistry_register_toolchains")

localregistry_register_toolchains()
```

bzlmod users need nothing: the module registers the same toolchains (see
`rules/extensions.bzl` to change them).
"""

load(
    "//rules/private:node_repositories.bzl",
    "DEFAULT_NODE_URLS",
    "DEFAULT_NODE_VERSION",
    "declare_node_repositories",
)

def localregistry_register_toolchains(
        name = "localregistry_node",
        node_version = DEFAULT_NODE_VERSION,
        node_urls = DEFAULT_NODE_URLS,
        node_repositories = {},
        register = True):
    """Declares a pinned Node 24 per platform and registers it as the toolchain of the runtime.

    Each platform's archive is only downloaded when a build for that platform
    needs it.

    Args:
      name: prefix of the repositories: `<name>_<platform>` per platform and
        the hub `<name>_toolchains` with one `toolchain()` per platform.
      node_version: the Node version; its archives' checksums are pinned in
        `rules/private/node_repositories.bzl` (otherwise give every platform
        in `node_repositories`).
      node_urls: URL templates for the archives, tried in order; `{version}`
        and `{filename}` are substituted, e.g.
        `["https://mirror.example/node/v{version}/{filename}"]`.
      node_repositories: per-platform replacements,
        `{"linux_amd64": ["URL", "SHA256", "STRIP_PREFIX"]}`: the archive
        must hold `bin/node` under `STRIP_PREFIX`. For air-gapped machines
        (`file://` URLs) and for unpinned versions.
      register: False declares the repositories without registering the
        toolchains, e.g. to register `@<name>_toolchains//:linux_amd64` only,
        or after your own.
    """
    declare_node_repositories(name, node_version, node_urls, node_repositories)
    if register:
        native.register_toolchains("@%s_toolchains//:all" % name)
