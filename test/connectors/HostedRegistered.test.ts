/**
 * Registered SDK connectors hosted by the hub (SWITCHBOARD_CONNECTORS): an entry that is not a built-in is
 * kept before the database, then resolved through the ConnectorRegistry (registered, enabled, loads, has a
 * source face) and run like a built-in: the in-process client, its checkpoint in the hub, a cluster
 * singleton `connector:<id>:<endpoint>`. Whatever keeps one from running fails the start, one line each.
 */
import { FileSystem, HttpServer } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { assert, describe, it, layer } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Layer, Option } from "effect"
import * as Path from "node:path"
import * as HostedConnectors from "../../layers/Connectors/ConnectorHostLive.js"
import { HostedConnectors as HostedConnectorsTag } from "../../services/ConnectorConfig.js"
import * as PushRoutes from "../../src/http/PushRoutes.js"
import * as MetricsRoute from "../../src/metrics/Route.js"
import * as HostedDefinitions from "../../src/connectors/HostedDefinitions.js"
import Counter from "../fixtures/sdk/CounterSource.js"
import * as HttpHub from "../../src/http/Server.js"
import { Cluster } from "../../services/Cluster.js"
import { ConnectorRegistry, type RegisterInput } from "../../services/ConnectorRegistry.js"
import { PushReceivers } from "../../services/PushReceivers.js"
import { request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import { eventually, hubCheckpointNext, inbox } from "./Inbox.js"

const COUNTER = Path.resolve(import.meta.dirname, "../fixtures/sdk/CounterSource.ts")
const EXAMPLE = Path.resolve(import.meta.dirname, "../fixtures/sdk/ExampleConnector.ts")

const env = (vars: Record<string, string>) => ConfigProvider.fromMap(new Map(Object.entries(vars)), { pathDelim: "_" })

const register = (input: Partial<RegisterInput> & Pick<RegisterInput, "connector_id" | "module">) =>
  Effect.flatMap(ConnectorRegistry, (registry) =>
    registry.register({ class_name: "default", auth_type: "env", scopes: ["read"], ...input }, "test")).pipe(Effect.orDie)

/** Builds the hosted connectors (checked settings first, as the hub does) and answers the start's problems. */
const startProblems = (vars: Record<string, string>) =>
  Effect.gen(function*() {
    const error = yield* Effect.flip(Effect.scoped(Layer.build(HostedConnectors.layer)).pipe(Effect.withConfigProvider(env(vars))))
    if (error._tag !== "ConnectorConfigInvalid") return assert.fail(`expected ConnectorConfigInvalid, got ${error._tag}: ${error.message}`)
    return error.problems
  })

const quiet = { CONNECTOR_POLL_INTERVAL_S: "0.1", CONNECTOR_HEARTBEAT_ENABLED: "false" }

describe("SWITCHBOARD_CONNECTORS before the database", () => {
  it.effect("an entry that is not a built-in is kept as a registered connector; the built-ins' settings are checked as before", () =>
    Effect.gen(function*() {
      const hosted = yield* HostedConnectors.checkHostedEntries.pipe(Effect.withConfigProvider(env({
        SWITCHBOARD_CONNECTORS: "sandbox,crm:eu",
        SANDBOX_CONNECTOR_ENDPOINT_IDENTITY: "s-1",
        SWITCHBOARD_DATA_DIR: "/tmp/hub-data"
      })))
      assert.deepStrictEqual(hosted.builtins.map((h) => [h.entry, h.config.endpointIdentity]), [["sandbox", "s-1"]])
      assert.deepStrictEqual(hosted.registered, [{ connectorType: "crm", entry: "crm:eu" }])
      assert.deepStrictEqual(hosted.entries, ["sandbox", "crm:eu"])
      assert.strictEqual(hosted.dataDir, "/tmp/hub-data")
    }))

  it.effect("a registered entry counts for the ambiguity of unprefixed instance settings", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(HostedConnectors.checkHostedEntries.pipe(Effect.withConfigProvider(env({
        SWITCHBOARD_CONNECTORS: "sandbox,crm",
        CONNECTOR_ENDPOINT_IDENTITY: "shared",
        CONNECTOR_CURSOR_PATH: "/tmp/shared.json"
      }))))
      assert.deepStrictEqual(error.problems, [
        "CONNECTOR_CURSOR_PATH is ambiguous when the hub runs several connectors (sandbox, crm): set " +
        "SANDBOX_CONNECTOR_CURSOR_PATH, CRM_CONNECTOR_CURSOR_PATH instead"
      ])
    }))
})

