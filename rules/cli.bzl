"""`localregistry_cli`, for the one target that declares it: `//:localregistry`.

Not part of the public API (that is `//rules:defs.bzl`): it exists because
`//rules/private` may only be loaded from inside `//rules`.
"""

load("//rules/private:launcher.bzl", _localregistry_cli = "localregistry_cli")

localregistry_cli = _localregistry_cli
