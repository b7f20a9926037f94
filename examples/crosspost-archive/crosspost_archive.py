"""crosspost-archive: a crosspost adapter that keeps every story as an HTML page in a folder
(a static website's folder, a synced backup), edited and deleted along with the other copies.
Its account names the folder: ``folder = "~/Sites/fic"`` (see README.md)."""

from __future__ import annotations

import html
import os
import re
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from crosspost.adapter import (
    Adapter,
    FoundEntry,
    Post,
    Receipt,
    RemoteRef,
    SiteLimits,
    about_to_send,
)
from crosspost.errors import EntryGoneError, SiteError

_META = re.compile(r'<meta name="crosspost-(subject|fingerprint|journal)" content="([^"]*)">')


class ArchiveSettings(BaseModel):
    """The ``[accounts.NAME]`` keys of an archive account."""

    model_config = ConfigDict(extra="forbid")
    #: the folder the pages are written to (it must exist)
    folder: Path
    #: the largest page accepted, in bytes
    max_bytes: int = Field(default=1_000_000, ge=1_000)


class ArchiveAdapter(Adapter):
    site = "archive"
    label = "HTML archive"
    limits = SiteLimits(subject_chars=200, subject_bytes=800, event_chars=1_000_000,
                        event_bytes=4_000_000)
    account_settings = ArchiveSettings
    needs_secret = False

    def _folder(self, journal: str | None) -> Path:
        root = self.settings.folder.expanduser()
        if not root.is_dir():
            raise SiteError(f"the archive folder {root} does not exist", "create the folder, "
                            "or set the account's folder to one that exists", site=self.site)
        return root / journal if journal else root

    def _write(self, path: Path, post: Post, journal: str | None) -> Receipt:
        meta = {"subject": post.subject, "fingerprint": post.fingerprint, "journal": journal or ""}
        page = "".join(f'<meta name="crosspost-{k}" content="{html.escape(v)}">\n'
                       for k, v in meta.items()) + f"<h1>{post.subject}</h1>\n{post.html}\n"
        if len(page.encode()) > self.settings.max_bytes:
            raise SiteError(f"the page is {len(page.encode()):,} bytes; this archive takes at "
                            f"most {self.settings.max_bytes:,}", "raise the account's "
                            "max_bytes, or leave this target out for long stories", site=self.site)
        path.parent.mkdir(exist_ok=True)
        about_to_send()
        tmp = path.with_suffix(".tmp")
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, path)  # whole or not at all
        return Receipt("posted", RemoteRef(int(path.stem), url=path.as_uri()))

    def _pages(self, journal: str | None) -> list[Path]:
        return sorted(self._folder(journal).glob("[0-9]*.html"), key=lambda p: int(p.stem))

    def post(self, post: Post, journal: str | None) -> Receipt:
        pages = self._pages(journal)
        itemid = int(pages[-1].stem) + 1 if pages else 1
        return self._write(self._folder(journal) / f"{itemid}.html", post, journal)

    def edit(self, post: Post, journal: str | None, remote: RemoteRef) -> Receipt:
        path = self._folder(journal) / f"{remote.itemid}.html"
        if not path.exists():
            raise EntryGoneError(f"page {path.name} is gone", site=self.site)
        return Receipt("edited", self._write(path, post, journal).remote)

    def delete(self, journal: str | None, remote: RemoteRef) -> Receipt:
        path = self._folder(journal) / f"{remote.itemid}.html"
        try:
            path.unlink()
        except FileNotFoundError:
            raise EntryGoneError(f"page {path.name} is already gone", site=self.site) from None
        return Receipt("deleted", remote)

    def find(self, journal: str | None, post: Post, since: datetime | None) -> FoundEntry | None:
        for path in reversed(self._pages(journal)):
            meta = dict(_META.findall(path.read_text(encoding="utf-8")))
            if meta.get("fingerprint") == post.fingerprint:
                return FoundEntry(RemoteRef(int(path.stem), url=path.as_uri()),
                                  html.unescape(meta.get("subject", "")), meta["fingerprint"])
        return None

    def check_login(self) -> str:
        return f"{self.account.username}, writing to {self._folder(None)}"
