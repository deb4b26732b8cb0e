/**
 * Every migration, statically imported so the migrator works the same under tsx, vitest and
 * compiled JS (EFFECT_NOTES G24/G25). Keys must match /^\d+_.+$/. Never edit a landed migration.
 * A new migration must be numbered ABOVE the highest one here: the migrator only runs migrations
 * numbered above the highest already applied, so a lower number would never reach existing databases.
 */
import inbox from "./0001_inbox.js"
import apiTokens from "./0002_api_tokens.js"
import connectorRegistry from "./0010_connector_registry.js"
import connectorHeartbeatLog from "./0011_connector_heartbeat_log.js"
import connectorStats from "./0012_connector_stats.js"
import deliveryTargets from "./0020_delivery_targets.js"
import routingRules from "./0021_routing_rules.js"
import deliveryOutbox from "./0022_delivery_outbox.js"
import deadLetters from "./0023_dead_letters.js"
import telegramWebhooks from "./0035_telegram_webhooks.js"
import inboxFillfactor from "./0036_inbox_fillfactor.js"
import statsSaturate from "./0045_stats_saturate.js"
import connectorSecrets from "./0046_connector_secrets.js"
import oauthStates from "./0047_oauth_states.js"
import sourceCounters from "./0060_source_counters.js"
import actionQuotas from "./0050_action_quotas.js"
import tokenPlan from "./0051_token_plan.js"
import actionTargets from "./0052_action_targets.js"
import tokenRolesTenants from "./0061_token_roles_tenants.js"
import connectorResources from "./0062_connector_resources.js"
import connectorDefinitions from "./0063_connector_definitions.js"
import consoleDeliveries from "./0064_console_deliveries.js"
import consoleInboxSearch from "./0065_console_inbox_search.js"
import sourceCounts from "./0066_source_counts.js"
import connectorDegradation from "./0067_connector_degradation.js"
import connectorCheckpoints from "./0068_connector_checkpoints.js"

export const migrations = {
  "0001_inbox": inbox,
  "0002_api_tokens": apiTokens,
  "0010_connector_registry": connectorRegistry,
  "0011_connector_heartbeat_log": connectorHeartbeatLog,
  "0012_connector_stats": connectorStats,
  "0020_delivery_targets": deliveryTargets,
  "0021_routing_rules": routingRules,
  "0022_delivery_outbox": deliveryOutbox,
  "0023_dead_letters": deadLetters,
  "0035_telegram_webhooks": telegramWebhooks,
  "0036_inbox_fillfactor": inboxFillfactor,
  "0045_stats_saturate": statsSaturate,
  "0046_connector_secrets": connectorSecrets,
  "0047_oauth_states": oauthStates,
  "0050_action_quotas": actionQuotas,
  "0051_token_plan": tokenPlan,
  "0052_action_targets": actionTargets,
  "0060_source_counters": sourceCounters,
  "0061_token_roles_tenants": tokenRolesTenants,
  "0062_connector_resources": connectorResources,
  "0063_connector_definitions": connectorDefinitions,
  "0064_console_deliveries": consoleDeliveries,
  "0065_console_inbox_search": consoleInboxSearch,
  "0066_source_counts": sourceCounts,
  "0067_connector_degradation": connectorDegradation,
  "0068_connector_checkpoints": connectorCheckpoints
}
