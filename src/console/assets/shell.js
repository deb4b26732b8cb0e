// What every console page shares: signing in with a token, the error banner, the live region, the page
// state (body[data-state]: loading, ready, auth, error) and refresh loops that pause in a hidden tab.
import * as Api from "./api.js"
import { $ } from "./dom.js"

let page = { role: "viewer", load: async () => {} }
let generation = 0

export const setState = (state) => {
  document.body.dataset.state = state
}

export const showBanner = (text) => {
  const banner = $("banner")
  banner.hidden = text === null
  banner.textContent = text ?? ""
}

/** Says `text` to screen readers (the polite live region) and shows it in the status line. */
export const announce = (text) => {
  const live = $("live")
  // A repeated message is announced again only if the region changes first.
  live.textContent = ""
  window.requestAnimationFrame(() => {
    live.textContent = text
  })
}

const showTokenPanel = (show) => {
  const panel = $("token-panel")
  const wasHidden = panel.hidden
  panel.hidden = !show
  $("forget-token").hidden = Api.getToken() === null
  if (show && wasHidden) $("token-input").focus()
}

const isAuth = (error) => error instanceof Api.ApiError && (error.status === 401 || error.status === 403)

/** The page could not load: auth failures ask for a token, others keep the last data and say what failed. */
export const fail = (error) => {
  if (isAuth(error)) {
    const need = `a token with role ${page.role} or higher`
    const text = error.status === 401
      ? Api.getToken() === null
        ? `No API token yet. Paste ${need} below (the hub prints a development token when it starts).`
        : `The hub rejected the token (${error.message}). Paste ${need}.`
      : `This token may not use this page: ${error.message}. Paste ${need}.`
    showBanner(text)
    showTokenPanel(true)
    setState("auth")
    return
  }
  showBanner(`The hub API failed, showing the last data loaded: ${error?.path ?? ""} answered ${Api.describe(error)}.`)
  setState("error")
}

export const succeeded = () => {
  showBanner(null)
  showTokenPanel(false)
  setState("ready")
}

/** Loads the page again (after sign-in, a token change, or "Refresh now"). */
export const reload = async () => {
  const mine = ++generation
  if (Api.getToken() === null) {
    fail(new Api.ApiError(401, "no token yet", window.location.pathname))
    return
  }
  setState("loading")
  try {
    await page.load()
    if (mine === generation) succeeded()
  } catch (error) {
    if (mine === generation) fail(error)
  }
}

/**
 * Runs `task` every `ms` while the tab is visible and signed in (a setTimeout chain, so a slow answer never
 * overlaps the next; `now()` during a run runs once more after it); failures go to the banner, a later
 * success clears it. Answers { now, stop }.
 */
export const every = (ms, task) => {
  let timer = null
  let stopped = false
  let running = false
  let again = false
  const tick = async () => {
    if (stopped) return
    if (running) {
      again = true
      return
    }
    clearTimeout(timer)
    running = true
    try {
      if (document.visibilityState === "visible" && Api.getToken() !== null && document.body.dataset.state !== "auth") {
        await task()
        if (document.body.dataset.state !== "auth") succeeded()
      }
    } catch (error) {
      fail(error)
    } finally {
      running = false
    }
    if (again) {
      again = false
      return tick()
    }
    if (!stopped) timer = window.setTimeout(() => void tick(), ms)
  }
  timer = window.setTimeout(() => void tick(), ms)
  return {
    now: () => void tick(),
    stop: () => {
      stopped = true
      clearTimeout(timer)
    }
  }
}

/** Reports an action's outcome in its own output element (and to screen readers); errors name the hub's message. */
export const report = (output, outcome) => {
  const failed = outcome instanceof Error
  const text = failed ? Api.describe(outcome) : outcome
  output.textContent = text
  output.classList.toggle("inline-error", failed)
  output.classList.toggle("inline-ok", !failed)
  output.hidden = false
  announce(text)
  return text
}

/** Starts the page: `role` is the lowest role it needs (named when a token is refused), `load` fills it. */
export const start = (options) => {
  page = options
  Api.adoptTokenIfGiven()
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault()
    const input = $("token-input")
    if (input.value.trim() === "") return
    Api.setToken(input.value)
    input.value = ""
    void reload()
  })
  $("forget-token").addEventListener("click", () => {
    Api.forgetToken()
    void reload()
  })
  $("refresh-now")?.addEventListener("click", () => void reload())
  // The skip link moves the focus without touching the fragment (a fragment change means "new token?").
  for (const skip of document.querySelectorAll("a.skip")) {
    skip.addEventListener("click", (event) => {
      event.preventDefault()
      $("main").focus()
    })
  }
  window.addEventListener("hashchange", () => {
    if (Api.adoptTokenIfGiven()) void reload()
  })
  void reload()
}
