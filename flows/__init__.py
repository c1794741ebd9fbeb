"""Prefect flows: orchestration only. Every step is a plain function in the stage packages."""
