-- r2gate's records of multipart uploads (native and S3), outside the bucket's key space so that
-- no listing of the bucket ever shows them (docs/multipart.md, "Records").
CREATE TABLE uploads (
  upload_id TEXT PRIMARY KEY,          -- r2gate's id: 32 lower-case hex characters
  key TEXT NOT NULL,                   -- the object key the upload becomes
  r2_upload_id TEXT NOT NULL,          -- R2's id of its multipart upload
  owner TEXT NOT NULL,                 -- key:<name>, jti:<jti>, grant:<digest>, s3:<name>
  part_size INTEGER NOT NULL,          -- every part but the last (client_sized: the largest)
  client_sized INTEGER NOT NULL,       -- 1: the client picks the part size (S3)
  content_type TEXT NOT NULL,
  max_bytes INTEGER,                   -- the creator's limits, kept for parts and completion
  exact_length INTEGER,
  overwrite INTEGER NOT NULL,          -- 0: create-only
  checksum_algorithm TEXT,             -- S3's ChecksumAlgorithm (crc32, ...), when asked for
  checksum_type TEXT,                  -- COMPOSITE or FULL_OBJECT
  created INTEGER NOT NULL,            -- unix seconds
  expires INTEGER NOT NULL,            -- unix seconds: gone from then on
  completed_etag TEXT,                 -- R2's etag of the object it became, once completed: a
  completed_size INTEGER               -- repeated completion answers it; its parts stay listed
);
CREATE INDEX uploads_by_key ON uploads (key, upload_id);
CREATE INDEX uploads_by_expiry ON uploads (expires);
CREATE INDEX uploads_by_object ON uploads (key, completed_etag);

CREATE TABLE upload_parts (
  upload_id TEXT NOT NULL REFERENCES uploads (upload_id) ON DELETE CASCADE,
  part_number INTEGER NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,                  -- R2's etag of the part
  md5 TEXT,                            -- the part's MD5 (S3's part ETag), when computed
  checksum TEXT,                       -- the part's x-amz-checksum-* value, when sent
  uploaded INTEGER NOT NULL,           -- unix milliseconds
  PRIMARY KEY (upload_id, part_number)
);

-- The checksum a client sent with an object (S3 PutObject's x-amz-checksum-*, or a multipart
-- object's full-object or composite checksum), for HeadObject / GetObject with
-- x-amz-checksum-mode: ENABLED and GetObjectAttributes. R2 keeps only MD5/SHA digests itself.
CREATE TABLE object_checksums (
  key TEXT NOT NULL,
  etag TEXT NOT NULL,                  -- R2's etag of the object the checksum is of
  algorithm TEXT NOT NULL,             -- crc32, crc32c, crc64nvme, sha1, sha256
  value TEXT NOT NULL,                 -- base64, with "-<parts>" for a composite checksum
  type TEXT NOT NULL,                  -- FULL_OBJECT or COMPOSITE
  PRIMARY KEY (key, etag)
);
