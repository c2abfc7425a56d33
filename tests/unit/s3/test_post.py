"""Presigned POST: boto3's generate_presigned_post as the signer, urllib3's form encoder
(what requests uses) as the client, the form prefix parser and the policy checks."""

from __future__ import annotations

import base64
import contextlib
import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from urllib3.filepost import encode_multipart_formdata

from r2gate.auth import S3Principal
from r2gate.errors import ApiError
from r2gate.s3 import errors
from r2gate.s3.credentials import S3Credential, S3Keyring, UploadLimits
from r2gate.s3.form_prefix import FormPrefix, FormPrefixParser
from r2gate.s3.post_policy import PostForm, check_post, parse_policy
from r2gate.s3.translate import s3_error_from
from r2gate.write_policy import WritePlan, decide_write

from .boto import BUCKET, ROOT_ID, ROOT_SECRET, TENANT_ID, TENANT_SECRET, client

BOUNDARY = "----r2gateFormBoundary7MA4YWxkTrZu0gW"
LIMITED_ID = "R2GATELIMITED00001"
LIMITED_SECRET = "limited-secret-access-key-0123456789abcd"
KEYS = S3Keyring(
    [
        S3Credential.full_access(ROOT_ID, ROOT_SECRET),
        S3Credential.create("tenant42", TENANT_ID, TENANT_SECRET, ["write", "sign"], ["t42/"]),
        S3Credential.create(
            "limited",
            LIMITED_ID,
            LIMITED_SECRET,
            ["write", "sign"],
            [""],
            UploadLimits(max_bytes=100, content_types=("image/*",), create_only=True),
        ),
    ]
)
SEED_CONDITIONS = [
    ["content-length-range", 0, 10485760],
    ["starts-with", "$Content-Type", "image/"],
]


def presign_post(
    key: str = "uploads/${filename}",
    fields: dict | None = None,
    conditions: list | None = None,
    expires: int = 3600,
    key_id: str = ROOT_ID,
    secret: str = ROOT_SECRET,
) -> dict:
    s3 = client(key_id=key_id, secret=secret)
    return s3.generate_presigned_post(
        BUCKET,
        key,
        Fields=fields if fields is not None else {"Content-Type": "image/png"},
        Conditions=conditions if conditions is not None else list(SEED_CONDITIONS),
        ExpiresIn=expires,
    )


def form_body(
    presigned: dict,
    data: bytes = b"\x89PNG fake image bytes",
    filename: str = "cat.png",
    extra: list | None = None,
    after: list | None = None,
) -> bytes:
    fields = list(presigned["fields"].items()) + list(extra or [])
    fields.append(("file", (filename, data, "image/png")))
    fields += list(after or [])
    body, content_type = encode_multipart_formdata(fields, boundary=BOUNDARY)
    assert content_type == f"multipart/form-data; boundary={BOUNDARY}"
    return body


def parse_prefix(body: bytes, chunk: int = 1 << 20) -> FormPrefix:
    parser = FormPrefixParser(BOUNDARY)
    offset = 0
    while True:
        piece = body[offset : offset + min(chunk, parser.room)]
        assert piece, "the parser wanted more than the body has"
        prefix = parser.feed(piece)
        if prefix is not None:
            assert prefix.data_start == offset + prefix.data_offset_in_feed
            return prefix
        offset += len(piece)


def decide(form: PostForm, max_single: int = 100 * 1024 * 1024) -> WritePlan:
    """The write policy's decision on a form, as the handler asks it (the signer's presigned
    request is the writer), its refusal as the S3 error a client gets."""
    try:
        return decide_write(S3Principal(form.signed), form.proposal, max_single=max_single)
    except ApiError as error:
        raise s3_error_from(error) from None


def store(presigned: dict, body: bytes) -> tuple[PostForm, WritePlan]:
    """Check a form and let the write policy decide what it stores."""
    _, form = upload(presigned, body)
    return form, decide(form)


