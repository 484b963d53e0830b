"""Labels in messages."""

def display_label(label):
    """A label as users write it: //pkg:name in the main repository.

    Bazel 7 writes main-repository labels as @@//pkg:name.

    Args:
      label: a Label.

    Returns:
      The label as a string.
    """
    s = str(label)
    for prefix in ("@@//", "@//"):
        if s.startswith(prefix):
            return s[len(prefix) - 2:]
    return s
