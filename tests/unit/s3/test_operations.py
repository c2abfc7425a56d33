"""Operation resolution, scopes and write plans for the requests boto3 really sends."""

from __future__ import annotations

import hashlib
import io
import time
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from r2gate.auth import S3Principal
from r2gate.errors import ApiError
from r2gate.s3 import errors
from r2gate.s3.credentials import S3Credential, S3Keyring, UploadLimits
from r2gate.s3.operations import (
    PutRequest,
    authorize,
    filter_deletes,
    object_proposal,
    parse_list_query,
    plan_copy,
    plan_part,
    put_request,
    resolve,
    response_overrides,
)
from r2gate.s3.request import S3Request
from r2gate.s3.sigv4 import Authenticated, authenticate
from r2gate.s3.translate import s3_error_from
from r2gate.write_policy import WritePlan, decide_upload, decide_write

from .boto import (
    BUCKET,
    ROOT_ID,
    ROOT_SECRET,
    TENANT_ID,
    TENANT_SECRET,
    client,
    presigned,
    sent_one,
)

LIMITED_ID = "R2GATELIMITED00001"
LIMITED_SECRET = "limited-secret-access-key-0123456789abcd"
KEYS = S3Keyring(
    [
        S3Credential.full_access(ROOT_ID, ROOT_SECRET),
        S3Credential.create(
            "tenant42", TENANT_ID, TENANT_SECRET, ["read", "write", "list"], ["t42/"]
        ),
        S3Credential.create(
            "limited",
            LIMITED_ID,
            LIMITED_SECRET,
            ["read", "write", "sign"],
            ["up/"],
            UploadLimits(max_bytes=10, content_types=("image/*",), create_only=True),
        ),
    ]
)
KEY = "t42/a b+c/ü%2F.glb"


def boto_request(call, **client_options) -> tuple[S3Request, bytes]:
    return sent_one(call, client(**client_options))


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda s3: s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"x"), "PutObject"),
        (lambda s3: s3.get_object(Bucket=BUCKET, Key=KEY, Range="bytes=0-1"), "GetObject"),
        (lambda s3: s3.head_object(Bucket=BUCKET, Key=KEY), "HeadObject"),
        (lambda s3: s3.delete_object(Bucket=BUCKET, Key=KEY), "DeleteObject"),
        (
            lambda s3: s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "a"}]}),
            "DeleteObjects",
        ),
        (lambda s3: s3.list_objects_v2(Bucket=BUCKET, Prefix="t42/"), "ListObjectsV2"),
        (lambda s3: s3.list_objects(Bucket=BUCKET), "ListObjects"),
        (
            lambda s3: s3.copy_object(
                Bucket=BUCKET, Key="t42/b", CopySource={"Bucket": BUCKET, "Key": KEY}
            ),
            "CopyObject",
        ),
        (lambda s3: s3.create_multipart_upload(Bucket=BUCKET, Key=KEY), "CreateMultipartUpload"),
        (
            lambda s3: s3.upload_part(
                Bucket=BUCKET, Key=KEY, UploadId="U1", PartNumber=2, Body=b"x"
            ),
            "UploadPart",
        ),
        (
            lambda s3: s3.complete_multipart_upload(
                Bucket=BUCKET,
                Key=KEY,
                UploadId="U1",
                MultipartUpload={"Parts": [{"ETag": "e", "PartNumber": 1}]},
            ),
            "CompleteMultipartUpload",
        ),
        (
            lambda s3: s3.abort_multipart_upload(Bucket=BUCKET, Key=KEY, UploadId="U1"),
            "AbortMultipartUpload",
        ),
        (lambda s3: s3.list_parts(Bucket=BUCKET, Key=KEY, UploadId="U1"), "ListParts"),
        (lambda s3: s3.head_bucket(Bucket=BUCKET), "HeadBucket"),
        (lambda s3: s3.get_bucket_location(Bucket=BUCKET), "GetBucketLocation"),
        (lambda s3: s3.list_buckets(), "ListBuckets"),
        (lambda s3: s3.put_object_acl(Bucket=BUCKET, Key=KEY, ACL="private"), "PutObjectAcl"),
        (lambda s3: s3.get_object_acl(Bucket=BUCKET, Key=KEY), "GetObjectAcl"),
        (lambda s3: s3.get_bucket_acl(Bucket=BUCKET), "GetBucketAcl"),
        (lambda s3: s3.list_multipart_uploads(Bucket=BUCKET), "ListMultipartUploads"),
        (lambda s3: s3.create_bucket(Bucket=BUCKET), "CreateBucket"),
        (
            lambda s3: s3.get_object_attributes(
                Bucket=BUCKET, Key=KEY, ObjectAttributes=["ETag", "ObjectSize"]
            ),
            "GetObjectAttributes",
        ),
        (
            lambda s3: s3.upload_part_copy(
                Bucket=BUCKET, Key=KEY, UploadId="U1", PartNumber=2, CopySource=f"{BUCKET}/a"
            ),
            "UploadPartCopy",
        ),
        (lambda s3: s3.get_object(Bucket=BUCKET, Key=KEY, PartNumber=3), "GetObject"),
    ],
)
def test_boto3_calls_resolve(call, name):
    request, _ = boto_request(call)
    operation = resolve(request, BUCKET)
    assert operation.name == name
    if operation.key is not None:
        assert operation.key in (KEY, "t42/b")
    if name == "UploadPart":
        assert (operation.upload_id, operation.part_number) == ("U1", 2)


