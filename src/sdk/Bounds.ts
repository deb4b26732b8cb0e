/**
 * Input bounds of the Resources face, applied before any connector sees a call (issue 11): resource type
 * and id patterns and lengths, payload size / depth / key count, list limit, filters and page token.
 * Every refusal is a ResourceInvalid whose issues name the path that was wrong; no issue quotes a value.
 */
import { Effect } from "effect"
import type { ListQuery, ResourceFilter } from "../../services/ConnectorResources.js"
import type { ResourceOperation } from "../../services/ConnectorOperations.js"
import { ResourceInvalid } from "../domain/ConnectorErrors.js"
import { unstorable } from "../domain/Text.js"

/** A resource type: 1–40 of a-z 0-9 _ -, starting with a letter (`messages`, `items`). */
export const TYPE_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/
/** A resource id: 1–128 of A-Z a-z 0-9 . _ : -, starting with a letter or digit. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/
/** A filter field: 1–64 of A-Z a-z 0-9 _, starting with a letter or _. */
export const FIELD_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/

export const LIMITS = {
  /** A payload's JSON text, in bytes. */
  maxPayloadBytes: 64 * 1024,
  /** Nesting of objects and arrays inside a payload (the payload itself is depth 1). */
  maxDepth: 8,
  /** Keys of all objects in one payload together. */
  maxKeys: 500,
  /** One key's length. */
  maxKeyLength: 128,
  /** Filter fields in one list. */
  maxFilters: 8,
  /** One string filter value's length. */
  maxFilterValueLength: 256,
  /** A page token's length. */
  maxPageTokenLength: 256,
  /** Page size bounds and default. */
  minLimit: 1,
  maxLimit: 500,
  defaultLimit: 50
} as const

export interface Issue {
  readonly path: string
  readonly message: string
}

const invalid = (issues: ReadonlyArray<Issue>) =>
  new ResourceInvalid({ message: issues.map((i) => `${i.path}: ${i.message}`).join("; ").slice(0, 500), issues })

/** Problems with a resource type, given what the connector declares. */
export const typeIssues = (declared: ReadonlyArray<string> | "*", type: string): ReadonlyArray<Issue> => {
  if (!TYPE_PATTERN.test(type)) return [{ path: "resource_type", message: "must be 1–40 of a-z 0-9 _ - starting with a letter" }]
  if (declared !== "*" && !declared.includes(type)) {
    return [{ path: "resource_type", message: `this connector serves ${declared.join(", ") || "no resource types"}` }]
  }
  return []
}

export const idIssues = (id: string, path = "resource_id"): ReadonlyArray<Issue> =>
  ID_PATTERN.test(id) ? [] : [{ path, message: "must be 1–128 of A-Z a-z 0-9 . _ : - starting with a letter or digit" }]

/** Walks a JSON value: depth, key count, key length, and that it is plain JSON (no non-finite number). */
const walk = (value: unknown, path: string, depth: number, state: { keys: number; issues: Array<Issue> }): void => {
  if (state.issues.length > 0) return
  if (typeof value === "number" && !Number.isFinite(value)) {
    state.issues.push({ path, message: "must be a finite number" })
    return
  }
  if (typeof value === "string") {
    // Postgres jsonb refuses NUL and lone surrogates: refused here, they are the caller's 400, not the store's 503.
    const problem = unstorable(value)
    if (problem !== undefined) state.issues.push({ path, message: problem })
    return
  }
  if (value === null || typeof value !== "object") return
  if (depth > LIMITS.maxDepth) {
    state.issues.push({ path, message: `nests deeper than ${LIMITS.maxDepth} levels` })
    return
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, `${path}[${i}]`, depth + 1, state))
    return
  }
  for (const [key, v] of Object.entries(value)) {
    state.keys++
    if (state.keys > LIMITS.maxKeys) {
      state.issues.push({ path, message: `has more than ${LIMITS.maxKeys} keys in all` })
      return
    }
    if (key.length === 0 || key.length > LIMITS.maxKeyLength) {
      state.issues.push({ path, message: `has a key that is empty or longer than ${LIMITS.maxKeyLength} characters` })
      return
    }
    const keyProblem = unstorable(key)
    if (keyProblem !== undefined) {
      state.issues.push({ path, message: `has a key that ${keyProblem}` })
      return
    }
    walk(v, `${path}.${key}`, depth + 1, state)
  }
}

