// Where the native tools built from native/ are: build/NAME at the top of the tree. This file
// sits two levels below the top both as source (src/util/) and in a bundle (dist/lib/), so one
// relative URL serves both. Each tool has an environment variable that overrides its path.
import { fileURLToPath } from 'node:url';

export function nativeToolPath(name: string, envVar: string): string {
  return process.env[envVar] || fileURLToPath(new URL(`../../build/${name}`, import.meta.url));
}

/** A tool is not there (not built). */
export class NativeToolMissingError extends Error {
  readonly path: string;
  constructor(what: string, path: string, envVar: string) {
    super(`the ${what} ${path} is missing (build it with \`make -C native\`, or set ${envVar})`);
    this.name = new.target.name;
    this.path = path;
  }
}
