/**
 * Delivery never reaches addresses it must not (SSRF): link-local/metadata always refused, loopback and
 * private refused unless allowed, names checked on every resolved address at connect time, and the
 * hub's own port never. A refusal is a dead letter at once, naming the reason, with no connection made.
 * A defect in an attempt counts as an attempt under the retry policy and ends as a dead letter.
 */
import { HttpClient } from "@effect/platform"
import { assert, describe, it, layer } from "@effect/vitest"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Either, Layer, Metric, Option, Redacted } from "effect"
import * as DeliveryWorker from "../../layers/Delivery/DeliveryWorker.js"
import * as WebhookPoster from "../../layers/Delivery/WebhookPoster.js"
import { refusal } from "../../src/delivery/Addresses.js"
import * as DeliveryMetrics from "../../src/delivery/Metrics.js"
import * as Validate from "../../src/routing/Validate.js"
import type { ClaimedDelivery } from "../../services/DeliveryStore.js"
import { RoutingStore } from "../../services/RoutingStore.js"
import * as TestHub from "../support/TestHub.js"
import * as Receiver from "./support/Receiver.js"
import * as S from "./support/Scenario.js"
import { fastDelivery } from "./support/TestOptions.js"

describe("the address guard", () => {
  it("refuses link-local, metadata and odd ranges always, private ranges unless allowed", () => {
    for (const ip of ["169.254.169.254", "fe80::1", "fd00:ec2::254", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::"]) {
      assert.isString(refusal(ip, true), ip)
    }
    for (const ip of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "100.64.0.1", "fc00::1"]) {
      assert.isString(refusal(ip, false), ip)
      assert.isUndefined(refusal(ip, true), ip)
    }
    assert.isUndefined(refusal("93.184.216.34", false))
    assert.isUndefined(refusal("2606:2800:220:1:248:1893:25c8:1946", false))
  })

  it("judges IPv6 forms that carry an IPv4 address (NAT64, SIIT, IPv4-compatible, 6to4) by that address too", () => {
    for (const ip of ["64:ff9b::a9fe:a9fe", "64:ff9b:1::a9fe:a9fe", "::ffff:0:a9fe:a9fe", "2002:a9fe:a9fe::1", "100::1"]) {
      assert.include(String(refusal(ip, true)), "never a delivery target", ip)
    }
    for (const ip of ["64:ff9b::7f00:1", "::7f00:1", "2002:c0a8:101::1", "fec0::1"]) {
      assert.isString(refusal(ip, false), ip)
      assert.isUndefined(refusal(ip, true), ip)
    }
    assert.isUndefined(refusal("64:ff9b::5db8:d822", false), "NAT64 of a public address (DNS64 networks)")
    assert.isUndefined(refusal("::1", true))
  })

  it("targets add refuses URLs with credentials and metadata addresses in any spelling", () => {
    assert.match(Either.getLeft(Validate.targetUrl("https://user:pw@example.com/hook")).pipe(Option.getOrElse(() => "")),
      /must not contain credentials/)
    assert.match(Either.getLeft(Validate.targetUrl("https://user@example.com/hook")).pipe(Option.getOrElse(() => "")),
      /must not contain credentials/)
    for (const url of ["http://2852039166/", "http://169.254.43518/", "http://[::ffff:169.254.169.254]/", "http://[64:ff9b::a9fe:a9fe]/"]) {
      assert.isTrue(Either.isLeft(Validate.targetUrl(url)), url)
    }
    // Loopback in other spellings normalises (WHATWG URL) to a literal the delivery guard refuses.
    for (const url of ["http://2130706433/", "http://127.1/", "http://0x7f000001/", "http://[::ffff:127.0.0.1]/"]) {
      const host = new URL(Either.getOrThrow(Validate.targetUrl(url))).hostname.replace(/^\[|\]$/g, "")
      assert.isString(refusal(host, false), url)
    }
  })

  it.live("never delivers to the hub's own port on loopback, even with private targets allowed", () =>
    Effect.gen(function*() {
      const hub = yield* Receiver.make()
      const port = Number(new URL(hub.url).port)
      const client = yield* HttpClient.HttpClient
      const attempt = WebhookPoster.make(client, { ...fastDelivery, allowPrivate: true, hubPort: port })
      const request = { received_at: "2026-11-20T10:00:00Z", observed_at: "2026-11-20T10:00:00Z" }
      for (const url of [hub.url, `http://localhost:${port}/`, `http://[::1]:${port}/`]) {
        const result = yield* attempt({
          request_id: "01a2b3c4-0000-7000-8000-000000000002",
          paused: false,
          target: "self",
          attempts: 0,
          claim_token: "c",
          webhook_id: "msg_2",
          endpoint: { url, secret: Redacted.make(`whsec_${Buffer.alloc(32, 3).toString("base64")}`) },
          request: request as unknown as ClaimedDelivery["request"]
        })
        assert.strictEqual(result._tag, "Dead", url)
        assert.include(result._tag === "Dead" ? result.error : "", "this hub itself", url)
      }
      assert.strictEqual(hub.received().length, 0)
    }).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici)))

  it.effect("a defect in an attempt is a failed attempt: backoff, then a dead letter when attempts run out", () =>
    Effect.gen(function*() {
      const dying = HttpClient.make(() => Effect.die(new Error("boom")))
      const attempt = WebhookPoster.make(dying, { ...fastDelivery, allowPrivate: true })
      const row = (attempts: number): ClaimedDelivery => ({
        request_id: "01a2b3c4-0000-7000-8000-000000000001",
        target: "t",
        attempts,
        claim_token: "c",
        webhook_id: "msg_1",
        endpoint: { url: "http://93.184.216.34/hook", secret: Redacted.make(`whsec_${Buffer.alloc(32, 1).toString("base64")}`) },
        request: {} as ClaimedDelivery["request"]
      } as ClaimedDelivery)
      const early = yield* attempt(row(0))
      assert.strictEqual(early._tag, "Retry")
      const last = yield* attempt(row(fastDelivery.retry.maxAttempts - 1))
      assert.strictEqual(last._tag, "Dead")
    }))
})