layer(Layer.merge(TestHub.layer, NodeContext.layer), { excludeTestServices: true, timeout: 120_000 })("registered connectors hosted by the hub", (it) => {
  it.scoped("a registered source runs beside a built-in: every event in the inbox once, its cursor held by the hub, its singleton named", () =>
    Effect.gen(function*() {
      yield* register({ connector_id: "counter", module: COUNTER })
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "hosted-registered-" })
      yield* Layer.build(HostedConnectors.layer).pipe(Effect.withConfigProvider(env({
        ...quiet,
        SWITCHBOARD_CONNECTORS: "sandbox,counter",
        SANDBOX_CONNECTOR_ENDPOINT_IDENTITY: "reg-sandbox",
        COUNTER_CONNECTOR_ENDPOINT_IDENTITY: "reg-counter",
        // its first heartbeat goes at start: the hub takes it from the in-process principal of a type that is no channel
        COUNTER_CONNECTOR_HEARTBEAT_ENABLED: "true",
        SANDBOX_RATE_PER_S: "200",
        SANDBOX_TOTAL: "5",
        COUNTER_TOTAL: "25",
        COUNTER_BATCH_SIZE: "4",
        SWITCHBOARD_DATA_DIR: dir
      })))
      yield* eventually(
        Effect.map(hubCheckpointNext("reg-counter", "counter"), (n) => Option.getOrElse(n, () => -1) === 25),
        "the counter's checkpoint at 25"
      )
      yield* eventually(Effect.map(hubCheckpointNext("reg-sandbox"), (n) => Option.getOrElse(n, () => -1) === 5), "the sandbox's checkpoint at 5")
      assert.deepStrictEqual(yield* inbox("reg-counter"), { n: 25, distinct_ids: 25, low: 0, high: 24 })
      assert.deepStrictEqual(yield* inbox("reg-sandbox"), { n: 5, distinct_ids: 5, low: 0, high: 4 })

      const sql = yield* SqlClient.SqlClient
      yield* eventually(
        Effect.map(
          sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM connector_heartbeat_log
            WHERE connector_type = 'counter' AND endpoint_identity = 'reg-counter'`.pipe(Effect.orDie),
          (rows) => (rows[0]?.n ?? 0) > 0
        ),
        "a heartbeat of the counter recorded"
      )

      const cluster = yield* Cluster
      const { singletons } = yield* cluster.state
      assert.include(singletons, "connector:counter:reg-counter")
      assert.include(singletons, "connector:sandbox:reg-sandbox")

      const receivers = yield* PushReceivers
      const receive = yield* receivers.lookup("counter", "reg-counter")
      assert.isTrue(Option.isSome(receive))
      yield* Option.getOrThrow(receive)({ n: 1000 })
      assert.deepStrictEqual(yield* inbox("reg-counter"), { n: 26, distinct_ids: 26, low: 0, high: 1000 })
    }))

  it.scoped("an id that is neither a built-in source nor registered fails the start, naming what could run", () =>
    Effect.gen(function*() {
      yield* register({ connector_id: "counter", module: COUNTER })
      assert.deepStrictEqual(yield* startProblems({ SWITCHBOARD_CONNECTORS: "sandbox,fax", CONNECTOR_ENDPOINT_IDENTITY: "x" }), [
        "SWITCHBOARD_CONNECTORS: unknown connector type \"fax\" (built-in: gmail, sandbox, telegram; registered sources: counter)"
      ])
    }))

  it.scoped("a registered connector without a source face fails the start, saying which faces it has", () =>
    Effect.gen(function*() {
      yield* register({ connector_id: "notes", module: EXAMPLE })
      assert.deepStrictEqual(yield* startProblems({ SWITCHBOARD_CONNECTORS: "notes", CONNECTOR_ENDPOINT_IDENTITY: "x" }), [
        "SWITCHBOARD_CONNECTORS: connector \"notes\" has no source face (it has resources)"
      ])
    }))

  it.scoped("a disabled registered connector fails the start, saying how to enable it", () =>
    Effect.gen(function*() {
      yield* register({ connector_id: "counter-off", module: COUNTER, enabled: false })
      assert.deepStrictEqual(yield* startProblems({ SWITCHBOARD_CONNECTORS: "counter-off", CONNECTOR_ENDPOINT_IDENTITY: "x" }), [
        "SWITCHBOARD_CONNECTORS: connector counter-off is disabled (switchboard connectors enable counter-off)"
      ])
    }))

  it.scoped("a module that does not load fails the start with the loader's line", () =>
    Effect.gen(function*() {
      yield* register({ connector_id: "counter-typo", module: COUNTER, class_name: "Counter" })
      assert.deepStrictEqual(yield* startProblems({ SWITCHBOARD_CONNECTORS: "counter-typo", CONNECTOR_ENDPOINT_IDENTITY: "x" }), [
        `SWITCHBOARD_CONNECTORS: connector counter-typo (${COUNTER}): the module has no export named Counter (it exports: default)`
      ])
    }))

  it.scoped("a loaded source's settings are checked like a built-in's: CONNECTOR_* under its prefix and its own, all at once", () =>
    Effect.gen(function*() {
      yield* register({ connector_id: "counter", module: COUNTER })
      yield* register({ connector_id: "notes", module: EXAMPLE })
      assert.deepStrictEqual(
        yield* startProblems({
          SWITCHBOARD_CONNECTORS: "counter,notes",
          COUNTER_CONNECTOR_PROVIDER: "gmail",
          COUNTER_TOTAL: "-1"
        }),
        [
          "SWITCHBOARD_CONNECTORS: connector \"notes\" has no source face (it has resources)",
          "COUNTER_CONNECTOR_ENDPOINT_IDENTITY (or CONNECTOR_ENDPOINT_IDENTITY) is missing",
          "COUNTER_CONNECTOR_PROVIDER is \"gmail\", but the counter connector's provider is \"internal\"",
          "COUNTER_TOTAL must be an integer from 0 to 100000"
        ]
      )
    }))

  it.scoped("two instances of a registered source on one endpoint are refused", () =>
    Effect.gen(function*() {
      yield* register({ connector_id: "counter", module: COUNTER })
      assert.deepStrictEqual(
        yield* startProblems({
          SWITCHBOARD_CONNECTORS: "counter:a,counter:b",
          COUNTER_A_CONNECTOR_ENDPOINT_IDENTITY: "same",
          COUNTER_B_CONNECTOR_ENDPOINT_IDENTITY: "same"
        }),
        ["COUNTER_B_CONNECTOR_ENDPOINT_IDENTITY: another counter connector already serves \"same\""]
      )
    }))

  it.scoped("a hosted registered source's declared webhook is served (its sender checked first, its update stored once) and its counters exported", () =>
    Effect.gen(function*() {
      yield* register({ connector_id: "counter", module: COUNTER })
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "hosted-registered-push-" })
      const vars = {
        ...quiet,
        SWITCHBOARD_CONNECTORS: "counter",
        COUNTER_CONNECTOR_ENDPOINT_IDENTITY: "reg-push",
        COUNTER_TOTAL: "0",
        COUNTER_PUSH_SECRET: "s3cret",
        SWITCHBOARD_DATA_DIR: dir
      }
      const served = HttpHub.serve(Layer.merge(PushRoutes.layer, MetricsRoute.layer), { host: "127.0.0.1", port: 0 }).pipe(
        Layer.provide(Layer.effect(HostedConnectorsTag, HostedConnectors.checkHostedEntries))
      )
      const context = yield* Layer.build(Layer.merge(HostedConnectors.layer, served)).pipe(Effect.withConfigProvider(env(vars)))
      const server = Context.get(context, HttpServer.HttpServer)
      const url = server.address._tag === "TcpAddress" ? `http://127.0.0.1:${server.address.port}` : assert.fail("no TCP address")
      const post = (endpoint: string, headers: Record<string, string>, body: string) =>
        Effect.map(
          request(`${url}/counter/${endpoint}/push`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body }),
          (res) => res.status
        )
      const secret = { "x-counter-secret": "s3cret" }
      assert.deepStrictEqual(
        [
          yield* post("reg-push", {}, `{"n":7000}`),
          yield* post("reg-push", { "x-counter-secret": "wrong" }, `{"n":7000}`),
          yield* post("elsewhere", secret, `{"n":7000}`),
          yield* post("reg-push", secret, JSON.stringify({ n: 7001, pad: "x".repeat(2000) })),
          yield* post("reg-push", secret, "{not json")
        ],
        [401, 401, 404, 413, 400]
      )
      assert.deepStrictEqual(yield* inbox("reg-push"), { n: 0, distinct_ids: 0, low: null, high: null })
      assert.strictEqual(yield* post("reg-push", secret, `{"n":7000}`), 202)
      assert.strictEqual(yield* post("reg-push", secret, `{"n":7000}`), 202)
      assert.deepStrictEqual(yield* inbox("reg-push"), { n: 1, distinct_ids: 1, low: 7000, high: 7000 })

      // Its latest heartbeat's source counters: the declared and the runtime's are exported, another name is not.
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO connector_registry (connector_type, endpoint_identity, first_seen_at, source_counters)
        VALUES ('counter', 'reg-push', now(), ${JSON.stringify({ pushed: 2, "skipped.other": 3, undeclared: 9 })}::jsonb)`
      const metrics = yield* request(`${url}/metrics`)
      const line = (counter: string) =>
        String(metrics.body).split("\n").find((l) => l.startsWith(`switchboard_connector_source_counter{`) && l.includes(`connector_type="counter"`) && l.includes(`counter="${counter}"`))
      assert.deepStrictEqual([line("pushed")?.split(" ").at(-1), line("skipped.other")?.split(" ").at(-1), line("undeclared")], ["2", "3", undefined])
    }))

  it("a registered source's declared counters are exported only under names a heartbeat may carry, at most 32", () => {
    const declared = ["pushed", "Not A Label", "skipped.spam", ...Array.from({ length: 40 }, (_, i) => `c${i}`)]
    const exported = HostedDefinitions.exportableCounters({ ...Counter, source: { ...Counter.source!, sourceCounters: declared } })
    assert.deepStrictEqual(exported.slice(0, 5), ["cursor_resets", "skipped.other", "degraded.other", "pushed", "skipped.spam"])
    assert.strictEqual(exported.length, 3 + 32)
  })
})
