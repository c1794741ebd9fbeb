"""The one error hierarchy: bad input is data (a reason on the document), not a crash.

What a user, a document or the warehouse's data causes is a ParindexError, shown as its one-line message.
A built-in exception (ValueError, TypeError) is left only for a caller's mistake in code: a defect of ours.
"""

from __future__ import annotations

from enum import StrEnum


class ParindexError(Exception):
    """Base of every error parindex raises on purpose."""


class ConfigurationError(ParindexError):
    """A framework, unit registry or setting is wrong; the message says where and how."""


class WarehouseError(ParindexError):
    """The warehouse cannot be opened, is not there for a command that only reads it, or is not at the code's schema."""


class RankingError(ParindexError):
    """Scores a decision must not publish: an empty ranking, a unit given twice, points outside their maximum,
    fields that do not add up to the total."""


class Reason(StrEnum):
    """Why a document could not be read or interpreted. Stable: stored in the warehouse."""

    EMPTY_FILE = "empty_file"
    UNSUPPORTED_FORMAT = "unsupported_format"
    ENCRYPTED = "encrypted"
    DAMAGED = "damaged"
    NO_SCORE_TABLE = "no_score_table"
    UNIT_UNKNOWN = "unit_unknown"
    UNIT_AMBIGUOUS = "unit_ambiguous"
    YEAR_MISSING = "year_missing"
    FRAMEWORK_MISSING = "framework_missing"
    EXTRACTOR_FAILED = "extractor_failed"  # a defect of ours, not of the document: logged with its traceback
    BLANK_DOCUMENT = "blank_document"  # pages without text or images
    NO_TEXT_LAYER = "no_text_layer"  # a scan without text, and no OCR to read it
    GARBLED_TEXT = "garbled_text"  # a text layer without Unicode mapping ("(cid:12)", U+FFFD), and no OCR
    TOO_LARGE = "too_large"  # over a size, page or member limit
    TIMEOUT = "timeout"  # over the per-document time budget
    MEMORY_LIMIT = "memory_limit"  # over the per-document memory budget
    CONVERSION_FAILED = "conversion_failed"  # a legacy .doc LibreOffice could not convert
    UNSAFE_ARCHIVE = "unsafe_archive"  # a zip with paths outside itself, links, bombs or too deep nesting


class DocumentError(ParindexError):
    """A document is bad input: never retried, recorded on the document with its reason."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message

    def __str__(self) -> str:
        return f"{self.reason.value}: {self.message}"

    def __reduce__(self) -> tuple[type[DocumentError], tuple[Reason, str]]:  # rebuilt as it was across processes
        return (type(self), (self.reason, self.message))
