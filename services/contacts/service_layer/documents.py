"""Use cases of the documents of contacts: upload, download and list; removal is the records'
``remove_record``, after whose commit the route discards the bytes (``discard_content``).

The bytes live in the store the settings choose (the database, or a directory); a document's row
names its store, so documents kept before a change of the setting are still served.
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import datetime
from types import TracebackType
from typing import Self
from uuid import UUID

from contracts.api.records import DocumentListQuery
from services.contacts.domain.document_kinds import safe_filename, sniff_document
from services.contacts.domain.record_listings import DocumentFilter, Listed, PageRequest
from services.contacts.domain.records import (
    Document,
    DocumentUnavailable,
    check_document_size,
)
from services.contacts.service_layer.records import (
    DOCUMENTS,
    add_record,
    contact_name,
    get_record,
    list_records,
)
from services.contacts.service_layer.unit_of_work import ContactsUnitOfWork
from services.contacts.settings import ContactsSettings
from services.contacts.store.documents import DocumentContents, DocumentStore, DocumentStores
from services.runtime.caller import Caller


class NewDocumentBytes:
    """The store that keeps an upload's bytes, as an ``async with`` block around the upload's
    transaction: bytes it kept are discarded again when the block fails (nothing committed)."""

    def __init__(self, settings: ContactsSettings) -> None:
        self._store = DocumentStores(settings.documents_dir).for_new_documents()
        self.name = self._store.name
        self._kept: list[UUID] = []

    async def put(self, contents: DocumentContents, document: Document, content: bytes) -> None:
        self._kept.append(document.id)  # before writing: a half-written file is discarded too
        await self._store.put(contents, document, content)

    async def read(self, contents: DocumentContents, document: Document) -> bytes | None:
        return await self._store.read(contents, document)

    async def discard(self, document_id: UUID) -> None:
        await self._store.discard(document_id)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if error is not None:
            for document_id in self._kept:
                await self._store.discard(document_id)


async def list_documents(
    uow: ContactsUnitOfWork, caller: Caller, query: DocumentListQuery
) -> Listed[Document]:
    where = DocumentFilter(contact_id=query.contact_id)
    return await list_records(
        uow, DOCUMENTS, caller, where, PageRequest(query.page, query.page_size)
    )


async def add_document(
    uow: ContactsUnitOfWork,
    caller: Caller,
    contact_id: UUID,
    *,
    filename: str | None,
    content: bytes,
    store: DocumentStore,
    now: datetime,
) -> Document:
    """Check the contact, the size and the type sniffed from the bytes, then keep the document.

    With a directory store the file is written before the commit: ``store`` is a
    ``NewDocumentBytes`` whose block discards it if the transaction fails.
    """
    name = await contact_name(uow, caller, contact_id, reach=DOCUMENTS.reach(caller))
    check_document_size(content)
    kind = sniff_document(content, filename or "")
    document = Document(
        master_account_id=caller.master_account_id,
        contact_id=contact_id,
        contact_name=name,
        filename=safe_filename(filename, kind),
        content_type=kind.content_type,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        storage=store.name,
        uploaded_by=caller.user_id,
        created_at=now,
    )
    await add_record(uow, DOCUMENTS, caller, document)
    await store.put(uow.document_contents, document, content)
    return document


async def read_document(
    uow: ContactsUnitOfWork, caller: Caller, document_id: UUID, settings: ContactsSettings
) -> tuple[Document, bytes]:
    document = await get_record(uow, DOCUMENTS, caller, document_id)
    store = DocumentStores(settings.documents_dir).named(document.storage)
    content = await store.read(uow.document_contents, document)
    if content is None:
        raise DocumentUnavailable("the document's content is missing")
    return document, content


async def discard_content(document: Document, settings: ContactsSettings) -> None:
    """Drop a removed document's bytes from its store, once the removal has committed."""
    with contextlib.suppress(DocumentUnavailable):
        await DocumentStores(settings.documents_dir).named(document.storage).discard(document.id)
