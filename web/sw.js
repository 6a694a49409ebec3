// Switchboard's service worker: keeps the app's shell (HTML, modules,
// styles, icons) so the app opens fast and installs as an app. It never
// touches /api, /webhooks or the WebSocket: live data always comes from
// the network. The server puts the build's hash in VERSION, so a new build
// gets a fresh cache and the old one is deleted; SHELL is the list of the
// app's files, also filled in by the server.

const VERSION = "__BUILD__";
const CACHE = `switchboard-shell-${VERSION}`;
// The server fills in every module, stylesheet and icon of the shell.
const SHELL = __SHELL__;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("switchboard-shell-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function isShell(url) {
  if (url.origin !== self.location.origin) return false;
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/webhooks/")) return false;
  return url.pathname === "/" || url.pathname === "/index.html" || url.pathname === "/manifest.webmanifest" || url.pathname.startsWith("/app/");
}

// Network first (a deploy is seen at once; revalidation is a cheap 304),
// the cached shell when the network is down.
self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (!isShell(url)) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(() => caches.match(request).then((hit) => hit || caches.match("/"))),
  );
});
