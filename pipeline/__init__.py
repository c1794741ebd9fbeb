"""The pipeline: the inbox, reading each document within its limits, and the ingest steps composed once."""
