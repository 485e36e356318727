/** Where a generation's video lives in the media store, and the URL path that serves it. */
export const MEDIA_ROUTE_PREFIX = "/media/";

export function mediaKeyFor(generationId: string): string {
  return `generations/${generationId}.mp4`;
}

export function mediaUrlFor(publicUrl: string, mediaKey: string): string {
  return `${publicUrl}${MEDIA_ROUTE_PREFIX}${mediaKey}`;
}
