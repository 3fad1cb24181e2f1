"""Where the bytes of uploaded documents live: the service's database (the default) or a directory.

The document's row records which store holds its bytes, so changing the setting later still
serves the documents stored before.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Protocol
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.contacts.domain.records import Document, DocumentUnavailable
from services.contacts.store.record_tables import crm_document_contents


class DocumentContents(Protocol):
    """The table of document bytes, in the unit of work's transaction."""

    async def put(self, document_id: UUID, content: bytes) -> None: ...

    async def read(self, document_id: UUID) -> bytes | None: ...


class SqlDocumentContents:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def put(self, document_id: UUID, content: bytes) -> None:
        await self._session.execute(
            crm_document_contents.insert().values(document_id=document_id, content=content)
        )

    async def read(self, document_id: UUID) -> bytes | None:
        content: bytes | None = await self._session.scalar(
            select(crm_document_contents.c.content).where(
                crm_document_contents.c.document_id == document_id
            )
        )
        return content


class DocumentStore(Protocol):
    name: str

    async def put(self, contents: DocumentContents, document: Document, content: bytes) -> None:
        """Keep the bytes; runs inside the transaction that inserts the document's row."""

    async def read(self, contents: DocumentContents, document: Document) -> bytes | None: ...

    async def discard(self, document_id: UUID) -> None:
        """Drop the bytes after the row is gone (committed) or its insert failed."""


class DatabaseDocumentStore:
    """Bytes in a table of the service's own database; they commit with the row."""

    name = "database"

    async def put(self, contents: DocumentContents, document: Document, content: bytes) -> None:
        await contents.put(document.id, content)

    async def read(self, contents: DocumentContents, document: Document) -> bytes | None:
        return await contents.read(document.id)

    async def discard(self, document_id: UUID) -> None:
        """Nothing to do: the content row goes with the document's row (ON DELETE CASCADE)."""


class DirectoryDocumentStore:
    """One file per document under a configured directory, named by the document's id only
    (never by anything the user sent)."""

    name = "directory"

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, document_id: UUID) -> Path:
        return self.root / document_id.hex[:2] / document_id.hex

    async def put(self, contents: DocumentContents, document: Document, content: bytes) -> None:
        await asyncio.to_thread(self._write, self.path_of(document.id), content)

    async def read(self, contents: DocumentContents, document: Document) -> bytes | None:
        path = self.path_of(document.id)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None

    async def discard(self, document_id: UUID) -> None:
        await asyncio.to_thread(self.path_of(document_id).unlink, missing_ok=True)

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        with partial.open("wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        partial.replace(path)


class DocumentStores:
    """The stores the settings allow: the directory one when ``documents_dir`` is set."""

    def __init__(self, documents_dir: Path | None) -> None:
        self.documents_dir = documents_dir

    def for_new_documents(self) -> DocumentStore:
        if self.documents_dir is None:
            return DatabaseDocumentStore()
        return DirectoryDocumentStore(self.documents_dir)

    def named(self, name: str) -> DocumentStore:
        """The store a document's row names."""
        if name == DirectoryDocumentStore.name:
            if self.documents_dir is None:
                raise DocumentUnavailable("the documents directory is not configured")
            return DirectoryDocumentStore(self.documents_dir)
        return DatabaseDocumentStore()
