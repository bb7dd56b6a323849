-- The sha256 of a result's stored (compressed) bytes, checked on read before they are
-- decompressed: a tenth of the bytes the digest of the result itself covers. NULL for results
-- stored before, whose decompressed bytes are checked against `digest` instead.
ALTER TABLE results ADD COLUMN data_digest BLOB;
