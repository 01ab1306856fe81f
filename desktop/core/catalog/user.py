"""The user's forms folder: save a reviewed checklist, keep its versions, install one received.

Shipped forms are read-only; everything here writes to ``catalog.user_root`` only, in the
layout the loader reads (``<id>.yaml``, ``versions/``, ``sources/``, ``distribution/``). A form
is validated by the same schema and checks as ``forms/`` before a byte is written, the source
text is stored beside it under a name derived from its content (so two installations that
hold the same form compute the same form hash), and a failed write is undone: nothing is
left behind. Saving a changed form under an existing id makes a new version; the previous
one moves to ``versions/`` so that plans made on it still validate and export.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from ..errors import InputError
from ..files import save_atomic
from .loader import (
    DISTRIBUTION_DIR, SOURCES_DIR, VERSIONS_DIR, Catalog, FormProblem, FormView, _check_form, _Loader,
    _pydantic_problems, form_hash,
)
from .schema import Distribution, Form

MAX_SOURCE_CHARS = 5_000_000


class FormRefused(InputError):
    """A form that fails the schema or the catalogue's checks; ``problems`` lists each, in Chinese.

    ``str()`` is one line (how many problems and the first); the GUI shows ``problems`` below it."""

    def __init__(self, headline: str, problems: list[FormProblem]):
        self.problems = list(problems)
        first = str(problems[0]) if problems else ""
        more = f"（共 {len(problems)} 处，详见问题列表）" if len(problems) > 1 else ""
        super().__init__(f"{headline}：{first}{more}" if first else headline)


@dataclass(frozen=True)
class Saved:
    catalog: Catalog  # read again, with the form in it
    view: FormView
    message: str  # what happened, for the status line / terminal
    changed: bool = True


def source_file_name(form_id: str, text: str) -> str:
    """``<id>-<sha256[:12]>.txt``: the same text gets the same name on every installation."""
    return f"{form_id}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]}.txt"


def dump_form(form: Form) -> str:
    """The YAML the user's folder holds (and a forms-export file carries) for ``form``."""
    data = form.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    head = f"# {form.full_title}\n# 由本软件保存（第{form.version}版）；来源：{form.source.document}\n"
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def load_yaml_text(text: str, file: str):
    """YAML received from elsewhere: the loader's safe loader, and no aliases (a few lines of
    nested aliases expand to billions of nodes for whoever walks the result)."""
    try:
        if any(isinstance(ev, yaml.AliasEvent) for ev in yaml.parse(text, Loader=_Loader)):
            raise FormRefused("未导入", [FormProblem(file, "含有 YAML 别名（*引用），本软件的文件不使用别名，已拒绝")])
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"第{mark.line + 1}行第{mark.column + 1}列 " if mark else ""
        raise FormRefused("未导入", [FormProblem(file, f"{where}YAML 格式错误：{getattr(e, 'problem', e)}")]) from None


def pydantic_problems(file: str, err: ValidationError, data) -> list[FormProblem]:
    return _pydantic_problems(file, err, data)


def parse_form_yaml(text: str, file: str) -> Form:
    """A form from YAML text received or typed; FormRefused lists every problem."""
    problems: list[FormProblem] = []
    data = load_yaml_text(text, file)
    if not isinstance(data, dict):
        raise FormRefused("清单未导入", [FormProblem(file, "内容不是清单（应为 键: 值 的映射）")])
    try:
        return Form.model_validate(data)
    except ValidationError as e:
        problems += _pydantic_problems(file, e, data)
    raise FormRefused(f"清单有 {len(problems)} 处问题，未导入", problems)


def check_form_data(catalog: Catalog, data: dict, *, headline: str = "清单有问题，未保存") -> Form:
    """Validate a form dict exactly as the loader validates forms/ (schema, then catalogue checks)."""
    file = f"{data.get('id') or '清单'}.yaml"
    try:
        form = Form.model_validate(data)
    except ValidationError as e:
        raise FormRefused(headline, _pydantic_problems(file, e, data)) from None
    problems = _check_form(f"{form.id}.yaml", form, catalog.plan_kinds, catalog.base_fields, True)
    if problems:
        raise FormRefused(headline, problems)
    return form


