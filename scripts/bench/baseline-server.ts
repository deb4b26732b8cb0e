/**
 * The ingest baseline (issue 2, phase d): a bare `node:http` server with `pg`, deliberately without
 * Effect's runtime, router or SQL layer, doing the same validated work per `POST /api/ingest` as
 * the hub's REST handler:
 *   1. bearer token: shape check, SHA-256, `SELECT * FROM api_tokens WHERE token_hash = $1`,
 *      constant-time compare, revoked / expired / role checks (401 / 403);
 *   2. body: 413 beyond 1 MiB (declared or streamed), JSON.parse (400 when malformed);
 *   3. `validateEnvelope` (the hub's Effect Schema, src/ingest/Validate.ts) and the token scope (403);
 *   4. the dedupe key (src/ingest/DedupeKey.ts), a monotonic UUIDv7 request id (src/domain/Uuid7.ts);
 *   5. `INSERT INTO message_inbox (16 columns) … ON CONFLICT (dedupe_key) DO NOTHING RETURNING …`,
 *      and for a duplicate `SELECT … WHERE dedupe_key IN ($1)` to read the owner (the hub's two statements);
 *   6. 202 `{status, request_id, duplicate, dedupe_key, received_at}`; a pg failure is a 503.
 * Like the hub, each statement takes a pooled connection (pg.Pool, SWITCHBOARD_DB_POOL_SIZE, default 16)
 * and no transaction. Environment: DATABASE_URL, BASELINE_PORT (0 = free port). `GET /health` answers 200.
 */
import * as Http from "node:http"
import { Either, Redacted } from "effect"
import pg from "pg"
import { MAX_ENVELOPE_BYTES } from "../../src/domain/Envelope.js"
import * as Permissions from "../../src/domain/Permissions.js"
import { covers, type Principal } from "../../src/domain/Principal.js"
import type { Role } from "../../src/domain/Roles.js"
import * as Token from "../../src/domain/Token.js"
import * as Uuid7 from "../../src/domain/Uuid7.js"
import { dedupeKey } from "../../src/ingest/DedupeKey.js"
import { validateEnvelope } from "../../src/ingest/Validate.js"

interface TokenRow {
  readonly id: string
  readonly token_hash: string
  readonly channel: string
  readonly provider: string
  readonly endpoint_identity: string
  readonly role: Role
  readonly tenant: string
  readonly expires_at: Date | null
  readonly revoked_at: Date | null
}
interface OwnerRow {
  readonly request_id: string
  readonly dedupe_key: string
  readonly received_at: Date
}

class HttpFailure {
  constructor(readonly status: number, readonly tag: string, readonly message: string) {}
}

const pool = new pg.Pool({
  connectionString: process.env["DATABASE_URL"],
  max: Number(process.env["SWITCHBOARD_DB_POOL_SIZE"] ?? 16),
  idleTimeoutMillis: 30_000,
  application_name: "switchboard-baseline"
})

let uuidState: Uuid7.Uuid7State | undefined
const nextRequestId = () => {
  uuidState = Uuid7.next(uuidState, Date.now(), globalThis.crypto.getRandomValues(new Uint8Array(10)))
  return Uuid7.format(uuidState)
}

const bearer = /^Bearer\s+(\S+)\s*$/i

const authorize = async (header: string | undefined): Promise<Principal> => {
  const match = header === undefined ? null : bearer.exec(header)
  if (match === null || match[1] === undefined) throw new HttpFailure(401, "Unauthorized", "missing bearer token")
  const secret = Redacted.make(match[1])
  if (!Token.looksLikeToken(secret)) throw new HttpFailure(401, "Unauthorized", "invalid token")
  const hash = Token.hashOf(secret)
  const { rows } = await pool.query<TokenRow>("SELECT * FROM api_tokens WHERE token_hash = $1", [hash])
  const row = rows[0]
  if (row === undefined || !Token.sameHash(row.token_hash, hash)) throw new HttpFailure(401, "Unauthorized", "invalid token")
  if (row.revoked_at !== null) throw new HttpFailure(401, "Unauthorized", `token ${row.id} was revoked`)
  if (row.expires_at !== null && row.expires_at.getTime() <= Date.now()) {
    throw new HttpFailure(401, "Unauthorized", `token ${row.id} expired`)
  }
  const principal: Principal = {
    token_id: row.id,
    channel: row.channel,
    provider: row.provider,
    endpoint_identity: row.endpoint_identity,
    role: row.role,
    tenant: row.tenant
  }
  if (!Permissions.allows(principal, "ingest.submit")) throw new HttpFailure(403, "Forbidden", "role may not ingest")
  return principal
}

