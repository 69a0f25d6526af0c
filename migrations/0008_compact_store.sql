-- Store less, read less.
--
-- orders.raw now holds the marketplace payload as a zstd frame (rows written before this
-- migration keep their text and are read as they are). Once enough orders of a kind are stored,
-- uoms trains a zstd dictionary from them and compresses every later payload of that kind with
-- it; the frame names its dictionary (zstd dictionary id = 32768 + id), so a reader needs only
-- this table. A dictionary is never changed or deleted while a payload may name it.
CREATE TABLE payload_dictionaries (
  id         INTEGER PRIMARY KEY,
  kind       TEXT NOT NULL,
  dictionary BLOB NOT NULL,
  samples    INTEGER NOT NULL, -- how many payloads it was trained from
  created_at TEXT NOT NULL
);
CREATE INDEX payload_dictionaries_kind ON payload_dictionaries(kind, id);

-- The channels each job's details name, so `uoms jobs list --channel` reads one range instead of
-- every job detail of the channel. Kept by a trigger on job_details.
CREATE TABLE job_channels (
  channel TEXT NOT NULL,
  job_id  INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  PRIMARY KEY (channel, job_id)
) WITHOUT ROWID;
CREATE INDEX job_channels_job ON job_channels(job_id);

INSERT OR IGNORE INTO job_channels (channel, job_id)
  SELECT DISTINCT channel, job_id FROM job_details WHERE channel IS NOT NULL;

-- The trigger tests for the row instead of INSERT OR IGNORE: an outer statement's conflict
-- policy (an upsert's, say) would override the one of a trigger's statement.
CREATE TRIGGER job_details_channel AFTER INSERT ON job_details WHEN NEW.channel IS NOT NULL
BEGIN
  INSERT INTO job_channels (channel, job_id) SELECT NEW.channel, NEW.job_id
    WHERE NOT EXISTS (SELECT 1 FROM job_channels WHERE channel = NEW.channel AND job_id = NEW.job_id);
END;
