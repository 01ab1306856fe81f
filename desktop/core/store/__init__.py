"""The database: :class:`Store` and the plain values it hands out (no Qt)."""
from .snapshot import EvidenceInfo, PlanInfo, PlanSnapshot, SubmissionInfo, UnitInfo
from .store import Actor, Store

__all__ = ["Actor", "Store", "EvidenceInfo", "PlanInfo", "PlanSnapshot", "SubmissionInfo", "UnitInfo"]
