"""End to end: the real SDK stream helpers with and without ``deltajson.integrations``.

    python benches/integrations.py                       # every library; JSON in benches/results/
    python benches/integrations.py --libraries openai --sizes 100000 300000

A loopback server (tests/loopback.py) replays a provider SSE transcript whose tool-call
arguments (or structured content) are a document of about ``--sizes`` bytes, streamed in
token-sized deltas (1-8 characters, one SSE event each). Each run consumes the whole stream
through the library's own helper, as an application would, and the wall time of the run is
reported: SSE decoding, the SDK's event models and snapshot accumulation are included, which
acceleration does not touch. The server runs in the same process, for both runs alike.

- ``openai``: ``client.chat.completions.stream(..., tools=[strict tool])``, every event read;
- ``anthropic``: ``client.messages.stream(...)`` with one ``tool_use`` block;
- ``instructor``: ``create_partial(response_model=..., mode=JSON)``, every partial read;
- ``langchain``: ``JsonOutputParser(diff=True).transform`` over the content deltas, against
  ``DeltaJsonOutputParser(diff=True)`` (no server: LangChain gets the text chunks).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from pydantic import BaseModel  # noqa: E402

from compat import tool_arguments  # noqa: E402
from deltajson import compat  # noqa: E402
from loopback import replay_server  # noqa: E402
from models import Record  # noqa: E402
from provider_sse import anthropic_messages, openai_chat, openai_tool_calls  # noqa: E402

MESSAGES = [{"role": "user", "content": "Find the open issues."}]


class Results(BaseModel):
    query: str
    results: list[Record]


def _openai(url: str) -> Callable[[], None]:
    import openai

    client = openai.OpenAI(base_url=url + "/v1", api_key="bench", max_retries=0)
    tools = [openai.pydantic_function_tool(Results, name="search")]

    def run() -> None:
        with client.chat.completions.stream(model="tools", messages=MESSAGES, tools=tools) as s:
            for _ in s:
                pass

    return run


def _anthropic(url: str) -> Callable[[], None]:
    import anthropic

    client = anthropic.Anthropic(base_url=url, api_key="bench", max_retries=0)

    def run() -> None:
        with client.messages.stream(model="claude", max_tokens=4096, messages=MESSAGES) as s:
            for _ in s:
                pass

    return run


def _instructor(url: str) -> Callable[[], None]:
    import instructor
    import openai

    client = instructor.from_openai(
        openai.OpenAI(base_url=url + "/v1", api_key="bench", max_retries=0),
        mode=instructor.Mode.JSON,
    )

    def run() -> None:
        for _ in client.create_partial(model="content", response_model=Results, messages=MESSAGES):
            pass

    return run


RUNNERS = {"openai": _openai, "anthropic": _anthropic, "instructor": _instructor}


def _integration(name: str) -> Any:
    import importlib

    return importlib.import_module(f"deltajson.integrations.{name}")


def timed(run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def measure_sdk(name: str, size: int) -> dict[str, Any]:
    text = tool_arguments("records", size)
    with replay_server() as replay:
        replay.write_size = 16_384
        replay.add("tools", openai_tool_calls([("search", text)]))
        replay.add("content", openai_chat(text))
        replay.add("claude", anthropic_messages([("tool_use", "search", text)]))
        run = RUNNERS[name](replay.url)
        plain = timed(run)
        compat.clear()
        with _integration(name).accelerated():
            fast = timed(run)
    return _row(name, text, plain, fast)


def measure_langchain(size: int) -> dict[str, Any]:
    from langchain_core.output_parsers import JsonOutputParser

    from deltajson.integrations.langchain import DeltaJsonOutputParser
    from provider_sse import token_chunks

    text = tool_arguments("records", size)
    chunks = token_chunks(text)
    plain = timed(lambda: sum(1 for _ in JsonOutputParser(diff=True).transform(iter(chunks))))
    compat.clear()
    fast = timed(lambda: sum(1 for _ in DeltaJsonOutputParser(diff=True).transform(iter(chunks))))
    return _row("langchain", text, plain, fast)


def _row(name: str, text: str, plain: float, fast: float) -> dict[str, Any]:
    return {
        "library": name,
        "bytes": len(text.encode()),
        "plain_s": plain,
        "accelerated_s": fast,
        "speedup": plain / fast,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--libraries", nargs="*", default=["openai", "anthropic", "instructor", "langchain"]
    )
    ap.add_argument("--sizes", nargs="*", type=int, default=[100_000])
    args = ap.parse_args()
    rows = []
    print(f"{'library':<12} {'document':>9} {'plain s':>9} {'accelerated s':>14} {'speedup':>8}")
    for size in args.sizes:
        for name in args.libraries:
            row = measure_langchain(size) if name == "langchain" else measure_sdk(name, size)
            rows.append(row)
            print(
                f"{name:<12} {row['bytes'] // 1000:>6} KB {row['plain_s']:>9.2f} "
                f"{row['accelerated_s']:>14.2f} {row['speedup']:>7.1f}x",
                flush=True,
            )
    out = HERE / "results" / "integrations.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
