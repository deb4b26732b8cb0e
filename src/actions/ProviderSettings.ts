/**
 * The settings of the five action providers (issue 10), one Config per connector, read when a layer is
 * built: a connector whose required variables are unset is NotConfigured (the caller is told which); a
 * variable that is set but wrong (a base URL that is not http(s)) fails the start, naming it. The
 * connector definitions (src/connectors/actions) list these variables; layers/Actions reads them.
 */
import { Config, Option, Redacted } from "effect"

export const NOTION_DEFAULT_BASE_URL = "https://api.notion.com"
export const NOTION_DEFAULT_VERSION = "2022-06-28"
export const SHEETS_DEFAULT_BASE_URL = "https://sheets.googleapis.com"
export const GOOGLE_DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token"
export const TELEGRAM_DEFAULT_BASE_URL = "https://api.telegram.org"
export const RESEND_DEFAULT_BASE_URL = "https://api.resend.com"

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

export const SlackSettings = Config.all({ slackWebhook: secretUrl("SLACK_WEBHOOK_URL") })

export const NotionSettings = Config.all({
  notionKey: optional("NOTION_API_KEY"),
  notionBase: baseUrl("NOTION_API_BASE_URL", NOTION_DEFAULT_BASE_URL),
  notionVersion: Config.string("NOTION_VERSION").pipe(Config.withDefault(NOTION_DEFAULT_VERSION))
})

export const SheetsSettings = Config.all({
  googleAccount: optional("GOOGLE_SERVICE_ACCOUNT_JSON"),
  spreadsheet: optional("GOOGLE_SHEETS_SPREADSHEET_ID"),
  sheetsBase: baseUrl("GOOGLE_SHEETS_API_BASE_URL", SHEETS_DEFAULT_BASE_URL),
  tokenUrl: baseUrl("GOOGLE_OAUTH_TOKEN_URL", GOOGLE_DEFAULT_TOKEN_URL)
})

export const TelegramSettings = Config.all({
  telegramToken: optional("TELEGRAM_BOT_TOKEN"),
  telegramChat: optional("TELEGRAM_CHAT_ID_DEFAULT"),
  telegramBase: baseUrl("TELEGRAM_API_BASE_URL", TELEGRAM_DEFAULT_BASE_URL)
})

export const EmailSettings = Config.all({
  resendKey: optional("RESEND_API_KEY"),
  resendFrom: optional("RESEND_FROM"),
  resendBase: baseUrl("RESEND_API_BASE_URL", RESEND_DEFAULT_BASE_URL)
})

/** Every provider's settings, as one record. */
export const SettingsFromEnv = Config.all([SlackSettings, NotionSettings, SheetsSettings, TelegramSettings, EmailSettings]).pipe(
  Config.map(([slack, notion, sheets, telegram, email]) => ({ ...slack, ...notion, ...sheets, ...telegram, ...email }))
)
