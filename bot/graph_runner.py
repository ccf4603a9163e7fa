"""Rasa's prediction graph run node after node, without dask's scheduler.

Rasa 3.6 runs the NLU and the policies of every message as a dask graph (``DaskGraphRunner``):
dask orders and schedules the few nodes anew on every call, about 6% of a loaded server's CPU
(py-spy, docs/performance.md) for a graph that never changes. :func:`run` gives the same
results: the nodes a target needs, each once, in an order where every node comes after what it
needs (worked out once per set of targets), each called with its inputs as dask would pass
them (a node's ``(name, output)`` pair, or the bare name of a need that nothing provides).
Installed by ``python -m bot rasa`` (:func:`install`).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner

_original = DaskGraphRunner.run
_ORDERS = "_pharmabot_orders"


def _order(schema: GraphSchema, targets: tuple[str, ...]) -> list[str]:
    """The nodes ``targets`` need, each after the nodes it needs."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen or name not in schema.nodes:
            return
        seen.add(name)
        for need in schema.nodes[name].needs.values():
            visit(need)
        order.append(name)

    for target in targets:
        visit(target)
    return order


def run(
    self: DaskGraphRunner, inputs: dict[str, Any] | None = None, targets: list[str] | None = None
) -> dict[str, Any]:
    """``DaskGraphRunner.run`` without dask: the same nodes, inputs and result."""
    run_targets = tuple(targets if targets else self._graph_schema.target_names)
    orders: dict[tuple[str, ...], list[str]] = self.__dict__.setdefault(_ORDERS, {})
    if run_targets not in orders:
        orders[run_targets] = _order(self._graph_schema, run_targets)
    order = orders[run_targets]
    results: dict[str, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and (value in order or value in results):
            raise GraphRunError(
                f"Input value '{value}' clashes with a node name. Make sure that none of the input "
                f"names passed to the `run` method are the same as node names in the graph schema."
            )
        results[name] = (name, value)
    try:
        for name in order:
            needs = self._graph_schema.nodes[name].needs.values()
            results[name] = self._instantiated_nodes[name](*(results.get(need, need) for need in needs))
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e
    return dict(results[target] for target in run_targets)


def install() -> None:
    """Run Rasa's graphs with :func:`run` in this process (idempotent)."""
    DaskGraphRunner.run = run


def uninstall() -> None:
    """Rasa's own dask runner again (tests)."""
    DaskGraphRunner.run = _original
