/**
 * What a `/rpc` body must look like before it is handed to the Effect RPC server, which answers a
 * malformed body with an empty 200 or 500 (EFFECT_NOTES G11, G12): NDJSON, every line (the last one
 * included) ending in `\n`, each a Request message with a decimal `id`, a known `tag` and `headers`.
 */
import type { RpcMessage } from "@effect/rpc"
import { Either } from "effect"
import { type Issue, ValidationError } from "../domain/Errors.js"

/** Issues listed in one answer; the message counts the rest. */
const MAX_ISSUES = 20

const utf8 = new TextDecoder("utf-8", { fatal: true })

const isObject = (u: unknown): u is { readonly [key: string]: unknown } =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const isHeaders = (u: unknown) =>
  Array.isArray(u) &&
  u.every((pair) => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === "string" && typeof pair[1] === "string")

const describe = (u: unknown): string =>
  u === undefined ? "nothing" : u === null ? "null" : Array.isArray(u) ? "an array" : typeof u === "string" ? JSON.stringify(u.slice(0, 40)) : typeof u

type LineIssue = Omit<Issue, "path"> & { readonly field: string }

const problem = (field: string, message: string) => Either.left<LineIssue>({ field, message })

/** The problem with one line, or the Request message it holds. */
const readLine = (line: string, tags: ReadonlySet<string>): Either.Either<RpcMessage.RequestEncoded, LineIssue> => {
  if (line.trim() === "") return problem("", "is empty: every line must hold one JSON message")
  let message: unknown
  try {
    message = JSON.parse(line)
  } catch (e) {
    return problem("", `is not JSON: ${e instanceof Error ? e.message : "parse error"}`)
  }
  if (!isObject(message)) return problem("", `must be a JSON object (got ${describe(message)})`)
  if (message["_tag"] !== "Request") {
    return problem("._tag", `must be "Request": only requests are served over HTTP (got ${describe(message["_tag"])})`)
  }
  const id = message["id"]
  if (typeof id !== "string" || !/^\d{1,20}$/.test(id)) {
    return problem(".id", `must be a string of 1 to 20 decimal digits (got ${describe(id)})`)
  }
  const tag = message["tag"]
  if (typeof tag !== "string" || !tags.has(tag)) {
    return problem(".tag", `must name an RPC this hub serves: ${[...tags].join(", ")} (got ${describe(tag)})`)
  }
  if (!isHeaders(message["headers"])) {
    return problem(".headers", `is required: an array of [name, value] string pairs, may be empty ("headers":[]) (got ${describe(message["headers"])})`)
  }
  // Checked above: a Request with a decimal id, a served tag and header pairs; the server decodes the rest.
  return Either.right(message as unknown as RpcMessage.RequestEncoded)
}

const refuse = (message: string, issues: ReadonlyArray<Issue>) => Either.left(new ValidationError({ message, issues }))

/**
 * Checks the framing of a whole body of at most `maxMessages` messages for RPCs named in `tags`, and
 * returns its Request messages (parsed once, here: the RPC server is given them as they are).
 */
export const check = (
  body: Uint8Array,
  tags: ReadonlySet<string>,
  maxMessages: number
): Either.Either<ReadonlyArray<RpcMessage.RequestEncoded>, ValidationError> => {
  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    return refuse("the request body is not valid UTF-8", [{ path: "(body)", message: "is not valid UTF-8" }])
  }
  if (text === "") {
    const message = "the request body is empty: expected NDJSON RPC requests, one per line, each ending in \\n"
    return refuse(message, [{ path: "(body)", message: "is empty" }])
  }
  if (!text.endsWith("\n")) {
    const message = "the NDJSON body must end with a newline (\\n): the last request is not terminated, so it would never run"
    return refuse(message, [{ path: "(body)", message: "must end with \\n" }])
  }
  const lines = text.slice(0, -1).split("\n")
  if (lines.length > maxMessages) {
    const message = `a body holds at most ${maxMessages} requests (got ${lines.length})`
    return refuse(message, [{ path: "(body)", message }])
  }
  const issues: Array<Issue> = []
  const messages: Array<RpcMessage.RequestEncoded> = []
  lines.forEach((line, index) => {
    const read = readLine(line, tags)
    if (Either.isRight(read)) messages.push(read.right)
    else issues.push({ path: `line ${index + 1}${read.left.field}`, message: read.left.message })
  })
  if (issues.length === 0) return Either.right(messages)
  const [first] = issues
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""
  return refuse(
    `malformed RPC request: ${first?.path ?? "(body)"} ${first?.message ?? ""}${more}`,
    issues.slice(0, MAX_ISSUES)
  )
}