def upload(presigned: dict, body: bytes, now: float | None = None):
    prefix = parse_prefix(body)
    length = prefix.file_length(len(body))
    prefix.check_closing(body[len(body) - len(prefix.closing) :])
    assert presigned["url"].endswith(f"/api/s3/{BUCKET}")
    result = check_post(
        prefix, length, bucket=BUCKET, keyring=KEYS, now=time.time() if now is None else now
    )
    return prefix, result


# --- the prefix parser ----------------------------------------------------------------------


def test_prefix_and_exact_file_length():
    presigned = presign_post()
    data = b"\r\n--not-the-boundary\r\n" + bytes(range(256)) * 10
    body = form_body(presigned, data, filename='ph"o to ü.png')
    for chunk in (1, 7, 100, 1 << 20):
        prefix = parse_prefix(body, chunk)
        assert [f.name for f in prefix.fields] == list(presigned["fields"])
        assert prefix.filename == "ph%22o to ü.png"  # as browsers and urllib3 escape '"'
        assert prefix.file_content_type == "image/png"
        length = prefix.file_length(len(body))
        assert body[prefix.data_start : prefix.data_start + length] == data
        prefix.check_closing(body[prefix.data_start + length :])


def test_closing_must_follow_the_file():
    body = form_body(presign_post())
    prefix = parse_prefix(body)
    with pytest.raises(errors.MalformedPOSTRequest):
        prefix.check_closing(body[-len(prefix.closing) - 1 : -1])
    with pytest.raises(errors.MalformedPOSTRequest):
        prefix.file_length(prefix.data_start + 3)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"preamble\r\n--B\r\n", errors.MalformedPOSTRequest),
        (
            b'--B\r\nContent-Disposition: attachment; name="a"\r\n\r\nv\r\n--B\r\n',
            errors.MalformedPOSTRequest,
        ),
        (b"--B\r\nContent-Disposition: form-data\r\n\r\nv\r\n--B\r\n", errors.MalformedPOSTRequest),
        (
            b'--B\r\nContent-Disposition: form-data; name="a"; name="b"\r\n\r\n',
            errors.MalformedPOSTRequest,
        ),
        (
            b'--B\r\nContent-Disposition: form-data; name="a"; filename*=x\r\n\r\n',
            errors.MalformedPOSTRequest,
        ),
        (
            b'--B\r\nContent-Disposition: form-data; name="a"\r\nX-Other: 1\r\n\r\nv\r\n--B\r\n',
            errors.MalformedPOSTRequest,
        ),
        (
            b'--B\r\nContent-Disposition: form-data; name="a"; filename="f"\r\n\r\nv\r\n--B\r\n',
            errors.MalformedPOSTRequest,
        ),
        (
            b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--B--\r\n',
            errors.MalformedPOSTRequest,
        ),
        (
            b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--Bxx',
            errors.MalformedPOSTRequest,
        ),
        (
            b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n\xff\r\n--B\r\n',
            errors.MalformedPOSTRequest,
        ),
        (
            b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n' + b"x" * 70000,
            errors.MaxPostPreDataLengthExceededError,
        ),
    ],
    ids=[
        "preamble",
        "not-form-data",
        "no-name",
        "repeated-param",
        "unknown-param",
        "other-header",
        "filename-on-field",
        "no-file",
        "bad-boundary-line",
        "not-utf8",
        "too-long",
    ],
)
def test_malformed_prefixes(body, error):
    with pytest.raises(error):
        parser = FormPrefixParser("B")
        for start in range(0, len(body), 4096):
            if parser.feed(body[start : start + min(4096, parser.room)]) is not None:
                break
        else:
            raise errors.MalformedPOSTRequest("incomplete")


WHITESPACE = {"spaces": b" ", "tabs": b"\t", "mixed": b" \t"}
LINES = {
    "before-the-value": b'Content-Disposition:%sform-data; name="a"',
    "only-whitespace": b"Content-Disposition:%s",
    "after-the-name": b"Content-Disposition%s:",
    "after-the-value": b'Content-Disposition: form-data; name="a"%s',
    "after-a-parameter": b'Content-Disposition: form-data;%sname="a"',
    "content-type": b"Content-Type:%s",
}


