"""Parsing and validation of `localregistry_manifest` image keys.

Starlark has no regular expressions, so the OCI distribution-spec grammars are
checked character by character:

- repository: `[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(\\/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*`,
  at most 255 characters (the limit the runtime enforces, as the registry does)
- tag: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`

Every function returns an error string (None when valid) so that the caller
can `fail()` with the key and the label of the offending target.
"""

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"
_SEPARATORS = "._-"

MAX_TAG_LENGTH = 128
MAX_REPOSITORY_LENGTH = 255

REPOSITORY_GRAMMAR = "[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(\\/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*"
TAG_GRAMMAR = "[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}"

def _describe_char(c):
    if c == " ":
        return "a space"
    if c == "\t":
        return "a tab"
    return "'%s'" % c

def _separator_error(component, run):
    if run in (".", "_", "__"):
        return None
    if run.replace("-", "") == "":
        return None
    return "component \"%s\" has the separator \"%s\"; only '.', '_', '__' or a run of '-' may separate lowercase letters and digits" % (component, run)

def _validate_component(component):
    if component == "":
        return "it has an empty path component (a leading, trailing or doubled '/')"
    state = "start"  # start | alnum | sep
    run = ""
    for i in range(len(component)):
        c = component[i]
        if c in _LOWER or c in _DIGITS:
            if state == "sep":
                err = _separator_error(component, run)
                if err:
                    return err
            run = ""
            state = "alnum"
        elif c in _SEPARATORS:
            if state == "start":
                return "component \"%s\" starts with '%s'; components must start with a lowercase letter or digit" % (component, c)
            run += c
            state = "sep"
        elif c in _UPPER:
            return "it contains the uppercase letter '%s'; repository names are lowercase" % c
        else:
            return "it contains %s, which is not allowed in repository names" % _describe_char(c)
    if state == "sep":
        return "component \"%s\" ends with '%s'; components must end with a lowercase letter or digit" % (component, run[-1])
    return None

def validate_repository(repository):
    """Checks a repository name against the distribution-spec grammar.

    Args:
      repository: the repository part of an image key, e.g. `a/b/c`.

    Returns:
      None when valid, otherwise a sentence saying what is wrong.
    """
    if repository == "":
        return "it is empty"
    if len(repository) > MAX_REPOSITORY_LENGTH:
        return "it is %d characters long; repository names are at most %d" % (len(repository), MAX_REPOSITORY_LENGTH)
    if ":" in repository:
        return "it contains ':'; a key has at most one ':' (before the tag) and names no registry host (write `app:1.0`, not `localhost:5000/app:1.0`)"
    for component in repository.split("/"):
        err = _validate_component(component)
        if err:
            return err
    return None

def validate_tag(tag):
    """Checks a tag against `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.

    Args:
      tag: the tag part of an image key (non-empty).

    Returns:
      None when valid, otherwise a sentence saying what is wrong.
    """
    if tag == "":
        return "it is empty; write the key without ':' for a digest-only image"
    if len(tag) > MAX_TAG_LENGTH:
        return "it is %d characters long; tags are at most %d" % (len(tag), MAX_TAG_LENGTH)
    first = tag[0]
    if first in ".-":
        return "it starts with '%s'; tags must start with a letter, digit or '_'" % first
    for i in range(len(tag)):
        c = tag[i]
        if not (c in _LOWER or c in _UPPER or c in _DIGITS or c in _SEPARATORS):
            if c == "/":
                return "it contains '/'; a key is `repository[:tag]` and names no registry host (write `app:1.0`, not `localhost:5000/app:1.0`)"
            return "it contains %s at position %d; tags may contain only letters, digits, '_', '.' and '-'" % (_describe_char(c), i)
    return None

def parse_image_key(key):
    """Splits and validates an `images` key of the form `repository[:tag]`.

    The key is split at its last ':' (the repository grammar has no ':').
    A key without ':' is digest-only and gets an empty tag.

    Args:
      key: the dict key, e.g. `a/b/c:1.0` or `app`.

    Returns:
      A struct(repository, tag, error); error is None when the key is valid,
      otherwise a complete message naming the key.
    """
    idx = key.rfind(":")
    if idx < 0:
        repository, tag, has_tag = key, "", False
    else:
        repository, tag, has_tag = key[:idx], key[idx + 1:], True

    err = None
    if "@" in key:
        err = "it contains '@'; keys do not carry digests (the digest comes from the layout's index.json; use a key without ':tag' for a digest-only image)"
    if err == None:
        rerr = validate_repository(repository)
        if rerr:
            err = "repository \"%s\" is invalid: %s (grammar: %s)" % (repository, rerr, REPOSITORY_GRAMMAR)
    if err == None and has_tag:
        terr = validate_tag(tag)
        if terr:
            err = "tag \"%s\" is invalid: %s (grammar: %s)" % (tag, terr, TAG_GRAMMAR)
    if err != None:
        err = "images key \"%s\": %s" % (key, err)
    return struct(repository = repository, tag = tag, error = err)
