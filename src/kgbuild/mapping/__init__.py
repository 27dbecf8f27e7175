"""Stage 2, map: map records to RDF triples, remembering the file:line each node came from and the
sources of each fact that rests on other sources than its node."""

from __future__ import annotations

from ..read.sources import Data
from .activities import map_activities
from .agents import map_agents
from .changes import map_changes
from .core import Agents, Mapped
from .dates import add_bounds
from .regions import map_regions
from .statements import add_statements
from .tombstones import map_tombstones


def map_data(data: Data) -> Mapped:
    g = Mapped()
    agents = Agents(data)
    map_agents(g, data, agents)
    map_changes(g, data, agents)
    map_regions(g, data, agents)
    map_activities(g, data, agents)
    map_tombstones(g, data)
    add_bounds(g)
    add_statements(g)
    return g


__all__ = ["Mapped", "map_data"]