@pytest.mark.parametrize("line", LINES.values(), ids=LINES.keys())
@pytest.mark.parametrize("space", WHITESPACE.values(), ids=WHITESPACE.keys())
def test_a_long_whitespace_header_line_is_refused_in_linear_time(line, space):
    # A header line of whitespace ending in a bare LF once made the line pattern backtrack
    # cubically; now it is one pass. A smaller size first, so that a regression fails fast.
    for size in (2000, 60000):
        run = (space * (size // len(space)))[:size]
        body = b"--B\r\n" + line % run + b"\n\r\n\r\n"
        assert len(body) < 64 * 1024
        started = time.perf_counter()
        with pytest.raises(errors.MalformedPOSTRequest):
            FormPrefixParser("B").feed(body)
        assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("space", WHITESPACE.values(), ids=WHITESPACE.keys())
def test_whitespace_around_header_values_is_still_read(space):
    run = space * 100
    body = (
        b"--B\r\nContent-Disposition:" + run + b'form-data; name="f"' + run + b"\r\n\r\nv\r\n"
        b"--B\r\nContent-Disposition:" + run + b'form-data; name="file"; filename="a.png"'
        b"\r\nContent-Type:" + run + b"image/png" + run + b"\r\n\r\nDATA"
    )
    started = time.perf_counter()
    prefix = FormPrefixParser("B").feed(body)
    assert time.perf_counter() - started < 0.5
    assert prefix is not None
    assert [(f.name, f.value) for f in prefix.fields] == [("f", "v")]
    assert (prefix.filename, prefix.file_content_type) == ("a.png", "image/png")
    assert body[prefix.data_start :] == b"DATA"


def test_boundary_is_checked():
    for bad in ("", "x" * 71, "ends with space ", "semi;colon"):
        with pytest.raises(errors.MalformedPOSTRequest):
            FormPrefixParser(bad)


def test_too_many_fields():
    fields = [(f"x-ignore-{i}", "v") for i in range(70)] + [("file", ("f", b"x"))]
    body, _ = encode_multipart_formdata(fields, boundary="B")
    with pytest.raises(errors.MalformedPOSTRequest, match="more than"):
        FormPrefixParser("B").feed(body)


@settings(max_examples=400, deadline=None)
@given(body=st.binary(max_size=400), cut=st.integers(1, 400))
def test_any_bytes_give_a_prefix_or_an_s3_error(body, cut):
    parser = FormPrefixParser("B")
    try:
        for start in range(0, len(body), cut):
            if parser.feed(body[start : start + min(cut, parser.room)]) is not None:
                break
    except errors.S3Error:
        pass


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.text(max_size=40), max_size=5),
    filename=st.text(max_size=30),
    data=st.binary(max_size=200),
    cut=st.integers(1, 300),
)
def test_urllib3_forms_parse_back(values, filename, data, cut):
    fields = [(f"x-amz-meta-f{i}", value) for i, value in enumerate(values)]
    body, _ = encode_multipart_formdata([*fields, ("file", (filename, data))], boundary=BOUNDARY)
    prefix = parse_prefix(body, cut)
    assert [(f.name, f.value) for f in prefix.fields] == fields
    length = prefix.file_length(len(body))
    assert body[prefix.data_start : prefix.data_start + length] == data


# --- the policy ------------------------------------------------------------------------------


def test_seed_style_post_is_accepted():
    presigned = presign_post(
        fields={
            "Content-Type": "image/png",
            "success_action_status": "201",
            "x-amz-meta-owner": "u1",
        },
        conditions=[*SEED_CONDITIONS, {"success_action_status": "201"}, {"x-amz-meta-owner": "u1"}],
    )
    result, plan = store(presigned, form_body(presigned, b"12345", filename="cat.png"))
    assert result.key == "uploads/cat.png" and result.proposal.length == 5
    assert result.signed.presigned and result.signed.credential.name == "s3-default"
    assert plan.key == "uploads/cat.png" and plan.length == 5
    assert plan.content_type == "image/png"
    assert plan.custom_metadata == {"owner": "u1"}
    assert plan.trusted  # the default pair has no limits
    assert plan.options(plan.guard(None)) == {
        "httpMetadata": {"contentType": "image/png"},
        "customMetadata": {"owner": "u1"},
    }
    reply = result.reply(bucket=BUCKET, etag='"abc"', location="https://a.example/uploads/cat.png")
    assert reply.status == 201 and b"<Key>uploads/cat.png</Key>" in reply.body
    assert b'<ETag>"abc"</ETag>' in reply.body.replace(b"&quot;", b'"')


