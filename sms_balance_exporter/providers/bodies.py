"""Reading an answer's body as a document the generic engine's paths walk: JSON as it is,
plain text as `{"text": …}` (the stripped body, and at `value` what a pattern picked from
it), and XML as nested
mappings through a hardened parser (no DTD, no entities, no external references).

XML: the root element is the document's one key; an element with neither attributes nor child
elements is its text; any other is a mapping of `@attribute` values, child elements by local
name (namespaces dropped) and its `text`. Children of one name are `XmlElements`, a list whose
first entry a key step takes (`accounts.account.messagesremaining` reads the first account).
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from sms_balance_exporter.providers.base import HttpResponse, ProviderError, Reason, json_body


class XmlElements(list[Any]):
    """The child elements of one name: a key step on it goes to the first."""


def text_document(response: HttpResponse, pattern: re.Pattern[str] | None) -> dict[str, str]:
    """`{"text": …}`: the stripped body, with `value` the pattern's group (its whole match
    without one) where it matches; a `parse` error for an empty or undecodable body."""
    try:
        text = response.body.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ProviderError(Reason.PARSE, "body is not UTF-8 text") from None
    if not text:
        raise ProviderError(Reason.PARSE, "empty body")
    match = pattern.search(text) if pattern is not None else None
    if match is None:
        return {"text": text}
    named = {name: value for name, value in match.groupdict().items() if value is not None}
    return {"text": text, "value": match.group(1) if match.re.groups else match.group(0), **named}


def xml_document(response: HttpResponse) -> dict[str, Any]:
    """The XML body as nested mappings, or a `parse` error (also for a DTD or entities)."""
    if not response.body.strip():
        raise ProviderError(Reason.PARSE, "empty body")
    try:
        root = fromstring(response.body, forbid_dtd=True)
    except DefusedXmlException:
        raise ProviderError(
            Reason.PARSE, "XML with a DTD, entities or external references is refused"
        ) from None
    except (ParseError, ValueError, RecursionError):
        raise ProviderError(Reason.PARSE, "body is not XML") from None
    return {_local(root.tag): _convert(root)}


def document(response: HttpResponse, body_format: str, pattern: re.Pattern[str] | None) -> Any:
    """The body in `body_format` (json, text or xml) as a document, or a `parse` error."""
    if body_format == "text":
        return text_document(response, pattern)
    if body_format == "xml":
        return xml_document(response)
    return json_body(response)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _convert(element: Element) -> Any:
    children = list(element)
    text = (element.text or "").strip()
    if not children and not element.attrib:
        return text
    node: dict[str, Any] = {f"@{_local(key)}": value for key, value in element.attrib.items()}
    for child in children:
        node.setdefault(_local(child.tag), XmlElements()).append(_convert(child))
    if text:
        node["text"] = text
    return node
