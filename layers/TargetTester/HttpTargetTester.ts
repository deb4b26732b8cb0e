/**
 * TargetTester over HTTP (issue 12): one signed `switchboard.test` event to a webhook target, through the
 * same address guard as deliveries (literal addresses checked before connecting, names when resolved), with
 * the delivery request timeout. Nothing is stored: the answer is the receiver's status, latency and the
 * start of its reply. The secret is read here and never leaves this layer.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { Clock, Duration, Effect, Layer, Option, Redacted } from "effect"
import ipaddr from "ipaddr.js"
import * as Addresses from "../../src/delivery/Addresses.js"
import * as DeliveryConfig from "../../src/delivery/DeliveryConfig.js"
import * as Signature from "../../src/delivery/Signature.js"
import type { TargetTestResult } from "../../src/domain/Console.js"
import * as Validate from "../../src/routing/Validate.js"
import { DatabaseLocation } from "../../services/Database.js"
import { HubConfigFromEnv } from "../../services/HubConfig.js"
import { RoutingStoreUnavailable, TargetNotFound } from "../../services/RoutingStore.js"
import { TargetTester } from "../../services/TargetTester.js"
import * as SqlFailure from "../Database/SqlFailure.js"
import * as WebhookPoster from "../Delivery/WebhookPoster.js"

export const TEST_EVENT_TYPE = "switchboard.test"
const USER_AGENT = "switchboard-delivery/0.1"
const EXCERPT_CHARS = 1000
interface TargetRow {
  readonly url: string | null
  readonly secret: string | null
  readonly action: string | null
}

export const make = (options: {
  readonly allowPrivate: boolean
  readonly requestTimeout: Duration.Duration
  /** This hub's port: a loopback URL on it is refused, as deliveries refuse it. */
  readonly hubPort: number | null
}) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.withTracerPropagation(false))
    const guard = SqlFailure.guard((reason) => new RoutingStoreUnavailable({ message: reason }))

    const test = (name: string) =>
      Effect.gen(function*() {
        const rows = yield* sql<TargetRow>`
          SELECT url, secret, action FROM delivery_targets WHERE name = ${name} AND removed_at IS NULL`.pipe(guard)
        const row = rows[0]
        if (row === undefined) return yield* new TargetNotFound({ name, message: `no target named "${name}"` })
        if (row.url === null || row.secret === null) {
          return yield* new TargetNotFound({
            name,
            message: `target "${name}" is an action target (${row.action ?? "?"}): only webhook targets take a test send`
          })
        }
        const started = yield* Clock.currentTimeMillis
        const webhookId = `msg_test_${globalThis.crypto.randomUUID().replace(/-/g, "")}`
        const timestamp = Math.floor(started / 1000)
        const body = JSON.stringify({
          type: TEST_EVENT_TYPE,
          timestamp: new Date(started).toISOString(),
          data: { target: name, webhook_id: webhookId, note: "a test event from the Switchboard console; nothing was ingested" }
        })
        const shown = Validate.displayUrl(row.url)
        const result = (fields: Omit<TargetTestResult, "target" | "url" | "webhook_id" | "latency_ms">) =>
          Effect.map(Clock.currentTimeMillis, (end): TargetTestResult => ({
            target: name,
            url: shown,
            webhook_id: webhookId,
            latency_ms: Math.max(0, end - started),
            ...fields
          }))
        const url = new URL(row.url)
        const host = url.hostname.replace(/^\[|\]$/g, "")
        const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port)
        const refused = options.hubPort !== null && port === options.hubPort && Addresses.isLoopbackHost(host)
          ? "the target is this hub itself"
          : ipaddr.isValid(host)
          ? Addresses.refusal(host, options.allowPrivate)
          : undefined
        if (refused !== undefined) {
          return yield* result({ status: null, ok: false, response_excerpt: "", error: `address refused: ${refused}` })
        }
        const request = HttpClientRequest.post(row.url).pipe(
          HttpClientRequest.setHeaders({
            "webhook-id": webhookId,
            "webhook-timestamp": String(timestamp),
            "webhook-signature": Signature.sign(Signature.keyOf(Redacted.make(row.secret)), webhookId, timestamp, body),
            "user-agent": USER_AGENT
          }),
          HttpClientRequest.bodyText(body, "application/json")
        )
        const answer = yield* client.execute(request).pipe(
          Effect.flatMap((response) => Effect.map(WebhookPoster.readExcerpt(response.stream), (text) => ({ status: response.status, text: text.slice(0, EXCERPT_CHARS) }))),
          Effect.scoped,
          Effect.either,
          Effect.timeoutOption(options.requestTimeout)
        )
        if (Option.isNone(answer)) {
          return yield* result({
            status: null,
            ok: false,
            response_excerpt: "",
            error: `timeout after ${Duration.format(options.requestTimeout)}`
          })
        }
        if (answer.value._tag === "Left") {
          return yield* result({ status: null, ok: false, response_excerpt: "", error: `network error: ${WebhookPoster.describeCause(answer.value.left.cause)}` })
        }
        const { status, text } = answer.value.right
        const ok = status >= 200 && status < 300
        return yield* result({ status, ok, response_excerpt: text, error: ok ? null : `the receiver answered ${status}` })
      })

    return TargetTester.of({ test })
  })

/** The tester with the delivery worker's address rules (private targets allowed by default only on the embedded database). */
export const layer = Layer.unwrapEffect(
  Effect.gen(function*() {
    const delivery = yield* DeliveryConfig.FromEnv
    const allow = yield* DeliveryConfig.AllowPrivateFromEnv
    const location = yield* DatabaseLocation
    const hub = yield* HubConfigFromEnv
    const allowPrivate = Option.getOrElse(allow, () => location.kind === "embedded")
    return Layer.effect(TargetTester, make({ allowPrivate, requestTimeout: delivery.requestTimeout, hubPort: hub.port === 0 ? null : hub.port })).pipe(
      Layer.provide(NodeHttpClient.layerWithoutAgent),
      Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: false, lookup: Addresses.guardedLookup(allowPrivate) }))
    )
  })
)