@pytest.mark.parametrize(
    "call",
    [
        lambda s3: s3.get_object_tagging(Bucket=BUCKET, Key="k"),
        lambda s3: s3.get_object(Bucket=BUCKET, Key="k", VersionId="v1"),
        lambda s3: s3.list_object_versions(Bucket=BUCKET),
        lambda s3: s3.delete_bucket(Bucket=BUCKET),
        lambda s3: s3.get_bucket_cors(Bucket=BUCKET),
    ],
)
def test_unsupported_operations_are_501(call):
    request, _ = boto_request(call)
    with pytest.raises(errors.S3NotImplemented) as caught:
        resolve(request, BUCKET)
    assert caught.value.status == 501 and caught.value.code == "NotImplemented"


def test_other_bucket_and_bad_keys():
    request, _ = boto_request(lambda s3: s3.head_object(Bucket="other-bucket", Key="k"))
    with pytest.raises(errors.NoSuchBucket):
        resolve(request, BUCKET)
    for path, error in (
        (f"/api/s3/{BUCKET}/api/x", errors.InvalidArgument),
        (f"/api/s3/{BUCKET}/a//b", errors.InvalidArgument),
        (f"/api/s3/{BUCKET}/a/%2E%2E/b", errors.InvalidArgument),
        (f"/api/s3/{BUCKET}/%FF", errors.InvalidArgument),
        (f"/api/s3/{BUCKET}/" + "k" * 1025, errors.KeyTooLongError),
    ):
        with pytest.raises(error):
            resolve(S3Request("GET", path), BUCKET)
    assert resolve(S3Request("GET", f"/api/s3/{BUCKET}/a%2Fb"), BUCKET).key == "a/b"


def test_presigned_post_to_the_bucket_url_is_post_object():
    post = client().generate_presigned_post(BUCKET, "k")
    path = post["url"].split("127.0.0.1:8787", 1)[1]
    request = S3Request("POST", path, "", {"content-type": "multipart/form-data; boundary=x"})
    assert resolve(request, BUCKET).name == "PostObject"


# --- scopes ----------------------------------------------------------------------------------


def tenant(call) -> tuple:
    request, body = boto_request(call, key_id=TENANT_ID, secret=TENANT_SECRET)
    return request, authenticate(request, KEYS, time.time()), body


