/**
 * Connector settings are checked before anything starts: every problem at once, one line naming each
 * variable; unprefixed variables for one hosted connector, prefixes for what is ambiguous with several;
 * CONNECTOR_PROVIDER / CONNECTOR_CHANNEL checked against the type; the bot token named, never shown.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Option } from "effect"
import { checkHosted } from "../../layers/Connectors/ConnectorHostLive.js"
import { connectorConfig, toInvalid } from "../../services/ConnectorConfig.js"

const env = (vars: Record<string, string>) => ConfigProvider.fromMap(new Map(Object.entries(vars)), { pathDelim: "_" })
const hosted = (vars: Record<string, string>) => checkHosted.pipe(Effect.withConfigProvider(env(vars)))
const problems = (vars: Record<string, string>) => Effect.map(Effect.flip(hosted(vars)), (e) => e.problems)

const TOKEN = "123456:AAF-secret-bot-token-value"

describe("hosted connector configuration", () => {
  it.effect("sandbox,telegram with nothing set: every missing variable on its own line", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(hosted({ SWITCHBOARD_CONNECTORS: "sandbox,telegram" }))
      assert.strictEqual(error._tag, "ConnectorConfigInvalid")
      assert.deepStrictEqual(error.problems, [
        "SANDBOX_CONNECTOR_ENDPOINT_IDENTITY (or CONNECTOR_ENDPOINT_IDENTITY) is missing",
        "TELEGRAM_CONNECTOR_ENDPOINT_IDENTITY (or CONNECTOR_ENDPOINT_IDENTITY) is missing",
        "BUTLER_TELEGRAM_TOKEN is missing"
      ])
      const lines = error.message.split("\n")
      assert.strictEqual(lines.length, 4)
      assert.include(lines[0], "3 problems")
      assert.notInclude(error.message, "<redacted>")
    }))

  it.effect("one hosted connector reads the unprefixed variables, the prefixed one winning", () =>
    Effect.gen(function*() {
      const [telegram] = yield* hosted({
        SWITCHBOARD_CONNECTORS: "telegram",
        CONNECTOR_PROVIDER: "telegram",
        CONNECTOR_CHANNEL: "telegram",
        CONNECTOR_ENDPOINT_IDENTITY: "support_bot",
        CONNECTOR_CURSOR_PATH: "/tmp/telegram.json",
        CONNECTOR_POLL_INTERVAL_S: "1.0",
        CONNECTOR_MAX_INFLIGHT: "8",
        TELEGRAM_CONNECTOR_MAX_INFLIGHT: "4",
        BUTLER_TELEGRAM_TOKEN: TOKEN
      })
      assert.strictEqual(telegram?.connectorType, "telegram")
      assert.strictEqual(telegram?.config.endpointIdentity, "support_bot")
      assert.deepStrictEqual(telegram?.config.cursorPath, Option.some("/tmp/telegram.json"))
      assert.strictEqual(telegram?.config.maxInflight, 4)
    }))

  it.effect("several: instance settings are prefixed, shared ones fall back to the unprefixed variable", () =>
    Effect.gen(function*() {
      const both = yield* hosted({
        SWITCHBOARD_CONNECTORS: "sandbox, telegram",
        CONNECTOR_ENDPOINT_IDENTITY: "shared_name",
        CONNECTOR_POLL_INTERVAL_S: "2",
        SANDBOX_CONNECTOR_CURSOR_PATH: "/tmp/sandbox.json",
        TELEGRAM_CONNECTOR_CURSOR_PATH: "/tmp/telegram.json",
        TELEGRAM_CONNECTOR_ENDPOINT_IDENTITY: "support_bot",
        TELEGRAM_CONNECTOR_PROVIDER: "telegram",
        BUTLER_TELEGRAM_TOKEN: TOKEN
      })
      assert.deepStrictEqual(both.map((h) => [h.connectorType, h.config.endpointIdentity, Option.getOrNull(h.config.cursorPath)]), [
        ["sandbox", "shared_name", "/tmp/sandbox.json"],
        ["telegram", "support_bot", "/tmp/telegram.json"]
      ])
      assert.deepStrictEqual(both.map((h) => Duration.toSeconds(h.config.pollInterval)), [2, 2])
    }))

  it.effect("several: an unprefixed instance setting is refused as ambiguous, naming the variables to use", () =>
    Effect.gen(function*() {
      const found = yield* problems({
        SWITCHBOARD_CONNECTORS: "sandbox,telegram",
        CONNECTOR_ENDPOINT_IDENTITY: "bot",
        CONNECTOR_CURSOR_PATH: "/tmp/shared.json",
        CONNECTOR_WEBHOOK_URL: "https://hub.example/telegram/bot/webhook",
        BUTLER_TELEGRAM_TOKEN: TOKEN
      })
      assert.deepStrictEqual(found, [
        "CONNECTOR_CURSOR_PATH is ambiguous when the hub runs several connectors (sandbox, telegram): set " +
        "SANDBOX_CONNECTOR_CURSOR_PATH, TELEGRAM_CONNECTOR_CURSOR_PATH instead",
        "CONNECTOR_WEBHOOK_URL is ambiguous when the hub runs several connectors (sandbox, telegram): set " +
        "SANDBOX_CONNECTOR_WEBHOOK_URL, TELEGRAM_CONNECTOR_WEBHOOK_URL instead"
      ])
    }))

  it.effect("CONNECTOR_PROVIDER / CONNECTOR_CHANNEL that do not match the type fail, naming both values", () =>
    Effect.gen(function*() {
      const found = yield* problems({
        SWITCHBOARD_CONNECTORS: "telegram",
        CONNECTOR_PROVIDER: "gmail",
        CONNECTOR_CHANNEL: "email",
        CONNECTOR_ENDPOINT_IDENTITY: "support_bot",
        CONNECTOR_CURSOR_PATH: "/tmp/telegram.json",
        BUTLER_TELEGRAM_TOKEN: TOKEN
      })
      assert.deepStrictEqual(found, [
        "CONNECTOR_PROVIDER is \"gmail\", but the telegram connector's provider is \"telegram\"",
        "CONNECTOR_CHANNEL is \"email\", but the telegram connector's channel is \"telegram\""
      ])
      assert.notInclude(found.join("\n"), TOKEN)
    }))

  it.effect("a prefixed variable that is invalid fails naming it, it never falls back to the unprefixed one", () =>
    Effect.gen(function*() {
      const found = yield* problems({
        SWITCHBOARD_CONNECTORS: "sandbox",
        CONNECTOR_ENDPOINT_IDENTITY: "sandbox-1",
        CONNECTOR_CURSOR_PATH: "/tmp/sandbox.json",
        SANDBOX_CONNECTOR_MAX_INFLIGHT: "lots",
        CONNECTOR_MAX_INFLIGHT: "8",
        SANDBOX_CONNECTOR_HEARTBEAT_ENABLED: "maybe",
        SANDBOX_RATE_PER_S: "0"
      })
      assert.deepStrictEqual(found, [
        "SANDBOX_CONNECTOR_MAX_INFLIGHT must be an integer from 1 to 500 (got \"lots\")",
        "SANDBOX_CONNECTOR_HEARTBEAT_ENABLED must be true or false (got \"maybe\")",
        "SANDBOX_RATE_PER_S must be > 0"
      ])
    }))

  it.effect("a repeated type is reported with the variables' problems; a type that is not a built-in is left to the registry", () =>
    Effect.gen(function*() {
      const found = yield* problems({ SWITCHBOARD_CONNECTORS: "sandbox,fax,sandbox", CONNECTOR_CURSOR_PATH: "/tmp/s.json" })
      assert.deepStrictEqual(found, [
        "SWITCHBOARD_CONNECTORS: \"sandbox\" is listed more than once (to run another sandbox connector, name it \"sandbox:<instance>\")",
        "CONNECTOR_CURSOR_PATH is ambiguous when the hub runs several connectors (sandbox, fax): set SANDBOX_CONNECTOR_CURSOR_PATH, FAX_CONNECTOR_CURSOR_PATH instead",
        "SANDBOX_CONNECTOR_ENDPOINT_IDENTITY (or CONNECTOR_ENDPOINT_IDENTITY) is missing"
      ])
    }))

  it.effect("type:instance entries: own settings under <TYPE>_<INSTANCE>_, the hub's checkpoint by default", () =>
    Effect.gen(function*() {
      const two = yield* hosted({
        SWITCHBOARD_CONNECTORS: "sandbox:a,sandbox:b-2",
        SANDBOX_A_CONNECTOR_ENDPOINT_IDENTITY: "alpha",
        SANDBOX_B_2_CONNECTOR_ENDPOINT_IDENTITY: "beta",
        SANDBOX_B_2_CONNECTOR_CURSOR_STORE: "file",
        SANDBOX_B_2_CONNECTOR_CURSOR_PATH: "/tmp/beta.json",
        SWITCHBOARD_DATA_DIR: "/tmp/hub-data"
      })
      assert.deepStrictEqual(two.map((h) => [h.entry, h.connectorType, h.config.endpointIdentity, h.config.cursorStore]), [
        ["sandbox:a", "sandbox", "alpha", "hub"],
        ["sandbox:b-2", "sandbox", "beta", "file"]
      ])
      assert.deepStrictEqual(two.map((h) => h.config.deadLetterPath), [
        "/tmp/hub-data/dead-letters/sandbox_a.ndjson",
        "/tmp/beta.json.dead-letter.ndjson"
      ])
    }))

  it.effect("two connectors of a type on one endpoint, a malformed entry and a file store without a path are refused", () =>
    Effect.gen(function*() {
      const found = yield* problems({
        SWITCHBOARD_CONNECTORS: "sandbox:a,sandbox:b,Fax!",
        SANDBOX_A_CONNECTOR_ENDPOINT_IDENTITY: "same",
        SANDBOX_B_CONNECTOR_ENDPOINT_IDENTITY: "same"
      })
      assert.deepStrictEqual(found, [
        "SWITCHBOARD_CONNECTORS: \"Fax!\" is not a connector type or type:instance (lowercase letters, digits, \"_\", \"-\")",
        "SANDBOX_B_CONNECTOR_ENDPOINT_IDENTITY: another sandbox connector already serves \"same\""
      ])
      const file = yield* problems({
        SWITCHBOARD_CONNECTORS: "sandbox",
        CONNECTOR_ENDPOINT_IDENTITY: "x",
        SANDBOX_CONNECTOR_CURSOR_STORE: "file"
      })
      assert.deepStrictEqual(file, [
        "SANDBOX_CONNECTOR_CURSOR_PATH (or CONNECTOR_CURSOR_PATH) is missing (or set SANDBOX_CONNECTOR_CURSOR_STORE=hub to keep the cursor in the hub)"
      ])
      const bad = yield* problems({ SWITCHBOARD_CONNECTORS: "sandbox", CONNECTOR_ENDPOINT_IDENTITY: "x", CONNECTOR_CURSOR_STORE: "disk" })
      assert.deepStrictEqual(bad, ["CONNECTOR_CURSOR_STORE must be \"file\" or \"hub\" (got \"disk\")"])
    }))

  it.effect("no SWITCHBOARD_CONNECTORS: nothing hosted, nothing checked", () =>
    Effect.map(hosted({}), (all) => assert.deepStrictEqual(all, [])))
})

describe("connector process configuration", () => {
  const scope = { connectorType: "telegram", channel: "telegram", provider: "telegram", hostedWith: [] }
  const read = (vars: Record<string, string>) =>
    Effect.mapError(connectorConfig(scope), toInvalid).pipe(Effect.withConfigProvider(env(vars)))
  const base = { CONNECTOR_ENDPOINT_IDENTITY: "support_bot", CONNECTOR_CURSOR_PATH: "/tmp/t.json" }

  it.effect("reads only the unprefixed variables and accepts the runbook's provider and channel", () =>
    Effect.gen(function*() {
      const config = yield* read({
        ...base,
        CONNECTOR_PROVIDER: "telegram",
        CONNECTOR_CHANNEL: "telegram",
        TELEGRAM_CONNECTOR_CURSOR_PATH: "/tmp/not-this.json"
      })
      assert.deepStrictEqual(config.cursorPath, Option.some("/tmp/t.json"))
      assert.isTrue(Option.isNone(config.webhookUrl))
    }))

  it.effect("a provider mismatch names the variable and both values", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(read({ ...base, CONNECTOR_PROVIDER: "slack" }))
      assert.deepStrictEqual(error.problems, ["CONNECTOR_PROVIDER is \"slack\", but the telegram connector's provider is \"telegram\""])
    }))

  it.effect("a webhook URL that is not a URL fails at start", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(read({ ...base, CONNECTOR_WEBHOOK_URL: "hub.example/telegram/bot/webhook" }))
      assert.deepStrictEqual(error.problems, ["CONNECTOR_WEBHOOK_URL must be an absolute URL (got \"hub.example/telegram/bot/webhook\")"])
    }))
})
