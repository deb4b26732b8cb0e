/** The hub's version, as the OpenAPI document, `--version` and GET /api/status report it. */
export const HUB_VERSION = "0.1.0"
