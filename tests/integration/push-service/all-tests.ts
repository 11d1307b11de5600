// Node 24's `node --test <dir>/` does not search a directory; it loads the directory as a module, which resolves
// through package.json "main" to this file. It imports every *.test.ts here, so that command runs the suite.
// (`npm run test:integration` runs the same files through its glob.)
import { readdirSync } from 'node:fs';

const here = new URL('./', import.meta.url);
for (const file of readdirSync(here).filter((f) => f.endsWith('.test.ts')).sort()) {
  await import(new URL(file, here).href);
}
