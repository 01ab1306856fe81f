"""``yice restore FILE [--yes]``: show what a backup holds, then restore it.

The current database is backed up first (or, if damaged, kept aside as it is); a backup made
by an older version is brought to this version's schema. Without ``--yes`` the command asks on
the terminal, and refuses when there is no terminal to ask on (a script must say ``--yes``).
"""
from __future__ import annotations

import sys

from ..core.errors import InputError


def register(sub) -> None:
    r = sub.add_parser("restore", help="从备份恢复数据库（先显示备份内容；当前数据库会先自动备份）")
    r.add_argument("file", help="备份文件（yice backup 或 文件 → 备份数据… 生成）")
    r.add_argument("--yes", action="store_true", help="不再询问，直接恢复")


def run(args, ctx) -> int:
    from ..core.backup import database_file, inspect, restore
    from ..core.store import db
    from ..core.text import for_terminal

    target = db.resolve_url(args.db, ctx.paths.database)
    where = database_file(target)
    info = inspect(args.file)
    print(for_terminal(info.describe()))
    print(for_terminal(f"将恢复到：{where}（当前数据库会先备份到 {db.backups_folder(where)}）"))
    if not args.yes:
        if not sys.stdin or not sys.stdin.isatty():
            raise InputError("恢复会替换当前数据库：请确认后加 --yes 再运行")
        answer = input("确认恢复？输入 y 继续：").strip().lower()
        if answer not in ("y", "yes", "是"):
            print("已取消，数据库未改动")
            return 1
    done = restore(args.file, target)
    if done.safety_copy:
        print(for_terminal(f"恢复前的数据库已备份：{done.safety_copy}"))
    if done.set_aside:
        print(for_terminal(f"原数据库已损坏，已原样保留：{done.set_aside}"))
    print(for_terminal(f"已恢复：{info.plans} 份方案，{info.units} 个单位"))
    return 0
