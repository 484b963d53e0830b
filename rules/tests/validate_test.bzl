"""Unit tests of rules/private/validate.bzl (the image key grammar)."""

load("@bazel_skylib//lib:unittest.bzl", "asserts", "unittest")
load(
    "//rules/private:validate.bzl",
    "MAX_REPOSITORY_LENGTH",
    "MAX_TAG_LENGTH",
    "parse_image_key",
    "validate_repository",
    "validate_tag",
)

# 255 characters: components of "a" * 63 joined by "/" (4 * 63 + 3).
_LONGEST_REPOSITORY = "/".join(["a" * 63] * 4)

def _valid_keys_test_impl(ctx):
    env = unittest.begin(ctx)
    for key, repository, tag in [
        ("app:latest", "app", "latest"),
        ("a/b/c:1.0", "a/b/c", "1.0"),
        ("app", "app", ""),
        ("a.b_c__d---e/f-g:A_z.9-", "a.b_c__d---e/f-g", "A_z.9-"),
        ("0/9:_", "0/9", "_"),
        ("max:" + "a" * MAX_TAG_LENGTH, "max", "a" * MAX_TAG_LENGTH),
        (_LONGEST_REPOSITORY + ":t", _LONGEST_REPOSITORY, "t"),
        (_LONGEST_REPOSITORY, _LONGEST_REPOSITORY, ""),
    ]:
        parsed = parse_image_key(key)
        asserts.equals(env, None, parsed.error, "error of %s" % key)
        asserts.equals(env, repository, parsed.repository, "repository of %s" % key)
        asserts.equals(env, tag, parsed.tag, "tag of %s" % key)
    return unittest.end(env)

valid_keys_test = unittest.make(_valid_keys_test_impl)

def _invalid_keys_test_impl(ctx):
    env = unittest.begin(ctx)
    for key, message in [
        ("App:1", "images key \"App:1\": repository \"App\" is invalid: it contains the uppercase letter 'A'"),
        ("app:", "images key \"app:\": tag \"\" is invalid: it is empty; write the key without ':' for a digest-only image"),
        (":1", "repository \"\" is invalid: it is empty"),
        ("localhost:5000/app:1", "repository \"localhost:5000/app\" is invalid: it contains ':'"),
        ("localhost:5000/app", "tag \"5000/app\" is invalid: it contains '/'"),
        ("app@sha256:0123", "it contains '@'; keys do not carry digests"),
        ("my app:1", "it contains a space"),
        # Every grammar error names the grammar, so the user can fix the key.
        ("a..b:1", "(grammar: [a-z0-9]+"),
        ("app:v1+x", "(grammar: [a-zA-Z0-9_]"),
        (
            _LONGEST_REPOSITORY + "a:1",
            "is invalid: it is 256 characters long; repository names are at most 255",
        ),
    ]:
        error = parse_image_key(key).error
        asserts.true(env, error != None and message in error, "error of %s: expected it to contain\n  %s\ngot\n  %s" % (key, message, error))
    return unittest.end(env)

invalid_keys_test = unittest.make(_invalid_keys_test_impl)

def _repositories_test_impl(ctx):
    env = unittest.begin(ctx)
    asserts.equals(env, 255, MAX_REPOSITORY_LENGTH)
    for valid in ["a", "0", "a__b", "a---b", "a.b", "a_b", "a/b/c", "a-b.c_d/e", _LONGEST_REPOSITORY]:
        asserts.equals(env, None, validate_repository(valid), "validate_repository(%r)" % valid)
    for invalid, message in [
        ("", "it is empty"),
        ("A", "uppercase letter 'A'"),
        ("a..b", "has the separator \"..\""),
        ("a___b", "has the separator \"___\""),
        ("a._b", "has the separator \"._\""),
        ("a-", "ends with '-'"),
        ("-a", "starts with '-'"),
        ("a//b", "empty path component"),
        ("/a", "empty path component"),
        ("a/", "empty path component"),
        ("a:b", "it contains ':'"),
        ("a+b", "it contains '+'"),
        ("a\tb", "it contains a tab"),
        ("a" * 256, "it is 256 characters long; repository names are at most 255"),
    ]:
        error = validate_repository(invalid)
        asserts.true(env, error != None and message in error, "validate_repository(%r): expected %r in %r" % (invalid, message, error))
    return unittest.end(env)

repositories_test = unittest.make(_repositories_test_impl)

def _tags_test_impl(ctx):
    env = unittest.begin(ctx)
    for valid in ["_", "A", "0", "latest", "v1.0-rc_1", "a" * MAX_TAG_LENGTH]:
        asserts.equals(env, None, validate_tag(valid), "validate_tag(%r)" % valid)
    for invalid, message in [
        ("", "it is empty"),
        (".x", "it starts with '.'"),
        ("-x", "it starts with '-'"),
        ("a" * (MAX_TAG_LENGTH + 1), "it is 129 characters long; tags are at most 128"),
        ("v1+x", "it contains '+' at position 2"),
        ("a/b", "it contains '/'"),
        ("a b", "it contains a space at position 1"),
    ]:
        error = validate_tag(invalid)
        asserts.true(env, error != None and message in error, "validate_tag(%r): expected %r in %r" % (invalid, message, error))
    return unittest.end(env)

tags_test = unittest.make(_tags_test_impl)

def validate_test_suite(name):
    """The unit tests of validate.bzl, as one test_suite.

    Args:
      name: the test_suite's name.
    """
    unittest.suite(
        name,
        valid_keys_test,
        invalid_keys_test,
        repositories_test,
        tags_test,
    )
