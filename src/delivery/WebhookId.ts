/**
 * The Standard Webhooks `webhook-id` of a delivery: one per (request, target), derived rather than
 * stored, so every attempt, redelivery after a crash and replay carries the same id.
 */
export const of = (requestId: string, target: string): string => `msg_${requestId.replace(/-/g, "")}_${target}`
