/**
 * The action providers from the environment, read once when the layer is built. A connector whose
 * required variables are unset is NotConfigured (the 503 names them); a variable that is set but wrong
 * (a base URL that is not http(s), a service-account key that does not parse) fails the start, naming it.
 */
import { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Config, Effect, Layer, Option, Redacted } from "effect"
import { ActionProviders, type ProviderSlot } from "../../services/ActionProviders.js"
import * as GoogleServiceAccount from "./GoogleServiceAccount.js"
import * as NotionPages from "./NotionPages.js"
import * as ResendEmail from "./ResendEmail.js"
import * as SheetsAppend from "./SheetsAppend.js"
import * as SlackWebhook from "./SlackWebhook.js"
import * as TelegramSend from "./TelegramSend.js"

const isHttpUrl = (s: string) => {
  try {
    const u = new URL(s)
    return u.protocol === "http:" || u.protocol === "https:"
  } catch {
    return false
  }
}

const optional = (name: string) => Config.option(Config.nonEmptyString(name))

/** A secret that must be an http(s) URL when set; the message never prints it. */
const secretUrl = (name: string) =>
  Config.option(
    Config.nonEmptyString(name).pipe(Config.validate({ message: `${name} must be an http:// or https:// URL`, validation: isHttpUrl }))
  ).pipe(Config.map(Option.map(Redacted.make)))

const baseUrl = (name: string, fallback: string) =>
  Config.string(name).pipe(
    Config.withDefault(fallback),
    Config.validate({ message: `${name} must be an http:// or https:// URL`, validation: isHttpUrl }),
    Config.map((u) => u.replace(/\/+$/, ""))
  )

export const SettingsFromEnv = Config.all({
  slackWebhook: secretUrl("SLACK_WEBHOOK_URL"),
  notionKey: optional("NOTION_API_KEY"),
  notionBase: baseUrl("NOTION_API_BASE_URL", NotionPages.DEFAULT_BASE_URL),
  notionVersion: Config.string("NOTION_VERSION").pipe(Config.withDefault(NotionPages.DEFAULT_VERSION)),
  googleAccount: optional("GOOGLE_SERVICE_ACCOUNT_JSON"),
  spreadsheet: optional("GOOGLE_SHEETS_SPREADSHEET_ID"),
  sheetsBase: baseUrl("GOOGLE_SHEETS_API_BASE_URL", SheetsAppend.DEFAULT_BASE_URL),
  tokenUrl: baseUrl("GOOGLE_OAUTH_TOKEN_URL", GoogleServiceAccount.DEFAULT_TOKEN_URL),
  telegramToken: optional("TELEGRAM_BOT_TOKEN"),
  telegramChat: optional("TELEGRAM_CHAT_ID_DEFAULT"),
  telegramBase: baseUrl("TELEGRAM_API_BASE_URL", TelegramSend.DEFAULT_BASE_URL),
  resendKey: optional("RESEND_API_KEY"),
  resendFrom: optional("RESEND_FROM"),
  resendBase: baseUrl("RESEND_API_BASE_URL", ResendEmail.DEFAULT_BASE_URL)
})

/** The names of the unset variables among `required`. */
const missingOf = (required: ReadonlyArray<readonly [string, Option.Option<unknown>]>) =>
  required.filter(([, value]) => Option.isNone(value)).map(([name]) => name)

const notConfigured = <P>(missing: ReadonlyArray<string>): ProviderSlot<P> => ({ _tag: "NotConfigured", missing })

const noIssues = () => []

export const make = Effect.gen(function*() {
  const s = yield* SettingsFromEnv
  const client = (yield* HttpClient.HttpClient).pipe(
    HttpClient.withTracerDisabledWhen(() => true),
    HttpClient.withTracerPropagation(false)
  )

  const slack: ActionProviders["Type"]["slack"] = Option.match(s.slackWebhook, {
    onNone: () => notConfigured(["SLACK_WEBHOOK_URL"]),
    onSome: (url) => ({ _tag: "Configured", precheck: noIssues, attempt: SlackWebhook.make(client, url) })
  })

  const notion: ActionProviders["Type"]["notion"] = Option.match(s.notionKey, {
    onNone: () => notConfigured(["NOTION_API_KEY"]),
    onSome: (key) => ({
      _tag: "Configured",
      precheck: noIssues,
      attempt: NotionPages.make(client, { baseUrl: s.notionBase, apiKey: Redacted.make(key), version: s.notionVersion })
    })
  })

  const sheetsMissing = missingOf([["GOOGLE_SERVICE_ACCOUNT_JSON", s.googleAccount], ["GOOGLE_SHEETS_SPREADSHEET_ID", s.spreadsheet]])
  const sheets: ActionProviders["Type"]["sheets"] = Option.isSome(s.googleAccount) && Option.isSome(s.spreadsheet)
    ? {
      _tag: "Configured",
      precheck: noIssues,
      attempt: SheetsAppend.make(
        client,
        { baseUrl: s.sheetsBase, spreadsheetId: s.spreadsheet.value },
        yield* GoogleServiceAccount.make(
          client,
          yield* GoogleServiceAccount.parseKey(Redacted.make(s.googleAccount.value)),
          s.tokenUrl
        )
      )
    }
    : notConfigured(sheetsMissing)

  const telegram: ActionProviders["Type"]["telegram"] = Option.match(s.telegramToken, {
    onNone: () => notConfigured(["TELEGRAM_BOT_TOKEN"]),
    onSome: (token) => {
      const options = { baseUrl: s.telegramBase, token: Redacted.make(token), defaultChat: Option.getOrNull(s.telegramChat) }
      return { _tag: "Configured", precheck: TelegramSend.precheck(options), attempt: TelegramSend.make(client, options) }
    }
  })

  const emailMissing = missingOf([["RESEND_API_KEY", s.resendKey], ["RESEND_FROM", s.resendFrom]])
  const email: ActionProviders["Type"]["email"] = Option.isSome(s.resendKey) && Option.isSome(s.resendFrom)
    ? {
      _tag: "Configured",
      precheck: noIssues,
      attempt: ResendEmail.make(client, { baseUrl: s.resendBase, apiKey: Redacted.make(s.resendKey.value), from: s.resendFrom.value })
    }
    : notConfigured(emailMissing)

  return ActionProviders.of({ slack, notion, sheets, telegram, email })
})

/** The providers from the environment, over their own HTTP client (undici, keep-alive). */
export const layer = Layer.effect(ActionProviders, make).pipe(Layer.provide(NodeHttpClient.layerUndici))
