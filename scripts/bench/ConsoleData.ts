/**
 * The console bench's data set, generated in SQL: N inbox rows over 30 days (4 rows per received_at
 * millisecond, as batches share one), nine channels' worth of endpoints with a skewed spread, 50,000
 * senders per channel with a heavy head, texts of 4-31 words from a mixed-language vocabulary with order
 * references and e-mail addresses, one text in a thousand about 10 KB long, realistic lifecycle states
 * and dispatch outcomes, and outbox rows with attempts for the newest requests (their targets paused, so
 * a hub started on the data delivers nothing). Rows are pseudo-random but deterministic (hashint8extended).
 */
import type { SqlClient } from "@effect/sql"
import { Redacted } from "effect"
import * as Signature from "../../src/delivery/Signature.js"

export const SPAN_MS = 30 * 86_400_000
export const TARGETS = ["archive", "crm-webhook"] as const

/** [channel, provider, endpoint identity, weight in thousandths] — the weights sum to 1000. */
export const SOURCES: ReadonlyArray<readonly [string, string, string, number]> = [
  ["telegram", "telegram", "support-bot", 120],
  ["telegram", "telegram", "sales-bot", 60],
  ["telegram", "telegram", "alerts-bot", 40],
  ...[4, 5, 6, 7, 8].map((n) => ["telegram", "telegram", `bot-${n}`, 10] as const),
  ["email", "gmail", "support@acme.example", 90],
  ["email", "gmail", "billing@acme.example", 50],
  ["email", "gmail", "ops@acme.example", 20],
  ...[4, 5, 6, 7, 8, 9, 10].map((n) => ["email", "gmail", `mailbox-${n}@acme.example`, 5] as const),
  ["email", "imap", "sales@acme.example", 40],
  ["email", "imap", "hr@acme.example", 10],
  ["api", "internal", "stripe-live", 90],
  ["api", "internal", "github-acme", 80],
  ["api", "internal", "orders-service", 70],
  ["api", "internal", "billing-service", 30],
  ["api", "internal", "crm-sync", 20],
  ["slack", "slack", "acme-workspace", 70],
  ["slack", "slack", "partner-workspace", 20],
  ["discord", "discord", "community", 60],
  ["discord", "discord", "beta-testers", 20],
  ["mcp", "internal", "agent-1", 30],
  ["mcp", "internal", "agent-2", 15]
]

const VOCABULARY = (
  "hello hi thanks please urgent invoice refund order delivery payment shipping tracking account password reset " +
  "login error failed timeout server database backup report weekly monthly meeting schedule tomorrow today " +
  "customer support ticket issue bug feature request release deploy rollback build test staging production " +
  "subscription plan upgrade downgrade cancel renewal receipt charge card declined bank transfer wire balance " +
  "question answer help contact phone address email message chat call voicemail photo document contract signed " +
  "price quote discount coupon promotion campaign newsletter unsubscribe spam report abuse security alert " +
  "warehouse stock inventory supplier purchase return exchange damaged missing package courier label customs " +
  "Rechnung Lieferung Bestellung Zahlung danke bitte dringend Konto Passwort Termin morgen heute Kunde " +
  "factura pedido entrega pago gracias urgente cuenta contraseña reunión mañana cliente envío devolución " +
  "commande livraison paiement merci facture compte rendez-vous demain client remboursement colis " +
  "заказ доставка оплата спасибо счёт клиент 注文 配送 支払い ありがとう 請求書 顧客 お問い合わせ " +
  "ok yes no maybe soon later asap fyi re fwd cc update status pending approved rejected resolved closed open"
).split(" ")

export const targetRows = (now: Date) =>
  TARGETS.map((name) => ({
    name,
    url: `http://127.0.0.1:9/${name}`,
    secret: Redacted.value(Signature.generateSecret()),
    created_at: now,
    paused_at: now
  }))

/** Position u (0-999) → 1-based index into SOURCES, by weight. */
const sourceLookup = () => SOURCES.flatMap(([, , , w], k) => Array.from({ length: w }, () => k + 1))

