"""Runfiles paths of files, as the runfiles libraries look them up."""

def rlocation_path(ctx, f):
    """The rlocation path of `f` (`<repository runfiles dir>/<path>`), valid from any workspace.

    Args:
      ctx: the rule context (for the main repository's runfiles name).
      f: a File.

    Returns:
      e.g. `_main/app/image` (bzlmod main repository), `my_ws/app/image`
      (WORKSPACE), `rules_localregistry~/runtime/localregistry.mjs`.
    """
    if f.short_path.startswith("../"):
        # External repository: ../<repo runfiles dir>/<path>.
        return f.short_path[3:]
    return ctx.workspace_name + "/" + f.short_path
