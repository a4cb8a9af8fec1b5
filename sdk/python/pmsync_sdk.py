"""The pmsync plugin SDK for Python: a thin layer over componentize-py's bindings.

One file, copied into every Python plugin's folder. A plugin author writes plain Python:

* values are plain Python values (``None``, ``bool``, ``int``, ``float``, ``str``, a list of
  ``str`` for labels, :class:`Date` / :class:`DateTime` for dates, ``dict`` / ``list`` for
  nested JSON data), converted to and from the WIT ``value`` variant at the boundary;
* errors are exceptions: raise :class:`InvalidInput`, :class:`Transient`,
  :class:`RateLimited`, :class:`Unauthorized`, :class:`NotFound` or :class:`Unsupported`
  (the WIT ``plugin-error`` cases). Any other exception fails only the item it was raised
  for, as ``invalid-input`` carrying its type, message and the last lines of its traceback;
* per-item functions: a transformer writes ``transform(name, value, context)``, a resolver
  ``resolve_one(request)``, a connector ``get_one`` / ``create_one`` / ``update_one`` /
  ``find_one_by_origin``; the batch calls the host makes are answered by calling them once
  per item (override the batch method to do better);
* :func:`setting` / :func:`settings` read the operator's settings (``plugins.settings.<name>``
  for transformers and resolvers, ``platforms.<entry>.settings`` for connectors);
* :data:`log` writes to the host log; :func:`http_request` (connectors) sends a request
  through the host, which checks the destination and injects credentials.

Expose the plugin to componentize-py in ``app.py``::

    import pmsync_sdk as sdk

    class Shout(sdk.Transformer):
        def names(self):
            return ["shout"]

        def transform(self, name, value, context):
            if not isinstance(value, str):
                raise sdk.InvalidInput(f"expected text, got {value!r}")
            return value.upper()

    Transformer = sdk.export_transformer(Shout)

Outside the host (pytest) nothing needs the bindings: call the plugin's methods directly,
and give settings and an HTTP handler with :data:`testing`.
"""

from __future__ import annotations

import json as _json
import logging as _logging
import sys as _sys
import traceback as _traceback
from dataclasses import dataclass, field
from datetime import date as _date
from datetime import datetime as _datetime
from datetime import timezone as _timezone
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple
from urllib.parse import urlencode as _urlencode

__all__ = [
    "Date", "DateTime", "PluginError", "InvalidInput", "Transient", "RateLimited",
    "Unauthorized", "NotFound", "Unsupported", "setting", "require_setting", "settings",
    "setting_map", "log", "Transformer", "TransformContext", "TransformRequest",
    "export_transformer", "Resolver", "Item", "Conflict", "ResolveRequest", "TakeSource",
    "TakeTarget", "Merged", "Defer", "TAKE_SOURCE", "TAKE_TARGET", "Connector", "FieldSpec",
    "Descriptor", "Filter", "ListRequest", "Page", "CreateRequest", "UpdateRequest",
    "WebhookDelivery", "export_resolver", "export_connector", "HttpResponse", "http_request",
    "testing",
]

#: Inside the host the plugin runs on CPython for WASI; natively (pytest) on anything else.
IN_HOST = _sys.platform == "wasi"

#: Most characters of an error message handed to the host (the host cuts as well).
MAX_ERROR_CHARS = 2000
#: Traceback frames quoted in the error of an unexpected exception.
TRACEBACK_FRAMES = 3
#: Most bytes of a response body quoted in an HTTP error message.
HTTP_ERROR_BODY_CHARS = 300
#: The wait after a rate-limit answer without a usable ``Retry-After`` (milliseconds).
DEFAULT_RETRY_AFTER_MS = 60_000

_S64_MIN, _S64_MAX = -(2**63), 2**63 - 1


# ---------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------


class Date(str):
    """A calendar date, ``YYYY-MM-DD`` (the WIT ``date`` case). It is a ``str``;
    :meth:`to_date` parses it."""

    def to_date(self) -> _date:
        try:
            return _date.fromisoformat(self)
        except ValueError:
            raise InvalidInput(f"{str(self)!r} is not a date (YYYY-MM-DD)") from None


