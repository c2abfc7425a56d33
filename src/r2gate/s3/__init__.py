"""The S3-compatible surface's pure core (docs/s3.md): credentials, SigV4, presigned POST,
form and aws-chunked framing, S3 XML and operation resolution. No I/O, no ``js``."""
