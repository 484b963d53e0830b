"""Stub rules_shell for offline Bazel 4: sh_test is Bazel 4's native rule.

Forwarding to it is what it is for, so the native call silences buildifier's
native-sh-test warning.
"""

def sh_test(**kwargs):
    native.sh_test(**kwargs)  # buildifier: disable=native-sh-test
