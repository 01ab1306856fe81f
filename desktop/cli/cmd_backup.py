"""``yice backup [-o FILE]``: a verified copy of the database (what 文件 → 备份数据… writes).

Without ``-o`` the copy goes to ``backups/`` beside the database. The database is not opened
as a store (no upgrade, no daily copy): the copy is of the file as it is.
"""
from __future__ import annotations


def register(sub) -> None:
    b = sub.add_parser("backup", help="备份数据库（经校验的副本，默认存入数据库旁的 backups 文件夹）")
    b.add_argument("-o", "--output", help="备份文件（默认：backups/数据库名-日期时间-manual.sqlite3）")


def run(args, ctx) -> int:
    from ..core.backup import make_backup
    from ..core.store import db
    from ..core.text import for_terminal

    info = make_backup(db.resolve_url(args.db, ctx.paths.database), args.output)
    print(for_terminal(f"已备份并校验：{info.path}"))
    print(for_terminal(f"单位 {info.units} 个（自行添加 {info.units_added} 个），方案 {info.plans} 份，"
                       f"报送记录 {info.submissions} 次，数据结构版本 {info.schema_revision}"))
    return 0
