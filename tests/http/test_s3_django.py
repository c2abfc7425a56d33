"""django-storages' S3Storage (the settings a Django project has for S3, with r2gate's
endpoint and keys) saving and reading a FileField."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import django
import pytest
from django.conf import settings

from tests.support.client import Client
from tests.support.server import RunningServer
from tests.support.settings import S3_BUCKET, TEST_S3_KEY_ID, TEST_S3_SECRET

pytestmark = pytest.mark.needs("S3")


def _configure(server_url: str) -> None:
    options = {
        "bucket_name": S3_BUCKET,
        "endpoint_url": f"{server_url}/api/s3",
        "access_key": TEST_S3_KEY_ID,
        "secret_key": TEST_S3_SECRET,
        "region_name": "auto",
        "file_overwrite": False,
        "querystring_expire": 300,
    }
    if settings.configured:
        settings.STORAGES["default"]["OPTIONS"].update(options)
        return
    settings.configure(
        INSTALLED_APPS=["django.contrib.contenttypes", "storages"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        STORAGES={
            "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        USE_TZ=True,
    )
    django.setup()


def test_file_field_saved_and_read_through_s3storage(
    server: RunningServer, client: Client, prefix: str
) -> None:
    # Django's ORM refuses to run where an event loop runs (another test may leave one in
    # this thread): a Django request handler's own thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(_save_and_read, server, client, prefix).result()


def _save_and_read(server: RunningServer, client: Client, prefix: str) -> None:
    _configure(server.url)
    from django.core.files.base import ContentFile
    from django.db import connection, models

    class Scan(models.Model):
        file = models.FileField(upload_to=f"{prefix}scans/")

        class Meta:
            app_label = "r2gate_tests"

    with connection.schema_editor() as editor:
        editor.create_model(Scan)
    scan = Scan()
    scan.file.save("room one.ply", ContentFile(b"ply\nformat binary_little_endian 1.0\n"))
    scan.save()
    name = scan.file.name
    assert name == f"{prefix}scans/room_one.ply"  # Django's get_valid_name
    stored = Scan.objects.get(pk=scan.pk)
    with stored.file.open("rb") as handle:
        assert handle.read() == b"ply\nformat binary_little_endian 1.0\n"
    assert stored.file.size == 36
    assert stored.file.storage.exists(name)
    second = Scan()
    second.file.save("room one.ply", ContentFile(b"another"))  # file_overwrite=False: a new name
    assert second.file.name != name
    assert client.get("/" + name).body.startswith(b"ply\n")
    url = stored.file.url  # a presigned GET
    assert client.get(url.split(server.url, 1)[1]).status == 200
    dirs, files = stored.file.storage.listdir(f"{prefix}scans/")
    assert sorted(files) == sorted([name.rsplit("/", 1)[1], second.file.name.rsplit("/", 1)[1]])
    stored.file.delete(save=False)
    assert not stored.file.storage.exists(name)


def test_default_acl_private_saves_under_a_private_prefix(
    server: RunningServer, client: Client, prefix: str
) -> None:
    """`default_acl: "private"` (a common setting): S3Storage sends `x-amz-acl: private` with
    every save. r2gate accepts it where the object is private (a private prefix of
    CACHE_POLICY, here "private/") and refuses it, AccessDenied, where it would be public."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(_save_private, server, client, prefix).result()


def _save_private(server: RunningServer, client: Client, prefix: str) -> None:
    _configure(server.url)
    from botocore.exceptions import ClientError
    from django.core.files.base import ContentFile
    from django.db import connection, models
    from storages.backends.s3 import S3Storage

    storage = S3Storage(**settings.STORAGES["default"]["OPTIONS"], default_acl="private")

    class Invoice(models.Model):
        file = models.FileField(storage=storage, upload_to=f"private/{prefix}invoices/")

        class Meta:
            app_label = "r2gate_tests"

    with connection.schema_editor() as editor:
        editor.create_model(Invoice)
    invoice = Invoice()
    invoice.file.save("march.pdf", ContentFile(b"%PDF-1.7 private"))
    invoice.save()
    name = invoice.file.name
    assert name == f"private/{prefix}invoices/march.pdf"
    with Invoice.objects.get(pk=invoice.pk).file.open("rb") as handle:
        assert handle.read() == b"%PDF-1.7 private"
    assert client.get(f"/{name}", auth=False).status == 401  # not public
    url = invoice.file.url  # presigned: the owner's link still reads it
    assert client.get(url.split(server.url, 1)[1], auth=False).body == b"%PDF-1.7 private"
    with pytest.raises(ClientError) as refused:  # a public key cannot be private
        storage.save(f"{prefix}public/march.pdf", ContentFile(b"%PDF-1.7"))
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    assert not storage.exists(f"{prefix}public/march.pdf")
    invoice.file.delete(save=False)
    assert not storage.exists(name)
