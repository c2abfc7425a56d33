"""r2gate's Python client: uploads (multipart, parallel, resumable), downloads (resumable,
verified), listing, stat, delete and upload URLs. Stdlib only; see docs/client.md.

    from r2gate_client import Client
    client = Client("https://assets.example.com", api_key="...")
    client.upload("scene.splat", key="splats/scene.splat")
    client.download("splats/scene.splat", "scene.splat")
"""

__version__ = "0.1.0"

from .api import DEFAULT_CONCURRENCY, DEFAULT_MULTIPART_THRESHOLD, Client
from .errors import (
    Conflict,
    Forbidden,
    IntegrityError,
    InvalidRequest,
    NotFound,
    PreconditionFailed,
    R2gateError,
    RangeNotSatisfiable,
    RateLimited,
    ServerError,
    SourceChanged,
    TooLarge,
    TransportError,
    Unauthorized,
    UploadNotFound,
)
from .models import DownloadResult, ListPage, ObjectInfo, UploadResult, UploadUrl
from .multipart import DEFAULT_PART_SIZE, MIN_PART_SIZE
from .progress import ProgressBar, ProgressCallback
from .retry import Retrier, RetryPolicy
from .transport import Response, Transport, UrllibTransport

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_MULTIPART_THRESHOLD",
    "DEFAULT_PART_SIZE",
    "MIN_PART_SIZE",
    "Client",
    "Conflict",
    "DownloadResult",
    "Forbidden",
    "IntegrityError",
    "InvalidRequest",
    "ListPage",
    "NotFound",
    "ObjectInfo",
    "PreconditionFailed",
    "ProgressBar",
    "ProgressCallback",
    "R2gateError",
    "RangeNotSatisfiable",
    "RateLimited",
    "Response",
    "Retrier",
    "RetryPolicy",
    "ServerError",
    "SourceChanged",
    "TooLarge",
    "Transport",
    "TransportError",
    "Unauthorized",
    "UploadNotFound",
    "UploadResult",
    "UploadUrl",
    "UrllibTransport",
]
