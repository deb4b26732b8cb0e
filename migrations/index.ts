/**
 * Every migration, statically imported so the migrator works the same under tsx, vitest and
 * compiled JS (EFFECT_NOTES G24/G25). Keys must match /^\d+_.+$/. Never edit a landed migration.
 * Numbering: 0001–0009 hub core, 0010–0019 heartbeats and statistics, 0020–0029 routing and delivery,
 * 0030–0039 connectors, 0040–0049 actions and SDK.
 */
import inbox from "./0001_inbox.js"
import apiTokens from "./0002_api_tokens.js"

export const migrations = {
  "0001_inbox": inbox,
  "0002_api_tokens": apiTokens
}
