"""Evidence files in the warehouse: what a form sent after its evidence needs to link to it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.orm import Session, selectinload

from schemas.records import DocumentKind, DocumentStatus, EvidenceDocument, EvidenceRef, TextLayer
from warehouse.db import IN_LIST_MOST
from warehouse.models import Document, EvidenceFile, EvidenceReference, table_of


def insert_evidence(connection: Connection, document_id: int, evidence: EvidenceDocument) -> None:
    """An evidence file's own number and date, its first lines, and every number it carries, in order."""
    connection.execute(
        insert(table_of(EvidenceFile)),
        [
            {
                "document_id": document_id,
                "document_number": evidence.document_number,
                "document_date": evidence.document_date,
                "pages": evidence.pages,
                "text_layer": evidence.text_layer.value,
                "text": evidence.text,
            }
        ],
    )
    if evidence.references:
        connection.execute(
            insert(table_of(EvidenceReference)),
            [
                {
                    "document_id": document_id,
                    "position": position,
                    "number": ref.number,
                    "kind": ref.kind,
                    "issued_on": ref.issued_on,
                    "text": ref.text,
                }
                for position, ref in enumerate(evidence.references)
            ],
        )


def stored_evidence(engine: Engine, packages: Iterable[str]) -> dict[str, list[tuple[str, EvidenceDocument]]]:
    """Per package, the evidence files earlier runs read, as (path, file) in path order.

    Copies recorded as duplicates are not evidence of their package, as in the run that reads them.
    """
    wanted = sorted(set(packages))
    found: dict[str, list[tuple[str, EvidenceDocument]]] = {}
    with Session(engine) as session:
        for start in range(0, len(wanted), IN_LIST_MOST):
            files = session.execute(
                select(Document.package, Document.path, Document.sha256, Document.kind, EvidenceFile)
                .join(EvidenceFile, EvidenceFile.document_id == Document.id)
                .where(Document.package.in_(wanted[start : start + IN_LIST_MOST]), Document.status == DocumentStatus.EVIDENCE.value)
                .order_by(Document.path)
                .options(selectinload(EvidenceFile.references))
            )
            for package, path, sha, kind, file in files:
                if kind is None:  # recorded with its kind whenever read as evidence (pipeline.steps.read_outcome)
                    raise ValueError(f"evidence file {path} has no kind recorded in the warehouse")
                evidence = EvidenceDocument(
                    sha256=sha,
                    kind=DocumentKind(kind),
                    pages=file.pages,
                    text=file.text,
                    document_number=file.document_number,
                    document_date=file.document_date,
                    text_layer=TextLayer(file.text_layer),
                    references=[EvidenceRef(number=r.number, kind=r.kind, issued_on=r.issued_on, text=r.text) for r in file.references],
                )
                found.setdefault(package, []).append((path, evidence))
    return found