const readBody = (req: Http.IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    if (Number(req.headers["content-length"] ?? 0) > MAX_ENVELOPE_BYTES) {
      return reject(new HttpFailure(413, "PayloadTooLarge", "the request body is too large"))
    }
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.byteLength
      if (size > MAX_ENVELOPE_BYTES) {
        reject(new HttpFailure(413, "PayloadTooLarge", "the request body is too large"))
        req.destroy()
      } else chunks.push(chunk)
    })
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", () => reject(new HttpFailure(400, "ValidationError", "the request body could not be read")))
  })

const INSERT = `INSERT INTO message_inbox (request_id, dedupe_key, source_channel, source_provider,
  source_endpoint_identity, external_event_id, external_thread_id, sender_identity, observed_at,
  normalized_text, raw, attachments, trace_context, policy_tier, ingestion_tier, received_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
  ON CONFLICT (dedupe_key) DO NOTHING RETURNING request_id, dedupe_key, received_at`

const ingest = async (req: Http.IncomingMessage) => {
  const token = await authorize(req.headers["authorization"])
  const text = await readBody(req)
  if (text.trim() === "") throw new HttpFailure(400, "ValidationError", "the request body is empty")
  let input: unknown
  try {
    input = JSON.parse(text)
  } catch {
    throw new HttpFailure(400, "ValidationError", "malformed JSON")
  }
  const checked = validateEnvelope(input)
  if (Either.isLeft(checked)) throw new HttpFailure(400, "ValidationError", checked.left.message)
  const e = checked.right
  if (!covers(token, e.source)) throw new HttpFailure(403, "Forbidden", "token scope does not cover the source")
  const requestId = nextRequestId()
  const key = dedupeKey(e)
  const raw = e.payload.raw
  const inserted = await pool.query<OwnerRow>(INSERT, [
    requestId, key, e.source.channel, e.source.provider, e.source.endpoint_identity,
    e.event.external_event_id ?? null, e.event.external_thread_id ?? null, e.sender.identity, e.event.observed_at,
    e.payload.normalized_text, raw === null ? null : JSON.stringify(raw), JSON.stringify(e.payload.attachments ?? []),
    e.control?.trace_context === undefined ? null : JSON.stringify(e.control.trace_context),
    e.control?.policy_tier ?? "default", e.control?.ingestion_tier ?? (raw === null ? "metadata" : "full"), new Date()
  ])
  const owner = inserted.rows[0] ??
    (await pool.query<OwnerRow>(
      "SELECT request_id, dedupe_key, received_at FROM message_inbox WHERE dedupe_key IN ($1)",
      [key]
    )).rows[0]
  if (owner === undefined) throw new HttpFailure(500, "Defect", "dedupe key has no owner after insert")
  return {
    status: "accepted",
    request_id: owner.request_id,
    duplicate: owner.request_id !== requestId,
    dedupe_key: key,
    received_at: owner.received_at.toISOString()
  }
}

const reply = (res: Http.ServerResponse, status: number, body: unknown, headers: Http.OutgoingHttpHeaders = {}) => {
  const text = JSON.stringify(body)
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers })
  res.end(text)
}

const server = Http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/health") return reply(res, 200, { status: "ok" })
  if (req.method !== "POST" || req.url !== "/api/ingest") return reply(res, 404, { _tag: "NotFound", message: "no route" })
  ingest(req).then(
    (answer) => reply(res, 202, answer),
    (error: unknown) =>
      error instanceof HttpFailure
        ? reply(res, error.status, { _tag: error.tag, message: error.message })
        : reply(res, 503, { _tag: "Unavailable", message: "database unavailable", retry_after_s: 2 }, { "retry-after": "2" })
  )
})

const shutdown = () => server.close(() => void pool.end().finally(() => process.exit(0)))
process.once("SIGTERM", shutdown)
process.once("SIGINT", shutdown)

server.listen(Number(process.env["BASELINE_PORT"] ?? 0), "127.0.0.1", () => {
  const address = server.address()
  process.stdout.write(`baseline listening on ${typeof address === "object" && address !== null ? address.port : "?"}\n`)
})
