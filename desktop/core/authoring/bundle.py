"""A checklist as one file another installation imports (文件 → 导出清单 / 导入清单, ``yice forms export|import``).

A zip holding ``manifest.json`` (id, version, content hash), ``form.yaml`` (the form as the
user's forms folder stores it), ``source.txt`` (the policy document's text, the form's
provenance) and optionally ``distribution.yaml`` (the deadline and the units that must file,
which then drive the receiving office's roster). A received file is untrusted: the size,
zip structure and every part are checked (``core.zipsafe``, the one safety gate) before a part
is parsed, YAML is read with the safe loader and without aliases, the form passes the same
schema as ``forms/``, and the hash must match; only then is anything written, all or nothing
(``UserForms.install``).
"""
from __future__ import annotations

import datetime as dt
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from desktop import __version__

from ..catalog import Catalog, Distribution, Form, form_hash
from ..catalog import FormProblem
from ..catalog.user import FormRefused, Saved, UserForms, dump_form, load_yaml_text, parse_form_yaml, pydantic_problems
from .. import fmt, zipsafe
from ..errors import InputError
from ..files import save_atomic

FORMAT, FORMAT_VERSION = "yice-form", 1
MANIFEST, FORM, SOURCE, DISTRIBUTION = "manifest.json", "form.yaml", "source.txt", "distribution.yaml"
SUFFIX = ".zip"
LIMITS = {MANIFEST: 64 * 1024, FORM: 4 * 1024 * 1024, SOURCE: 8 * 1024 * 1024, DISTRIBUTION: 4 * 1024 * 1024}
BUNDLE = zipsafe.Limits(file_bytes=20 * 1024 * 1024, total_bytes=sum(LIMITS.values()), entry_bytes=max(LIMITS.values()),
                        entries=16)
WHAT = "清单文件"


@dataclass(frozen=True)
class Bundle:
    form: Form
    source_text: str
    distribution: Distribution | None
    manifest: dict


def default_name(form: Form) -> str:
    return f"{form.id}-第{form.version}版{SUFFIX}"


def export_bundle(catalog: Catalog, form_id: str, out, *, version: int | None = None,
                  distribution: Distribution | None = None) -> Path:
    """Write one form (its current version unless ``version``) with its source and, for the
    current version, the distribution given or recorded. ``out`` may be a folder."""
    try:
        view = catalog.get(form_id, version)
    except KeyError as e:
        raise InputError(e.args[0]) from None
    current = view.version == catalog.get(form_id).version
    dist = distribution if distribution is not None else (view.distribution if current else None)
    if dist is not None and dist.form_id != view.id:
        raise InputError(f"报送名单属于清单「{dist.form_id}」，不是「{view.id}」")
    out = Path(out)
    if out.is_dir():
        out = out / default_name(view.form)
    source = catalog.source_text(view)
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "form_id": view.id, "version": view.version,
                "form_hash": view.hash, "title": view.form.title, "doc_no": view.form.doc_no,
                "exported_at": dt.datetime.now().replace(microsecond=0).isoformat(), "app_version": __version__,
                "distribution": dist is not None}

    def write(tmp) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
            zf.writestr(FORM, dump_form(view.form))
            zf.writestr(SOURCE, source)
            if dist is not None:
                zf.writestr(DISTRIBUTION, yaml.safe_dump(dist.model_dump(mode="json", exclude_none=True),
                                                         allow_unicode=True, sort_keys=False))

    return save_atomic(out, write)


def _read(zf: zipfile.ZipFile, part: str) -> bytes | None:
    """One named entry, bounded by its own limit (checked on the declared size, then on the bytes)."""
    try:
        info = zf.getinfo(part)
    except KeyError:
        return None
    if info.file_size > LIMITS[part]:
        raise zipsafe.UnsafeFile(f"「{part}」过大（{fmt.size(info.file_size)}），已拒绝")
    return zipsafe.read_entry(zf, info)


