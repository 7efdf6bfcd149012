// The image library's public face. Engineer E adds the exports of references, registry, auth,
// pull and push here.
export * from './types.ts';
export * from './store/index.ts';
