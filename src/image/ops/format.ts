// The one display rule the image layer's own messages need ("image is referenced in..."); how
// commands print sizes, ages and tables is the CLI's (src/cli/present).

/** docker's short image ID: 12 hex characters of the config digest. */
export function shortImageId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
