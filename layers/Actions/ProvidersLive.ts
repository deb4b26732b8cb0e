/**
 * The action providers from the environment, read once when the layer is built. A connector whose
 * required variables are unset is NotConfigured (the 503 names them); a variable that is set but wrong
 * (a base URL that is not http(s), a service-account key that does not parse) fails the start, naming it.
 */
import { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, Option, Redacted } from "effect"
import { SettingsFromEnv } from "../../src/actions/ProviderSettings.js"
import { ActionProviders, type ProviderSlot } from "../../services/ActionProviders.js"
import * as GoogleServiceAccount from "./GoogleServiceAccount.js"
import * as NotionPages from "./NotionPages.js"
import * as ResendEmail from "./ResendEmail.js"
import * as SheetsAppend from "./SheetsAppend.js"
import * as SlackWebhook from "./SlackWebhook.js"
import * as TelegramSend from "./TelegramSend.js"

export { SettingsFromEnv }

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
