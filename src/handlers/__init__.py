"""Request handlers: read the request, call R2, build the response (the I/O layer)."""
