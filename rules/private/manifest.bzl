"""Implementation of `localregistry_manifest`.

Bazel 7.4+ has `attr.string_keyed_label_dict`, and `localregistry_manifest` is
a plain rule with an `images` dict attribute. Older Bazels (tested: 4.2.3) lack
it; there `localregistry_manifest` is a macro with the same signature that
passes the keys to a compat rule with one `alias` per key (so that one target
under several keys, however spelled, is never a duplicate label). Both share
`_build`.
"""

load(":runfiles.bzl", "rlocation_path")
load(":validate.bzl", "parse_image_key")

LocalRegistryImagesInfo = provider(
    doc = """The images of a `localregistry_manifest` target.

Lets other rules (e.g. a test macro that starts the registry itself) see the
parsed keys and layout directories without reading the `.prototxt`.""",
    fields = {
        "images": """list of struct(key, repository, tag, layout), in attribute order:
`key` is the `images` dict key (`repository[:tag]`), `repository` and `tag` its
validated parts (`tag` is "" for a digest-only image), `layout` the File of the
OCI layout directory (a tree artifact or a source directory).""",
        "manifest": "File: the `<name>.prototxt` manifest (text format of `localregistry.Manifest` in spec/manifest.proto).",
    },
)

HAS_STRING_KEYED_LABEL_DICT = hasattr(attr, "string_keyed_label_dict")

_RULE_DOC = """Writes `<name>.prototxt`, a manifest listing OCI image layouts by registry
name, for the localregistry runtime to serve read-only over the OCI
Distribution API.

The runfiles of this target hold the manifest, every layout directory and the
runfiles of each image target, so a test that has it in `data` can start the
registry from the manifest alone.

Example:

```starlark
load("@rules_localregistry//rules:defs.bzl", "localregistry_manifest")

localregistry_manifest(
    name = "test_images",
    images = {
        "app:latest": "//app:image",          # an oci_image (tree artifact)
        "tools/busybox:1.36": ":busybox",      # nested repository name
        "digest-only": ":layout_dir",          # no tag: pull by digest only
    },
)
```
"""

_IMAGES_DOC = """Images to serve, as `{"repository[:tag]": label}`.

The key is split at its last ':' into the repository (distribution-spec
grammar `[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(\\/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*`,
no registry host) and the tag (`[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`). A key
without ':' is digest-only: the image is served only by its digest. Keys are
checked at analysis time.

The value is a target with exactly one default output, an OCI image layout
directory (holding `oci-layout`, `index.json` and `blobs/`): e.g. rules_oci's
`oci_image` (a tree artifact) or a checked-in source directory. The same
target may appear under several keys."""

# Files that users point `images` at by mistake instead of the layout
# directory. Source directories look like files to Starlark (File.is_directory
# is False for them), so a source file can only be rejected by its name.
_LAYOUT_FILE_NAMES = ["index.json", "oci-layout"]
_ARCHIVE_SUFFIXES = [".tar", ".tar.gz", ".tgz"]

def _display(label):
    # Bazel 7 writes main-repository labels as @@//pkg:name; users write //pkg:name.
    s = str(label)
    for prefix in ("@@//", "@//"):
        if s.startswith(prefix):
            return s[len(prefix) - 2:]
    return s

def _layout_of(key, target):
    """The layout directory of `target`, or fail() naming the key and the label."""
    files = target[DefaultInfo].files.to_list()
    if len(files) != 1:
        fail("images key \"%s\": %s must have exactly one default output (an OCI image layout directory), but it has %d%s" % (
            key,
            _display(target.label),
            len(files),
            (": " + ", ".join([f.short_path for f in files[:5]]) + (", ..." if len(files) > 5 else "")) if files else "",
        ))
    f = files[0]
    if not f.is_source and not f.is_directory:
        fail("images key \"%s\": %s is the file %s, not an OCI image layout directory; use a rule that outputs the layout as a directory (e.g. rules_oci's oci_image, or ctx.actions.declare_directory)" % (
            key,
            _display(target.label),
            f.short_path,
        ))
    if f.is_source and (f.basename in _LAYOUT_FILE_NAMES or [s for s in _ARCHIVE_SUFFIXES if f.basename.endswith(s)]):
        fail("images key \"%s\": %s is the file %s, not an OCI image layout directory; name the directory that holds oci-layout, index.json and blobs/ (e.g. filegroup(srcs = [\"my_layout\"]))" % (
            key,
            _display(target.label),
            f.short_path,
        ))
    return f