/** Inserts inbox rows i in [lo, hi) of a set of `total` rows ending at `endMs`. */
export const insertChunk = (sql: SqlClient.SqlClient, o: { lo: number; hi: number; total: number; endMs: number }) => {
  const tick = Math.max(1, Math.floor(SPAN_MS / Math.ceil(o.total / 4)))
  const h = (seed: number) => sql.literal(`(hashint8extended(i, ${seed}) & 9223372036854775807)`)
  return sql`
    INSERT INTO message_inbox (request_id, dedupe_key, source_channel, source_provider, source_endpoint_identity,
      external_event_id, external_thread_id, sender_identity, observed_at, normalized_text, raw, received_at,
      lifecycle_state, dispatch_outcomes)
    SELECT
      (lpad(to_hex(ms), 12, '0') || '7' || lpad(to_hex(i % 4096), 3, '0') || to_hex(8 + h1 % 4)
        || lpad(to_hex(h2 % 1152921504606846976), 15, '0'))::uuid,
      CASE WHEN kind < 80 THEN 'event:' || scope || ':' || ext
           WHEN kind < 90 THEN 'idem:' || scope || ':req-' || i
           ELSE 'hash:' || scope || ':' || sender || ':'
             || to_char(date_trunc('hour', observed_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:00:00.000"Z"') || ':'
             || encode(sha256(convert_to(text, 'UTF8')), 'hex') END,
      channel, provider, endpoint,
      CASE WHEN kind < 80 THEN ext END,
      CASE WHEN h2 % 3 = 0 THEN 'thread-' || (h3 % 100000) END,
      sender, observed_at, text, jsonb_build_object('id', i, 'channel', channel, 'from', sender),
      received_at, lifecycle,
      CASE lifecycle
        WHEN 'accepted' THEN '[]'::jsonb
        WHEN 'delivered' THEN jsonb_build_array(
          jsonb_build_object('target', 'archive', 'status', 'delivered', 'attempts', 1, 'last_error', NULL, 'delivered_at', received_at + interval '800 ms'),
          jsonb_build_object('target', 'crm-webhook', 'status', 'delivered', 'attempts', 1 + h3 % 2, 'last_error', NULL, 'delivered_at', received_at + interval '900 ms'))
        WHEN 'routed' THEN jsonb_build_array(
          jsonb_build_object('target', 'archive', 'status', 'pending', 'attempts', 0, 'last_error', NULL, 'delivered_at', NULL),
          jsonb_build_object('target', 'crm-webhook', 'status', 'pending', 'attempts', 0, 'last_error', NULL, 'delivered_at', NULL))
        WHEN 'partially_failed' THEN jsonb_build_array(
          jsonb_build_object('target', 'archive', 'status', 'delivered', 'attempts', 1, 'last_error', NULL, 'delivered_at', received_at + interval '800 ms'),
          jsonb_build_object('target', 'crm-webhook', 'status', 'dead_lettered', 'attempts', 8, 'last_error', 'HTTP 503', 'delivered_at', NULL))
        ELSE jsonb_build_array(
          jsonb_build_object('target', 'archive', 'status', 'dead_lettered', 'attempts', 8, 'last_error', 'connection refused', 'delivered_at', NULL),
          jsonb_build_object('target', 'crm-webhook', 'status', 'dead_lettered', 'attempts', 8, 'last_error', 'HTTP 410', 'delivered_at', NULL))
      END
    FROM (
      SELECT y.*, CASE WHEN h3 % 1000 = 7 THEN repeat(text0 || ' ', 40) ELSE text0 END AS text
      FROM (
        SELECT x.*, channel || ':' || provider || ':' || endpoint AS scope,
          CASE channel WHEN 'telegram' THEN (1000000 + i)::text WHEN 'email' THEN '<m' || i || '@mail.acme.example>'
            ELSE 'evt_' || i END AS ext,
          CASE channel WHEN 'telegram' THEN 'tg:' || (100000 + sn) WHEN 'email' THEN 'user' || sn || '@mail.example'
            WHEN 'slack' THEN 'U' || upper(to_hex(1000000 + sn)) WHEN 'discord' THEN 'discord:' || (5000000 + sn)
            ELSE 'svc-' || (sn % 300) END AS sender,
          received_at - (h3 % 5000) * interval '1 ms' AS observed_at,
          CASE WHEN u < 900 THEN 'delivered' WHEN u < 940 THEN 'accepted' WHEN u < 970 THEN 'routed'
            WHEN u < 990 THEN 'partially_failed' ELSE 'dead_lettered' END AS lifecycle,
          words
            || CASE WHEN h4 % 5 = 0 THEN ' order #' || upper(lpad(to_hex(h4 / 5 % 16777216), 6, '0')) ELSE '' END
            || CASE WHEN h4 % 20 = 1 THEN ' reply to user' || sn || '@mail.example' ELSE '' END AS text0
        FROM (
          SELECT b.*, (${SOURCES.map((s) => s[0])}::text[])[k] AS channel, (${SOURCES.map((s) => s[1])}::text[])[k] AS provider,
            (${SOURCES.map((s) => s[2])}::text[])[k] AS endpoint,
            'epoch'::timestamptz + ms * interval '1 ms' AS received_at,
            (((h2 % 1000000)::float8 / 1e6) ^ 3 * 50000)::int AS sn, h3 / 1000 % 1000 AS u, h1 / 1000 % 100 AS kind,
            array_to_string(ARRAY(
              SELECT (${VOCABULARY}::text[])[1 + ((hashint8extended(b.i * 64 + j, 9) & 9223372036854775807) % ${VOCABULARY.length})]
              FROM generate_series(1, 4 + (b.h3 % 28)::int) AS j), ' ') AS words
          FROM (
            SELECT i, ${o.endMs - SPAN_MS}::bigint + (i / 4) * ${tick}::bigint AS ms,
              ${h(1)} AS h1, ${h(2)} AS h2, ${h(3)} AS h3, ${h(4)} AS h4,
              (${sourceLookup()}::int[])[1 + ${h(1)} % 1000] AS k
            FROM generate_series(${o.lo}::bigint, ${o.hi - 1}::bigint) AS i
          ) b
        ) x
      ) y
    ) z`
}

