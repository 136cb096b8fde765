"""The schema zoo: models people stream, each with documents Pydantic accepts and rejects.

Every entry is checked against Pydantic itself (``tests/test_pydantic_zoo.py``): the expected
results are never written here, only the documents. Validators that change their value
(``+ 1``, appending a mark) make a validator applied twice visible.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import uuid
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, NamedTuple, Optional, TypeVar, Union

import annotated_types
import pydantic
from annotated_types import MinLen
from pydantic import (
    AfterValidator,
    AliasChoices,
    AliasPath,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    EmailStr,
    Field,
    PlainValidator,
    RootModel,
    Strict,
    Tag,
    ValidationInfo,
    WrapValidator,
    computed_field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict

T = TypeVar("T")


def plus_one(value: int) -> int:
    return value + 1


def marked(value: str) -> str:
    return value + "!"


# ---- nested, recursive, generic, root, dataclasses, TypedDict, NamedTuple ---------------------


class Leaf(BaseModel):
    n: Annotated[int, AfterValidator(plus_one)]
    label: str = ""


class Nested(BaseModel):
    title: str
    leaf: Leaf
    leaves: list[Leaf] = []
    by_name: dict[str, Leaf] = {}


class Tree(BaseModel):
    value: int
    children: list[Tree] = []


class Box(BaseModel, Generic[T]):
    item: T
    items: list[T] = []


class Items(RootModel[list[Leaf]]):
    pass


@dataclasses.dataclass
class StdPoint:
    x: int
    y: int = 0


@pydantic.dataclasses.dataclass
class PydPoint:
    x: Annotated[int, AfterValidator(plus_one)]
    tag: str = "p"


class Shape(TypedDict):
    sides: int
    name: str


class Pair(NamedTuple):
    left: int
    right: str


class Containers(BaseModel):
    std: StdPoint
    pyd: PydPoint
    shape: Shape
    pair: Pair
    points: list[PydPoint] = []


# ---- Any, object, dict ------------------------------------------------------------------


class Anything(BaseModel):
    name: str
    arguments: dict[str, Any]
    blob: Any = None
    thing: object = None
    plain: dict = {}  # type: ignore[type-arg]
    many: list[Any] = []


# ---- unions -----------------------------------------------------------------------------


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: Annotated[int, AfterValidator(plus_one)] = 9
    name: str = ""


class Dog(BaseModel):
    kind: Literal["dog"]
    bark: str = "woof"
    good: bool = True


class Optionals(BaseModel):
    a: Optional[int] = None
    b: Union[int, str] = 0
    c: Union[Cat, Dog, None] = None
    d: Union[list[int], dict[str, int]] = []


class FieldDiscriminated(BaseModel):
    pet: Union[Cat, Dog] = Field(discriminator="kind")


class ListDiscriminated(BaseModel):
    pets: list[Annotated[Union[Cat, Dog], Field(discriminator="kind")]]
    named: dict[str, Annotated[Union[Cat, Dog], Field(discriminator="kind")]] = {}


def pet_tag(value: Any) -> Optional[str]:
    if isinstance(value, dict):
        return "dog" if "bark" in value else "cat"
    return getattr(value, "kind", None)


class CallableDiscriminated(BaseModel):
    pets: list[
        Annotated[
            Union[Annotated[Cat, Tag("cat")], Annotated[Dog, Tag("dog")]], Discriminator(pet_tag)
        ]
    ]


# ---- Literal, Enum, constraints --------------------------------------------------------


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Constrained(BaseModel):
    mode: Literal["fast", "slow"]
    color: Color
    level: Level = Level.LOW
    count: int = Field(ge=0, le=100)
    ratio: Annotated[float, annotated_types.Gt(0), annotated_types.Lt(1)] = 0.5
    code: str = Field(default="abc", min_length=2, max_length=5, pattern=r"^[a-z]+$")
    tags: Annotated[list[str], annotated_types.MaxLen(3)] = []


# ---- validators ---------------------------------------------------------------------------


class FieldValidators(BaseModel):
    before: int = 0
    after: int = 0
    wrap: int = 0
    plain: int = 0
    words: list[str] = []

    @field_validator("before", mode="before")
    @classmethod
    def _before(cls, value: Any) -> Any:
        return int(value) * 10 if isinstance(value, str) else value

    @field_validator("after")
    @classmethod
    def _after(cls, value: int) -> int:
        if value > 1000:
            raise ValueError("too big")
        return value + 1

    @field_validator("wrap", mode="wrap")
    @classmethod
    def _wrap(cls, value: Any, handler: Any) -> int:
        return int(handler(value)) * 2

    @field_validator("plain", mode="plain")
    @classmethod
    def _plain(cls, value: Any) -> int:
        if not isinstance(value, int):
            raise ValueError("plain wants an int")
        return value + 100

    @field_validator("words")
    @classmethod
    def _words(cls, value: list[str]) -> list[str]:
        return [*value, "end"]


def tripled(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError("tripled takes an int or a numeric string")
    return int(value) * 3


class AnnotatedValidators(BaseModel):
    before: Annotated[int, BeforeValidator(lambda v: int(v) + 1 if isinstance(v, str) else v)] = 0
    after: Annotated[int, AfterValidator(plus_one)] = 0
    wrap: Annotated[str, WrapValidator(lambda v, h: marked(h(v)))] = ""
    plain: Annotated[int, PlainValidator(tripled)] = 0
    items: list[Annotated[str, AfterValidator(marked)]] = []


class Titled(BaseModel):
    title: str
    note: str = ""


class ModelBefore(BaseModel):
    titled: Titled
    count: int = 0

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if isinstance(data, dict):
            titled = data.get("titled")
            title = titled.get("title") if isinstance(titled, dict) else None
            if isinstance(title, str):  # raw dicts, as Pydantic gives them
                data = {**data, "titled": {**titled, "title": title.strip()}}
            if "n" in data:
                data = {**data, "count": data["n"]}
        return data


class ModelAfter(BaseModel):
    low: int
    high: int
    calls: int = 0

    @model_validator(mode="after")
    def _ordered(self) -> ModelAfter:
        if self.low > self.high:
            raise ValueError("low must not exceed high")
        self.calls += 1
        return self


class ModelWrap(BaseModel):
    value: int = 0

    @model_validator(mode="wrap")
    @classmethod
    def _wrapped(cls, data: Any, handler: Any) -> ModelWrap:
        if isinstance(data, dict) and "legacy" in data:
            data = {"value": data["legacy"]}
        made = handler(data)
        made.value += 1
        return made  # type: ignore[no-any-return]


class InfoData(BaseModel):
    password: str
    confirm: str
    parts: list[ModelAfter] = []

    @field_validator("confirm")
    @classmethod
    def _same(cls, value: str, info: ValidationInfo) -> str:
        if value != info.data.get("password"):
            raise ValueError("passwords differ")
        return value


class Validators(BaseModel):
    fields: FieldValidators = FieldValidators()
    annotated: AnnotatedValidators = AnnotatedValidators()
    before: Optional[ModelBefore] = None
    after: list[ModelAfter] = []
    wrap: Optional[ModelWrap] = None


# ---- aliases -----------------------------------------------------------------------------


class Aliases(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    name: str = Field(alias="Name")
    city: str = Field(default="", validation_alias="town")
    age: int = Field(default=0, validation_alias=AliasChoices("age", "years"))
    first: str = Field(default="", validation_alias=AliasPath("names", 0))
    count: Annotated[int, AfterValidator(plus_one)] = Field(default=0, alias="Count")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class Generated(BaseModel):
    model_config = ConfigDict(alias_generator=camel, populate_by_name=True)

    first_name: str
    last_seen_at: Optional[datetime.datetime] = None
    item_count: int = 0


# ---- strictness, extra ----------------------------------------------------------------------


class StrictConfig(BaseModel):
    model_config = ConfigDict(strict=True)

    n: int = 0
    ok: bool = False
    when: Optional[datetime.datetime] = None
    ids: tuple[int, ...] = ()
    color: Optional[Color] = None


class StrictField(BaseModel):
    n: int = Field(default=0, strict=True)
    m: Annotated[int, Strict()] = 0
    lax: int = 0


class Forbid(BaseModel):
    model_config = ConfigDict(extra="forbid")
    a: int = 0


class Allow(BaseModel):
    model_config = ConfigDict(extra="allow")
    a: int = 0


class Ignore(BaseModel):
    model_config = ConfigDict(extra="ignore")
    a: int = 0


class Extras(BaseModel):
    forbid: Forbid = Forbid()
    allow: Allow = Allow()
    ignore: Ignore = Ignore()


# ---- defaults, frozen, computed ----------------------------------------------------------


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)
    x: int
    y: int = 2


class Defaults(BaseModel):
    a: int = 1
    tags: list[str] = Field(default_factory=lambda: ["default"])
    frozen: Optional[Frozen] = None
    made: datetime.date = Field(default_factory=lambda: datetime.date(2020, 1, 1))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total(self) -> int:
        return self.a + len(self.tags)


# ---- special types ------------------------------------------------------------------------


class Specials(BaseModel):
    when: datetime.datetime
    day: datetime.date = datetime.date(2000, 1, 1)
    span: datetime.timedelta = datetime.timedelta(0)
    id: uuid.UUID = uuid.UUID(int=0)
    price: Decimal = Decimal("0")
    data: bytes = b""
    pair: tuple[int, str] = (0, "")
    rest: tuple[int, ...] = ()
    unique: set[int] = set()
    frozen: frozenset[str] = frozenset()


# ---- real-world shapes (Instructor's docs, OpenAI's cookbook, pydantic-ai, LangChain) -------


class Step(BaseModel):
    """A factory that takes the validated data (Pydantic 2.10+), nested in a list."""

    name: str
    slug: str = Field(default_factory=lambda data: data["name"].lower().replace(" ", "-"))


class Recipe(BaseModel):
    title: str
    servings: int = 2
    portions: int = Field(default_factory=lambda data: data["servings"] * 2)
    steps: list[Step] = []


def _no_spam(value: str) -> str:
    if "spam" in value:
        raise PydanticCustomError("spam", "{word!r} looks like spam", {"word": value})
    return value


class Contact(BaseModel):
    """``EmailStr`` (a custom-typed error with a ``ctx``) and a ``PydanticCustomError``."""

    name: Annotated[str, AfterValidator(_no_spam)]
    email: EmailStr


class Directory(BaseModel):
    team: str
    contacts: list[Contact]
    owner: Optional[Contact] = None


class Success(BaseModel):
    """pydantic-ai's output union: ``Union[Success, InvalidRequest]`` at the root."""

    sql_query: Annotated[str, MinLen(1)]
    explanation: str = ""


