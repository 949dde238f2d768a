/**
 * The frame of every admin page: a small inline stylesheet (no external assets, nothing to build), the navigation,
 * the signed-in admin with sign-out buttons (this browser, or every session of this admin), and a notice or error line.
 * Plain HTML forms and links throughout, so reading and acting work without JavaScript; one small same-origin script
 * (local-time.ts) shows times in the browser's zone.
 *
 * @example
 * return c.html(page(<Layout title="Incidents" admin="alice" current="incidents"><IncidentTable … /></Layout>))
 */

import { html } from 'hono/html'
import type { Child } from 'hono/jsx'
import { statusLabel } from '../../notify/status-labels.js'
import { LOCAL_TIME_PATH } from './local-time.js'

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232b;background:#f6f7f9}
header{background:#1d2733;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.2rem;align-items:center;flex-wrap:wrap}
header a{color:#cfe0f5;text-decoration:none}header a[aria-current=page]{color:#fff;font-weight:600;border-bottom:2px solid #7fb2ff}
header .brand{font-weight:700;color:#fff;margin-right:.6rem}header .who{margin-left:auto;display:flex;gap:.6rem;align-items:center;color:#cfe0f5}
main{max-width:1320px;margin:0 auto;padding:1rem 1.2rem 3rem}
h1{font-size:1.35rem;margin:.4rem 0 1rem}h2{font-size:1.1rem;margin:1.6rem 0 .6rem}
a{color:#1558b0}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde2e8;font-size:.93rem}
th,td{text-align:left;padding:.4rem .55rem;border-bottom:1px solid #e6e9ee;vertical-align:top}
th{background:#eef1f5;font-weight:600;font-size:.85rem;color:#3b4654}
tr:hover td{background:#fafbfc}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em}
.muted{color:#5f6b7a}.nowrap{white-space:nowrap}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-bottom:1rem;background:#fff;border:1px solid #dde2e8;padding:.7rem}
label{display:flex;flex-direction:column;font-size:.8rem;color:#3b4654;gap:.15rem}
input,select,textarea{font:inherit;padding:.3rem .4rem;border:1px solid #6b7785;border-radius:4px;background:#fff}
textarea{width:100%;min-height:4rem}
button{font:inherit;padding:.35rem .8rem;border:1px solid #1558b0;border-radius:4px;background:#1f6fd6;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1558b0}button.danger{background:#b3261e;border-color:#8c1d18}
header button{background:transparent;border-color:#7fb2ff;color:#cfe0f5;padding:.2rem .6rem}
.status{display:inline-block;padding:.05rem .45rem;border-radius:999px;font-size:.8rem;background:#e6e9ee;white-space:nowrap}
.s-revoked,.s-inactive,.s-resolved{background:#dff3e4;color:#185c2c}.s-revocation_requested{background:#e3efff;color:#163f7a}
.s-revoke_failed,.s-revoke_unconfirmed{background:#fde3e1;color:#8c1d18}.s-new,.s-responding{background:#fff1cc;color:#6b4b00}
.s-false_positive,.s-suppressed{background:#ece9f7;color:#463a80}
.notice{padding:.5rem .8rem;border-radius:4px;margin-bottom:1rem;background:#dff3e4;border:1px solid #a9d8b5}
.error{padding:.5rem .8rem;border-radius:4px;margin-bottom:1rem;background:#fde3e1;border:1px solid #f0aca6}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));gap:.8rem}
.card{background:#fff;border:1px solid #dde2e8;padding:.7rem .9rem}.card h2{margin:0 0 .5rem;font-size:1rem}
.big{font-size:1.6rem;font-weight:650}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;background:#fff;border:1px solid #dde2e8;padding:.7rem .9rem;margin:0}
dl.facts dt{color:#5f6b7a}dl.facts dd{margin:0}
ol.timeline{list-style:none;padding:0;margin:0;background:#fff;border:1px solid #dde2e8}
ol.timeline li{padding:.45rem .7rem;border-bottom:1px solid #e6e9ee;display:grid;grid-template-columns:12rem 7rem 1fr;gap:.6rem}
.t-audit{background:#f7f5ff}.actions{display:flex;gap:.5rem;flex-wrap:wrap;margin-top:.5rem}
.pager{display:flex;gap:1rem;margin-top:.8rem}
.signin{max-width:26rem;margin:4rem auto;background:#fff;border:1px solid #dde2e8;padding:1.2rem 1.4rem}
.signin input{width:100%}
.skip{position:absolute;left:-999px;top:0;background:#fff;color:#1558b0;padding:.5rem .8rem;z-index:9}.skip:focus{left:.5rem}
.tabs{display:flex;gap:.4rem;flex-wrap:wrap;margin:0 0 .8rem}.tabs a{padding:.3rem .8rem;border:1px solid #b9c2cd;border-radius:999px;text-decoration:none;background:#fff}
.tabs a[aria-current=page]{background:#1d2733;color:#fff;border-color:#1d2733}
fieldset{border:1px solid #dde2e8;padding:.3rem .6rem;margin:0;display:flex;flex-wrap:wrap;gap:.2rem .8rem;font-size:.85rem}
fieldset label,label.inline{flex-direction:row;align-items:center;gap:.3rem;font-size:.85rem}
.scroll{overflow-x:auto;max-width:100%}.break{overflow-wrap:anywhere}.wrap{overflow-wrap:break-word}
.sha{display:block;width:100%;max-width:26rem;margin-top:.2rem;font-size:.78rem}
.count{margin:.2rem 0 .6rem;color:#3b4654}.waiting{font-size:.85rem}
.confirm{background:#fff;border:1px solid #f0aca6;padding:1rem 1.2rem;max-width:48rem}
@media (max-width:760px){
 main{padding:.8rem .7rem 2rem}header{padding:.5rem .7rem;gap:.6rem}header .who{margin-left:0;flex-wrap:wrap}
 table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:100%}
 table.stack thead{position:absolute;left:-9999px}
 table.stack tr{border-bottom:2px solid #dde2e8;padding:.3rem 0}
 table.stack td{border:0;padding:.15rem .55rem;overflow-wrap:anywhere}
 table.stack td[data-label]::before{content:attr(data-label) ": ";font-weight:600;color:#3b4654}
 table.stack .nowrap{white-space:normal}
 ol.timeline li{grid-template-columns:1fr;gap:.1rem}ol.timeline li>*{overflow-wrap:anywhere}
 dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.3rem;overflow-wrap:anywhere}
 form.filters>*{flex:1 1 100%}form.filters input,form.filters select{width:100%}
}
`

export type Section = 'dashboard' | 'incidents' | 'suppressions'

export interface LayoutProps {
  title: string
  admin?: string
  current?: Section
  notice?: string
  error?: string
  children?: Child
}

export function Layout(p: LayoutProps) {
  const nav = (section: Section, href: string, label: string) => (
    <a href={href} aria-current={p.current === section ? 'page' : undefined}>
      {label}
    </a>
  )
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{p.title} · patrol</title>
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
        <script src={LOCAL_TIME_PATH} defer />
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to the content
        </a>
        <header>
          <span class="brand">patrol</span>
          {p.admin ? (
            <>
              {nav('dashboard', '/admin', 'Dashboard')}
              {nav('incidents', '/admin/incidents', 'Incidents')}
              {nav('suppressions', '/admin/suppressions', 'Suppressions')}
              <span class="who">
                <span>
                  signed in as <strong>{p.admin}</strong>
                </span>
                <form method="post" action="/admin/sign-out">
                  <button type="submit">Sign out</button>
                </form>
                <form method="post" action="/admin/sign-out-everywhere">
                  <button type="submit" title="End every session of yours, in every browser">
                    Sign out everywhere
                  </button>
                </form>
              </span>
            </>
          ) : null}
        </header>
        <main id="main" tabindex={-1}>
          {p.notice ? (
            <p class="notice" role="status">
              {p.notice}
            </p>
          ) : null}
          {p.error ? (
            <p class="error" role="alert">
              {p.error}
            </p>
          ) : null}
          {p.children}
        </main>
      </body>
    </html>
  )
}

/** The whole document, with its doctype. */
export function page(body: Child) {
  return html`<!DOCTYPE html>${body}`
}

export function StatusBadge(p: { status: string }) {
  return <span class={`status s-${p.status}`}>{statusLabel(p.status)}</span>
}

/**
 * `3 h ago · 2026-11-27 12:00 UTC` (`short`: no seconds) in a <time> element carrying the exact instant; the age only
 * when `now` is given. The clock time is UTC and says so; local-time.ts rewrites it to the browser's local time when
 * JavaScript runs.
 */
export function Time(p: { at: string | null | undefined; short?: boolean; now?: number }) {
  if (!p.at) return <span class="muted">—</span>
  const text = p.at.replace('T', ' ').replace(p.short ? /:\d{2}\.\d{3}Z$/ : /\.\d{3}Z$/, ' UTC')
  const ms = p.now === undefined ? undefined : p.now - Date.parse(p.at)
  return (
    <time datetime={p.at} title={p.at}>
      {ms === undefined ? '' : `${ms >= 0 ? `${age(ms)} ago` : `in ${age(-ms)}`} · `}
      <span class="nowrap" data-clock={p.short ? 'short' : 'long'}>
        {text}
      </span>
    </time>
  )
}

/** `40 s`, `12 min`, `5 h`, `3 d`: how long ago, for people. */
export function age(ms: number): string {
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))} s`
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`
  if (ms < 2 * 86_400_000) return `${Math.round(ms / 3_600_000)} h`
  return `${Math.round(ms / 86_400_000)} d`
}

/** A duration for people: `850 ms`, `4.2 s`, `3.5 min`, `2.0 h`. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`
  return `${(ms / 3_600_000).toFixed(1)} h`
}
