/**
 * A real hub (production routes and layers, a real socket, a fresh test database) next to a FakeGmail
 * (Google's consent page and token endpoint on a real socket), configured only by the variables given
 * here. Every log line of the hub (all levels) and every answer the tests read are recorded, so a
 * suite can scan them for secrets at the end.
 */
import { HttpServer } from "@effect/platform"
import { ConfigProvider, Context, Effect, Layer, Logger, LogLevel } from "effect"
import { randomBytes } from "node:crypto"
import * as Live from "../../layers/Live.js"
import { type NewToken, TokenStore } from "../../services/TokenStore.js"
import * as HttpHub from "../../src/http/Server.js"
import * as FakeGmail from "../support/FakeGmail.js"
import * as TestDatabase from "../support/TestDatabase.js"
import { minter, testConfig } from "../support/TestHub.js"

export const ALICE = "gmail:user:alice@example.com"

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
}

export interface OAuthHubInfo {
  readonly url: string
  /** Admin token, full scope. */
  readonly admin: string
  readonly mintToken: (scope: Partial<NewToken>) => Effect.Effect<{ readonly id: string; readonly token: string }>
  readonly fake: FakeGmail.FakeGmailServer
  /** SWITCHBOARD_SECRETS_KEY of this hub (hex), if it has one. */
  readonly secretsKey: string | undefined
  /** Every log line of the hub, as JSON. */
  readonly logs: Array<string>
  /** Every answer read through `get`: status line, headers and body. */
  readonly seen: Array<string>
  /** GET with these headers; the answer is recorded in `seen`. */
  readonly get: (url: string, headers?: Record<string, string>) => Effect.Effect<Answer>
}

export class OAuthHub extends Context.Tag("test/OAuthHub")<OAuthHub, OAuthHubInfo>() {}

export interface Options {
  /** Give the hub a SWITCHBOARD_SECRETS_KEY (default true). */
  readonly key?: boolean
  /** More variables. */
  readonly env?: Record<string, string>
}

export const layer = (options: Options = {}) =>
  Layer.unwrapScoped(Effect.gen(function*() {
    const fake = yield* FakeGmail.make({ emailAddress: "alice@example.com" })
    const secretsKey = options.key === false ? undefined : randomBytes(32).toString("hex")
    const env: Record<string, string> = {
      GOOGLE_OAUTH_AUTH_URL: fake.authUrl,
      GOOGLE_OAUTH_TOKEN_URL: fake.tokenUrl,
      ...(secretsKey === undefined ? {} : { SWITCHBOARD_SECRETS_KEY: secretsKey }),
      ...options.env
    }
    const logs: Array<string> = []
    const seen: Array<string> = []
    const capture = Logger.map(Logger.jsonLogger, (line) => {
      logs.push(line)
    })

    const get = (url: string, headers: Record<string, string> = {}) =>
      Effect.promise(async (): Promise<Answer> => {
        const response = await fetch(url, { headers, redirect: "manual" })
        const text = await response.text()
        seen.push(`${response.status} ${JSON.stringify([...response.headers])} ${text}`)
        return { status: response.status, headers: response.headers, text }
      })

    const info = Effect.gen(function*() {
      const server = yield* HttpServer.HttpServer
      const tokens = yield* TokenStore
      const address = server.address
      const url = address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}` : "unix"
      const mintToken = minter(tokens)
      const admin = yield* mintToken({ role: "admin" })
      return OAuthHub.of({ url, admin: admin.token, mintToken, fake, secretsKey, logs, seen, get })
    })

    return Layer.effect(OAuthHub, info).pipe(
      Layer.provideMerge(HttpHub.serve(HttpHub.Routes, { host: "127.0.0.1", port: 0 })),
      Layer.provideMerge(Live.appLayer(testConfig, TestDatabase.layer)),
      Layer.provide(Logger.replace(Logger.defaultLogger, capture)),
      Layer.provide(Logger.minimumLogLevel(LogLevel.All)),
      Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))
    )
  }))

/** The `name=value` of a Set-Cookie header, as a browser sends it back. */
export const cookieOf = (answer: Answer): string | undefined => answer.headers.getSetCookie()[0]?.split(";")[0]

/** Follows the fake consent page's "Allow" link: Google's redirect to the hub's callback, code and state included. */
export const approve = (hub: OAuthHubInfo, authorizationUrl: string) =>
  Effect.gen(function*() {
    const page = yield* hub.get(authorizationUrl)
    const href = /id="approve" href="([^"]+)"/.exec(page.text)?.[1]
    if (href === undefined) return yield* Effect.die(new Error(`no consent link on the fake's page (HTTP ${page.status}): ${page.text.slice(0, 200)}`))
    return href.replace(/&amp;/g, "&")
  })

/** Every secret value the fake knows of (client secret, refresh and access tokens, codes). */
export const secretsOf = (hub: OAuthHubInfo): ReadonlyArray<string> => [
  hub.fake.oauth.clientSecret,
  ...hub.fake.oauth.refreshTokens,
  ...hub.fake.oauth.issuedAccessTokens,
  ...hub.fake.oauth.codes.keys(),
  ...(hub.secretsKey === undefined ? [] : [hub.secretsKey])
]
