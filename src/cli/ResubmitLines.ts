/**
 * The dead-letter file of `connector resubmit`, line by line (services/ConnectorDeadLetters.ts, one
 * DeadLetter a line, as layers/ConnectorDeadLetters/FileDeadLetters.ts writes it), and the file of
 * letters left over. A line that is not a dead letter is reported by number and reason, never echoed.
 */
import { FileSystem } from "@effect/platform"
import { Effect, Either, ParseResult, Schema, Stream } from "effect"
import { Buffer } from "node:buffer"
import { FILE_MODE } from "../../layers/ConnectorDeadLetters/FileDeadLetters.js"
import { DeadLetter } from "../../services/ConnectorDeadLetters.js"
import type { IngestUnauthorized, IngestUnavailable } from "../../services/SwitchboardClient.js"
import type { IngestEnvelopeInput } from "../domain/Envelope.js"
import { EnvelopeOnTheWire } from "../rpc/IngestRpcs.js"

/** The hub failures that stop a resubmission (the others are per event). */
export type HubError = IngestUnavailable | IngestUnauthorized

/** A line holding a dead letter, with its envelope as it goes back on the wire. */
export interface Letter {
  readonly _tag: "Letter"
  /** 1-based line number in the file. */
  readonly line: number
  readonly letter: DeadLetter
  readonly envelope: IngestEnvelopeInput
  /** The envelope's external_event_id (for the summary), "(none)" without one. */
  readonly eventId: string
  /** The line's UTF-8 size: what the envelope adds to a batch. */
  readonly bytes: number
}

/** A line that is not a dead letter: why, and the line itself (only ever copied to --write-remaining). */
export interface Malformed {
  readonly _tag: "Malformed"
  readonly line: number
  readonly problem: string
  readonly raw: string
}

/** Longest line read as a dead letter (the hub takes at most 32 MiB per call anyway). */
export const MAX_LINE_CHARS = 40 * 1024 * 1024

const decodeJson = Schema.decodeUnknownEither(Schema.parseJson())
const decodeLetter = Schema.decodeUnknownEither(DeadLetter)
// The wire schema accepts any value (the hub validates): this only gives the envelope its client type.
const asEnvelope = Schema.decodeUnknownSync(EnvelopeOnTheWire)

const isObject = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null && !Array.isArray(u)

const eventIdOf = (envelope: Readonly<Record<string, unknown>>): string => {
  const event = envelope["event"]
  const id = isObject(event) ? event["external_event_id"] : undefined
  return typeof id === "string" ? id.slice(0, 100) : "(none)"
}

/** Line `line` of the file: a dead letter, or why it is not one. */
export const parse = (raw: string, line: number): Letter | Malformed => {
  const malformed = (problem: string): Malformed => ({ _tag: "Malformed", line, problem, raw })
  if (raw.length > MAX_LINE_CHARS) return malformed(`longer than ${MAX_LINE_CHARS} characters`)
  const json = decodeJson(raw)
  if (Either.isLeft(json)) return malformed("not JSON")
  const letter = decodeLetter(json.right)
  if (Either.isLeft(letter)) {
    const first = ParseResult.ArrayFormatter.formatErrorSync(letter.left)[0]
    return malformed(
      first === undefined || first.path.length === 0
        ? "not a dead letter (a JSON object with connector_type, reason, envelope, …)"
        : `not a dead letter: ${first.path.join(".")} is missing or of the wrong type`
    )
  }
  const envelope = letter.right.envelope
  if (!isObject(envelope)) return malformed("not a dead letter: envelope is not a JSON object")
  return {
    _tag: "Letter",
    line,
    letter: letter.right,
    envelope: asEnvelope(envelope),
    eventId: eventIdOf(envelope),
    bytes: Buffer.byteLength(raw, "utf8")
  }
}

/** Every non-blank line of `file`, parsed, in order; streamed, so the file may be larger than memory. */
export const read = (file: string) =>
  Stream.unwrap(Effect.map(FileSystem.FileSystem, (fs) => fs.stream(file))).pipe(
    Stream.decodeText(),
    Stream.splitLines,
    Stream.zipWithIndex,
    Stream.filter(([raw]) => raw.trim() !== ""),
    Stream.map(([raw, index]) => parse(raw, index + 1))
  )

/**
 * `file` truncated and opened for the letters left over (it holds message text: a new file is 0600),
 * for the enclosing scope.
 */
export const openRemaining = (file: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const handle = yield* fs.open(file, { flag: "w", mode: FILE_MODE })
    const encoder = new TextEncoder()
    return {
      /** Appends one line. */
      write: (line: string) => handle.writeAll(encoder.encode(`${line}\n`)),
      /** Makes what was written durable. */
      sync: handle.sync
    }
  })

export type Remaining = Effect.Effect.Success<ReturnType<typeof openRemaining>>
