"""Canned ACLs: what S3 clients say about access, against what r2gate decides.

r2gate has no ACLs. Who may read an object is r2gate's own rule: every object is public
(readable without credentials, cached at the edge) unless its key lies under a private prefix
of ``CACHE_POLICY``, where reads need an API key or a download token (docs/api.md). A canned
ACL a client sends (``x-amz-acl``, a POST form's ``acl`` field, PutObjectAcl) is accepted only
when it says what r2gate will do anyway, so no client is misled about who can read its files:

=============================  ===========================================================
``private``                    accepted under a private prefix; elsewhere AccessDenied (the
                               object would be public)
``public-read``                accepted outside private prefixes; under one AccessDenied
``bucket-owner-full-control``  accepted anywhere (one account owns the bucket and all in it)
anything else                  NotImplemented (public-read-write, authenticated-read, ...)
=============================  ===========================================================
"""

from __future__ import annotations

from .errors import AccessDenied, S3NotImplemented

__all__ = ["CANNED", "check_canned_acl"]

CANNED = ("private", "public-read", "bucket-owner-full-control")


def check_canned_acl(acl: str | None, key: str, private: bool) -> None:
    """Accept `acl` for `key` (`private`: the key is under a private prefix) or raise."""
    if acl is None:
        return
    value = acl.strip()
    if value == "bucket-owner-full-control":
        return
    if value == "private":
        if not private:
            raise AccessDenied(
                "x-amz-acl: private cannot be honoured: r2gate serves this key publicly. "
                "Store private files under a private prefix of CACHE_POLICY."
            )
        return
    if value == "public-read":
        if private:
            raise AccessDenied(
                "x-amz-acl: public-read cannot be honoured: this key lies under a private "
                "prefix of CACHE_POLICY."
            )
        return
    raise S3NotImplemented(
        f"The canned ACL {value[:64]!r} is not supported; r2gate accepts "
        f"{', '.join(CANNED)} (docs/s3.md, ACLs).",
        Header="x-amz-acl",
    )
