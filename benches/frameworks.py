"""pydantic-ai's own ``stream_output()`` against ``deltajson.sources.pydantic_ai`` and
``astream_model``, on one agent streaming a structured output of about ``--size`` bytes.

    python benches/frameworks.py                 # ~50 KB, 3 repeats; JSON in benches/results/
    python benches/frameworks.py --size 200000 --repeat 5

The agent's model is pydantic-ai's ``FunctionModel``, streaming the output tool's arguments
(``final_result``) in token-sized deltas (1-8 characters). Every run goes through the whole
agent machinery (parts manager, events, output tool), in-process, no network:

- ``pydantic-ai stream_output``: ``agent.run_stream(...)`` then
  ``result.stream_output(debounce_by=None)`` (a validated partial after every delta;
  pydantic-ai re-validates the whole response each time) — and with its default
  ``debounce_by=0.1``, which groups deltas arriving within 0.1 s;
- ``deltajson``: ``agent.run_stream_events(...)`` through ``sources.pydantic_ai``,
  ``sources.texts(..., "final_result")`` and ``deltajson.astream_model`` (a partial after
  every delta that changes it);
- the agent's own cost, nothing parsed: ``run_stream_events`` drained (under the deltajson
  row), ``run_stream`` and ``stream_response(debounce_by=None)`` drained (under
  pydantic-ai's). ``parsing`` is a row's total minus its baseline, ``per update`` that
  divided by the updates the row yields (pydantic-ai skips the partials that fail its
  partial validation, such as a list item missing a required field) and by the deltas.

- ``deltajson alone``: the events of one run, recorded, through ``sources.pydantic_ai``,
  ``sources.texts`` and ``deltajson.stream_model``: deltajson's cost without the agent's.

All must end with the same validated model. Times are this process's CPU time
(``time.process_time``), the least of ``--repeat`` runs: wall time moved by a third between
runs on a shared machine, and every run here is in-process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from pydantic import BaseModel  # noqa: E402
from pydantic_ai import Agent  # noqa: E402
from pydantic_ai.messages import ModelMessage  # noqa: E402
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, FunctionModel  # noqa: E402

import deltajson  # noqa: E402
from compat import tool_arguments  # noqa: E402
from deltajson import sources  # noqa: E402
from models import Record  # noqa: E402
from provider_sse import token_chunks  # noqa: E402


class Results(BaseModel):
    query: str
    results: list[Record]


def agent_for(document: str) -> Agent[None, Results]:
    pieces = token_chunks(document)

    async def stream(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[Any]:
        yield {0: DeltaToolCall(name=info.output_tools[0].name)}
        for piece in pieces:
            yield {0: DeltaToolCall(json_args=piece)}

    return Agent(FunctionModel(stream_function=stream), output_type=Results)


async def theirs(agent: Agent[None, Results], debounce: float | None) -> tuple[int, Any]:
    updates, last = 0, None
    async with agent.run_stream("Find the open issues.") as result:
        async for output in result.stream_output(debounce_by=debounce):
            updates, last = updates + 1, output
    return updates, last


async def ours(agent: Agent[None, Results]) -> tuple[int, Any]:
    updates, last = 0, None
    async with agent.run_stream_events("Find the open issues.") as events:
        text = sources.texts(sources.pydantic_ai(events), "final_result")
        async for partial in deltajson.astream_model(text, Results):
            updates, last = updates + 1, partial
    return updates, last


async def events_only(agent: Agent[None, Results]) -> tuple[int, Any]:
    async with agent.run_stream_events("Find the open issues.") as events:
        async for _ in events:
            pass
    return 0, None


async def responses_only(agent: Agent[None, Results]) -> tuple[int, Any]:
    async with agent.run_stream("Find the open issues.") as result:
        async for _ in result.stream_response(debounce_by=None):
            pass
    return 0, None


async def recorded(agent: Agent[None, Results]) -> list[Any]:
    async with agent.run_stream_events("Find the open issues.") as events:
        return [event async for event in events]


def parse_only(events: list[Any]) -> tuple[int, Any]:
    """deltajson alone: the recorded events of a run through the source and stream_model."""
    updates, last = 0, None
    text = sources.texts(sources.pydantic_ai(events), "final_result")
    for partial in deltajson.stream_model(text, Results):
        updates, last = updates + 1, partial
    return updates, last


def best(run: Any, repeat: int, *args: Any) -> tuple[float, int, Any]:
    """The least CPU time (this process's) of ``repeat`` runs: all of a run is in-process,
    and CPU time moves less than wall time when other processes load the machine."""
    times, updates, last = [], 0, None
    for _ in range(repeat):
        start = time.process_time()
        result = run(*args)
        updates, last = asyncio.run(result) if asyncio.iscoroutine(result) else result
        times.append(time.process_time() - start)
    return min(times), updates, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=42_000, help="output bytes (about)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "frameworks.json")
    args = parser.parse_args()
    document = tool_arguments("records", args.size)
    agent = agent_for(document)
    expected = Results.model_validate_json(document)
    deltas = len(token_chunks(document))
    theirs_base = "  run_stream + stream_response (no parsing)"
    ours_base = "  run_stream_events (no parsing)"
    events = asyncio.run(recorded(agent))
    rows = {
        "pydantic-ai stream_output(debounce_by=None)": best(theirs, args.repeat, agent, None),
        "pydantic-ai stream_output(debounce_by=0.1)": best(theirs, args.repeat, agent, 0.1),
        theirs_base: best(responses_only, args.repeat, agent),
        "deltajson sources.pydantic_ai + astream_model": best(ours, args.repeat, agent),
        ours_base: best(events_only, args.repeat, agent),
        "deltajson alone, over the recorded events": best(parse_only, args.repeat, events),
    }
    print(f"{len(document.encode())} bytes of structured output, {deltas} deltas")
    print(
        f"{'':48} {'total':>10} {'updates':>8} {'parsing':>10} {'per update':>11} {'per delta':>10}"
    )
    report: dict[str, Any] = {"bytes": len(document.encode()), "deltas": deltas, "rows": {}}
    for name, (seconds, updates, last) in rows.items():
        base = rows[theirs_base if name.startswith("pydantic-ai") else ours_base][0]
        if name.startswith("deltajson alone"):
            base = 0.0
        if last is not None:
            assert last == expected, f"{name}: a different final model"
        cost = seconds - base
        shown = updates and cost > 0  # a debounced run can cost less than its baseline
        parsing = f"{cost * 1e3:7.1f} ms" if shown else "-"
        per = f"{cost / updates * 1e6:8.1f} us" if shown else "-"
        per_delta = f"{cost / deltas * 1e6:7.1f} us" if shown else "-"
        row = f"{name:48} {seconds * 1e3:7.1f} ms {updates:8} {parsing:>10} {per:>11}"
        print(f"{row} {per_delta:>10}")
        report["rows"][name] = {"seconds": seconds, "updates": updates}
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