/** Problems with a create payload or an update patch (`path` is `payload` or `patch`). */
export const payloadIssues = (payload: unknown, path: string): ReadonlyArray<Issue> => {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return [{ path, message: "must be a JSON object" }]
  // Depth first: serialising a value nested thousands deep would overflow the stack.
  const state = { keys: 0, issues: [] as Array<Issue> }
  walk(payload, path, 1, state)
  if (state.issues.length > 0) return state.issues
  if (Buffer.byteLength(JSON.stringify(payload)) > LIMITS.maxPayloadBytes) {
    return [{ path, message: `is larger than ${LIMITS.maxPayloadBytes} bytes` }]
  }
  const id = (payload as Record<string, unknown>)["id"]
  if (id === undefined) return []
  return typeof id === "string" ? idIssues(id, `${path}.id`) : [{ path: `${path}.id`, message: "must be a string" }]
}

export const filterIssues = (filter: ResourceFilter): ReadonlyArray<Issue> => {
  const entries = Object.entries(filter)
  if (entries.length > LIMITS.maxFilters) return [{ path: "filter", message: `at most ${LIMITS.maxFilters} fields` }]
  return entries.flatMap(([key, value]): ReadonlyArray<Issue> => {
    if (!FIELD_PATTERN.test(key)) return [{ path: "filter", message: "a field name must be 1–64 of A-Z a-z 0-9 _ starting with a letter or _" }]
    if (typeof value === "string" && value.length > LIMITS.maxFilterValueLength) {
      return [{ path: `filter.${key}`, message: `longer than ${LIMITS.maxFilterValueLength} characters` }]
    }
    const problem = typeof value === "string" ? unstorable(value) : undefined
    if (problem !== undefined) return [{ path: `filter.${key}`, message: problem }]
    if (typeof value === "number" && !Number.isFinite(value)) return [{ path: `filter.${key}`, message: "must be a finite number" }]
    const ok = value === null || ["string", "number", "boolean"].includes(typeof value)
    return ok ? [] : [{ path: `filter.${key}`, message: "must be a string, number, boolean or null" }]
  })
}

/** A list query as a caller gives it (the limit may be absent). */
export interface ListInput {
  readonly filter?: ResourceFilter
  readonly limit?: number
  readonly pageToken?: string
}

const queryIssues = (input: ListInput): ReadonlyArray<Issue> => [
  ...(input.limit === undefined || (Number.isInteger(input.limit) && input.limit >= LIMITS.minLimit && input.limit <= LIMITS.maxLimit)
    ? []
    : [{ path: "limit", message: `must be an integer from ${LIMITS.minLimit} to ${LIMITS.maxLimit}` }]),
  ...(input.pageToken === undefined ||
      (input.pageToken.length > 0 && input.pageToken.length <= LIMITS.maxPageTokenLength && unstorable(input.pageToken) === undefined)
    ? []
    : [{ path: "page_token", message: `must be 1–${LIMITS.maxPageTokenLength} characters, no NUL or lone surrogates` }]),
  ...filterIssues(input.filter ?? {})
]

/** The bounded list query (limit defaulted to 50), or the ResourceInvalid naming what was wrong. */
export const listQuery = (input: ListInput): Effect.Effect<ListQuery, ResourceInvalid> => {
  const issues = queryIssues(input)
  if (issues.length > 0) return Effect.fail(invalid(issues))
  return Effect.succeed({
    filter: input.filter ?? {},
    limit: input.limit ?? LIMITS.defaultLimit,
    ...(input.pageToken === undefined ? {} : { pageToken: input.pageToken })
  })
}

/** Every problem with one operation. */
export const operationIssues = (declared: ReadonlyArray<string> | "*", op: ResourceOperation): ReadonlyArray<Issue> => {
  const type = typeIssues(declared, op.type)
  switch (op._tag) {
    case "list":
      return [...type, ...queryIssues(op.query)]
    case "get":
    case "delete":
      return [...type, ...idIssues(op.id)]
    case "create":
      return [...type, ...payloadIssues(op.payload, "payload")]
    case "update":
      return [...type, ...idIssues(op.id), ...payloadIssues(op.patch, "patch")]
  }
}

/** The operation when it is within bounds, else ResourceInvalid naming every bad path. */
export const checkOperation = (declared: ReadonlyArray<string> | "*", op: ResourceOperation): Effect.Effect<ResourceOperation, ResourceInvalid> => {
  const issues = operationIssues(declared, op)
  return issues.length > 0 ? Effect.fail(invalid(issues)) : Effect.succeed(op)
}