class DateTime(str):
    """An instant, RFC 3339 (the WIT ``datetime`` case). It is a ``str``;
    :meth:`to_datetime` parses it."""

    def to_datetime(self) -> _datetime:
        try:
            return _datetime.fromisoformat(self.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(f"{str(self)!r} is not an RFC 3339 instant") from None


def from_wit(value: Any) -> Any:
    """A WIT ``value`` (a generated ``Value_*`` object) as a plain Python value."""
    case = type(value).__name__
    if case == "Value_Null":
        return None
    if case in ("Value_Boolean", "Value_Integer", "Value_Number", "Value_Text"):
        return value.value
    if case == "Value_TextList":
        return list(value.value)
    if case == "Value_Date":
        return Date(value.value)
    if case == "Value_Datetime":
        return DateTime(value.value)
    if case == "Value_Json":
        try:
            return _json.loads(value.value)
        except ValueError as error:
            raise InvalidInput(f"the host sent JSON that does not parse: {error}") from None
    raise InvalidInput(f"not a pmsync value: {value!r}")


def to_wit(value: Any) -> Any:
    """A plain Python value as a WIT ``value``: ``None`` null, ``bool``, ``int`` (64-bit),
    ``float``, ``str`` text, :class:`Date` / ``datetime.date`` date, :class:`DateTime` /
    ``datetime.datetime`` datetime, a list of ``str`` text-list, other lists and dicts JSON.
    """
    types = _bindings("imports.types")
    if value is None:
        return types.Value_Null()
    if isinstance(value, bool):
        return types.Value_Boolean(value)
    if isinstance(value, int):
        if not _S64_MIN <= value <= _S64_MAX:
            raise InvalidInput(f"{value} does not fit a 64-bit integer")
        return types.Value_Integer(value)
    if isinstance(value, float):
        return types.Value_Number(value)
    if isinstance(value, Date):
        return types.Value_Date(str(value))
    if isinstance(value, DateTime):
        return types.Value_Datetime(str(value))
    if isinstance(value, str):
        return types.Value_Text(value)
    if isinstance(value, _datetime):
        return types.Value_Datetime(_rfc3339(value))
    if isinstance(value, _date):
        return types.Value_Date(value.isoformat())
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return types.Value_TextList([str(v) for v in value])
    if isinstance(value, (list, tuple, dict)):
        try:
            return types.Value_Json(_json.dumps(value, default=_json_default))
        except (TypeError, ValueError) as error:
            raise InvalidInput(f"cannot send as JSON: {error}") from None
    raise InvalidInput(f"cannot send a {type(value).__name__} as a pmsync value: {value!r}")


def _rfc3339(moment: _datetime) -> str:
    if moment.tzinfo is None:
        raise InvalidInput(f"{moment!r} has no time zone; a datetime must say which instant it is")
    text = moment.astimezone(_timezone.utc).isoformat()
    return text.replace("+00:00", "Z")


def _json_default(value: Any) -> Any:
    if isinstance(value, _datetime):
        return _rfc3339(value)
    if isinstance(value, _date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


# ---------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------


class PluginError(Exception):
    """A typed error the host acts on. Raise one of the subclasses."""

    #: The WIT ``plugin-error`` case.
    case = "invalid-input"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = str(message)

    def to_wit(self) -> Any:
        types = _bindings("imports.types")
        cls = {
            "invalid-input": types.PluginError_InvalidInput,
            "transient": types.PluginError_Transient,
            "unauthorized": types.PluginError_Unauthorized,
            "not-found": types.PluginError_NotFound,
            "unsupported": types.PluginError_Unsupported,
        }[self.case]
        return cls(_cut(self.message))

    @property
    def retryable(self) -> bool:
        return self.case in ("transient", "rate-limited")


class InvalidInput(PluginError):
    """Permanent: this input can never succeed. The item fails and is not retried."""

    case = "invalid-input"


class Transient(PluginError):
    """Temporary: the host retries with backoff."""

    case = "transient"


class RateLimited(PluginError):
    """The host retries after ``retry_after_ms`` milliseconds."""

    case = "rate-limited"

    def __init__(self, message: str, retry_after_ms: int = DEFAULT_RETRY_AFTER_MS):
        super().__init__(message)
        self.retry_after_ms = max(0, int(retry_after_ms))

    def to_wit(self) -> Any:
        types = _bindings("imports.types")
        return types.PluginError_RateLimited(
            types.RateLimit(retry_after_ms=self.retry_after_ms, message=_cut(self.message))
        )


class Unauthorized(PluginError):
    """Credentials missing, wrong or lacking permission."""

    case = "unauthorized"


class NotFound(PluginError):
    """The item (or something it refers to) does not exist."""

    case = "not-found"


class Unsupported(PluginError):
    """The plugin does not do this. Permanent; never retried."""

    case = "unsupported"


def plugin_error(error: BaseException) -> PluginError:
    """``error`` as a :class:`PluginError`: itself, or for any other exception an
    ``invalid-input`` with its type, message and the last traceback frames, so the item's
    error says what went wrong and where."""
    if isinstance(error, PluginError):
        return error
    frames = _traceback.extract_tb(error.__traceback__)[-TRACEBACK_FRAMES:]
    where = " | ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}" for f in frames)
    text = f"{type(error).__name__}: {error}"
    return InvalidInput(f"{text} (at {where})" if where else text)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def _each(function: Callable[[Any], Any], inputs: Iterable[Any]) -> List[Any]:
    """Calls ``function`` per input; one result per input: ``("ok", value)`` or
    ``("err", PluginError)``. An exception fails only its own input."""
    out = []
    for one in inputs:
        try:
            out.append(("ok", function(one)))
        except Exception as error:  # noqa: BLE001 - every exception becomes that item's error
            out.append(("err", plugin_error(error)))
    return out


def _results_to_wit(results: List[Tuple[str, Any]], convert: Callable[[Any], Any]) -> List[Any]:
    """``_each``'s results as WIT ``result`` values (``Ok`` / ``Err``)."""
    runtime = _runtime_types()
    out = []
    for status, payload in results:
        if status == "ok":
            try:
                out.append(runtime.Ok(convert(payload)))
                continue
            except Exception as error:  # noqa: BLE001 - a value that cannot be sent fails its item
                payload = plugin_error(error)
        out.append(runtime.Err(payload.to_wit()))
    return out


def _raise_for_wit(call: Callable[[], Any]) -> Any:
    """Runs a call whose WIT result is ``result<T, plugin-error>``: a raised exception
    becomes the ``Err`` componentize-py expects."""
    try:
        return call()
    except Exception as error:  # noqa: BLE001
        raise _runtime_types().Err(plugin_error(error).to_wit()) from None


# ---------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------


def settings() -> Dict[str, str]:
    """Every setting the operator gave this plugin instance (values are text)."""
    if IN_HOST:
        return dict(_bindings("imports.config").entries())
    return dict(testing.settings)


def setting(key: str, default: Optional[str] = None) -> Optional[str]:
    """The setting ``key``, or ``default`` when the operator did not give it."""
    if IN_HOST:
        value = _bindings("imports.config").get(key)
    else:
        value = testing.settings.get(key)
    return default if value is None else value


def require_setting(key: str) -> str:
    """The setting ``key``; :class:`InvalidInput` naming it when it is not given."""
    value = setting(key)
    if value is None:
        raise InvalidInput(f"the plugin setting `{key}` is required but not set")
    return value


def setting_map(key: str) -> Dict[str, str]:
    """A setting of type ``map`` (a YAML mapping in the config, handed over as a JSON
    object) as a ``dict`` of text to text; empty when not given."""
    text = setting(key)
    if text is None or not text.strip():
        return {}
    try:
        parsed = _json.loads(text)
    except ValueError:
        raise InvalidInput(f"the plugin setting `{key}` is not a mapping: {text[:200]!r}") from None
    if not isinstance(parsed, dict):
        raise InvalidInput(f"the plugin setting `{key}` is not a mapping: {text[:200]!r}")
    return {str(k): _scalar_text(v) for k, v in parsed.items()}


def _scalar_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return _json.dumps(value)


# ---------------------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------------------


class _Log:
    """Writes to the host log under the plugin's name (natively: Python's ``logging``,
    logger ``pmsync.plugin``). ``print`` works too: guest stdout and stderr are captured."""

    _native = _logging.getLogger("pmsync.plugin")

    def _write(self, level: str, message: str) -> None:
        if IN_HOST:
            log_import = _bindings("imports.log")
            log_import.log(getattr(log_import.Level, level.upper()), str(message))
        else:
            native = {"trace": _logging.DEBUG, "warn": _logging.WARNING}
            self._native.log(native.get(level, getattr(_logging, level.upper(), 20)), message)

    def trace(self, message: str) -> None:
        self._write("trace", message)

    def debug(self, message: str) -> None:
        self._write("debug", message)

    def info(self, message: str) -> None:
        self._write("info", message)

    def warn(self, message: str) -> None:
        self._write("warn", message)

    def error(self, message: str) -> None:
        self._write("error", message)


log = _Log()


# ---------------------------------------------------------------------------------------
# Transformers
# ---------------------------------------------------------------------------------------


@dataclass
class TransformContext:
    """Where a value is being transformed."""

    #: The mapped field (``source_field -> target_field``).
    field: str = ""
    source_platform: str = ""
    target_platform: str = ""
    #: The human key of the item being synced.
    item_key: str = ""


@dataclass
class TransformRequest:
    name: str
    value: Any
    context: TransformContext = field(default_factory=TransformContext)


class Transformer:
    """A plugin that converts field values on their way from one platform to the other.

    Implement :meth:`names` and :meth:`transform`; :meth:`transform_batch` calls
    ``transform`` once per request, so one bad value fails only its own item."""

    def names(self) -> List[str]:
        raise NotImplementedError("a Transformer must implement names()")

    def transform(self, name: str, value: Any, context: TransformContext) -> Any:
        raise NotImplementedError("a Transformer must implement transform()")

    def transform_batch(self, requests: List[TransformRequest]) -> List[Tuple[str, Any]]:
        """One ``("ok", value)`` or ``("err", PluginError)`` per request, in order."""
        return _each(lambda r: self.transform(r.name, r.value, r.context), requests)


def export_transformer(plugin_class: type) -> type:
    """The class componentize-py exports for the ``transformer`` interface, over an
    instance of ``plugin_class`` (made once, on the first call). In ``app.py``:
    ``Transformer = sdk.export_transformer(MyPlugin)``."""

    class TransformerExport:
        def names(self) -> List[str]:
            return list(_describing(plugin_class).names())

        def transform_batch(self, requests: List[Any]) -> List[Any]:
            return _batch(plugin_class, "transform_batch", requests, _transform_request_from_wit, to_wit)

    TransformerExport.__name__ = TransformerExport.__qualname__ = "Transformer"
    return TransformerExport


def _transform_request_from_wit(request: Any) -> TransformRequest:
    c = request.context
    return TransformRequest(
        name=request.name,
        value=from_wit(request.value),
        context=TransformContext(c.field, c.source_platform, c.target_platform, c.item_key),
    )


def _batch(plugin_class: type, method: str, inputs: List[Any], convert_in: Callable[[Any], Any],
           convert_out: Callable[[Any], Any]) -> List[Any]:
    """A batch call of the host: inputs converted to plain Python (one that does not convert
    fails alone), the plugin's batch method called with the rest, one WIT result per input.
    A plugin that cannot be made (a bad setting) or whose batch method raises fails every
    item of the call with that error."""
    plain = _each(convert_in, inputs)
    good = [r for status, r in plain if status == "ok"]
    try:
        answers = iter(getattr(_instance(plugin_class), method)(good) if good else ())
    except Exception as error:  # noqa: BLE001
        failed = ("err", plugin_error(error))
        answers = iter([failed] * len(good))
    merged = [next(answers, _missing_answer()) if s == "ok" else (s, r) for s, r in plain]
    return _results_to_wit(merged, convert_out)


def _missing_answer() -> Tuple[str, PluginError]:
    return ("err", InvalidInput("the plugin's batch answered fewer results than requests"))


# ---------------------------------------------------------------------------------------
# Resolvers
# ---------------------------------------------------------------------------------------


@dataclass
class Item:
    """An item (issue) on a platform; ``fields`` maps field names to plain values."""

    id: str
    key: str = ""
    url: str = ""
    #: RFC 3339.
    updated_at: str = ""
    fields: Dict[str, Any] = field(default_factory=dict)


@dataclass
class Conflict:
    """A field both sides changed since the last sync, to different values (both in the
    mapped, target-side form)."""

    field: str
    source: Any
    target: Any
    #: The value both sides agreed on at the last sync (``None`` also when it was null:
    #: see :attr:`has_base`).
    base: Any = None
    has_base: bool = False


@dataclass
class ResolveRequest:
    source: Item
    target: Item
    conflicts: List[Conflict]


@dataclass(frozen=True)
class TakeSource:
    """Keep the source side's value."""


@dataclass(frozen=True)
class TakeTarget:
    """Keep the target side's value."""


@dataclass(frozen=True)
class Merged:
    """Write this value to both sides."""

    value: Any


@dataclass(frozen=True)
class Defer:
    """Leave the conflict to a person; ``reason`` is shown to them."""

    reason: str


TAKE_SOURCE = TakeSource()
TAKE_TARGET = TakeTarget()


class Resolver:
    """A plugin that decides field conflicts.

    Implement :meth:`name` and :meth:`resolve_one` (one resolution per conflict of one
    item pair, in order); :meth:`resolve` calls it once per request."""

    def name(self) -> str:
        raise NotImplementedError("a Resolver must implement name()")

    def resolve_one(self, request: ResolveRequest) -> List[Any]:
        raise NotImplementedError("a Resolver must implement resolve_one()")

    def resolve(self, requests: List[ResolveRequest]) -> List[Tuple[str, Any]]:
        """One ``("ok", [resolution, ...])`` or ``("err", PluginError)`` per request."""
        return _each(self._checked_resolve_one, requests)

    def _checked_resolve_one(self, request: ResolveRequest) -> List[Any]:
        resolutions = list(self.resolve_one(request))
        if len(resolutions) != len(request.conflicts):
            raise InvalidInput(
                f"resolve_one answered {len(resolutions)} resolutions for "
                f"{len(request.conflicts)} conflicts"
            )
        return resolutions


def export_resolver(plugin_class: type) -> type:
    """The class componentize-py exports for the ``resolver`` interface:
    ``Resolver = sdk.export_resolver(MyResolver)`` in ``app.py``."""

    class ResolverExport:
        def name(self) -> str:
            return str(_describing(plugin_class).name())

        def resolve(self, requests: List[Any]) -> List[Any]:
            return _batch(plugin_class, "resolve", requests, _resolve_request_from_wit,
                          lambda rs: [_resolution_to_wit(r) for r in rs])

    ResolverExport.__name__ = ResolverExport.__qualname__ = "Resolver"
    return ResolverExport


def item_from_wit(item: Any) -> Item:
    return Item(
        id=item.id,
        key=item.key,
        url=item.url,
        updated_at=item.updated_at,
        fields={f.name: from_wit(f.value) for f in item.fields},
    )


def item_to_wit(item: Item) -> Any:
    types = _bindings("imports.types")
    if not isinstance(item, Item):
        raise InvalidInput(f"expected a pmsync_sdk.Item, got {type(item).__name__}")
    return types.Item(
        id=str(item.id),
        key=str(item.key),
        url=str(item.url),
        updated_at=str(item.updated_at),
        fields=_fields_to_wit(item.fields),
    )


def _fields_to_wit(fields: Mapping[str, Any]) -> List[Any]:
    types = _bindings("imports.types")
    out = []
    for name, value in fields.items():
        try:
            out.append(types.Field(name=str(name), value=to_wit(value)))
        except InvalidInput as error:
            raise InvalidInput(f"field `{name}`: {error.message}") from None
    return out


def _resolve_request_from_wit(request: Any) -> ResolveRequest:
    return ResolveRequest(
        source=item_from_wit(request.source),
        target=item_from_wit(request.target),
        conflicts=[
            Conflict(
                field=c.field,
                source=from_wit(c.source),
                target=from_wit(c.target),
                base=None if c.base is None else from_wit(c.base),
                has_base=c.base is not None,
            )
            for c in request.conflicts
        ],
    )


def _resolution_to_wit(resolution: Any) -> Any:
    resolver = _bindings("exports.resolver")
    if isinstance(resolution, TakeSource):
        return resolver.Resolution_TakeSource()
    if isinstance(resolution, TakeTarget):
        return resolver.Resolution_TakeTarget()
    if isinstance(resolution, Merged):
        return resolver.Resolution_Merged(to_wit(resolution.value))
    if isinstance(resolution, Defer):
        return resolver.Resolution_Defer(_cut(str(resolution.reason)))
    raise InvalidInput(
        f"not a resolution: {resolution!r} (use TAKE_SOURCE, TAKE_TARGET, Merged(value) or Defer(reason))"
    )


# ---------------------------------------------------------------------------------------
# Connectors
# ---------------------------------------------------------------------------------------

#: Field types, as in the sync configuration (``FieldSpec.type``).
FIELD_TYPES = ("string", "number", "boolean", "date", "datetime", "array", "object")


@dataclass
class FieldSpec:
    name: str
    #: One of :data:`FIELD_TYPES`.
    type: str = "string"
    writable: bool = True


@dataclass
class Descriptor:
    platform: str
    fields: List[FieldSpec]
    #: ``list_changed`` honours ``since``.
    incremental: bool = False
    #: ``parse_webhook`` understands this platform's deliveries.
    webhooks: bool = False
    #: ``create`` stores the origin marker and ``find_one_by_origin`` finds it.
    origin_markers: bool = False


@dataclass
class Filter:
    projects: List[str] = field(default_factory=list)
    issue_types: List[str] = field(default_factory=list)
    labels: List[str] = field(default_factory=list)
    #: The platform query (JQL, a search query, ...).
    query: Optional[str] = None


@dataclass
class ListRequest:
    #: RFC 3339 watermark: items updated at or after it. ``None``: everything.
    since: Optional[str] = None
    #: The opaque cursor of the previous page.
    cursor: Optional[str] = None
    page_size: int = 50
    filter: Filter = field(default_factory=Filter)


@dataclass
class Page:
    items: List[Item]
    #: ``None`` when this was the last page.
    next_cursor: Optional[str] = None


@dataclass
class CreateRequest:
    #: The origin marker to store with the new item, so it can be found again.
    origin: str
    fields: Dict[str, Any]


@dataclass
class UpdateRequest:
    id: str
    #: Only the fields to change.
    fields: Dict[str, Any]


@dataclass
class WebhookDelivery:
    headers: List[Tuple[str, str]]
    body: bytes


class Connector:
    """A platform connector. Implement :meth:`describe`, :meth:`list_changed`,
    :meth:`get_one`, :meth:`create_one`, :meth:`update_one`; optionally
    :meth:`find_one_by_origin` and :meth:`parse_webhook` (they raise
    :class:`Unsupported`). The batch methods call the per-item ones once per input."""

    def describe(self) -> Descriptor:
        raise NotImplementedError("a Connector must implement describe()")

    def list_changed(self, request: ListRequest) -> Page:
        raise NotImplementedError("a Connector must implement list_changed()")

    def get_one(self, id: str) -> Item:
        raise Unsupported("get is not implemented by this connector")

    def create_one(self, request: CreateRequest) -> Item:
        raise Unsupported("create is not implemented by this connector")

    def update_one(self, request: UpdateRequest) -> Item:
        raise Unsupported("update is not implemented by this connector")

    def find_one_by_origin(self, origin: str) -> Optional[Item]:
        raise Unsupported("find-by-origin is not implemented by this connector")

    def parse_webhook(self, delivery: WebhookDelivery) -> List[str]:
        raise Unsupported("webhooks are not implemented by this connector")

    def get(self, ids: List[str]) -> List[Tuple[str, Any]]:
        return _each(self.get_one, ids)

    def create(self, requests: List[CreateRequest]) -> List[Tuple[str, Any]]:
        return _each(self.create_one, requests)

    def update(self, requests: List[UpdateRequest]) -> List[Tuple[str, Any]]:
        return _each(self.update_one, requests)

    def find_by_origin(self, origins: List[str]) -> List[Tuple[str, Any]]:
        return _each(self.find_one_by_origin, origins)


def export_connector(plugin_class: type) -> type:
    """The class componentize-py exports for the ``connector`` interface:
    ``Connector = sdk.export_connector(MyConnector)`` in ``app.py``."""

    def batch(method: str, inputs: List[Any], convert_in: Callable[[Any], Any], convert_out) -> List[Any]:
        return _batch(plugin_class, method, inputs, convert_in, convert_out)

    class ConnectorExport:
        def describe(self) -> Any:
            return _descriptor_to_wit(_describing(plugin_class).describe())

        def list_changed(self, request: Any) -> Any:
            def call() -> Any:
                page = _instance(plugin_class).list_changed(_list_request_from_wit(request))
                if not isinstance(page, Page):
                    raise InvalidInput(f"list_changed must return a pmsync_sdk.Page, not {type(page).__name__}")
                connector = _bindings("exports.connector")
                return connector.Page(items=[item_to_wit(i) for i in page.items], next_cursor=page.next_cursor)

            return _raise_for_wit(call)

        def get(self, ids: List[str]) -> List[Any]:
            return batch("get", ids, str, item_to_wit)

        def create(self, requests: List[Any]) -> List[Any]:
            convert = lambda r: CreateRequest(r.origin, {f.name: from_wit(f.value) for f in r.fields})  # noqa: E731
            return batch("create", requests, convert, item_to_wit)

        def update(self, requests: List[Any]) -> List[Any]:
            convert = lambda r: UpdateRequest(r.id, {f.name: from_wit(f.value) for f in r.fields})  # noqa: E731
            return batch("update", requests, convert, item_to_wit)

        def find_by_origin(self, origins: List[str]) -> List[Any]:
            return batch("find_by_origin", origins, str, lambda i: None if i is None else item_to_wit(i))

        def parse_webhook(self, delivery: Any) -> List[str]:
            plain = WebhookDelivery(headers=list(delivery.headers), body=bytes(delivery.body))
            return _raise_for_wit(lambda: [str(i) for i in _instance(plugin_class).parse_webhook(plain)])

    ConnectorExport.__name__ = ConnectorExport.__qualname__ = "Connector"
    return ConnectorExport


def _descriptor_to_wit(descriptor: Descriptor) -> Any:
    connector = _bindings("exports.connector")
    types = _bindings("imports.types")
    fields = []
    for spec in descriptor.fields:
        if spec.type not in FIELD_TYPES:
            raise ValueError(f"field `{spec.name}` has type {spec.type!r}; expected one of {', '.join(FIELD_TYPES)}")
        fields.append(connector.FieldSpec(spec.name, getattr(types.FieldType, spec.type.upper()), bool(spec.writable)))
    capabilities = connector.Capabilities(0)
    for flag, on in (("INCREMENTAL", descriptor.incremental), ("WEBHOOKS", descriptor.webhooks),
                     ("ORIGIN_MARKERS", descriptor.origin_markers)):
        if on:
            capabilities |= getattr(connector.Capabilities, flag)
    return connector.Descriptor(platform=descriptor.platform, fields=fields, capabilities=capabilities)


def _list_request_from_wit(request: Any) -> ListRequest:
    f = request.filter
    return ListRequest(
        since=request.since,
        cursor=request.cursor,
        page_size=request.page_size,
        filter=Filter(list(f.projects), list(f.issue_types), list(f.labels), f.query),
    )


# ---------------------------------------------------------------------------------------
# HTTP (connectors)
# ---------------------------------------------------------------------------------------


@dataclass
class HttpResponse:
    status: int
    headers: List[Tuple[str, str]]
    body: bytes
    #: ``METHOD url`` of the request, for messages.
    request: str = ""

    def header(self, name: str) -> Optional[str]:
        """The first header called ``name`` (any case)."""
        lower = name.lower()
        return next((v for k, v in self.headers if k.lower() == lower), None)

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON; :class:`InvalidInput` when it is not JSON."""
        try:
            return _json.loads(self.body)
        except ValueError as error:
            raise InvalidInput(f"{self.request} answered {self.status} with a body that is not JSON: {error}") from None

    def raise_for_status(self) -> "HttpResponse":
        """Itself for 1xx-3xx; otherwise the error the host can act on: 429 (and 403 with
        ``Retry-After`` or ``x-ratelimit-remaining: 0``) :class:`RateLimited`, 401/403
        :class:`Unauthorized`, 404/410 :class:`NotFound`, 408 and 5xx :class:`Transient`
        (:class:`RateLimited` with ``Retry-After``), other 4xx :class:`InvalidInput`."""
        status = self.status
        if status < 400:
            return self
        excerpt = " ".join(self.text().split())[:HTTP_ERROR_BODY_CHARS]
        message = f"{self.request} answered {status}" + (f": {excerpt}" if excerpt else "")
        retry_after = _retry_after_ms(self.header("retry-after"))
        if status == 429 or (status == 403 and (retry_after is not None or self.header("x-ratelimit-remaining") == "0")):
            raise RateLimited(message, DEFAULT_RETRY_AFTER_MS if retry_after is None else retry_after)
        if status in (401, 403):
            raise Unauthorized(message)
        if status in (404, 410):
            raise NotFound(message)
        if status == 408:
            raise Transient(message)
        if status >= 500:
            if retry_after is not None:
                raise RateLimited(message, retry_after)
            raise Transient(message)
        raise InvalidInput(message)


def _retry_after_ms(value: Optional[str]) -> Optional[int]:
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None  # an HTTP-date needs a clock, which plugins do not have
    if seconds != seconds or seconds < 0 or seconds == float("inf"):
        return None
    return int(-(-seconds * 1000 // 1))


def http_request(
    method: str,
    url: str,
    *,
    query: Optional[Mapping[str, Any]] = None,
    headers: Optional[Mapping[str, str]] = None,
    json: Any = None,
    body: Optional[bytes] = None,
    credential: Optional[str] = None,
) -> HttpResponse:
    """Sends a request through the host (which checks the destination against the
    operator's grants and injects the credential named ``credential``). ``json`` sends a
    JSON body with ``content-type: application/json``. Refused, timed-out and failed
    requests raise :class:`Unauthorized`, :class:`Transient` or :class:`InvalidInput`;
    the status is not checked (call :meth:`HttpResponse.raise_for_status`)."""
    if query:
        url = url + ("&" if "?" in url else "?") + _urlencode({k: str(v) for k, v in query.items()})
    header_list = [(str(k), str(v)) for k, v in (headers or {}).items()]
    if json is not None:
        if body is not None:
            raise ValueError("give either json= or body=, not both")
        body = _json.dumps(json).encode("utf-8")
        if not any(k.lower() == "content-type" for k, _ in header_list):
            header_list.append(("content-type", "application/json"))
    described = f"{method.upper()} {url.split('?', 1)[0]}"
    if IN_HOST:
        http = _bindings("imports.http")
        runtime = _runtime_types()
        try:
            answer = http.send(http.Request(method=method.upper(), url=url, headers=header_list,
                                            body=body, credential=credential))
        except runtime.Err as refused:
            raise _http_error(described, type(refused.value).__name__, refused.value.value) from None
        return HttpResponse(answer.status, list(answer.headers), bytes(answer.body), described)
    handler = testing.http_handler
    if handler is None:
        raise Transient(
            f"{described} failed to connect: no HTTP handler is set; outside the pmsync host, "
            "set pmsync_sdk.testing.http_handler"
        )
    answer = handler(HttpRequest(method.upper(), url, header_list, body, credential))
    if isinstance(answer, HttpFailure):
        raise _http_error(described, "HttpError_" + answer.case, answer.reason)
    answer.request = described
    return answer


def _http_error(request: str, case: str, reason: str) -> PluginError:
    if case == "HttpError_Denied":
        return Unauthorized(f"{request} was refused by the host: {reason}")
    if case == "HttpError_Timeout":
        return Transient(f"{request} timed out: {reason}")
    if case == "HttpError_Transport":
        return Transient(f"{request} failed to connect: {reason}")
    return InvalidInput(f"{request} is not a valid request: {reason}")


@dataclass
class HttpRequest:
    """A request as a native test's HTTP handler sees it."""

    method: str
    url: str
    headers: List[Tuple[str, str]]
    body: Optional[bytes]
    credential: Optional[str]

    def json(self) -> Any:
        return None if self.body is None else _json.loads(self.body)


@dataclass
class HttpFailure:
    """What a native test's HTTP handler returns for a request the host would refuse or
    fail: ``case`` is ``Denied``, ``Timeout``, ``Transport`` or ``InvalidRequest``."""

    case: str
    reason: str


# ---------------------------------------------------------------------------------------
# Native testing
# ---------------------------------------------------------------------------------------


class _Testing:
    """What stands in for the host outside it (pytest): the operator's settings and an HTTP
    handler ``(HttpRequest) -> HttpResponse | HttpFailure``. :meth:`reset` clears both."""

    def __init__(self) -> None:
        self.settings: Dict[str, str] = {}
        self.http_handler: Optional[Callable[[HttpRequest], Any]] = None

    def reset(self) -> None:
        self.settings = {}
        self.http_handler = None
        _INSTANCES.clear()

    @staticmethod
    def response(status: int = 200, json: Any = None, body: bytes = b"",
                 headers: Optional[List[Tuple[str, str]]] = None) -> HttpResponse:
        """A response for an HTTP handler to return."""
        if json is not None:
            body = _json.dumps(json).encode("utf-8")
        return HttpResponse(status, list(headers or []), body)


testing = _Testing()


# ---------------------------------------------------------------------------------------
# Bindings (inside the host only)
# ---------------------------------------------------------------------------------------

_INSTANCES: Dict[type, Any] = {}


def _instance(plugin_class: type) -> Any:
    """The plugin instance of this component, made on its first call (state such as
    settings read once lives in it)."""
    if plugin_class not in _INSTANCES:
        _INSTANCES[plugin_class] = plugin_class()
    return _INSTANCES[plugin_class]


def _import_bindings() -> Dict[str, Any]:
    """The generated binding modules of this component's world, imported while
    componentize-py builds it: inside the component only modules imported then exist."""
    import importlib

    found = {}
    for module in ("imports.types", "imports.config", "imports.log", "imports.http",
                   "exports.transformer", "exports.resolver", "exports.connector"):
        try:
            found[module] = importlib.import_module("wit_world." + module)
        except ImportError:
            pass  # not part of this world (http for connectors only; one export per world)
    found["componentize_py_types"] = importlib.import_module("componentize_py_types")
    return found


_IMPORTED = _import_bindings() if IN_HOST else {}


def _describing(plugin_class: type) -> Any:
    """The instance that answers ``names`` / ``name`` / ``describe``: the plugin instance,
    or, when it cannot be made (a bad setting: the host asks these while it loads the
    plugin, before any item), one made without ``__init__``, so the plugin still loads and
    the setting's problem is reported where it is (``validate``) and on each item."""
    try:
        return _instance(plugin_class)
    except Exception:  # noqa: BLE001
        return plugin_class.__new__(plugin_class)


def _bindings(module: str) -> Any:
    """A module of componentize-py's generated bindings (``wit_world.<module>``)."""
    if module in _IMPORTED:
        return _IMPORTED[module]
    import importlib

    return importlib.import_module("wit_world." + module)


def _runtime_types() -> Any:
    if "componentize_py_types" in _IMPORTED:
        return _IMPORTED["componentize_py_types"]
    import componentize_py_types

    return componentize_py_types
