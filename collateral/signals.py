"""`version_announced`: a version was published with "publish and notify".

Why a signal (see ARCHITECTURE.md): the announcement is a training `Update`, and training sits
above collateral in the layers, so collateral must not import it. The publish service sends
this inside its transaction; training's receiver (training/signals.py) only calls its service,
so the version and its update are stored together or not at all.
"""

from dataclasses import dataclass

from django.dispatch import Signal

# Sent with: version (the published AssetVersion), by (User or None), announcement (below).
version_announced = Signal()


@dataclass(frozen=True)
class Announcement:
    """Who the update about a new version is for: a role ("" for every role) and teams (none: every team)."""

    audience_role: str
    team_ids: tuple[int, ...] = ()
    requires_acknowledgement: bool = False
