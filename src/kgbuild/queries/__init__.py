"""Canned queries: self-describing `.rq` files (grlc headers), checked parameters, results."""

from .params import Param, ParamError
from .results import Table
from .run import bind, dump_store, parse_assignments, run_embedded, run_remote
from .spec import QuerySpec, read_queries

__all__ = [
    "Param",
    "ParamError",
    "QuerySpec",
    "Table",
    "bind",
    "dump_store",
    "parse_assignments",
    "read_queries",
    "run_embedded",
    "run_remote",
]