def test_tenant_inside_and_outside_its_prefixes():
    request, auth, _ = tenant(lambda s3: s3.put_object(Bucket=BUCKET, Key="t42/x", Body=b"1"))
    authorize(auth.credential, resolve(request, BUCKET), presigned=False)
    request, auth, _ = tenant(lambda s3: s3.put_object(Bucket=BUCKET, Key="t420/x", Body=b"1"))
    with pytest.raises(errors.AccessDenied):
        authorize(auth.credential, resolve(request, BUCKET), presigned=False)
    request, auth, _ = tenant(lambda s3: s3.delete_object(Bucket=BUCKET, Key="t42/x"))
    with pytest.raises(errors.AccessDenied):
        authorize(auth.credential, resolve(request, BUCKET), presigned=False)


def test_listing_needs_list_on_the_prefix():
    request, auth, _ = tenant(lambda s3: s3.list_objects_v2(Bucket=BUCKET, Prefix="t42/"))
    query = parse_list_query(request)
    authorize(auth.credential, resolve(request, BUCKET), presigned=False, list_prefix=query.prefix)
    request, auth, _ = tenant(lambda s3: s3.list_objects_v2(Bucket=BUCKET, Prefix="t"))
    with pytest.raises(errors.AccessDenied):
        authorize(auth.credential, resolve(request, BUCKET), presigned=False, list_prefix="t")


def test_copy_needs_read_on_the_source():
    request, auth, _ = tenant(
        lambda s3: s3.copy_object(
            Bucket=BUCKET, Key="t42/b", CopySource={"Bucket": BUCKET, "Key": "secret/a"}
        )
    )
    plan = plan_copy(request, BUCKET)
    assert plan.source_key == "secret/a" and not plan.replace_metadata
    with pytest.raises(errors.AccessDenied):
        authorize(
            auth.credential, resolve(request, BUCKET), presigned=False, copy_source=plan.source_key
        )


def test_presigned_requests_need_sign():
    url = client(key_id=TENANT_ID, secret=TENANT_SECRET).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "t42/a"}
    )
    request = presigned(url)
    auth = authenticate(request, KEYS, time.time())
    with pytest.raises(errors.AccessDenied):
        authorize(auth.credential, resolve(request, BUCKET), presigned=True)


def test_delete_objects_is_filtered_per_key():
    tenant_credential = KEYS.lookup(TENANT_ID)
    root = KEYS.lookup(ROOT_ID)
    allowed, refused = filter_deletes(root, ["t42/a", "api/x", "b"], presigned=False)
    assert allowed == ["t42/a", "b"] and [e.code for e in refused] == ["InvalidArgument"]
    allowed, refused = filter_deletes(tenant_credential, ["t42/a"], presigned=False)
    assert allowed == [] and refused[0].code == "AccessDenied"  # tenant42 has no delete


# --- plans -----------------------------------------------------------------------------------


def decide(put: PutRequest, auth: Authenticated, max_single: int = 100) -> WritePlan:
    """The write policy's decision on a PutObject, its refusal as the S3 error a client gets
    (the handler's translation)."""
    try:
        return decide_write(S3Principal(auth), put.proposal, max_single=max_single)
    except ApiError as error:
        raise s3_error_from(error) from None


def test_put_plan_over_http():
    body = b"glTF binary"
    request, auth, _ = tenant(
        lambda s3: s3.put_object(
            Bucket=BUCKET,
            Key="t42/m.glb",
            Body=body,
            CacheControl="max-age=60",
            Metadata={"owner": "u1"},
            ContentDisposition="inline",
            IfNoneMatch="*",
        )
    )
    put = put_request(request, auth, "t42/m.glb")
    assert put.length == len(body) and put.chunked is None
    assert put.proposal.length == len(body) and put.proposal.metadata == {"owner": "u1"}
    assert put.integrity.r2 == {"sha256": hashlib.sha256(body).hexdigest()}
    assert [c.algorithm for c in put.integrity.streamed] == ["crc32"]
    plan = decide(put, auth)
    assert plan.content_type == "model/gltf-binary"  # no Content-Type sent: by extension
    assert plan.trusted and not plan.reads_current()
    assert plan.options(plan.guard(None)) == {
        "httpMetadata": {
            "contentType": "model/gltf-binary",
            "cacheControl": "max-age=60",
            "contentDisposition": "inline",
        },
        "customMetadata": {"owner": "u1"},
        "onlyIf": {"etagDoesNotMatch": "*"},
    }
    with pytest.raises(errors.EntityTooLarge) as caught:
        decide(put, auth, max_single=5)
    assert caught.value.details == {"MaxSizeAllowed": "5", "ProposedSize": "11"}


