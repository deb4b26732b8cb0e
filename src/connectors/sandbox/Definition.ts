/**
 * The sandbox connector as an SDK definition (issue 11): its numbered-message source face and its
 * resources face (CRUD on any type, tenant-isolated, in the ResourceStore).
 */
import { Config } from "effect"
import { type ConfigVariable, defineConnector } from "../../../services/ConnectorDefinition.js"
import * as SandboxConnector from "./SandboxConnector.js"
import * as SandboxResources from "./SandboxResources.js"

const variable = (name: string, description: string, defaultValue: string): ConfigVariable => ({
  name,
  secret: false,
  required: false,
  description,
  default: defaultValue
})

/** Every variable the sandbox reads (both faces). */
export const variables: ReadonlyArray<ConfigVariable> = [
  variable("SANDBOX_LATENCY_MS", "Added to every fetch and every resource operation, in milliseconds", "0"),
  variable("SANDBOX_ERROR_RATE", "Probability (0.0–1.0) that a resource operation fails with a transient ConnectorUnavailable", "0.0"),
  variable("SANDBOX_RATE_PER_S", "Messages the source produces per second", "10"),
  variable("SANDBOX_TOTAL", "Stop producing after this many messages (0: never)", "0"),
  variable("SANDBOX_BATCH_SIZE", "Most messages one fetch returns (1–1000)", "100"),
  variable("SANDBOX_TRANSIENT_RATE", "Probability (0–1) that a fetch fails with SourceTransient", "0"),
  variable("SANDBOX_RATE_LIMITED_RATE", "Probability (0–1) that a fetch fails with SourceRateLimited", "0"),
  variable("SANDBOX_RETRY_AFTER_S", "Retry-after of injected rate limits, in seconds", "1"),
  variable("SANDBOX_UNAUTHORIZED_RATE", "Probability (0–1) that a fetch fails with SourceUnauthorized", "0"),
  variable("SANDBOX_SKIP_EVERY", "Every n-th message is skipped as an unsupported kind (0: none)", "0"),
  variable("SANDBOX_INVALID_EVERY", "Every n-th message is invalid so the hub rejects it (0: none)", "0")
]

export default defineConnector({
  id: "sandbox",
  description: "A virtual source of numbered messages and an in-store resource service (any type), with injected latency and failures, for demos and tests",
  config: {
    variables,
    settings: Config.all([SandboxConnector.SandboxConfig, SandboxResources.ResourcesConfig])
  },
  source: { channel: "sandbox", provider: "sandbox", layer: SandboxConnector.layer },
  resources: { layer: SandboxResources.layer }
})
