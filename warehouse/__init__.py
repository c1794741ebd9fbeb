"""The warehouse: documents, submissions, scores and findings, through SQLAlchemy 2 (SQLite or PostgreSQL)."""