def test_success_statuses_and_redirect():
    presigned = presign_post(
        fields={
            "Content-Type": "image/png",
            "success_action_redirect": "https://app.example/done?x=1",
        },
        conditions=[*SEED_CONDITIONS, {"success_action_redirect": "https://app.example/done?x=1"}],
    )
    _, result = upload(presigned, form_body(presigned))
    reply = result.reply(bucket=BUCKET, etag='"e"', location="u")
    assert reply.status == 303
    assert reply.headers["Location"].startswith(
        "https://app.example/done?x=1&bucket=r2gate-assets&key=uploads%2Fcat.png&etag="
    )
    _, plain = upload(presign_post(), form_body(presign_post()))
    assert plain.reply(bucket=BUCKET, etag='"e"', location="u").status == 204


def test_policy_violations():
    big = presign_post(
        conditions=[["content-length-range", 0, 4], ["starts-with", "$Content-Type", "image/"]]
    )
    with pytest.raises(errors.EntityTooLarge):
        upload(big, form_body(big, b"12345"))
    small = presign_post(
        conditions=[["content-length-range", 10, 20], ["starts-with", "$Content-Type", "image/"]]
    )
    with pytest.raises(errors.EntityTooSmall):
        upload(small, form_body(small, b"12345"))
    wrong_type = presign_post(fields={"Content-Type": "text/html"})
    with pytest.raises(errors.PolicyConditionFailed, match="Content-Type|content-type"):
        upload(wrong_type, form_body(wrong_type))


def test_key_outside_the_policy_prefix():
    presigned = presign_post(key="uploads/${filename}")
    presigned["fields"]["key"] = "elsewhere/${filename}"
    with pytest.raises(errors.PolicyConditionFailed, match="key"):
        upload(presigned, form_body(presigned))


def test_extra_field_without_condition():
    presigned = presign_post()
    with pytest.raises(errors.PolicyConditionFailed, match="Extra input fields: x-amz-meta-sneaky"):
        upload(presigned, form_body(presigned, extra=[("x-amz-meta-sneaky", "1")]))
    upload(presigned, form_body(presigned, extra=[("x-ignore-tracking", "1")]))


def test_file_not_last_means_required_fields_are_missing():
    presigned = presign_post()
    fields = list(presigned["fields"].items())
    body, _ = encode_multipart_formdata(
        [*fields[:4], ("file", ("cat.png", b"x", "image/png")), *fields[4:]], boundary=BOUNDARY
    )
    prefix = parse_prefix(body)
    with pytest.raises(errors.InvalidArgument, match="before the file"):
        check_post(prefix, 1, bucket=BUCKET, keyring=KEYS, now=time.time())
    body, _ = encode_multipart_formdata(
        [("file", ("cat.png", b"x", "image/png")), *fields], boundary=BOUNDARY
    )
    with pytest.raises(errors.AccessDenied, match="before the file"):
        check_post(parse_prefix(body), 1, bucket=BUCKET, keyring=KEYS, now=time.time())


def test_expired_policy():
    presigned = presign_post(expires=60)
    body = form_body(presigned)
    upload(presigned, body, time.time() + 30)
    with pytest.raises(errors.PolicyExpired) as caught:
        upload(presigned, body, time.time() + 61)
    assert caught.value.code == "AccessDenied" and caught.value.status == 403


