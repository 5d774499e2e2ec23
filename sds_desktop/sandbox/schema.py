"""The sandbox's SQLite schema (metadata only; blobs are files, see blobs.py)."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS api_keys (
    prefix TEXT PRIMARY KEY,
    hashed TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    revoked INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    uuid TEXT PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES users(id),
    directory TEXT NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL DEFAULT '',
    permissions TEXT NOT NULL DEFAULT 'rw-r--r--',
    size INTEGER NOT NULL,
    sum_blake3 TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    expiration_date REAL,
    is_deleted INTEGER NOT NULL DEFAULT 0,
    deleted_at REAL
);
CREATE INDEX IF NOT EXISTS files_owner_dir ON files(owner_id, directory);
CREATE INDEX IF NOT EXISTS files_owner_sum ON files(owner_id, sum_blake3);
CREATE TABLE IF NOT EXISTS captures (
    uuid TEXT PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES users(id),
    capture_type TEXT NOT NULL,
    index_name TEXT NOT NULL DEFAULT '',
    top_level_dir TEXT NOT NULL,
    channel TEXT NOT NULL DEFAULT '',
    scan_group TEXT,
    name TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL DEFAULT 'user',
    capture_props TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0,
    deleted_at REAL
);
CREATE TABLE IF NOT EXISTS capture_files (
    capture_uuid TEXT NOT NULL,
    file_uuid TEXT NOT NULL,
    PRIMARY KEY (capture_uuid, file_uuid)
);
CREATE TABLE IF NOT EXISTS datasets (
    uuid TEXT PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    abstract TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    authors TEXT NOT NULL DEFAULT '[]',
    keywords TEXT NOT NULL DEFAULT '[]',
    institutions TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'draft',
    is_public INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    is_deleted INTEGER NOT NULL DEFAULT 0,
    deleted_at REAL
);
CREATE TABLE IF NOT EXISTS dataset_files (
    dataset_uuid TEXT NOT NULL,
    file_uuid TEXT NOT NULL,
    PRIMARY KEY (dataset_uuid, file_uuid)
);
CREATE TABLE IF NOT EXISTS dataset_captures (
    dataset_uuid TEXT NOT NULL,
    capture_uuid TEXT NOT NULL,
    PRIMARY KEY (dataset_uuid, capture_uuid)
);
CREATE TABLE IF NOT EXISTS shares (
    item_type TEXT NOT NULL,
    item_uuid TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    PRIMARY KEY (item_type, item_uuid, user_id)
);
"""