/** Outbox rows (as the worker would have left them; pending ones parked) for the newest `newest` requests, and their attempts. */
export const insertDeliveries = (sql: SqlClient.SqlClient, newest: number) => [
  sql`
    INSERT INTO delivery_outbox (request_id, target, thread_key, status, attempts, next_attempt_at, last_status,
      last_error, last_attempt_at, delivered_at)
    SELECT m.request_id, o->>'target', m.external_thread_id, o->>'status', (o->>'attempts')::int,
      CASE WHEN o->>'status' = 'pending' THEN 'infinity'::timestamptz ELSE m.received_at END,
      CASE o->>'status' WHEN 'delivered' THEN 200 WHEN 'dead_lettered' THEN 503 END,
      o->>'last_error',
      CASE WHEN o->>'status' <> 'pending' THEN m.received_at + interval '800 ms' END,
      (o->>'delivered_at')::timestamptz
    FROM (SELECT request_id, external_thread_id, received_at, dispatch_outcomes FROM message_inbox
      ORDER BY received_at DESC LIMIT ${newest}) m
    CROSS JOIN LATERAL jsonb_array_elements(m.dispatch_outcomes) o`,
  sql`
    INSERT INTO delivery_attempts (request_id, target, attempt, attempted_at, status, latency_ms, outcome, error, next_attempt_at)
    SELECT o.request_id, o.target, n, o.last_attempt_at - (o.attempts - n) * interval '30 s',
      CASE WHEN n = o.attempts AND o.status = 'delivered' THEN 200 ELSE 503 END, 20 + n,
      CASE WHEN n < o.attempts THEN 'retry' WHEN o.status = 'delivered' THEN 'delivered' ELSE 'dead' END,
      CASE WHEN n = o.attempts AND o.status = 'delivered' THEN NULL ELSE 'HTTP 503' END,
      CASE WHEN n < o.attempts THEN o.last_attempt_at - (o.attempts - n - 1) * interval '30 s' END
    FROM delivery_outbox o CROSS JOIN LATERAL generate_series(1, o.attempts) AS n
    WHERE o.attempts > 0`
]
