"""S3 credentials: the S3_* settings, strict parsing, scopes shared with API keys, limits."""

from __future__ import annotations

import json

import pytest

from r2gate.s3 import errors
from r2gate.s3.credentials import S3Credential, UploadLimits, load_s3_credentials

ROOT_ID = "R2GATEROOTKEY000001"
ROOT_SECRET = "root-secret-access-key-0123456789abcdefghij"
T42_ID = "R2GATETENANT420001"
T42_SECRET = "tenant42-secret-access-key-0123456789abcd"


def entry(**overrides) -> dict:
    base = {
        "name": "tenant42-s3",
        "access_key_id": T42_ID,
        "secret_access_key": T42_SECRET,
        "ops": ["read", "write", "sign"],
        "prefixes": ["t42/"],
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def config(*entries: dict) -> str:
    return json.dumps({"credentials": list(entries)})


def test_full_access_pair_and_scoped_entries():
    keyring = load_s3_credentials(
        ROOT_ID,
        ROOT_SECRET,
        config(entry(limits={"max_bytes": 10, "content_types": ["image/*"], "create_only": True})),
    )
    root = keyring.lookup(ROOT_ID)
    assert root.name == "s3-default"
    assert root.allows("delete", "anything/at/all") and root.allows("list", "")
    tenant = keyring.lookup(T42_ID)
    assert tenant.allows("write", "t42/a.png")
    assert not tenant.allows("write", "t420/a.png")
    assert not tenant.allows("delete", "t42/a.png")
    assert tenant.limits == UploadLimits(10, ("image/*",), True)
    assert len(keyring) == 2


def test_unknown_access_key_is_invalid_access_key_id():
    keyring = load_s3_credentials(ROOT_ID, ROOT_SECRET, None)
    with pytest.raises(errors.InvalidAccessKeyId) as caught:
        keyring.lookup("R2GATENOTAKEY00001")
    assert caught.value.status == 403


def test_nothing_configured_is_an_empty_keyring():
    assert len(load_s3_credentials(None, "", "  ")) == 0


def test_pair_needs_both_halves():
    for pair in ((ROOT_ID, None), (None, ROOT_SECRET), ("", ROOT_SECRET)):
        with pytest.raises(ValueError, match="set together"):
            load_s3_credentials(*pair, None)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("[]", "JSON object"),
        ('{"credentials": 1}', "credentials"),
        ('{"credentials": [], "x": 1}', "credentials"),
        ('{"credentials": [], "credentials": []}', "duplicate"),
        (config(entry(extra=1)), "entry 0"),
        (config(entry(ops=None)), "entry 0"),
        (config(entry(ops=["read", "admin"])), "ops"),
        (config(entry(prefixes=["t42"])), "prefixes"),
        (config(entry(access_key_id="short")), "access_key_id"),
        (config(entry(access_key_id="has space in the id 0")), "access_key_id"),
        (config(entry(secret_access_key="too-short-secret")), "secret_access_key"),
        (config(entry(limits={"max_bytes": -1})), "max_bytes"),
        (config(entry(limits={"max_bytes": True})), "max_bytes"),
        (config(entry(limits={"content_types": ["image"]})), "content_types"),
        (config(entry(limits={"content_types": []})), "content_types"),
        (config(entry(limits={"create_only": "yes"})), "create_only"),
        (config(entry(limits={"size": 3})), "limits"),
        (config(entry(), entry(name="other")), "repeated"),
        (config(entry(), entry(access_key_id="R2GATEOTHER0000001")), "unique"),
        (
            config(entry(), entry(name="b", access_key_id="R2GATEOTHER0000001")),
            "distinct",
        ),
    ],
)
def test_bad_configuration_names_the_entry_never_the_secret(document, message):
    with pytest.raises(ValueError, match=message) as caught:
        load_s3_credentials(None, None, document)
    assert T42_SECRET not in str(caught.value)


def test_pair_and_entry_must_differ():
    with pytest.raises(ValueError, match="distinct"):
        load_s3_credentials("R2GATEOTHER0000001", T42_SECRET, config(entry()))
    with pytest.raises(ValueError, match="unique"):
        load_s3_credentials(ROOT_ID, ROOT_SECRET, config(entry(name="s3-default")))


def test_repr_never_shows_secrets():
    keyring = load_s3_credentials(ROOT_ID, ROOT_SECRET, config(entry()))
    for value in (keyring, *keyring):
        assert ROOT_SECRET not in repr(value) and T42_SECRET not in repr(value)
    assert T42_ID in repr(keyring.lookup(T42_ID))


def test_limits_match_content_types_like_tokens():
    limits = UploadLimits(max_bytes=100, content_types=("image/*", "model/gltf-binary"))
    assert limits.allows_content_type("Image/PNG; q=1")
    assert limits.allows_content_type("model/gltf-binary")
    assert not limits.allows_content_type("text/html")
    assert not limits.allows_content_type(None)
    assert limits.allows_size(100) and not limits.allows_size(101)
    assert UploadLimits().unlimited and UploadLimits().allows_content_type(None)


def test_credential_rejects_bad_values_directly():
    with pytest.raises(ValueError):
        S3Credential.create("x", ROOT_ID, "short", ["read"], [""])
    with pytest.raises(ValueError):
        S3Credential.full_access("id with spaces!!!!", ROOT_SECRET)