const Strict = DeliveryWorker.layerWith({ ...fastDelivery, allowPrivate: false }).pipe(Layer.provideMerge(TestHub.layer))

layer(Strict, { excludeTestServices: true, timeout: 120_000 })("delivery with private targets refused", (it) => {
  it.scoped("metadata, loopback literals and a name resolving to loopback become dead letters without a connection", () =>
    Effect.gen(function*() {
      const receiver = yield* Receiver.make()
      const port = new URL(receiver.url).port
      // Metadata and link-local addresses are refused when the target is added, in any spelling.
      for (const url of ["http://169.254.169.254/latest/meta-data/", "http://0xa9fea9fe/", "http://[fe80::1]/"]) {
        const added = yield* Effect.flip((yield* RoutingStore).addTarget({ name: "ssrf-meta", url, secret: Redacted.make(`whsec_${Buffer.alloc(32, 2).toString("base64")}`) }))
        assert.include(String(added.message), "never a delivery target", url)
      }
      const targets = {
        "ssrf-loopback": receiver.url,
        "ssrf-hex": `http://0x7f000001:${port}/`,
        "ssrf-v6": `http://[::1]:${port}/`,
        "ssrf-decimal": `http://2130706433:${port}/`,
        "ssrf-short": `http://127.1:${port}/`,
        "ssrf-mapped": `http://[::ffff:127.0.0.1]:${port}/`,
        "ssrf-name": `http://localhost:${port}/`
      }
      for (const [name, url] of Object.entries(targets)) {
        yield* S.addTarget(name, url)
        yield* S.addRoute({ endpoint_identity: name, target: name })
      }
      yield* S.refresh
      for (const name of Object.keys(targets)) {
        const id = yield* S.ingest(S.envelope(`${name}-1`, { endpoint: name }))
        const state = yield* S.waitForState(id, "dead_lettered")
        const outcome = S.outcomeOf(state, name)
        assert.strictEqual(outcome.attempts, 1, name)
        assert.include(String(outcome.last_error), "address refused", name)
      }
      assert.strictEqual(receiver.received().length, 0)
      const refused = Metric.tagged(DeliveryMetrics.deliveriesRefused, "target", "ssrf-name")
      assert.strictEqual((yield* Metric.value(refused)).count, 1)
    }))
})
