/** The sandbox connector as an SDK definition (issue 11): its numbered-message source face. */
import { defineConnector } from "../../../services/ConnectorDefinition.js"
import * as SandboxConnector from "./SandboxConnector.js"

export default defineConnector({
  id: "sandbox",
  description: "A virtual source of numbered messages, with injected latency and failures, for demos and tests",
  config: {
    variables: [],
    settings: SandboxConnector.SandboxConfig
  },
  source: { channel: "sandbox", provider: "sandbox", layer: SandboxConnector.layer }
})