def test_tampered_signature_policy_and_fields():
    presigned = presign_post()
    for field, change in (
        ("x-amz-signature", lambda v: ("0" if v[0] != "0" else "1") + v[1:]),
        (
            "policy",
            lambda v: base64.b64encode(base64.b64decode(v).replace(b"image/", b"text/h")).decode(),
        ),
        ("x-amz-date", lambda v: v[:-2] + ("0Z" if v[-2] != "0" else "1Z")),
    ):
        tampered = {
            **presigned,
            "fields": {**presigned["fields"], field: change(presigned["fields"][field])},
        }
        with pytest.raises((errors.SignatureDoesNotMatch, errors.PolicyConditionFailed)) as caught:
            upload(tampered, form_body(tampered))
        if field != "x-amz-date":
            assert isinstance(caught.value, errors.SignatureDoesNotMatch)


def test_wrong_credential_scope_or_key():
    presigned = presign_post()
    credential = presigned["fields"]["x-amz-credential"]
    for old, new, error in (
        ("/auto/", "/eu-west-1/", errors.InvalidArgument),
        (ROOT_ID, "R2GATEUNKNOWN00001", errors.InvalidAccessKeyId),
        ("/s3/", "/s4/", errors.InvalidArgument),
    ):
        tampered = {
            **presigned,
            "fields": {**presigned["fields"], "x-amz-credential": credential.replace(old, new)},
        }
        with pytest.raises(error):
            upload(tampered, form_body(tampered))


def test_tenant_credential_outside_its_prefixes():
    inside = presign_post(key="t42/${filename}", key_id=TENANT_ID, secret=TENANT_SECRET)
    assert store(inside, form_body(inside))[1].key == "t42/cat.png"
    outside = presign_post(key="t420/${filename}", key_id=TENANT_ID, secret=TENANT_SECRET)
    _, form = upload(outside, form_body(outside))  # the policy holds: the signer decides
    with pytest.raises(errors.AccessDenied, match="may not"):
        decide(form)


def test_credential_limits_and_create_only():
    presigned = presign_post(key_id=LIMITED_ID, secret=LIMITED_SECRET)
    _, plan = store(presigned, form_body(presigned, b"x" * 100))
    assert plan.create_only and plan.options(plan.guard(None))["onlyIf"] == {
        "etagDoesNotMatch": "*"
    }
    with pytest.raises(errors.EntityTooLarge) as caught:
        store(presigned, form_body(presigned, b"x" * 101))
    assert caught.value.details == {"MaxSizeAllowed": "100", "ProposedSize": "101"}
    html = presign_post(
        fields={"Content-Type": "text/html"},
        conditions=[["starts-with", "$Content-Type", ""]],
        key_id=LIMITED_ID,
        secret=LIMITED_SECRET,
    )
    with pytest.raises(errors.AccessDenied, match="text/html"):
        store(html, form_body(html))


@pytest.mark.parametrize("key_id", [ROOT_ID, LIMITED_ID])
@pytest.mark.parametrize(
    "content_type", ["image/png;,text/html", "image/png, text/html", "image/png;x=1,text/html"]
)
def test_a_form_type_that_hides_another_is_refused(key_id, content_type):
    secret = ROOT_SECRET if key_id == ROOT_ID else LIMITED_SECRET
    presigned = presign_post(fields={"Content-Type": content_type}, key_id=key_id, secret=secret)
    _, form = upload(presigned, form_body(presigned))
    with pytest.raises(ApiError) as caught:
        decide_write(S3Principal(form.signed), form.proposal, max_single=1000)
    assert (caught.value.status, caught.value.code) == (400, "invalid_content_type")
    assert isinstance(s3_error_from(caught.value), errors.InvalidArgument)


def test_form_fields_the_policy_refuses_are_invalid_argument():
    for name, value in (
        ("Cache-Control", "max-age=1 2"),
        ("Content-Disposition", "attachment; filename=a b"),
        ("x-amz-meta-a b", "1"),
        ("x-amz-meta-a", "x\r\ny"),
    ):
        presigned = presign_post(
            fields={"Content-Type": "image/png", name: value},
            conditions=[*SEED_CONDITIONS, {name: value}],
        )
        with pytest.raises(errors.InvalidArgument):
            store(presigned, form_body(presigned))