def test_put_plan_over_https_is_chunked():
    request, body = boto_request(
        lambda s3: s3.put_object(
            Bucket=BUCKET, Key="k", Body=io.BytesIO(b"hello"), ContentEncoding="gzip"
        ),
        scheme="https",
    )
    assert request.headers["content-encoding"] == "gzip,aws-chunked"
    auth = authenticate(request, KEYS, time.time())
    put = put_request(request, auth, "k")
    assert put.length == 5 and put.chunked is not None
    assert put.chunked.trailer == "x-amz-checksum-crc32"
    assert "sha256" not in put.integrity.r2
    # aws-chunked is the upload's framing, never stored as the object's coding
    assert decide(put, auth).http_metadata["contentEncoding"] == "gzip"


def test_put_plan_refuses_what_r2gate_cannot_honour():
    for params in (
        {"ServerSideEncryption": "AES256"},
        {"StorageClass": "GLACIER"},
        {"GrantRead": "uri=http://acs.amazonaws.com/groups/global/AllUsers"},
        {"Tagging": "a=b"},
    ):
        request, auth, _ = tenant(
            lambda s3, p=params: s3.put_object(Bucket=BUCKET, Key="t42/x", Body=b"1", **p)
        )
        with pytest.raises(errors.S3NotImplemented):
            put_request(request, auth, "t42/x")
    request, auth, _ = tenant(
        lambda s3: s3.put_object(Bucket=BUCKET, Key="t42/x", Body=b"1", ACL="public-read")
    )
    put_request(request, auth, "t42/x")
    with pytest.raises(errors.MissingContentLength):
        put_request(
            replace(
                request, headers={k: v for k, v in request.headers.items() if k != "content-length"}
            ),
            auth,
            "t42/x",
        )


def test_put_headers_the_policy_refuses_are_invalid_argument():
    for params in (
        {"CacheControl": "max-age=1 2"},
        {"ContentLanguage": "en_US"},
        {"ContentType": "image/png, text/html"},
        {"ContentDisposition": "attachment; filename=a b"},
    ):
        request, auth, _ = tenant(
            lambda s3, p=params: s3.put_object(Bucket=BUCKET, Key="t42/x", Body=b"1", **p)
        )
        with pytest.raises(errors.InvalidArgument):
            decide(put_request(request, auth, "t42/x"), auth)


def test_presigned_put_applies_the_credential_limits():
    s3 = client(key_id=LIMITED_ID, secret=LIMITED_SECRET)

    def presigned_put(key, content_type, body):
        url = s3.generate_presigned_url(
            "put_object", Params={"Bucket": BUCKET, "Key": key, "ContentType": content_type}
        )
        request = presigned(
            url, "PUT", {"Content-Type": content_type, "Content-Length": str(len(body))}
        )
        auth = authenticate(request, KEYS, time.time())
        operation = resolve(request, BUCKET)
        authorize(auth.credential, operation, presigned=True)
        return decide(put_request(request, auth, key), auth, max_single=1000)

    plan = presigned_put("up/a.png", "image/png", b"12345")
    assert plan.create_only and plan.guard(None) == {"etagDoesNotMatch": "*"}
    assert plan.options(plan.guard(None))["onlyIf"] == {"etagDoesNotMatch": "*"}
    with pytest.raises(errors.EntityTooLarge):
        presigned_put("up/a.png", "image/png", b"x" * 11)
    with pytest.raises(errors.AccessDenied):
        presigned_put("up/a.html", "text/html", b"x")
    with pytest.raises(errors.AccessDenied):
        presigned_put("elsewhere/a.png", "image/png", b"x")


