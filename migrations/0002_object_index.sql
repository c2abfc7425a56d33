-- The object index (docs/events.md, "The object index"): one row per key, kept by the Queue
-- consumer from upload events; GET /api/v1/stats and the tenant quotas read it. A deleted key
-- keeps its row (a tombstone: deleted set) so that an older event arriving late cannot bring
-- it back. `make reindex` rebuilds it from a listing of the bucket.
CREATE TABLE object_index (
  key TEXT PRIMARY KEY,
  size INTEGER NOT NULL,               -- bytes (0 for a tombstone)
  type TEXT NOT NULL,                  -- the top-level media type: model, video, image, ...
  content_type TEXT NOT NULL,
  etag TEXT NOT NULL,                  -- R2's etag ('' for a tombstone)
  owner TEXT NOT NULL,                 -- who wrote it: key:<name>, s3:<name>, jti:<jti>, ...
  uploaded INTEGER,                    -- unix ms of the upload (NULL for a tombstone)
  deleted INTEGER,                     -- unix ms of the deletion (NULL while the object is there)
  changed INTEGER NOT NULL             -- unix ms of the change the row holds: orders events
);
-- The live objects by key: quotas and stats sum a key range of it.
CREATE INDEX object_index_live ON object_index (key, size) WHERE deleted IS NULL;
-- Tombstones by age: the hourly cron forgets those older than a week.
CREATE INDEX object_index_tombstones ON object_index (deleted) WHERE deleted IS NOT NULL;

-- Webhook deliveries that exhausted their retries (the dead-letter queue's consumer keeps them
-- here, without any secret): for an operator to look at and replay.
CREATE TABLE dead_deliveries (
  event_id TEXT NOT NULL,
  url TEXT NOT NULL,                   -- the endpoint (or 'index' for an index message)
  event TEXT NOT NULL,                 -- the event, as JSON
  dead INTEGER NOT NULL,               -- unix ms it reached the dead-letter queue's consumer
  PRIMARY KEY (event_id, url)
);
