/** Mock Outlook as an SDK definition (issue 11): a Resources face only (messages, folders, contacts). */
import { defineConnector } from "../../../services/ConnectorDefinition.js"
import * as OutlookResources from "./OutlookResources.js"

export default defineConnector({
  id: "outlook",
  description: "Mock Outlook: messages, folders and contacts per tenant, dry-run by default (a prototype; calls no API)",
  config: {
    variables: [
      { name: "OUTLOOK_TOKEN", secret: true, required: true, description: "Outlook access token (the mock only checks that it is set)" },
      { name: "DRY_RUN", secret: false, required: false, description: "Writes change nothing and answer [DRY-RUN] Would …", default: "true" }
    ],
    settings: OutlookResources.OutlookConfig
  },
  resources: {
    layer: OutlookResources.layer,
    examples: [
      {
        type: "messages",
        create: { to: "alice@example.com", subject: "Test", body: "Hello World", folder: "inbox" },
        patch: { is_read: true },
        invalid: { to: "not an address", subject: 42 }
      },
      { type: "folders", create: { name: "Projects" }, patch: { name: "Archive" }, invalid: { name: "" } },
      { type: "contacts", create: { name: "Alice", email: "alice@example.com" }, patch: { phone: "+1 555 0100" }, invalid: { email: "x" } }
    ]
  }
})
