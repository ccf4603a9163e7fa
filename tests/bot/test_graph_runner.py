"""Rasa's graphs run without dask (bot/graph_runner.py) give what dask gives: the trained
model's NLU parse of every message and its next-action predictions through a conversation."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.engine.exceptions import GraphRunError

from bot import graph_runner

MODEL = Path(__file__).resolve().parents[2] / "models" / "current.tar.gz"
MESSAGES = [
    "hi",
    "what are the side effects of ocrevus",
    "how often is it given?",
    "my throat is swelling",
    "should i skip my next dose",
    "can a pharmacist call me?",
    "Jane Doe",
    "jane.doe@example.com",
    "asdkjh qwe",
]

pytestmark = pytest.mark.skipif(not MODEL.exists(), reason="no trained model (make setup)")


def _conversation(sender: str) -> list[tuple[Any, ...]]:
    """The parse of each message and the next action's scores after it, with whichever runner
    is installed now (in-memory tracker store, no action server: no action runs)."""

    async def play() -> list[tuple[Any, ...]]:
        agent = Agent.load(str(MODEL))
        out = []
        for text in MESSAGES:
            tracker = await agent.processor.log_message(UserMessage(text, sender_id=sender))
            parsed = tracker.latest_message.parse_data
            prediction = agent.processor.predict_next_with_tracker(tracker) or {}
            out.append(
                (parsed["intent"], parsed["entities"], prediction.get("policy"), prediction.get("scores"))
            )
        return out

    return asyncio.run(play())


def test_the_model_reads_and_decides_as_with_dask() -> None:
    graph_runner.uninstall()
    with_dask = _conversation("a")
    graph_runner.install()
    try:
        without = _conversation("a")
    finally:
        graph_runner.uninstall()
    assert without == with_dask


def test_an_input_named_like_a_node_is_refused() -> None:
    graph_runner.install()
    try:
        agent = Agent.load(str(MODEL))
        runner = agent.processor.graph_runner
        node = next(iter(runner._graph_schema.nodes))
        with pytest.raises(GraphRunError, match="clashes with a node name"):
            runner.run(inputs={"__message__": node}, targets=[node])
    finally:
        graph_runner.uninstall()
