// Where the server's pages and API live: under the path `serve --root-path` gives (behind a
// reverse proxy), which each page's <html data-root> states; "" at the server's own root.

export const ROOT = document.documentElement.dataset.root ?? "";

/** The address of `path` (which starts with "/") on this server. */
export const at = (path) => ROOT + path;
