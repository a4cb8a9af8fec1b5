"""{{name}}: a pmsync connector for a REST issue tracker.

The tracker's API (JSON; the host injects the `token` credential):

    GET   {base_url}/api/projects/{project}/items?limit=&cursor=&updated_since=&label=&origin=
          -> {"items": [ITEM, ...], "next_cursor": "..." | null}
    GET   {base_url}/api/items/{id}                           -> ITEM
    POST  {base_url}/api/projects/{project}/items  {"origin": "...", "fields": {...}} -> ITEM
    PATCH {base_url}/api/items/{id}                {"fields": {...}}                  -> ITEM

    ITEM = {"id": "17", "key": "TRK-17", "url": "...", "updated_at": "RFC 3339",
            "fields": {"title": "...", "description": "...", "status": "...",
                       "labels": ["..."], "due": "YYYY-MM-DD" | null}}

Change it to your tracker's API; keep every request going through `sdk.http_request`.
"""

import pmsync_sdk as sdk

FIELDS = [
    sdk.FieldSpec("title", "string"),
    sdk.FieldSpec("description", "string"),
    sdk.FieldSpec("status", "string"),
    sdk.FieldSpec("labels", "array"),
    sdk.FieldSpec("due", "date"),
]
WRITABLE = {spec.name for spec in FIELDS if spec.writable}
#: Most items asked for in one page.
MAX_PAGE = 100


class {{name_camel}}(sdk.Connector):
    def __init__(self):
        self.base_url = sdk.require_setting("base_url").rstrip("/")
        self.project = sdk.require_setting("project")

    def describe(self):
        return sdk.Descriptor("{{name_snake}}", FIELDS, incremental=True, origin_markers=True)

    def list_changed(self, request):
        query = {"limit": max(1, min(request.page_size, MAX_PAGE))}
        if request.cursor:
            query["cursor"] = request.cursor
        if request.since:
            query["updated_since"] = request.since
        if request.filter.labels:
            query["label"] = ",".join(request.filter.labels)
        page = self.call("GET", f"/api/projects/{self.project}/items", query=query)
        items = self.field_of(page, "items", list, "a page")
        return sdk.Page([self.item(i) for i in items], next_cursor=page.get("next_cursor") or None)

    def get_one(self, id):
        return self.item(self.call("GET", f"/api/items/{id}"))

    def create_one(self, request):
        fields = self.writable(request.fields)
        answer = self.call("POST", f"/api/projects/{self.project}/items",
                           json={"origin": request.origin, "fields": fields})
        return self.item(answer)

    def update_one(self, request):
        answer = self.call("PATCH", f"/api/items/{request.id}", json={"fields": self.writable(request.fields)})
        return self.item(answer)

    def find_one_by_origin(self, origin):
        page = self.call("GET", f"/api/projects/{self.project}/items", query={"origin": origin, "limit": 1})
        items = self.field_of(page, "items", list, "a page")
        return self.item(items[0]) if items else None

    # --- the tracker's API -----------------------------------------------------------

    def call(self, method, path, query=None, json=None):
        answer = sdk.http_request(method, self.base_url + path, query=query, json=json,
                                  headers={"accept": "application/json"}, credential="token")
        body = answer.raise_for_status().json()
        if not isinstance(body, dict):
            raise sdk.InvalidInput(f"{method} {path} answered {type(body).__name__}, expected an object")
        return body

    def writable(self, fields):
        unknown = sorted(set(fields) - WRITABLE)
        if unknown:
            raise sdk.Unsupported(f"the tracker has no writable field {', '.join(unknown)}")
        return {name: (list(v) if isinstance(v, list) else v) for name, v in fields.items()}

    def item(self, raw):
        if not isinstance(raw, dict):
            raise sdk.InvalidInput(f"the tracker sent an item that is not an object: {raw!r:.200}")
        fields = self.field_of(raw, "fields", dict, "an item")
        out = {}
        for spec in FIELDS:
            value = fields.get(spec.name)
            out[spec.name] = sdk.Date(value) if spec.type == "date" and value else value
        return sdk.Item(
            id=str(self.field_of(raw, "id", (str, int), "an item")),
            key=str(raw.get("key", "")),
            url=str(raw.get("url", "")),
            updated_at=str(self.field_of(raw, "updated_at", str, "an item")),
            fields=out,
        )

    @staticmethod
    def field_of(raw, name, kind, what):
        value = raw.get(name)
        if not isinstance(value, kind):
            raise sdk.InvalidInput(f"the tracker sent {what} without a valid `{name}`: {raw!r:.200}")
        return value


# The class componentize-py exports: the host's batch calls, answered per item.
Connector = sdk.export_connector({{name_camel}})
