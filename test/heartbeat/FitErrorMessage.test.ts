import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { fitErrorMessage, MAX_ERROR_MESSAGE_BYTES } from "../../src/domain/Heartbeat.js"
import { utf8Bytes } from "../../src/domain/Text.js"
import { validateHeartbeat } from "../../src/heartbeat/Validate.js"

const withError = (error_message: string) => ({
  schema_version: "connector.heartbeat.v1",
  connector: { connector_type: "sandbox", endpoint_identity: "e", instance_id: "0190f5a4-1111-7000-8000-000000000001" },
  status: { state: "error", error_message, uptime_s: 1 },
  counters: { messages_ingested: 0, messages_failed: 0, source_api_calls: 0, checkpoint_saves: 0, dedupe_accepted: 0 },
  sent_at: "2026-11-22T10:00:00Z"
})

/** Any UTF-16 text, NUL and lone surrogates included, up to three times the bound. */
const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 3 * MAX_ERROR_MESSAGE_BYTES }),
  fc.string({ unit: fc.constantFrom("\u0000", "\ud800", "\udfff", "é", "𝄞", "x"), maxLength: 3 * MAX_ERROR_MESSAGE_BYTES })
)

describe("fitErrorMessage (what a connector reports as error_message)", () => {
  it.prop("the hub accepts every fitted message; a message that already fits is sent unchanged", [anyText], ([text]) => {
    const fitted = fitErrorMessage(text)
    assert.isTrue(Either.isRight(validateHeartbeat(withError(fitted))), JSON.stringify(fitted.slice(0, 40)))
    assert.isAtMost(utf8Bytes(fitted), MAX_ERROR_MESSAGE_BYTES)
    if (Either.isRight(validateHeartbeat(withError(text)))) assert.strictEqual(fitted, text)
  }, { fastCheck: { numRuns: 300 } })
})
