"""The JSON API's human-readable docs at /api/docs: the generated OpenAPI description laid out
as a plain HTML page with the site's own stylesheet.

django-ninja's default docs page (Swagger UI) loads its scripts from a CDN unless "ninja" is
an installed app, and Swagger UI itself calls out to an online validator. This page needs no
script and no asset from anywhere else: it is rendered on the server from the same
description that /api/openapi.json serves, so the two cannot disagree.
"""

import re
from dataclasses import dataclass, field

from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from ninja.openapi.docs import DocsBase

METHOD_ORDER = ["get", "post", "put", "patch", "delete"]


@dataclass
class DocsField:
    name: str
    type: str
    ref: str = ""  # the schema the type names, for a link
    required: bool = False
    description: str = ""
    rules: list[str] = field(default_factory=list)

    @property
    def description_html(self) -> SafeString:
        return inline_markup(self.description)


@dataclass
class DocsResponse:
    status: str
    description: str
    type: str
    ref: str = ""


@dataclass
class DocsOperation:
    method: str
    path: str
    summary: str
    description: str
    needs_auth: bool
    parameters: list[DocsField]
    body: DocsField | None
    body_fields: list[DocsField]
    responses: list[DocsResponse]

    @property
    def description_html(self) -> SafeString:
        return block_markup(self.description)

    @property
    def anchor(self) -> str:
        return f"{self.method.lower()}-{re.sub(r'[^a-z0-9]+', '-', self.path.lower()).strip('-')}"


@dataclass
class DocsSchema:
    name: str
    description: str
    fields: list[DocsField]

    @property
    def description_html(self) -> SafeString:
        return inline_markup(self.description)


def schema_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_label(schema: dict) -> tuple[str, str]:
    """A JSON schema as words ("array of ReviewOut", "integer or null") and the name of the
    schema it refers to, if any."""
    if "$ref" in schema:
        name = schema_name(schema["$ref"])
        return name, name
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            labels = [type_label(member) for member in schema[combinator]]
            ref = next((ref for _, ref in labels if ref), "")
            return " or ".join(label for label, _ in labels), ref
    if "enum" in schema:
        return "one of " + ", ".join(f'"{value}"' for value in schema["enum"]), ""
    kind = schema.get("type", "any")
    if kind == "array":
        label, ref = type_label(schema.get("items", {}))
        return f"array of {label}", ref
    if kind == "object" and "additionalProperties" in schema:
        label, ref = type_label(schema["additionalProperties"])
        return f"object of {label}", ref
    if "format" in schema:
        return f"{kind} ({schema['format']})", ""
    return str(kind), ""


RULES = {
    "minimum": "≥ {}",
    "maximum": "≤ {}",
    "minLength": "at least {} characters",
    "maxLength": "at most {} characters",
    "minItems": "at least {} items",
    "maxItems": "at most {} items",
    "default": "default {}",
}


def rules_of(schema: dict) -> list[str]:
    """Limits stated by the schema, its union members and its array items."""
    found = []
    members = [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]
    if "items" in schema:
        members.append(schema["items"])
    for member in members:
        for key, template in RULES.items():
            if key in member:
                rule = template.format(member[key])
                if key == "minLength" and member[key] == 1:
                    rule = "not empty"
                if member is schema.get("items"):
                    rule = f"each: {rule}"
                if rule not in found:
                    found.append(rule)
    return found


def docs_field(name: str, schema: dict, *, required: bool, description: str = "") -> DocsField:
    label, ref = type_label(schema)
    return DocsField(
        name=name,
        type=label,
        ref=ref,
        required=required,
        description=description or schema.get("description", ""),
        rules=rules_of(schema),
    )


def json_body_schema(content: dict) -> dict | None:
    return content.get("application/json", {}).get("schema")


def schema_fields(schema: dict) -> list[DocsField]:
    return [
        docs_field(name, property_schema, required=name in schema.get("required", []))
        for name, property_schema in schema.get("properties", {}).items()
    ]


def docs_operations(description: dict) -> list[DocsOperation]:
    components = description.get("components", {}).get("schemas", {})
    operations = []
    for path, methods in description.get("paths", {}).items():
        for method in sorted(methods, key=METHOD_ORDER.index):
            operation = methods[method]
            body = None
            request_body = operation.get("requestBody")
            if request_body and json_body_schema(request_body["content"]):
                body = docs_field(
                    "body",
                    json_body_schema(request_body["content"]),
                    required=request_body.get("required", False),
                )
            responses = []
            for status, response in operation.get("responses", {}).items():
                schema = json_body_schema(response.get("content", {})) or {}
                label, ref = type_label(schema) if schema else ("", "")
                responses.append(DocsResponse(status, response.get("description", ""), label, ref))
            operations.append(
                DocsOperation(
                    method=method.upper(),
                    path=path,
                    summary=operation.get("summary", ""),
                    description=operation.get("description", ""),
                    needs_auth=bool(operation.get("security")),
                    parameters=[
                        docs_field(
                            f"{parameter['name']} ({parameter['in']})",
                            parameter.get("schema", {}),
                            required=parameter.get("required", False),
                            description=parameter.get("description", ""),
                        )
                        for parameter in operation.get("parameters", [])
                    ],
                    body=body,
                    body_fields=schema_fields(components.get(body.ref, {})) if body else [],
                    responses=responses,
                )
            )
    return operations


def referenced_schemas(description: dict) -> set[str]:
    """Names of the component schemas the paths use, directly or through other schemas."""
    components = description.get("components", {}).get("schemas", {})
    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                name = schema_name(node["$ref"])
                if name not in found and name in components:
                    found.add(name)
                    walk(components[name])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(description.get("paths", {}))
    return found


def docs_schemas(description: dict) -> list[DocsSchema]:
    components = description.get("components", {}).get("schemas", {})
    used = referenced_schemas(description)
    return [
        DocsSchema(
            name=name,
            description=schema.get("description", ""),
            fields=schema_fields(schema),
        )
        for name, schema in sorted(components.items())
        if name in used
    ]


def inline_markup(text: str) -> SafeString:
    """One line of the little Markdown the descriptions use: `code`, **bold**, *emphasis*."""
    html = escape(text)
    html = re.sub(r"`([^`]+)`", r"<code>\1</code>", html)
    html = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", html)
    html = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"<em>\1</em>", html)
    return mark_safe(html)  # escaped above; only our own tags added


def block_markup(text: str) -> SafeString:
    """Paragraphs and "* " lists (an item's continuation lines indented), each line inline."""
    html = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.splitlines()
        if lines and lines[0].startswith("* "):
            items: list[str] = []
            for line in lines:
                if line.startswith("* "):
                    items.append(line[2:])
                else:
                    items[-1] += " " + line.strip()
            html.append(
                "<ul>" + "".join(f"<li>{inline_markup(item)}</li>" for item in items) + "</ul>"
            )
        elif lines:
            html.append(f"<p>{inline_markup(' '.join(line.strip() for line in lines))}</p>")
    return mark_safe("\n".join(html))  # built from inline_markup's escaped pieces


class ApiDocsPage(DocsBase):
    """Renders templates/api/docs.html from the API's OpenAPI description."""

    def render_page(self, request, api, **kwargs):
        description = api.get_openapi_schema(path_params=kwargs)
        info = description.get("info", {})
        context = {
            "title": info.get("title", ""),
            "version": info.get("version", ""),
            "description_html": block_markup(info.get("description", "")),
            "openapi_url": self.get_openapi_url(api, kwargs),
            "operations": docs_operations(description),
            "schemas": docs_schemas(description),
        }
        return render(request, "api/docs.html", context)