def test_form_fields_are_stored_by_a_limited_pair():
    fields = {"Content-Type": "image/png", "Cache-Control": "no-cache", "x-amz-meta-who": "u1"}
    presigned = presign_post(
        fields=fields,
        conditions=[{"Cache-Control": "no-cache"}, {"x-amz-meta-who": "u1"}, *SEED_CONDITIONS],
        key_id=LIMITED_ID,
        secret=LIMITED_SECRET,
    )
    _, plan = store(presigned, form_body(presigned))
    assert plan.http_metadata == {"contentType": "image/png", "cacheControl": "no-cache"}
    assert plan.custom_metadata == {"who": "u1"}


def test_the_key_condition_holds_for_the_key_after_the_filename():
    exact = presign_post(
        key="uploads/${filename}",
        conditions=[["eq", "$key", "uploads/cat.png"], ["starts-with", "$Content-Type", ""]],
    )
    assert upload(exact, form_body(exact, filename="cat.png"))[1].key == "uploads/cat.png"
    with pytest.raises(errors.PolicyConditionFailed, match="key"):
        upload(exact, form_body(exact, filename="dog.png"))
    # a filename cannot climb out of the prefix the policy allows
    prefixed = presign_post(
        key="uploads/${filename}",
        conditions=[["starts-with", "$key", "uploads/cats/"], ["starts-with", "$Content-Type", ""]],
    )
    assert upload(prefixed, form_body(prefixed, filename="cats/a.png"))[1].key == (
        "uploads/cats/a.png"
    )
    with pytest.raises(errors.PolicyConditionFailed, match="key"):
        upload(prefixed, form_body(prefixed, filename="dogs/a.png"))


def test_filename_substitution_is_validated():
    presigned = presign_post()
    with pytest.raises(errors.InvalidArgument):
        upload(presigned, form_body(presigned, filename=""))  # key "uploads/" is not a key
    with pytest.raises(errors.InvalidArgument):
        upload(presigned, form_body(presigned, filename="../x.png"))


EXP = '"expiration": "2030-01-01T00:00:00Z"'


@pytest.mark.parametrize(
    "document",
    [
        "[]",
        "{" + EXP + "}",
        '{"expiration": "tomorrow", "conditions": []}',
        "{" + EXP + ', "conditions": [["in", "$k", "v"]]}',
        "{" + EXP + ', "conditions": [{"a": "1", "b": "2"}]}',
        "{" + EXP + ', "conditions": [["content-length-range", 5, 1]]}',
        "{" + EXP + ', "conditions": [["content-length-range", 0, true]]}',
        "{" + EXP + ', "conditions": [["eq", "key", "v"]]}',
        "{" + EXP + ', "conditions": [' + "[" * 5000 + "]" * 5000 + "]}",
        "{" + EXP + ', "conditions": [], "x": 1}',
        "{" + EXP + ", " + EXP + ', "conditions": []}',
    ],
)
def test_invalid_policy_documents(document):
    with pytest.raises(errors.InvalidPolicyDocument):
        parse_policy(base64.b64encode(document.encode()).decode())
    with pytest.raises(errors.InvalidPolicyDocument):
        parse_policy("not base64!")


def test_policy_parser_reads_botocore_policies():
    presigned = presign_post(conditions=[*SEED_CONDITIONS, ["eq", "$x-amz-meta-a", "b"]])
    policy = parse_policy(presigned["fields"]["policy"])
    assert [str(c) for c in policy.conditions][:3] == [
        '["content-length-range", 0, 10485760]',
        '["starts-with", "$content-type", "image/"]',
        '["eq", "$x-amz-meta-a", "b"]',
    ]
    assert abs(policy.expiration - (time.time() + 3600)) < 5
    assert json.loads(base64.b64decode(presigned["fields"]["policy"]))["conditions"]


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
        max_leaves=30,
    )
)
def test_any_json_policy_gives_a_policy_or_invalid_policy_document(document):
    text = json.dumps({"expiration": "2030-01-01T00:00:00Z", "conditions": document})
    with contextlib.suppress(errors.InvalidPolicyDocument):
        parse_policy(base64.b64encode(text.encode()).decode())
