"""A DingTalk simulator: a real HTTP server with deterministic demo data and fault knobs.

from bot.sim import Simulator
with Simulator(seed=7, rooms=24).start(port=0) as sim:
    ...  # point a DingTalk client at sim.url with sim.app_key / sim.app_secret
"""

from __future__ import annotations

from bot.sim.data import RoomRules
from bot.sim.routes import ENDPOINTS
from bot.sim.server import Simulator
from bot.sim.state import SimConfig

__all__ = ["ENDPOINTS", "RoomRules", "SimConfig", "Simulator"]
