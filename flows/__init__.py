"""Prefect flows: orchestration only. Every step is a plain function in the stage packages."""

import logging

# pdfminer reports every odd PDF construct at WARNING; the document's status already says what matters.
logging.getLogger("pdfminer").setLevel(logging.ERROR)
