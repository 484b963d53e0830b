"""A user's macro over localregistry_manifest (see BUILD.bazel)."""

load("@rules_localregistry//rules:defs.bzl", "localregistry_manifest")

def my_test_images(name, images):
    localregistry_manifest(name = name, images = images, testonly = True)
