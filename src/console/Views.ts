/** How the console (API and CLI) shows stored records (pure). */
import type { TargetView } from "../domain/Console.js"
import type { TargetRecord } from "../../services/RoutingStore.js"

/** A target as GET /api/targets and `targets pause|resume --json` show it (never its secret). */
export const targetView = (t: TargetRecord): TargetView => ({
  name: t.name,
  kind: t.url.startsWith("action:") ? "action" : "webhook",
  url: t.url,
  secret_fingerprint: t.secret_fingerprint,
  created_at: t.created_at,
  paused_at: t.paused_at,
  removed_at: t.removed_at
})