def _check_source(text: str, file: str) -> None:
    if not text or not text.strip():
        raise FormRefused("清单未保存", [FormProblem(file, "没有来源文本（政策文件原文），无法保存出处")])
    if len(text) > MAX_SOURCE_CHARS:
        raise FormRefused("清单未保存", [FormProblem(file, f"来源文本过长（{len(text)} 字）")])
    if "\x00" in text:
        raise FormRefused("清单未保存", [FormProblem(file, "来源文本含有不可见的控制字符（NUL）")])


class UserForms:
    """The user's forms folder of one catalogue (``catalog.user_root``)."""

    def __init__(self, catalog: Catalog):
        if catalog.user_root is None:
            raise InputError("此目录未设置用户清单文件夹，无法保存清单")
        self.catalog = catalog
        self.root = Path(catalog.user_root)

    def current_path(self, form_id: str) -> Path:
        return self.root / f"{form_id}.yaml"

    def version_path(self, form_id: str, version: int) -> Path:
        return self.root / VERSIONS_DIR / f"{form_id}.v{version}.yaml"

    def distribution_path(self, form_id: str) -> Path:
        return self.root / DISTRIBUTION_DIR / f"{form_id}.yaml"

    # ------------------------------------------------------------------ save
    def next_id(self, prefix: str) -> str:
        """A free id ``prefix-1``, ``prefix-2`` … (a default the reviewer may change)."""
        n = 1
        while f"{prefix}-{n}" in self.catalog.forms:
            n += 1
        return f"{prefix}-{n}"

    def prepare(self, data: dict, source_text: str, *, new_version: bool = False) -> tuple[Form, FormView | None]:
        """Every check of :meth:`save`, nothing written: (the form as it would be saved, the
        version it replaces). The form is the current one unchanged when nothing changed."""
        data = dict(data)
        fid = str(data.get("id") or "")
        file = f"{fid or '清单'}.yaml"
        cur = self.catalog.forms.get(fid)
        if cur is not None and cur.shipped:
            raise FormRefused("清单未保存", [FormProblem(file, f"清单编号「{fid}」已被随软件提供的清单使用，请换一个编号",
                                                    field="id")])
        if cur is not None and not new_version:
            raise FormRefused("清单未保存", [FormProblem(
                file, f"清单编号「{fid}」已存在（第{cur.version}版）；要修改它，请打开该清单另存为新版本", field="id")])
        _check_source(source_text, file)
        source = dict(data.get("source") or {})
        source["file"] = source_file_name(fid or "form", source_text)
        data["source"] = source
        if cur is not None:
            data["version"] = cur.version
            same = check_form_data(self.catalog, data)
            if form_hash(same) == cur.hash:
                return cur.form, cur
            data["version"] = max(self.catalog.versions_of(fid)) + 1
        else:
            data["version"] = 1
        return check_form_data(self.catalog, data), cur

    def save(self, data: dict, source_text: str, *, new_version: bool = False) -> Saved:
        """Save a reviewed form (the dict ``Form`` accepts) with its source text.

        ``new_version``: the user edited a saved form; the result is its next version (unless
        nothing changed). Otherwise the id must be free. Raises FormRefused (nothing written)."""
        form, cur = self.prepare(data, source_text, new_version=new_version)
        if cur is not None and form is cur.form:
            return Saved(self.catalog, cur, f"清单「{cur.form.title}」没有改动，仍为第{cur.version}版", changed=False)
        self._write(form, source_text, cur)
        cat = self.catalog.reload()
        what = f"已保存为新版本（第{form.version}版，第{cur.version}版保留给按它填报的方案）" if cur else "已保存"
        return Saved(cat, cat.get(form.id), f"清单「{form.title}」（{form.id}）{what}")

    # ---------------------------------------------------------------- install
    def install(self, form: Form, source_text: str, distribution: Distribution | None = None) -> Saved:
        """Install a form received from another installation (a forms-export file, checked already)."""
        fid, file = form.id, f"{form.id}.yaml"
        _check_source(source_text, file)
        if form.source.file != source_file_name(fid, source_text):
            raise FormRefused("清单未导入", [FormProblem(file, "来源文本与清单记录的来源文件不符（文件被改动过？）",
                                                    field="source.file")])
        h = form_hash(form)
        cur = self.catalog.forms.get(fid)
        if cur is not None and cur.shipped:
            if cur.version != form.version or cur.hash != h:
                raise FormRefused("清单未导入", [FormProblem(
                    file, f"清单编号「{fid}」是随软件提供的清单，不能导入同名的另一份清单", field="id")])
            return self._distribute(cur, distribution, f"「{cur.form.title}」随软件提供，无需导入")
        have = self.catalog.versions.get((fid, form.version))
        if have is not None:
            if have.hash != h:
                raise FormRefused("清单未导入", [FormProblem(
                    file, f"本机已有清单「{fid}」第{form.version}版，但内容不同（校验值不符）；"
                          "同一版本的清单应完全相同，请向发文单位核实", field="version")])
            return self._distribute(have, distribution, f"本机已有清单「{form.title}」第{form.version}版（内容相同）")
        problems = _check_form(file, form, self.catalog.plan_kinds, self.catalog.base_fields, True)
        if problems:
            raise FormRefused(f"清单有 {len(problems)} 处问题，未导入", problems)
        newest = cur is None or form.version > cur.version
        written = self._write(form, source_text, cur if newest else None, as_old=not newest)
        try:
            if distribution is not None and newest:
                self._write_distribution(distribution)
        except BaseException:
            self._undo(written)
            raise
        cat = self.catalog.reload()
        view = cat.get(fid, form.version)
        if newest:
            msg = f"已导入清单「{form.title}」（{fid}）第{form.version}版"
            if cur is not None:
                msg += f"；第{cur.version}版保留给按它填报的方案"
        else:
            msg = f"已导入清单「{form.title}」（{fid}）的旧版本第{form.version}版（当前为第{cur.version}版）"
        return Saved(cat, view, msg)

    def set_distribution(self, distribution: Distribution | None, form_id: str | None = None) -> Catalog:
        """Record (or with None, remove) the deadline and filers of a form; returns the catalogue read again."""
        fid = distribution.form_id if distribution else form_id
        self.catalog.get(fid)
        if distribution is None:
            self.distribution_path(fid).unlink(missing_ok=True)
        else:
            self._write_distribution(distribution)
        return self.catalog.reload()

    def _distribute(self, view: FormView, distribution: Distribution | None, message: str) -> Saved:
        if distribution is None or view.version != self.catalog.get(view.id).version:
            return Saved(self.catalog, view, message, changed=False)
        cat = self.set_distribution(distribution)
        return Saved(cat, cat.get(view.id, view.version), message + "；已记录报送截止日期和报送名单")

    # ---------------------------------------------------------------- writing
    def _write_distribution(self, d: Distribution) -> None:
        path = self.distribution_path(d.form_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(d.model_dump(mode="json", exclude_none=True), allow_unicode=True, sort_keys=False)
        save_atomic(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))

    def _write(self, form: Form, source_text: str, current: FormView | None, *, as_old: bool = False) -> list:
        """Write source, move the current version aside, write the form; undone on any failure.

        Returns the undo list (created paths, and the (from, to) of a move)."""
        for sub in (SOURCES_DIR, VERSIONS_DIR):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        done: list = []
        try:
            src = self.root / SOURCES_DIR / form.source.file
            if not src.exists():
                save_atomic(src, lambda tmp: Path(tmp).write_text(source_text, encoding="utf-8"))
                done.append(src)
            target = self.version_path(form.id, form.version) if as_old else self.current_path(form.id)
            if current is not None and not as_old:
                aside = self.version_path(current.id, current.version)
                os.replace(self.current_path(current.id), aside)
                done.append((self.current_path(current.id), aside))
            text = dump_form(form)
            save_atomic(target, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
            done.append(target)
            back = parse_form_yaml(target.read_text(encoding="utf-8"), target.name)
            if form_hash(back) != form_hash(form):  # the file must read back as exactly this form
                raise InputError(f"清单「{form.id}」写入后读回不一致，已撤销保存")
        except BaseException:
            self._undo(done)
            raise
        return done

    @staticmethod
    def _undo(done: list) -> None:
        for step in reversed(done):
            if isinstance(step, tuple):
                os.replace(step[1], step[0])
            else:
                Path(step).unlink(missing_ok=True)