def _text(zf: zipfile.ZipFile, part: str, name: str, required: bool = True) -> str | None:
    data = _read(zf, part)
    if data is None:
        if required:
            raise InputError(f"「{name}」缺少「{part}」，不是完整的清单文件")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"「{name}」中的「{part}」不是 UTF-8 文本，已拒绝") from None
    if "\x00" in text:
        raise InputError(f"「{name}」中的「{part}」含有不可见的控制字符，已拒绝")
    return text


def read_bundle(path) -> Bundle:
    """Every check of a forms-export file, nothing written; raises InputError / FormRefused."""
    path = Path(path)
    name = path.name
    try:
        zf = zipsafe.open_zip(path, WHAT, BUNDLE)
    except zipsafe.UnsafeFile as e:
        raise InputError(f"「{name}」：{e}") from None
    try:
        with zf:
            zipsafe.check_parts(zf, skip=set(LIMITS))  # an extra part that is XML: defusedxml, no DTD
            unknown = sorted(set(zf.namelist()) - set(LIMITS))
            if unknown:
                raise zipsafe.UnsafeFile(f"含有清单文件不应有的部件「{unknown[0][:60]}」，已拒绝")
            if MANIFEST not in zf.namelist():
                raise zipsafe.UnsafeFile(f"缺少「{MANIFEST}」，不是本软件导出的{WHAT}")
            manifest_text = _text(zf, MANIFEST, name)
            form_text = _text(zf, FORM, name)
            source = _text(zf, SOURCE, name)
            dist_text = _text(zf, DISTRIBUTION, name, required=False)
    except zipsafe.UnsafeFile as e:
        raise InputError(f"「{name}」：{e}") from None
    manifest = _manifest(manifest_text, name)
    try:
        form = parse_form_yaml(form_text, FORM)
    except FormRefused as e:
        raise FormRefused(f"「{name}」中的清单有 {len(e.problems)} 处问题，未导入", e.problems) from None
    if (manifest.get("form_id"), manifest.get("version")) != (form.id, form.version):
        raise InputError(f"「{name}」的说明文件与清单不一致（清单 {form.id} 第{form.version}版），文件被改动过，未导入")
    if manifest.get("form_hash") != form_hash(form):
        raise InputError(f"「{name}」中的清单内容与其校验值不符（文件被改动过），未导入；请向发文单位重新索取")
    dist = _distribution(dist_text, form, name) if dist_text is not None else None
    return Bundle(form, source, dist, manifest)


def _manifest(text: str, name: str) -> dict:
    try:
        m = json.loads(text)
    except ValueError:
        m = None
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise InputError(f"「{name}」不是本软件导出的清单文件（缺少或无法识别 {MANIFEST}）")
    fv = m.get("format_version")
    if not isinstance(fv, int) or fv < 1:
        raise InputError(f"「{name}」的格式版本无效，未导入")
    if fv > FORMAT_VERSION:
        raise InputError(f"「{name}」由更新版本的软件导出（格式第{fv}版），请升级本软件后再导入")
    return m


def _distribution(text: str, form: Form, name: str) -> Distribution:
    try:
        data = load_yaml_text(text, DISTRIBUTION)
        dist = Distribution.model_validate(data)
    except FormRefused as e:
        raise FormRefused(f"「{name}」的报送名单有问题，未导入", e.problems) from None
    except ValidationError as e:
        raise FormRefused(f"「{name}」的报送名单有问题，未导入", pydantic_problems(DISTRIBUTION, e, data)) from None
    if dist.form_id != form.id:
        raise FormRefused(f"「{name}」的报送名单有问题，未导入",
                          [FormProblem(DISTRIBUTION, f"名单属于清单「{dist.form_id}」，不是「{form.id}」", field="form_id")])
    return dist


def import_bundle(catalog: Catalog, path) -> Saved:
    """Check a forms-export file and install its form (and distribution) in the user's folder."""
    b = read_bundle(path)
    return UserForms(catalog).install(b.form, b.source_text, b.distribution)
