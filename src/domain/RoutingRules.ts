/** What routing rules are made of and what they look at (evaluation lives in src/routing/Rules.ts). */

/** A routing rule as stored; a null matcher matches anything. */
export interface RuleSpec {
  readonly id: string
  readonly priority: number
  readonly channel: string | null
  readonly provider: string | null
  readonly endpoint_identity: string | null
  readonly sender_identity: string | null
  /** An RE2 regular expression searched anywhere in `normalized_text`. */
  readonly text_pattern: string | null
  readonly ignore_case: boolean
  readonly stop: boolean
  readonly target: string
}

/** The parts of a request the matchers look at (named as the inbox columns, so an inbox row is one). */
export interface RoutableMessage {
  readonly source_channel: string
  readonly source_provider: string
  readonly source_endpoint_identity: string
  readonly sender_identity: string
  readonly normalized_text: string
}
