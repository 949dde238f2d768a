/**
 * The sign-in form: one password field for an admin token, posted to `/admin/sign-in`. The token is never echoed
 * back, not even after a failed attempt; `next` returns the admin to the page they asked for.
 *
 * @example
 * c.html(page(<SignInPage next="/admin/incidents?status=new" error="That is not an admin token." />), 401)
 */
import { Layout } from './layout.js'

export function SignInPage(p: { next?: string; error?: string; notice?: string }) {
  return (
    <Layout title="Sign in" error={p.error} notice={p.notice}>
      <form class="signin" method="post" action="/admin/sign-in">
        <h1>Sign in to patrol</h1>
        <p class="muted">
          Use one of the admin tokens set in PATROL_ADMIN_TOKENS (or generated into secrets.json on first boot).
        </p>
        <label>
          Admin token
          <input type="password" name="token" autocomplete="current-password" required autofocus />
        </label>
        {p.next ? <input type="hidden" name="next" value={p.next} /> : null}
        <p>
          <button type="submit">Sign in</button>
        </p>
      </form>
    </Layout>
  )
}