def _encode_text(message):
    # `proto.encode_text` exists since Bazel 4 and is the only way on Bazel 8+,
    # where struct.to_proto() is gone; to_proto() covers older Bazels.
    if hasattr(proto, "encode_text"):
        return proto.encode_text(message)
    return message.to_proto()

def _build(ctx, entries):
    """Shared implementation.

    Args:
      ctx: the rule context.
      entries: list of (key, Target) in attribute order.

    Returns:
      The providers of the target.
    """
    manifest = ctx.actions.declare_file(ctx.label.name + ".prototxt")
    images = []
    records = []
    layouts = []
    runfiles = []
    for key, target in entries:
        parsed = parse_image_key(key)
        if parsed.error:
            fail(parsed.error)
        layout = _layout_of(key, target)
        images.append(struct(
            key = key,
            repository = parsed.repository,
            tag = parsed.tag,
            layout = layout,
        ))
        records.append(struct(
            repository = parsed.repository,
            tag = parsed.tag,
            path = rlocation_path(ctx, layout),
        ))
        layouts.append(layout)
        runfiles.append(target[DefaultInfo].default_runfiles)

    ctx.actions.write(
        output = manifest,
        content = _encode_text(struct(images = records)),
    )

    merged = ctx.runfiles(files = [manifest] + layouts)
    for r in runfiles:
        if r != None:
            merged = merged.merge(r)

    return [
        DefaultInfo(files = depset([manifest]), runfiles = merged),
        LocalRegistryImagesInfo(images = images, manifest = manifest),
    ]

def _dict_impl(ctx):
    return _build(ctx, ctx.attr.images.items())

def _dict_attrs():
    # Only called when attr.string_keyed_label_dict exists.
    return {
        "images": attr.string_keyed_label_dict(
            mandatory = True,
            allow_files = True,
            doc = _IMAGES_DOC,
        ),
    }

def _compat_impl(ctx):
    keys = ctx.attr.keys
    targets = ctx.attr.targets
    if len(keys) != len(targets):
        fail("keys and targets differ in length (%d != %d); use the localregistry_manifest macro" % (len(keys), len(targets)))

    # A dependency on an alias has the label of the alias's actual target.
    return _build(ctx, zip(keys, targets))

localregistry_manifest_compat = rule(
    implementation = _compat_impl,
    doc = """`localregistry_manifest` for Bazels without `attr.string_keyed_label_dict`
(before 7.4). Do not call it directly: the `localregistry_manifest` macro
converts its `images` dict into these attributes.""",
    attrs = {
        "keys": attr.string_list(
            mandatory = True,
            doc = "The `images` keys (`repository[:tag]`), in order.",
        ),
        "targets": attr.label_list(
            mandatory = True,
            allow_files = True,
            doc = "For each key, an alias of its value (one alias per key, so that one target under several keys or spellings is never a duplicate here).",
        ),
    },
    provides = [LocalRegistryImagesInfo],
)

def _compat_macro(name, images, **kwargs):
    if type(images) != "dict":
        fail("localregistry_manifest %s: images must be a dict {\"repository[:tag]\": label} (select() is not supported on Bazel < 7.4), got %s" % (name, type(images)))
    keys = []
    aliases = []
    for i, (key, label) in enumerate(images.items()):
        if type(label) not in ("string", "Label"):
            fail("localregistry_manifest %s: images key \"%s\": the value must be a label, got %s %r" % (name, key, type(label), label))
        alias = "%s.images.%d" % (name, i)
        native.alias(
            name = alias,
            actual = label,
            testonly = kwargs.get("testonly"),
            tags = ["manual"],
            visibility = ["//visibility:private"],
        )
        keys.append(key)
        aliases.append(":" + alias)
    localregistry_manifest_compat(
        name = name,
        keys = keys,
        targets = aliases,
        **kwargs
    )

# On Bazel 7.4+ a real rule (kind `localregistry_manifest`); before, a macro
# with the same call signature. `rule()` is only evaluated when the attribute
# type exists.
localregistry_manifest = rule(
    implementation = _dict_impl,
    doc = _RULE_DOC,
    attrs = _dict_attrs(),
    provides = [LocalRegistryImagesInfo],
) if HAS_STRING_KEYED_LABEL_DICT else _compat_macro
