"""The JSON Schema zoo: schemas apps send as ``response_format``, tool ``input_schema`` or MCP
tool schemas, in draft 2020-12 and draft-07, each with the documents the differential tests
draw from it (``tests/test_jsonschema.py``). The verdicts are never written here: the
validator itself (python-jsonschema) gives them.

``gen`` is a schema hypothesis-jsonschema can draw from where the schema itself is beyond it
(recursion, ``prefixItems``, ``$dynamicRef``): documents near the schema's, judged by the
validator against the real schema all the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from trip_models import TripPlan

D2020 = "https://json-schema.org/draft/2020-12/schema"
D07 = "http://json-schema.org/draft-07/schema#"


@dataclass
class Case:
    name: str
    schema: Any
    gen: Optional[Any] = None
    formats: bool = False  # validate with a FormatChecker

    def __str__(self) -> str:
        return self.name


def _tree(depth: int) -> Any:
    """The recursive tree, unrolled ``depth`` levels (what hypothesis-jsonschema can draw)."""
    node: dict[str, Any] = {
        "type": "object",
        "properties": {"value": {"type": "integer"}},
        "required": ["value"],
    }
    if depth:
        node["properties"]["children"] = {"type": "array", "items": _tree(depth - 1), "maxItems": 3}
    return node


TASKS = {
    "$schema": D2020,
    "type": "object",
    "properties": {
        "goal": {"type": "string", "minLength": 1},
        "tasks": {"type": "array", "items": {"$ref": "#/$defs/Task"}, "maxItems": 4},
        "status": {"enum": ["draft", "final"]},
    },
    "required": ["goal", "tasks"],
    "$defs": {
        "Task": {
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "hours": {"type": "number", "minimum": 0, "maximum": 100},
                "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
            },
            "required": ["title", "hours"],
            "additionalProperties": False,
        }
    },
}

# An OpenAI strict response_format: every key required, no extra keys, nulls by type lists.
STRICT = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": ["integer", "null"]},
        "email": {"type": ["string", "null"]},
        "kind": {"type": "string", "enum": ["person", "org"]},
        "address": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "zip": {"type": ["string", "null"]}},
            "required": ["city", "zip"],
            "additionalProperties": False,
        },
    },
    "required": ["name", "age", "email", "kind", "address"],
    "additionalProperties": False,
}

# An Anthropic tool's input_schema (draft-07 style, definitions).
WEATHER_TOOL = {
    "$schema": D07,
    "type": "object",
    "properties": {
        "location": {"$ref": "#/definitions/location"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
    },
    "required": ["location", "unit"],
    "additionalProperties": False,
    "definitions": {
        "location": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
            "required": ["city"],
        }
    },
}

SHAPES = {
    "$schema": D2020,
    "type": "object",
    "properties": {
        "shapes": {
            "type": "array",
            "maxItems": 3,
            "items": {
                "oneOf": [
                    {
                        "type": "object",
                        "properties": {"kind": {"const": "circle"}, "r": {"type": "number"}},
                        "required": ["kind", "r"],
                    },
                    {
                        "type": "object",
                        "properties": {"kind": {"const": "square"}, "side": {"type": "number"}},
                        "required": ["kind", "side"],
                    },
                ]
            },
        },
        "label": {"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}]},
    },
    "required": ["shapes"],
}

TUPLES_2020 = {
    "$schema": D2020,
    "type": "array",
    "prefixItems": [{"type": "string"}, {"type": "integer", "minimum": 0}],
    "items": {"type": "boolean"},
    "maxItems": 5,
}
TUPLES_2020_GEN = {
    "$schema": D07,
    "type": "array",
    "items": [{"type": "string"}, {"type": "integer", "minimum": 0}],
    "additionalItems": {"type": "boolean"},
    "maxItems": 5,
}

TUPLES_07 = {
    "$schema": D07,
    "type": "array",
    "items": [{"type": "string"}, {"type": "integer", "minimum": 0}],
    "additionalItems": {"type": "boolean"},
    "maxItems": 5,
}

TREE = {
    "$schema": D2020,
    "$ref": "#/$defs/node",
    "$defs": {
        "node": {
            "type": "object",
            "properties": {
                "value": {"type": "integer"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 3},
            },
            "required": ["value"],
            "additionalProperties": False,
        }
    },
}

ALL_OF_IDS = {
    "$schema": D2020,
    "$id": "https://example.com/order.json",
    "allOf": [
        {"type": "object", "properties": {"id": {"type": "string", "pattern": "^[a-z]+$"}}},
        {"properties": {"qty": {"$ref": "#/$defs/qty"}}, "required": ["id", "qty"]},
    ],
    "properties": {"item": {"$ref": "item.json"}},
    "$defs": {
        "qty": {"type": "integer", "minimum": 1},
        "item": {
            "$id": "item.json",
            "type": "object",
            "properties": {"sku": {"$ref": "#/$defs/sku"}},
            "$defs": {"sku": {"type": "string", "maxLength": 4}},
        },
    },
}

FORMATS = {
    "$schema": D2020,
    "type": "object",
    "properties": {
        "email": {"type": "string", "format": "email"},
        "day": {"type": "string", "format": "date"},
        "id": {"type": "string", "format": "uuid"},
    },
}

PATTERNS = {
    "$schema": D2020,
    "type": "object",
    "properties": {"version": {"const": 1}},
    "patternProperties": {"^x-": {"type": "string"}},
    "additionalProperties": {"type": "integer"},
    "minProperties": 1,
    "maxProperties": 4,
}

# Before 2019-09 a $ref's siblings are ignored: "type": "string" here checks nothing.
LEGACY_REF = {
    "$schema": D07,
    "type": "object",
    "properties": {"n": {"$ref": "#/definitions/n", "type": "string"}},
    "definitions": {"n": {"type": "integer", "maximum": 10}},
}

DYNAMIC = {
    "$schema": D2020,
    "$dynamicAnchor": "node",
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "kids": {"type": "array", "items": {"$dynamicRef": "#node"}, "maxItems": 2},
    },
    "required": ["name"],
}
DYNAMIC_GEN = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "kids": {
            "type": "array",
            "maxItems": 2,
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}},
                "required": ["name"],
            },
        },
    },
    "required": ["name"],
}

CASES = [
    Case("tasks", TASKS),
    Case("openai_strict", STRICT),
    Case("anthropic_tool", WEATHER_TOOL),
    Case("oneof_anyof", SHAPES),
    Case("tuples_2020", TUPLES_2020, gen=TUPLES_2020_GEN),
    Case("tuples_07", TUPLES_07),
    Case("recursive", TREE, gen=_tree(3)),
    Case(
        "allof_ids",
        ALL_OF_IDS,
        gen={
            "type": "object",
            "properties": {
                "id": {"type": "string", "pattern": "^[a-z]+$"},
                "qty": {"type": "integer", "minimum": 1},
                "item": {
                    "type": "object",
                    "properties": {"sku": {"type": "string", "maxLength": 4}},
                },
            },
            "required": ["id", "qty"],
        },
    ),
    Case("formats_annotated", FORMATS),
    Case("formats_asserted", FORMATS, formats=True),
    Case("patterns", PATTERNS),
    Case(
        "legacy_ref",
        LEGACY_REF,
        gen={
            "type": "object",
            "properties": {"n": {"type": ["integer", "string"], "maximum": 20}},
            "required": ["n"],
        },
    ),
    Case("dynamic_ref", DYNAMIC, gen=DYNAMIC_GEN),
    Case("pydantic_generated", TripPlan.model_json_schema()),
]
