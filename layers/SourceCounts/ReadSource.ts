/**
 * The source a rejected envelope claims, read with the envelope's own Source schema (so it is bounded and
 * storable exactly like an accepted one, trimmed the same way), or UNPARSED when it cannot be read:
 * never a raw value of the input reaches the counts.
 */
import { Either, Schema } from "effect"
import { Source } from "../../src/domain/Envelope.js"
import { type SourceKey, UNPARSED } from "../../services/SourceCounts.js"

const decodeSource = Schema.decodeUnknownEither(Source)

export const readSource = (input: unknown): SourceKey => {
  if (typeof input !== "object" || input === null || Array.isArray(input) || !("source" in input)) return UNPARSED
  const decoded = decodeSource(input.source)
  return Either.isRight(decoded) ? decoded.right : UNPARSED
}