class InvalidRequest(BaseModel):
    error_message: str


SqlOutput = Union[Success, InvalidRequest]


class SearchTool(BaseModel):
    """A strict tool's arguments (OpenAI ``strict: true`` tools set ``additionalProperties:
    false``): ``extra="forbid"``."""

    model_config = ConfigDict(extra="forbid")
    query: str
    limit: int = 10
    filters: list[str] = []


class Idea(BaseModel):
    title: str
    score: float = Field(ge=0, le=10)


class Brainstorm(BaseModel):
    """An item list where one item may fail its schema."""

    topic: str
    ideas: list[Idea]


#: (model, documents Pydantic accepts, documents it rejects) — checked, not assumed: the
#: test asserts each list is what its name says, with Pydantic. A model is a class or, where
#: users stream one, a type expression (a union of models at the root).
ZOO: list[tuple[Any, list[str], list[str]]] = [
    (
        Recipe,
        [
            '{"title": "Soup", "servings": 3, "steps": [{"name": "Chop Leeks"}, {"name": "B"}]}',
            '{"title": "Tea", "portions": 1}',
        ],
        ['{"title": "Soup", "steps": [{"slug": "x"}]}', '{"servings": 2}'],
    ),
    (
        Directory,
        [
            '{"team": "core", "contacts": [{"name": "Ana", "email": "ana@example.com"}],'
            ' "owner": {"name": "Bo", "email": "bo@example.org"}}',
        ],
        [
            '{"team": "core", "contacts": [{"name": "Ana", "email": "not-an-email"}]}',
            '{"team": "core", "contacts": [{"name": "spam bot", "email": "s@example.com"}]}',
            '{"team": "core", "contacts": [], "owner": {"name": "spam", "email": "x"}}',
        ],
    ),
    (
        SqlOutput,
        [
            '{"sql_query": "SELECT 1", "explanation": "one"}',
            '{"error_message": "no such table"}',
        ],
        ['{"sql_query": ""}', '{"explanation": "x"}'],
    ),
    (
        SearchTool,
        ['{"query": "q", "limit": 3, "filters": ["a"]}', '{"query": "q"}'],
        ['{"query": "q", "lang": "en"}', '{"query": "q", "limit": "many"}'],
    ),
    (
        Brainstorm,
        ['{"topic": "t", "ideas": [{"title": "a", "score": 1}, {"title": "b", "score": 9.5}]}'],
        [
            '{"topic": "t", "ideas": [{"title": "a", "score": 1}, {"score": 12}]}',
            '{"topic": "t", "ideas": [{"title": "a", "score": 1}, {"title": "b", "score": 12}]}',
        ],
    ),
    (
        Nested,
        [
            '{"title": "t", "leaf": {"n": 1}, "leaves": [{"n": 2, "label": "x"}, {"n": 3}],'
            ' "by_name": {"a": {"n": 4}}}',
            '{"leaf": {"label": "only", "n": 0}, "title": "\\u00e9t\\u00e9 \\ud83d\\ude00"}',
        ],
        [
            '{"title": "t", "leaf": {"n": "x"}}',
            '{"title": "t", "leaf": {"label": "no n"}}',
            '{"title": 5, "leaf": {"n": 1}}',
            '{"title": "t", "leaf": {"n": 1}, "leaves": [{"n": 1}, 7]}',
        ],
    ),
    (
        Tree,
        ['{"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}, {"value": 4}]}'],
        ['{"value": 1, "children": [{"value": 2, "children": [{"value": "deep"}]}]}'],
    ),
    (
        Box[int],
        ['{"item": 1, "items": [2, 3]}'],
        ['{"item": "one"}', '{"item": 1, "items": [2, "x"]}'],
    ),
    (
        Box[Leaf],
        ['{"item": {"n": 1}, "items": [{"n": 2}]}'],
        ['{"item": {"n": 1}, "items": [{"m": 2}]}'],
    ),
    (
        Items,
        ['[{"n": 1}, {"n": 2, "label": "b"}]', "[]"],
        ['[{"n": 1}, {"n": "x"}]', '{"n": 1}'],
    ),
    (
        Containers,
        [
            '{"std": {"x": 1, "y": 2}, "pyd": {"x": 1}, "shape": {"sides": 3, "name": "tri"},'
            ' "pair": [1, "r"], "points": [{"x": 5, "tag": "q"}]}',
            '{"std": {"x": 1}, "pyd": {"x": 1, "tag": "t"}, "shape": {"sides": 4, "name": "sq"},'
            ' "pair": {"left": 2, "right": "r"}}',
        ],
        [
            '{"std": {"x": "a"}, "pyd": {"x": 1}, "shape": {"sides": 3, "name": "t"},'
            ' "pair": [1, "r"]}',
            '{"std": {"x": 1}, "pyd": {"x": 1}, "shape": {"sides": 3}, "pair": [1, "r"]}',
            '{"std": {"x": 1}, "pyd": {"x": 1}, "shape": {"sides": 3, "name": "t"}, "pair": [1]}',
        ],
    ),
    (
        Anything,
        [
            '{"name": "f", "arguments": {"q": {"x": 1, "y": [1, {"z": null}]}, "s": "t"},'
            ' "blob": {"a": [1, 2]}, "thing": [true, "x"], "plain": {"k": {"v": 1}},'
            ' "many": [1, "two", {"three": 3}, [4]]}',
            '{"name": "f", "arguments": {}}',
        ],
        ['{"name": "f", "arguments": [1, 2]}', '{"name": "f"}'],
    ),
    (
        Optionals,
        [
            '{"a": null, "b": "text", "c": {"kind": "dog"}, "d": {"x": 1}}',
            '{"a": 3, "b": 4, "c": {"kind": "cat", "lives": 1}, "d": [1, 2]}',
            '{"c": null}',
        ],
        ['{"a": "x"}', '{"c": {"kind": "cow"}}', '{"d": [1, "a"]}', '{"b": [1]}'],
    ),
    (
        FieldDiscriminated,
        [
            '{"pet": {"kind": "cat", "lives": 3, "name": "tom"}}',
            '{"pet": {"bark": "grr", "kind": "dog"}}',
        ],
        ['{"pet": {"kind": "cow"}}', '{"pet": {"kind": "dog", "good": "maybe"}}', '{"pet": {}}'],
    ),
    (
        ListDiscriminated,
        [
            '{"pets": [{"kind": "dog", "bark": "wuff"}, {"kind": "cat", "lives": 2}],'
            ' "named": {"rex": {"kind": "dog"}}}',
            '{"pets": []}',
        ],
        [
            '{"pets": [{"kind": "dog"}, {"kind": "bird"}]}',
            '{"pets": [{"kind": "cat", "lives": "many"}]}',
            '{"pets": [], "named": {"x": {"kind": 3}}}',
        ],
    ),
    (
        CallableDiscriminated,
        ['{"pets": [{"kind": "dog", "bark": "b"}, {"kind": "cat", "lives": 1}]}'],
        ['{"pets": [{"kind": "cat", "bark": "b"}]}', '{"pets": [{"kind": "cat", "lives": "x"}]}'],
    ),
    (
        Constrained,
        [
            '{"mode": "fast", "color": "red", "level": 2, "count": 100, "ratio": 0.25,'
            ' "code": "xyz", "tags": ["a", "b"]}',
            '{"mode": "slow", "color": "green", "count": 0}',
        ],
        [
            '{"mode": "medium", "color": "red", "count": 1}',
            '{"mode": "fast", "color": "blue", "count": 1}',
            '{"mode": "fast", "color": "red", "count": 101}',
            '{"mode": "fast", "color": "red", "count": 1, "ratio": 1.5}',
            '{"mode": "fast", "color": "red", "count": 1, "code": "TOOLONG"}',
            '{"mode": "fast", "color": "red", "count": 1, "tags": ["a", "b", "c", "d"]}',
            '{"mode": "fast", "color": "red", "count": 1, "level": 3}',
        ],
    ),
    (
        Validators,
        [
            '{"fields": {"before": "3", "after": 4, "wrap": 5, "plain": 6, "words": ["a"]},'
            ' "annotated": {"before": "1", "after": 1, "wrap": "w", "plain": "2",'
            ' "items": ["x", "y"]},'
            ' "before": {"titled": {"title": "  spaced  "}, "n": 3},'
            ' "after": [{"low": 1, "high": 2}, {"low": 2, "high": 2}],'
            ' "wrap": {"legacy": 5}}',
            '{"wrap": {"value": 1}, "before": {"titled": {"title": "x", "note": "n"}}}',
        ],
        [
            '{"fields": {"after": 2000}}',
            '{"fields": {"plain": "x"}}',
            '{"after": [{"low": 3, "high": 2}]}',
            '{"before": {"titled": {"note": 5}}}',
            '{"annotated": {"plain": "x"}}',
        ],
    ),
    (
        InfoData,
        [
            '{"password": "pw", "confirm": "pw", "parts": [{"low": 1, "high": 1}]}',
            '{"confirm": "pw", "password": "pw"}',
        ],
        ['{"password": "pw", "confirm": "other"}', '{"confirm": "pw", "password": "other"}'],
    ),
    (
        Aliases,
        [
            '{"Name": "n", "town": "t", "years": 3, "names": ["first", "second"], "Count": 1}',
            '{"name": "by name", "age": 4, "years": 5, "count": 2}',
            '{"Name": "n", "names": []}',
        ],
        [
            '{"town": "t"}',
            '{"Name": "n", "age": "old"}',
            '{"Name": "n", "years": "old"}',
            '{"Name": "n", "names": [5]}',
            '{"Name": "n", "Count": "x"}',
        ],
    ),
    (
        Generated,
        [
            '{"firstName": "a", "lastSeenAt": "2024-01-02T03:04:05Z", "itemCount": 2}',
            '{"first_name": "b", "item_count": 1}',
        ],
        ['{"firstName": "a", "lastSeenAt": "yesterday"}', '{"itemCount": 1}'],
    ),
    (
        StrictConfig,
        ['{"n": 1, "ok": true, "when": "2024-01-02T03:04:05", "ids": [1, 2], "color": "red"}'],
        [
            '{"n": "1", "ok": "true"}',
            '{"n": 1.0}',
            '{"ok": 1}',
            '{"ids": ["1"]}',
            '{"color": "purple"}',
        ],
    ),
    (
        StrictField,
        ['{"n": 1, "m": 2, "lax": "3"}'],
        ['{"n": "1"}', '{"m": "2"}', '{"lax": "x"}'],
    ),
    (
        Extras,
        [
            '{"forbid": {"a": 1}, "allow": {"a": 1, "b": [1, {"c": 2}], "d": "x"},'
            ' "ignore": {"a": 1, "z": {"deep": true}}}',
        ],
        ['{"forbid": {"a": 1, "b": 2}}', '{"allow": {"a": "x", "b": 1}}'],
    ),
    (
        Defaults,
        ["{}", '{"a": 5, "tags": [], "frozen": {"x": 1}, "made": "2021-02-03"}'],
        ['{"frozen": {"y": 1}}', '{"made": "never"}', '{"a": null}'],
    ),
    (
        Specials,
        [
            '{"when": "2024-05-06T07:08:09.123+02:00", "day": "2024-05-06", "span": "PT1H",'
            ' "id": "12345678-1234-5678-1234-567812345678", "price": 12.50,'
            ' "data": "bytes\\u00e9", "pair": [1, "a"], "rest": [1, 2, 3],'
            ' "unique": [3, 1, 3], "frozen": ["a", "b", "a"]}',
            '{"when": 1700000000, "price": "1e3", "span": 90.5}',
        ],
        [
            '{"when": "not a date"}',
            '{"when": 1, "id": "nope"}',
            '{"when": 1, "pair": [1, "a", 3]}',
            '{"when": 1, "price": "abc"}',
            '{"when": 1, "unique": [[1]]}',
        ],
    ),
    (
        Leaf,
        ['{"n": "bad", "n": 1}', '{"n": 1, "label": "a", "label": "b"}', '{"n": {"x": 1}, "n": 2}'],
        ['{"n": 1, "n": "bad"}', '{"n": 1, "label": [1], "label": 2}'],
    ),
]
