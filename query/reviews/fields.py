"""A review's fields: a preset by name, a list of fields, or a JSON Schema whose properties
are the fields; and the typed value each field takes.

Types: text, date (an ISO date), boolean, number, enum (one of `values`), list (of
strings). A malformed request raises FieldsError naming the problem (422).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from core.errors import FolioError

TYPES = ("text", "date", "boolean", "number", "enum", "list")
PRESETS_DIR = Path(__file__).with_name("presets")
MAX_FIELDS = 100


class FieldsError(FolioError, ValueError):
    """The review's fields cannot be read: an unknown preset, a malformed list or schema."""

    status = 422


@dataclass(frozen=True)
class Field:
    """One column of a review: its name, what it asks, and the type of its value."""

    name: str
    question: str
    type: str = "text"
    values: tuple[str, ...] = ()  # an enum's choices

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"values": list(self.values)}


def presets() -> list[str]:
    """The names of the packaged presets (e.g. "cuad": CUAD's 41 clause categories)."""
    return sorted(p.stem for p in PRESETS_DIR.glob("*.json"))


def read_fields(spec: str | list | dict) -> list[Field]:
    """A preset's name, a list of {name, question | description, type, values}, or a JSON
    Schema object whose properties are the fields, as Fields; FieldsError if malformed."""
    if isinstance(spec, str):
        fields = _preset(spec)
    elif isinstance(spec, list):
        fields = [_field(item, i) for i, item in enumerate(spec)]
    elif isinstance(spec, dict):
        fields = _from_schema(spec)
    else:
        raise FieldsError("fields: give a preset's name, a list of fields or a JSON Schema")
    if not fields:
        raise FieldsError("fields: there are none")
    if len(fields) > MAX_FIELDS:
        raise FieldsError(f"fields: at most {MAX_FIELDS}, not {len(fields)}")
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise FieldsError(f"fields: each name once, but {', '.join(twice)} come twice")
    return fields


def _preset(name: str) -> list[Field]:
    path = PRESETS_DIR / f"{name}.json"
    if not re.fullmatch(r"[a-z0-9_-]+", name) or not path.is_file():
        raise FieldsError(f"no preset {name!r}; the presets are: {', '.join(presets())}")
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        Field(f["name"], f["description"], f["type"], tuple(f.get("values", ())))
        for f in data["fields"]
    ]


def _field(item: Any, index: int) -> Field:
    if not isinstance(item, dict):
        raise FieldsError(f"fields[{index}]: an object with name, question and type")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise FieldsError(f"fields[{index}]: a name of 1-200 characters")
    question = item.get("question") or item.get("description") or name
    if not isinstance(question, str) or len(question) > 2000:
        raise FieldsError(f"field {name!r}: the question is text of at most 2000 characters")
    kind = item.get("type", "text")
    if kind not in TYPES:
        raise FieldsError(f"field {name!r}: type {kind!r} is not one of {', '.join(TYPES)}")
    values = item.get("values") or ()
    if kind == "enum" and (
        not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values)
    ):
        raise FieldsError(f"field {name!r}: an enum needs `values`, a list of strings")
    return Field(name.strip(), question.strip(), kind, tuple(values))


def _from_schema(schema: dict) -> list[Field]:
    """A JSON Schema object: each property a field (string with format date: date; an
    enum: enum; boolean; number or integer; array: list; any other string: text)."""
    props = schema.get("properties")
    if schema.get("type", "object") != "object" or not isinstance(props, dict) or not props:
        raise FieldsError("fields: a JSON Schema of type object with properties")
    out = []
    for i, (name, prop) in enumerate(props.items()):
        if not isinstance(prop, dict):
            raise FieldsError(f"fields: property {name!r} is not a schema object")
        item = {"name": name, "question": prop.get("description") or name}
        if "enum" in prop:
            item |= {"type": "enum", "values": prop["enum"]}
        else:
            item["type"] = _schema_type(name, prop)
        out.append(_field(item, i))
    return out


def _schema_type(name: str, prop: dict) -> str:
    kind = prop.get("type", "string")
    if kind == "string":
        return "date" if prop.get("format") == "date" else "text"
    mapping = {"boolean": "boolean", "number": "number", "integer": "number", "array": "list"}
    if kind not in mapping:
        raise FieldsError(f"field {name!r}: JSON Schema type {kind!r} is not supported")
    return mapping[kind]


def typed(field: Field, value: Any) -> Any:
    """`value` as `field`'s type, or ValueError saying why it is not one."""
    if value is None:
        return None
    if field.type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("yes", "no", "true", "false"):
            return value.strip().lower() in ("yes", "true")
        raise ValueError(f"{value!r} is not yes or no")
    if field.type == "date":
        return date.fromisoformat(str(value).strip()).isoformat()
    if field.type == "number":
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not a number")
        return float(value) if not isinstance(value, int) else value
    if field.type == "enum":
        if value not in field.values:
            raise ValueError(f"{value!r} is not one of {', '.join(field.values)}")
        return value
    if field.type == "list":
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        raise ValueError(f"{value!r} is not a list of strings")
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not text")
    return value
