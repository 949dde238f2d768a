/**
 * The admin page's one script, a progressive enhancement: each `<time datetime>` (layout.tsx `Time`) shows the
 * browser's local time, with its zone, in place of UTC; its age stays, and the title keeps the exact UTC instant.
 * Without JavaScript the page reads the same in UTC. Served as a same-origin file (`script-src 'self'` in the page's
 * Content-Security-Policy; no inline script), from this string so that it needs no build step and runs on Workers.
 *
 * @example
 * <script src={LOCAL_TIME_PATH} defer></script>   // in the page head; GET LOCAL_TIME_PATH answers LOCAL_TIME_SCRIPT
 */

export const LOCAL_TIME_PATH = '/admin/local-time.js'

export const LOCAL_TIME_SCRIPT = `'use strict';
(function () {
  var parts = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' };
  var short = new Intl.DateTimeFormat(undefined, parts);
  parts.second = '2-digit';
  var long = new Intl.DateTimeFormat(undefined, parts);
  var times = document.querySelectorAll('time[datetime] [data-clock]');
  for (var i = 0; i < times.length; i++) {
    var clock = times[i];
    var at = new Date(clock.parentNode.getAttribute('datetime'));
    if (isNaN(at.getTime())) continue;
    clock.textContent = (clock.getAttribute('data-clock') === 'short' ? short : long).format(at);
  }
})();
`
