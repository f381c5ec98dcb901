// Types of scripts/compiled.mjs (plain JS, so that it runs before anything is compiled).
export const root: string;
export function sourcesHash(): string;
export function buildInto(outDir: string, options?: { sourceMap?: boolean; quiet?: boolean }): number;
export function compiledCliUrl(): string | null;
