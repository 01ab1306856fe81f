"""Undo/redo: each command re-applies a batch of Edits through the store."""
from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from ..core.edits import Edit


class EditCommand(QUndoCommand):
    """``new``/``old``: lists of Edit for one plan. The first redo is skipped when the
    edits were already written by the autosave that created the command."""

    def __init__(self, window, plan_id: int, new: list[Edit], old: list[Edit], applied: bool = True):
        super().__init__()
        self.window, self.plan_id, self.new, self.old = window, plan_id, new, old
        self._skip = applied
        labels = {e.ref for e in new}
        where = f"第{new[0].ref.item_no}项" if new[0].ref.item_no else ""
        self.setText(f"修改{where}" + ("" if len(labels) > 1 else f"「{window.label_for(new[0])}」"))

    def redo(self) -> None:
        if self._skip:
            self._skip = False
            return
        self.window.apply_from_history(self.plan_id, self.new)

    def undo(self) -> None:
        self.window.apply_from_history(self.plan_id, self.old)
