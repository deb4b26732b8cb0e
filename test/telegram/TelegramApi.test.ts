import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Redacted, Schedule } from "effect"
import * as HttpTelegramApi from "../../layers/TelegramApi/HttpTelegramApi.js"
import { toSourceError } from "../../src/connectors/telegram/Errors.js"
import { ALLOWED_UPDATES, TelegramApi } from "../../services/TelegramApi.js"
import * as FakeTelegram from "../support/FakeTelegram.js"

const TOKEN = "123456:AAE-secret-bot-token_xyz"

/** Runs `f` against a fresh fake Bot API through the real HTTP client. */
const withApi = <A, E>(
  f: (api: typeof TelegramApi.Service, fake: FakeTelegram.FakeTelegramServer) => Effect.Effect<A, E>,
  token = TOKEN
) =>
  Effect.scoped(Effect.gen(function*() {
    const fake = yield* FakeTelegram.make(TOKEN)
    return yield* Effect.flatMap(TelegramApi, (api) => f(api, fake)).pipe(
      Effect.provide(HttpTelegramApi.layer({
        baseUrl: fake.url,
        token: Redacted.make(token),
        requestTimeout: Duration.seconds(10),
        downloadTimeout: Duration.seconds(10)
      })),
      Effect.provide(NodeHttpClient.layerUndici)
    )
  }))

const poll = { limit: 100, timeout: 0, allowed_updates: ALLOWED_UPDATES }

describe("HttpTelegramApi against the fake Bot API", () => {
  it.live("decodes getMe and updates; an offset confirms every update below it", () =>
    withApi((api, fake) =>
      Effect.gen(function*() {
        assert.strictEqual((yield* api.getMe).username, "sicheebot")
        fake.push(FakeTelegram.textUpdate(1), FakeTelegram.textUpdate(2), FakeTelegram.textUpdate(3))
        const first = yield* api.getUpdates(poll)
        assert.deepStrictEqual(first.map((u) => u.update_id), [1, 2, 3])
        assert.deepStrictEqual(first[0], FakeTelegram.textUpdate(1))
        const again = yield* api.getUpdates({ ...poll, offset: 3 })
        assert.deepStrictEqual(again.map((u) => u.update_id), [3])
        assert.deepStrictEqual(yield* api.getUpdates({ ...poll, offset: 4 }), [])
        assert.deepStrictEqual(fake.allowedUpdates[0], [...ALLOWED_UPDATES])
      })
    ))

  it.live("a long poll returns as soon as an update arrives", () =>
    withApi((api, fake) =>
      Effect.gen(function*() {
        const fiber = yield* Effect.fork(api.getUpdates({ ...poll, timeout: 20 }))
        // Push only once the poll is really waiting, so the test pins the wake-up, not an immediate answer.
        yield* Effect.sync(() => fake.longPolling).pipe(
          Effect.repeat({ schedule: Schedule.spaced("10 millis"), until: (waiting) => waiting }),
          Effect.timeout("10 seconds"),
          Effect.orDie
        )
        fake.push(FakeTelegram.textUpdate(7))
        const updates = yield* fiber.await.pipe(Effect.flatten)
        assert.deepStrictEqual(updates.map((u) => u.update_id), [7])
      })
    ))

  it.live("409 while a webhook is set maps to SourceConflict telling to run delete-webhook", () =>
    withApi((api) =>
      Effect.gen(function*() {
        assert.isTrue(
          yield* api.setWebhook({ url: "http://127.0.0.1:9/hook", secret_token: Redacted.make("s"), allowed_updates: ALLOWED_UPDATES })
        )
        assert.strictEqual((yield* api.getWebhookInfo).url, "http://127.0.0.1:9/hook")
        const error = yield* Effect.flip(api.getUpdates(poll))
        assert.strictEqual(error._tag, "TelegramApiError")
        const source = toSourceError(error)
        assert.strictEqual(source._tag, "SourceConflict")
        assert.include(source.message, "telegram delete-webhook")
        assert.isTrue(yield* api.deleteWebhook({ drop_pending_updates: false }))
        assert.strictEqual((yield* api.getWebhookInfo).url, "")
      })
    ))

  it.live("429 honours parameters.retry_after, and the Retry-After header when there is no Bot API body", () =>
    withApi((api, fake) =>
      Effect.gen(function*() {
        fake.inject("getUpdates", {
          status: 429,
          body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 7", parameters: { retry_after: 7 } }
        }, { status: 429, body: "slow down", headers: { "retry-after": "3" } })
        const first = toSourceError(yield* Effect.flip(api.getUpdates(poll)))
        const second = toSourceError(yield* Effect.flip(api.getUpdates(poll)))
        assert.strictEqual(first._tag, "SourceRateLimited")
        assert.strictEqual(second._tag, "SourceRateLimited")
        if (first._tag === "SourceRateLimited" && second._tag === "SourceRateLimited") {
          assert.strictEqual(Duration.toSeconds(first.retryAfter), 7)
          assert.strictEqual(Duration.toSeconds(second.retryAfter), 3)
        }
      })
    ))

  it.live("5xx is SourceTransient, a wrong token SourceUnauthorized; no error ever contains the token", () =>
    Effect.gen(function*() {
      const serverError = yield* withApi((api, fake) => {
        fake.inject("getUpdates", { status: 502, body: "<html>Bad Gateway</html>" })
        return Effect.flip(api.getUpdates(poll))
      })
      assert.strictEqual(toSourceError(serverError)._tag, "SourceTransient")
      const wrongToken = yield* withApi((api) => Effect.flip(api.getMe), "999:wrong-token-value")
      const unauthorized = toSourceError(wrongToken)
      assert.strictEqual(unauthorized._tag, "SourceUnauthorized")
      assert.include(unauthorized.message, "BUTLER_TELEGRAM_TOKEN")
      const refused = yield* Effect.flip(
        TelegramApi.pipe(
          Effect.flatMap((api) => api.getMe),
          Effect.provide(HttpTelegramApi.layer({
            baseUrl: "http://127.0.0.1:9",
            token: Redacted.make(TOKEN),
            requestTimeout: Duration.seconds(5),
            downloadTimeout: Duration.seconds(5)
          })),
          Effect.provide(NodeHttpClient.layerUndici)
        )
      )
      assert.strictEqual(refused._tag, "TelegramHttpError")
      assert.strictEqual(toSourceError(refused)._tag, "SourceTransient")
      for (const error of [serverError, wrongToken, refused]) {
        const shown = `${String(error)} ${JSON.stringify(error)} ${error.message} ${toSourceError(error).message}`
        assert.notInclude(shown, "secret-bot-token")
        assert.notInclude(shown, "wrong-token-value")
      }
    }))

  it.live("getFile and download; a download over the limit stops with TelegramFileTooLarge", () =>
    withApi((api, fake) =>
      Effect.gen(function*() {
        const bytes = new Uint8Array(4096).map((_, i) => i % 251)
        fake.addFile("doc-1", bytes, "documents/report one.pdf")
        const file = yield* api.getFile("doc-1")
        assert.strictEqual(file.file_path, "documents/report one.pdf")
        assert.deepStrictEqual(yield* api.downloadFile(file.file_path!, 10_000), bytes)
        const tooLarge = yield* Effect.flip(api.downloadFile(file.file_path!, 1000))
        assert.strictEqual(tooLarge._tag, "TelegramFileTooLarge")
        const unknown = yield* Effect.flip(api.getFile("nope"))
        assert.strictEqual(unknown._tag, "TelegramApiError")
        assert.strictEqual(toSourceError(unknown as never)._tag, "SourceTransient")
      })
    ))
})