def test_presigned_multipart_creation_carries_the_credential_limits():
    s3 = client(key_id=LIMITED_ID, secret=LIMITED_SECRET)
    url = s3.generate_presigned_url(
        "create_multipart_upload", Params={"Bucket": BUCKET, "Key": "up/a.png"}
    )
    request = presigned(url, "POST", {"Content-Type": "image/png"})
    auth = authenticate(request, KEYS, time.time())
    assert resolve(request, BUCKET).name == "CreateMultipartUpload"
    proposal = object_proposal(request, "up/a.png", preconditions=False)
    assert proposal.length is None and proposal.preconditions == {}
    plan = decide_upload(S3Principal(auth), proposal)
    assert plan.create_only and plan.bounds is not None and plan.bounds.max_bytes == 10
    html = presigned(url, "POST", {"Content-Type": "text/html"})
    with pytest.raises(ApiError) as caught:
        decide_upload(S3Principal(auth), object_proposal(html, "up/a.png"))
    assert isinstance(s3_error_from(caught.value), errors.AccessDenied)


def test_part_plan_has_digests_for_js():
    body = b"x" * 1000
    request, _ = boto_request(
        lambda s3: s3.upload_part(Bucket=BUCKET, Key="k", UploadId="U", PartNumber=1, Body=body)
    )
    auth = authenticate(request, KEYS, time.time())
    plan = plan_part(request, auth)
    assert plan.length == 1000
    assert [d.algorithm for d in plan.digests] == ["sha256", "crc32"]
    assert plan.digests[0].expected == hashlib.sha256(body).digest()


def test_list_queries_from_boto3():
    request, _ = boto_request(
        lambda s3: s3.list_objects_v2(
            Bucket=BUCKET,
            Prefix="t42/a b",
            Delimiter="/",
            MaxKeys=5000,
            ContinuationToken="cursor/+=",
            StartAfter="t42/a",
        )
    )
    query = parse_list_query(request)
    assert (query.prefix, query.delimiter, query.max_keys) == ("t42/a b", "/", 1000)
    assert query.encoding_type == "url" and query.continuation_token == "cursor/+="
    assert query.r2_list_options() == {
        "prefix": "t42/a b",
        "limit": 1000,
        "include": ["httpMetadata"],
        "delimiter": "/",
        "cursor": "cursor/+=",
        "startAfter": "t42/a",
    }
    request, _ = boto_request(lambda s3: s3.list_objects(Bucket=BUCKET, Marker="m/1", MaxKeys=2))
    v1 = parse_list_query(request, version=1)
    assert v1.start_after == "m/1" and v1.max_keys == 2 and v1.continuation_token is None
    with pytest.raises(errors.InvalidArgument):
        parse_list_query(S3Request("GET", f"/api/s3/{BUCKET}", "list-type=2&max-keys=-1"))
    with pytest.raises(errors.InvalidArgument):
        parse_list_query(S3Request("GET", f"/api/s3/{BUCKET}", "list-type=2&encoding-type=xml"))


def test_response_overrides_from_a_presigned_get():
    url = client().generate_presigned_url(
        "get_object",
        Params={
            "Bucket": BUCKET,
            "Key": "k",
            "ResponseContentDisposition": 'attachment; filename="a b.glb"',
            "ResponseContentType": "model/gltf-binary",
        },
    )
    assert response_overrides(presigned(url)) == {
        "Content-Disposition": 'attachment; filename="a b.glb"',
        "Content-Type": "model/gltf-binary",
    }


@settings(max_examples=400, deadline=None)
@given(
    method=st.sampled_from(["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH"]),
    path=st.text(max_size=40),
    query=st.text(max_size=60),
    copy=st.none() | st.text(max_size=30),
)
def test_any_request_resolves_or_gives_an_s3_error(method, path, query, copy):
    headers = {} if copy is None else {"x-amz-copy-source": copy}
    try:
        request = S3Request(method, f"/api/s3/{BUCKET}/{path}", query, headers)
        operation = resolve(request, BUCKET)
        if operation.name == "CopyObject":
            plan_copy(request, BUCKET)
        if operation.name in ("ListObjectsV2", "ListObjects"):
            parse_list_query(request)
    except errors.S3Error:
        pass
