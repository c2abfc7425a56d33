"""r2gate.s3.acl: a canned ACL is accepted only when it says what r2gate does anyway (objects
are public unless under a private prefix of CACHE_POLICY), so no client is misled about who
can read its files. The ACLs are the ones boto3 (and so django-storages' `default_acl`,
rclone's `acl`, the AWS CLI's `--acl`) sends as `x-amz-acl`."""

from __future__ import annotations

import pytest

from r2gate.s3 import errors
from r2gate.s3.acl import CANNED, check_canned_acl

from .boto import BUCKET, sent_one


def _sent_acl(acl: str) -> str:
    request, _ = sent_one(lambda s3: s3.put_object(Bucket=BUCKET, Key="k", Body=b"x", ACL=acl))
    return request.headers["x-amz-acl"]


@pytest.mark.parametrize(
    ("acl", "private"),
    [
        ("private", True),
        ("public-read", False),
        ("bucket-owner-full-control", False),
        ("bucket-owner-full-control", True),
    ],
)
def test_an_acl_that_holds_is_accepted(acl: str, private: bool) -> None:
    check_canned_acl(_sent_acl(acl), "some/key.txt", private)


def test_no_acl_is_accepted_anywhere() -> None:
    check_canned_acl(None, "k", private=False)
    check_canned_acl(None, "k", private=True)


def test_private_on_a_public_key_is_refused_with_the_fix() -> None:
    """django-storages' `default_acl: "private"` outside a private prefix: the object would be
    public, so the write is refused (403), and the message says where private files go."""
    with pytest.raises(errors.AccessDenied) as caught:
        check_canned_acl(_sent_acl("private"), "media/a.pdf", private=False)
    assert caught.value.status == 403 and "CACHE_POLICY" in caught.value.message


def test_public_read_under_a_private_prefix_is_refused() -> None:
    with pytest.raises(errors.AccessDenied) as caught:
        check_canned_acl(_sent_acl("public-read"), "private/a.pdf", private=True)
    assert "private prefix" in caught.value.message


@pytest.mark.parametrize(
    "acl",
    ["public-read-write", "authenticated-read", "aws-exec-read", "bucket-owner-read", "log"],
)
@pytest.mark.parametrize("private", [False, True])
def test_other_canned_acls_are_not_implemented(acl: str, private: bool) -> None:
    with pytest.raises(errors.S3NotImplemented) as caught:
        check_canned_acl(acl, "k", private)
    assert caught.value.status == 501 and caught.value.details["Header"] == "x-amz-acl"
    assert all(name in caught.value.message for name in CANNED)


def test_the_value_is_matched_exactly_after_trimming() -> None:
    check_canned_acl("  private ", "k", private=True)
    with pytest.raises(errors.S3NotImplemented):
        check_canned_acl("PRIVATE", "k", private=True)
    with pytest.raises(errors.S3NotImplemented) as caught:
        check_canned_acl("x" * 500, "k", private=False)
    assert len(caught.value.message) < 300  # the echoed value is cut short
