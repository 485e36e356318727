import type { Plugin } from "graphql-yoga";
import { serveMedia } from "../media/http";
import { MEDIA_ROUTE_PREFIX } from "../media/keys";
import type { MediaStore } from "../media/store";

/** Serves stored videos at PUBLIC_URL/media/<key>, with Range support for <video> seeking. */
export function mediaRoute(media: MediaStore): Plugin {
  return {
    async onRequest({ request, url, fetchAPI, endResponse }) {
      if (!url.pathname.startsWith(MEDIA_ROUTE_PREFIX)) return;
      let key: string;
      try {
        key = decodeURIComponent(url.pathname.slice(MEDIA_ROUTE_PREFIX.length));
      } catch {
        // A malformed escape (e.g. %E0) names no object: that is a 404, not a server error.
        endResponse(new fetchAPI.Response("Not Found", { status: 404 }));
        return;
      }
      endResponse(await serveMedia(request, media, key, { fetchAPI }));
    },
  };
}
