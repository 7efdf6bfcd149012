// Where overlayfs keeps its metadata (opaque directories, redirects): `trusted.overlay.*` for
// the host's root. In a user namespace (rootless berth) trusted.* xattrs cannot be set, and an
// overlay mounted there without `userxattr` failed every change that needs one (removing or
// replacing a directory of the image: EIO). So there the overlay is mounted with `userxattr`
// (kernel >= 5.11) and uses `user.overlay.*`: the unpacker writes opaque directories that way,
// and a diff reads them that way. fuse-overlayfs reads user.overlay.opaque too.
import { inUserNamespace } from '../../util/userns.ts';

export const TRUSTED_OVERLAY = 'trusted.overlay.';
export const USER_OVERLAY = 'user.overlay.';


/** The xattr prefix overlayfs uses here for its own metadata. */
export function overlayXattrPrefix(): string {
  return inUserNamespace() ? USER_OVERLAY : TRUSTED_OVERLAY;
}

/** Whether an xattr is overlayfs metadata (of either kind): never taken from a layer, never
 * put into one. */
export function isOverlayXattr(name: string): boolean {
  return name.startsWith(TRUSTED_OVERLAY) || name.startsWith(USER_OVERLAY);
}
