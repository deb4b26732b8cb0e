// The dashboard API client: the bearer token (session storage only) and `{data, meta}` JSON reads.

const TOKEN_KEY = "switchboard.dashboard.token"

/** An API call that did not produce data: `status` is the HTTP status, or 0 when the hub was unreachable. */
export class ApiError extends Error {
  constructor(status, message, path) {
    super(message)
    this.status = status
    this.path = path
  }
}

/** Moves a `#token=…` fragment into session storage and removes it from the address bar and history. */
export const adoptTokenFromFragment = () => {
  const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""))
  const token = fragment.get("token")
  if (token === null) return
  if (token.trim() !== "") setToken(token)
  window.history.replaceState(null, "", window.location.pathname + window.location.search)
}

export const getToken = () => window.sessionStorage.getItem(TOKEN_KEY)

export const setToken = (token) => window.sessionStorage.setItem(TOKEN_KEY, token.trim())

export const forgetToken = () => window.sessionStorage.removeItem(TOKEN_KEY)

const messageOf = (body, fallback) =>
  body !== null && typeof body === "object" && typeof body.message === "string" ? body.message : fallback

/** GETs `path` with the token and returns its parsed JSON body; fails with an ApiError naming what went wrong. */
const getBody = async (path) => {
  const token = getToken()
  if (token === null) throw new ApiError(401, "no token yet", path)
  let response
  try {
    response = await fetch(path, {
      headers: { accept: "application/json", authorization: `Bearer ${token}` },
      cache: "no-store"
    })
  } catch (cause) {
    throw new ApiError(0, `the hub did not answer (${cause instanceof Error ? cause.message : "network error"})`, path)
  }
  const text = await response.text()
  let body = null
  try {
    body = text === "" ? null : JSON.parse(text)
  } catch {
    body = null
  }
  if (!response.ok) {
    throw new ApiError(response.status, messageOf(body, `HTTP ${response.status} ${response.statusText}`), path)
  }
  return { status: response.status, body }
}

/** GETs a dashboard route and returns its `{data, meta}` envelope; fails with an ApiError naming what went wrong. */
export const getJson = async (path) => {
  const { status, body } = await getBody(path)
  if (body === null || typeof body !== "object" || !("data" in body)) {
    throw new ApiError(status, "the answer was not a {data, meta} JSON envelope", path)
  }
  return { data: body.data, meta: body.meta ?? {} }
}

/** GETs an `/sdk/connectors…` route (`{connectors: [...]}`, no envelope) and returns its `connectors` array. */
export const getConnectors = async (path) => {
  const { status, body } = await getBody(path)
  if (body === null || typeof body !== "object" || !Array.isArray(body.connectors)) {
    throw new ApiError(status, "the answer was not a {connectors: [...]} JSON object", path)
  }
  return body.connectors
}

/** Page size asked of a cursor-paged route (the API's maximum). */
const PAGE_LIMIT = 500
/** Pages followed at most (100,000 connectors); beyond that the list is marked `truncated`. */
const MAX_PAGES = 200

/**
 * GETs every page of a cursor-paged list route, following `meta.next_cursor`, and returns all rows with
 * the first page's meta (plus `truncated: true` when MAX_PAGES did not reach the end).
 */
export const getAllPages = async (path) => {
  const separator = path.includes("?") ? "&" : "?"
  const rows = []
  let meta = null
  let cursor = null
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = `limit=${PAGE_LIMIT}${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`
    const answer = await getJson(`${path}${separator}${query}`)
    meta ??= answer.meta
    if (Array.isArray(answer.data)) rows.push(...answer.data)
    cursor = typeof answer.meta.next_cursor === "string" ? answer.meta.next_cursor : null
    if (cursor === null) return { data: rows, meta }
  }
  return { data: rows, meta: { ...meta, truncated: true } }
}

/** The path of one connector's resource (type and identity are URL-encoded path segments). */
export const connectorPath = (type, identity, suffix = "") =>
  `/api/connectors/${encodeURIComponent(type)}/${encodeURIComponent(identity)}${suffix}`
