/**
 * The hub's outbound action connectors (issue 10) as SDK definitions (issue 11): an Actions face each,
 * over the provider slots the host composition provides (layers/Connectors/ActionConnectors.ts). The
 * telegram action (`telegram.send`) is the actions face of the Telegram definition.
 */
import type { ConfigVariable } from "../../../services/ConnectorDefinition.js"
import { defineConnector, type SourceHost } from "../../../services/ConnectorDefinition.js"
import * as S from "../../actions/ProviderSettings.js"
import { type ActionsHost, face } from "./ActionsFace.js"

const secret = (name: string, description: string): ConfigVariable => ({ name, secret: true, required: true, description })

const setting = (name: string, description: string, fallback?: string): ConfigVariable => ({
  name,
  secret: false,
  required: fallback === undefined,
  description,
  ...(fallback === undefined ? {} : { default: fallback })
})

export const slack = defineConnector<SourceHost, ActionsHost>({
  id: "slack",
  description: "Slack: slack.send posts a message through an incoming webhook",
  config: {
    variables: [secret("SLACK_WEBHOOK_URL", "the incoming webhook's URL (the URL is the credential)")],
    settings: S.SlackSettings
  },
  actions: face("slack")
})

export const notion = defineConnector<SourceHost, ActionsHost>({
  id: "notion",
  description: "Notion: notion.create creates a page in a database",
  config: {
    variables: [
      secret("NOTION_API_KEY", "an internal integration's secret, shared with the target databases"),
      setting("NOTION_API_BASE_URL", "Notion's API base URL (a test fake)", S.NOTION_DEFAULT_BASE_URL),
      setting("NOTION_VERSION", "the Notion-Version header sent", S.NOTION_DEFAULT_VERSION)
    ],
    settings: S.NotionSettings
  },
  actions: face("notion")
})

export const sheets = defineConnector<SourceHost, ActionsHost>({
  id: "sheets",
  description: "Google Sheets: sheets.append appends rows to a spreadsheet as a service account",
  config: {
    variables: [
      secret("GOOGLE_SERVICE_ACCOUNT_JSON", "a service-account key file (JSON, or base64 of it) with access to the spreadsheet"),
      setting("GOOGLE_SHEETS_SPREADSHEET_ID", "the spreadsheet rows are appended to"),
      setting("GOOGLE_SHEETS_API_BASE_URL", "the Sheets API base URL (a test fake)", S.SHEETS_DEFAULT_BASE_URL),
      setting("GOOGLE_OAUTH_TOKEN_URL", "Google's OAuth token URL for the JWT bearer grant", S.GOOGLE_DEFAULT_TOKEN_URL)
    ],
    settings: S.SheetsSettings
  },
  actions: face("sheets")
})

export const email = defineConnector<SourceHost, ActionsHost>({
  id: "email",
  description: "Email through Resend: email.send sends one plain-text email from RESEND_FROM",
  config: {
    variables: [
      secret("RESEND_API_KEY", "a Resend API key allowed to send"),
      setting("RESEND_FROM", "the sender, e.g. Switchboard <hub@example.com> (a domain verified at Resend)"),
      setting("RESEND_API_BASE_URL", "Resend's API base URL (a test fake)", S.RESEND_DEFAULT_BASE_URL)
    ],
    settings: S.EmailSettings
  },
  actions: face("email")
})

/** The telegram action's variables (the Telegram definition lists them with its source's). */
export const telegramActionVariables: ReadonlyArray<ConfigVariable> = [
  { ...secret("TELEGRAM_BOT_TOKEN", "the bot token telegram.send sends with (from @BotFather)"), required: false },
  { ...setting("TELEGRAM_CHAT_ID_DEFAULT", "the chat telegram.send posts to when the payload names none"), required: false }
]

/** The four action-only definitions. */
export const definitions = [slack, notion, sheets, email] as const
