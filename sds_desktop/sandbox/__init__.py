"""Local SDS-compatible gateway (Werkzeug + SQLite + content-addressed blobs)."""
