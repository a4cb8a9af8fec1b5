// A connector for a REST tracker with this API (change it to your platform's):
//
//   GET   {base_url}/api/projects/{project}/tickets?updated_since=RFC3339&after=ID&limit=N
//                                     -> {"tickets": [ticket, ...], "next": ID | null}
//   GET   {base_url}/api/projects/{project}/tickets?origin=MARKER   -> {"tickets": [...]}
//   GET   {base_url}/api/tickets/{id}                               -> ticket
//   POST  {base_url}/api/projects/{project}/tickets                 -> ticket
//   PATCH {base_url}/api/tickets/{id}                               -> ticket
//
// A ticket is {"id", "title", "status", "origin", "updated_at"}; status is open or done.
// Every request goes through the host (`http` from the SDK), which checks the destination
// against the operator's allow_hosts and injects the `token` credential: the plugin never
// sees it. HTTP errors become typed errors (404 not-found, 429 rate-limited, ...).
import { FieldType, InvalidInput, defineConnector, http, makeItem, setting } from "./pmsync_sdk.js";

const FIELDS = ["title", "status"];
const STATUSES = ["open", "done"];

function settings() {
  const base = setting("base_url");
  const project = setting("project");
  if (!base) throw new InvalidInput("setting `base_url` is missing");
  if (!project) throw new InvalidInput("setting `project` is missing");
  return { base: base.replace(/\/+$/, ""), project: encodeURIComponent(project) };
}

function query(params) {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join("&")}` : "";
}

function toItem(ticket, base) {
  if (!ticket || typeof ticket !== "object" || ticket.id === undefined) {
    throw new InvalidInput(`the tracker answered something that is not a ticket: ${JSON.stringify(ticket)?.slice(0, 200)}`);
  }
  return makeItem({
    id: String(ticket.id),
    key: `T-${ticket.id}`,
    url: `${base}/tickets/${ticket.id}`,
    updatedAt: ticket.updated_at,
    fields: { title: ticket.title ?? null, status: ticket.status ?? null },
  });
}

/** The JSON body of a create or update: only the fields the tracker has. */
function body(fields) {
  const out = {};
  for (const { name, value } of fields) {
    if (!FIELDS.includes(name)) throw new InvalidInput(`the tracker has no field \`${name}\` (it has ${FIELDS.join(", ")})`);
    if (value.tag === "null" && name === "status") {
      out.status = "open";
      continue;
    }
    if (value.tag !== "text") throw new InvalidInput(`\`${name}\` must be text, got ${value.tag}`);
    if (name === "status" && !STATUSES.includes(value.val)) {
      throw new InvalidInput(`\`status\` is ${STATUSES.join(" or ")}, got ${JSON.stringify(value.val)}`);
    }
    out[name] = value.val;
  }
  return out;
}

function tickets(answer) {
  if (!answer || !Array.isArray(answer.tickets)) {
    throw new InvalidInput("the tracker's ticket list has no `tickets` array");
  }
  return answer;
}

export const plugin = defineConnector({
  describe: () => ({
    platform: "{{name_snake}}",
    fields: [
      { name: "title", fieldType: FieldType.string, writable: true },
      { name: "status", fieldType: FieldType.string, writable: true },
    ],
    capabilities: { incremental: true, originMarkers: true },
  }),

  listChanged({ since, cursor, pageSize }) {
    const { base, project } = settings();
    const url = `${base}/api/projects/${project}/tickets${query({ updated_since: since, after: cursor, limit: Math.max(1, pageSize) })}`;
    const page = tickets(http.get(url, { credential: "token" }).json());
    return {
      items: page.tickets.map((t) => toItem(t, base)),
      nextCursor: page.next === null || page.next === undefined ? undefined : String(page.next),
    };
  },

  getOne(id) {
    const { base } = settings();
    return toItem(http.get(`${base}/api/tickets/${encodeURIComponent(id)}`, { credential: "token" }).json(), base);
  },

  createOne({ origin, fields }) {
    const { base, project } = settings();
    const ticket = http.post(`${base}/api/projects/${project}/tickets`, { ...body(fields), origin }, { credential: "token" }).json();
    return toItem(ticket, base);
  },

  updateOne({ id, fields }) {
    const { base } = settings();
    return toItem(http.patch(`${base}/api/tickets/${encodeURIComponent(id)}`, body(fields), { credential: "token" }).json(), base);
  },

  findByOrigin(origin) {
    const { base, project } = settings();
    const page = tickets(http.get(`${base}/api/projects/${project}/tickets${query({ origin })}`, { credential: "token" }).json());
    return page.tickets.length ? toItem(page.tickets[0], base) : undefined;
  },
});
