/**
 * `npm run keys:rotate`: see src/cli/keys-rotate.ts (it is compiled into the image as well, where
 * it runs as `node dist/src/cli/keys-rotate.js`).
 */
import { runKeysRotate } from '../src/cli/keys-rotate';

runKeysRotate();
