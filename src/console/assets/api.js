// The console API client: the dashboard's token handling (session storage only, adopted from a #token=
// fragment) and `{data, meta}` JSON calls of any method, failing with the hub's own `{_tag, message}`.
import { ApiError, adoptTokenFromFragment, forgetToken, getToken, setToken } from "./token.js"

export { ApiError, adoptTokenFromFragment, forgetToken, getToken, setToken }

/** Takes the token from a `#token=` fragment only when there is one (other fragments are page anchors). */
export const adoptTokenIfGiven = () => {
  if (!new URLSearchParams(window.location.hash.replace(/^#/, "")).has("token")) return false
  adoptTokenFromFragment()
  return true
}

const parse = (text) => {
  try {
    return text === "" ? null : JSON.parse(text)
  } catch {
    return null
  }
}

/** Calls `method path` with the token (and `body` as JSON when given); answers `{ data, meta, status }`. */
const call = async (method, path, body) => {
  const token = getToken()
  if (token === null) throw new ApiError(401, "no token yet", path)
  const headers = { accept: "application/json", authorization: `Bearer ${token}` }
  if (body !== undefined) headers["content-type"] = "application/json"
  let response
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store"
    })
  } catch (cause) {
    throw new ApiError(0, `the hub did not answer (${cause instanceof Error ? cause.message : "network error"})`, path)
  }
  const answer = parse(await response.text())
  if (!response.ok) {
    const message = answer !== null && typeof answer === "object" && typeof answer.message === "string"
      ? answer.message
      : `HTTP ${response.status} ${response.statusText}`
    const error = new ApiError(response.status, message, path)
    error.tag = answer !== null && typeof answer === "object" && typeof answer._tag === "string" ? answer._tag : null
    throw error
  }
  if (answer === null || typeof answer !== "object" || !("data" in answer)) {
    throw new ApiError(response.status, "the answer was not a {data, meta} JSON envelope", path)
  }
  return { data: answer.data, meta: answer.meta ?? {}, status: response.status }
}

export const get = (path) => call("GET", path)
export const post = (path, body) => call("POST", path, body)
export const patch = (path, body) => call("PATCH", path, body)
export const remove = (path) => call("DELETE", path)

/** "?a=1&b=2" from the entries whose value is not empty (or "" when none). */
export const query = (params) => {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && String(value).trim() !== "") search.set(key, String(value).trim())
  }
  const text = search.toString()
  return text === "" ? "" : `?${text}`
}

/** A path segment, URL-encoded. */
export const segment = (value) => encodeURIComponent(value)

/** What went wrong, for people: "HTTP 403: requests.read needs role operator or higher (…)". */
export const describe = (error) =>
  error instanceof ApiError
    ? error.status === 0 ? error.message : `HTTP ${error.status}: ${error.message}`
    : error instanceof Error ? error.message : String(error)
