// Running a command in another network namespace: a leaf module, so that the plain network code
// (host.ts, firewall.ts, cni.ts) need not load the rootless set-up to reach a rootless netns.

/** argv run inside the netns `netns` (the caller's own when undefined). nsenter setns()es
 * into it: the caller is root of the user namespace that owns it. */
export function inNetns(netns: string | undefined, argv: string[]): [string, string[]] {
  return netns ? ['nsenter', [`--net=${netns}`, '--', ...argv]] : [argv[0], argv.slice(1)];
}
