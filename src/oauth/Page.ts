/** The small page the browser shows once a mailbox is authorised (no script, no outside resources, no token). */

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" })[c] ?? c)

export const authorised = (endpoint: string) =>
  `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Gmail authorised</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em}code{background:#eee;padding:0 .3em}</style></head>
<body>
<h1>Gmail authorised</h1>
<p>The hub stored a refresh token for <code>${escape(endpoint)}</code>.</p>
<p>The Gmail connector for this mailbox picks it up on its next credentials read; you can close this page.</p>
</body>
</html>
`
