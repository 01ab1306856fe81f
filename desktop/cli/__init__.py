"""``yice COMMAND``: the command line, a thin layer over the same core the GUI uses.

One module per command (``cmd_*.py``, after calibre's ``db/cli``): each declares its arguments
(``register``) and runs (``run(args, ctx)``); domain code never sees argparse. Heavy modules
(SQLAlchemy, openpyxl, python-docx) load inside the commands that need them. Every refused
input prints one Chinese line on stderr and exits 2; nothing is written. No traceback reaches a
user: an unexpected failure is one line too (exit 70; ``YICE_DEBUG=1`` shows the traceback).
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from importlib import import_module

from ..core.text import for_terminal

EXIT_INPUT = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE
COMMANDS = ("forms", "unit", "plan", "validate", "demo", "export", "template", "import", "summary", "backup",
            "restore")

_TYPES = {"int": "整数", "float": "数字"}  # argparse names the type a value failed to convert to
# argparse's own words → ours (Python 3.11–3.13 wording)
_ARGPARSE = [
    (re.compile(r"^the following arguments are required: (.+)$"), r"缺少必需的参数：\1"),
    (re.compile(r"^argument (?:sub|cmd|命令): invalid choice: '(.*)' \(choose from (.*)\)$"), r"没有子命令「\1」（可用：\2）"),
    (re.compile(r"^argument (\S+): invalid choice: '(.*)' \(choose from (.*)\)$"), r"参数 \1 的取值「\2」无效（可选：\3）"),
    (re.compile(r"^argument (\S+): invalid (\w+) value: '(.*)'$"),
     lambda m: f"参数 {m[1]} 的取值「{m[3]}」无效（应为{_TYPES.get(m[2], m[2])}）"),
    (re.compile(r"^argument (\S+): expected one argument$"), r"参数 \1 后面缺少取值"),
    (re.compile(r"^argument (\S+): (.*)$"), r"参数 \1：\2"),
    (re.compile(r"^unrecognized arguments: (.*)$"), r"无法识别的参数：\1"),
    (re.compile(r"^invalid choice: '(.*)' \(choose from (.*)\)$"), r"没有命令「\1」（可用：\2）"),
]


def _chinese(message: str) -> str:
    for pattern, words in _ARGPARSE:
        if pattern.match(message):
            return pattern.sub(words, message)
    return message


class _Parser(argparse.ArgumentParser):
    """Usage errors in Chinese, one line, exit 2 (argparse's own words are English)."""

    def error(self, message: str):
        self.exit(EXIT_INPUT, f"错误：命令参数有误（{for_terminal(_chinese(message))}）；用 {self.prog} -h 查看用法\n")


def _module(name: str):
    return import_module(f"{__name__}.cmd_{name}")


def build_parser() -> argparse.ArgumentParser:
    from ..core.vocab import UserRole

    p = _Parser(prog="yice", description="产教融合“一市一策/一校一策”实施方案 填报、备案与汇总")
    p.add_argument("--db", help="数据库文件路径或 URL（默认：用户数据目录；也可用环境变量 YICE_DB）")
    p.add_argument("--as", dest="actor_name", metavar="姓名", help="记入历史的操作人（默认取设置中的姓名）")
    p.add_argument("--role", choices=[r.value for r in UserRole], help="操作人身份（默认取设置）")
    p.add_argument("--portable", action="store_true",
                   help="便携模式：数据库、设置和备份放在程序旁的 data 文件夹（程序旁有 portable.txt 时自动启用）")
    p.add_argument("--smoke-test", action="store_true", help="在临时数据库上打开主窗口，报告首次绘制耗时后退出")
    sub = p.add_subparsers(dest="cmd", metavar="命令", parser_class=_Parser)
    for name in COMMANDS:
        _module(name).register(sub)
    return p


def parse(argv: list[str]):
    """The parsed arguments, or an exit code when argparse already answered (help, usage error)."""
    for a in argv:
        if any(0xD800 <= ord(c) <= 0xDFFF for c in a):  # bytes that were not UTF-8 (surrogateescape)
            shown = a.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            print(f"错误：命令参数「{for_terminal(shown)[:60]}」含有无法识别的字符（不是 UTF-8 编码），请检查终端或脚本的编码",
                  file=sys.stderr)
            return EXIT_INPUT
    try:
        return build_parser().parse_args(argv)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else EXIT_INPUT


class Context:
    """What a command gets besides its arguments: where the data lives (``AppPaths``, made once
    at start) and the store, opened on first use."""

    def __init__(self, args, paths):
        self.args = args
        self.paths = paths
        self._store = None

    def settings(self):
        """The user's settings (role, name, the office that signs summaries)."""
        from ..core.settings import Settings

        return Settings.load(self.paths.settings_file)

    def store(self):
        if self._store is None:
            from ..core.store import Actor, Store
            from ..core.store.db import resolve_url

            settings = self.settings()
            actor = Actor(self.args.role or settings.role, self.args.actor_name or settings.name)
            self._store = Store.open(resolve_url(self.args.db, self.paths.database), actor=actor)
            if self._store.backup is not None:
                print(f"已升级数据库结构；升级前的数据库已备份：{for_terminal(self._store.backup)}", file=sys.stderr)
            self._daily_backup()
        return self._store

    def _daily_backup(self) -> None:
        """The first start of a day keeps a copy (core/backup.py); a failure is a warning only."""
        from ..core.backup import daily
        from ..core.errors import InputError

        try:
            daily(self._store)
        except InputError as e:
            print(f"警告：今日自动备份未完成：{for_terminal(e)}", file=sys.stderr)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def run(args, paths) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from ..core.catalog import CatalogError
    from ..core.errors import InputError

    ctx = Context(args, paths)
    try:
        return _module(args.cmd).run(args, ctx) or 0
    except InputError as e:
        print(f"错误：{for_terminal(e)}", file=sys.stderr)
        return EXIT_INPUT
    except CatalogError as e:
        print(f"错误：任务清单文件有误：{for_terminal(e)}", file=sys.stderr)
        return EXIT_INPUT
    except SQLAlchemyError as e:
        what = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"错误：无法打开或写入数据库（{for_terminal(what)[:200]}）", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # output piped into `head`: stop quietly (before OSError, its base class)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python docs: no error at exit flush
        return 0
    except OSError as e:
        print(f"错误：无法读写文件「{for_terminal(e.filename or '')}」：{for_terminal(e.strerror or e)}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("已取消", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - the last line of defence: one line, never a traceback
        if os.environ.get("YICE_DEBUG"):
            raise
        what = str(e).strip().splitlines()[0][:160] if str(e).strip() else ""
        print(f"错误：程序内部错误（{type(e).__name__}{'：' + for_terminal(what) if what else ''}）。"
              "请把这一行告诉维护人员；设置环境变量 YICE_DEBUG=1 可看到详细信息", file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        ctx.close()
