"""What 帮助 → 关于 shows: the version, where the data is, the database and the checklists.

Read from the open store and the program's AppPaths, so the dialog (and a test) sees exactly
what this start uses — the profile folders or a portable ``data/`` folder.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from .. import __version__
from .store import db


@dataclass(frozen=True)
class InstalledForm:
    id: str
    version: int
    title: str
    doc_no: str | None
    items: int


@dataclass(frozen=True)
class About:
    version: str
    data_dir: Path
    portable: bool
    database: str  # the file, or the URL of a server database (password hidden)
    database_file: Path | None
    database_bytes: int | None  # the file with its write-ahead log
    schema_revision: str | None
    schema_current: bool
    forms: tuple[InstalledForm, ...]


def about(store, paths) -> About:
    url = make_url(store.url)
    on_disk = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    file = Path(url.database) if on_disk else None
    size = None
    if file is not None and file.exists():
        size = sum(p.stat().st_size for p in (file, file.with_name(file.name + "-wal")) if p.exists())
    rev = db.current_revision(store.engine)
    forms = tuple(InstalledForm(v.id, v.form.version, v.form.title, v.form.doc_no, len(v.items))
                  for v in sorted(store.catalog.forms.values(), key=lambda v: v.id))
    return About(__version__, paths.data_dir, paths.portable, str(file) if file else store.url, file, size, rev,
                 rev == db.HEAD_REVISION, forms)
