/**
 * Verifies the audit log: `npm run audit:verify [-- --checkpoint <file or JSON line>]`, with the
 * environment of the bot (VARNA_STORE_URL, VARNA_AUDIT_KEY, VARNA_OLD_AUDIT_KEYS).
 *
 * Every entry is checked against its HMAC and its place in its chain, every chain against its head
 * and against the newest checkpoint in the database, and against the checkpoint given: the newest
 * one in a checkpoint file (VARNA_AUDIT_CHECKPOINT_FILE when no --checkpoint is given) or an
 * `audit.checkpoint` line pasted from the operational log. It names what it finds: the first
 * altered, moved or missing entry of each chain, entries missing after a checkpoint, or a
 * checkpoint the database no longer has.
 *
 * Exit 0 when intact; 1 when something was found; 2 when it cannot check (a checkpoint that cannot
 * be read, a bad configuration).
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadConfig } from '../src/config';
import { loadKeyring } from '../src/keys';
import { createLogger } from '../src/log';
import { auditKeys, newestCheckpointIn } from '../src/services/audit';
import { makeCipher } from '../src/services/crypto';
import { openStore, type CheckpointRecord, type Store } from '../src/services/store';

export interface VerifyResult {
  code: 0 | 1 | 2;
  lines: string[];
}

/** The checkpoint to check against: `--checkpoint <file | JSON>`, else the configured checkpoint file. */
function givenCheckpoint(argv: string[], file: string | undefined): { record?: CheckpointRecord; source?: string; error?: string } {
  const at = argv.indexOf('--checkpoint');
  const arg = at >= 0 ? argv[at + 1] : undefined;
  if (at >= 0 && !arg) return { error: '--checkpoint needs a file or a JSON line' };
  const source = arg ?? (file && existsSync(file) ? file : undefined);
  if (!source) return {};
  const pasted = source.trim().startsWith('{');
  let text: string;
  try {
    text = pasted ? source : readFileSync(source, 'utf8');
  } catch (error) {
    return { error: `cannot read ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).name}` };
  }
  const record = newestCheckpointIn(text);
  if (!record)
    return {
      error: `no audit checkpoint in ${pasted ? 'the line given' : source} (a JSON object with checkpoint, at, chains, entries, keyId, digest)`,
    };
  return { record, source: pasted ? 'the line given' : source };
}

/** Checks the store of `env` (or the one given, already open: the tests' running bot). */
export async function verifyAudit(argv: string[], env: NodeJS.ProcessEnv, opened?: Store): Promise<VerifyResult> {
  const lines: string[] = [];
  const config = loadConfig(env);
  const given = givenCheckpoint(argv, config.env.VARNA_AUDIT_CHECKPOINT_FILE);
  if (given.error) return { code: 2, lines: [given.error] };
  const { keys } = auditKeys(config.env, makeCipher(loadKeyring(config, createLogger('silent'))));
  const store = opened ?? (await openStore(config.env.VARNA_STORE_URL));
  try {
    const result = await store.audit.check({ ...(given.record ? { checkpoint: given.record } : {}), using: keys });
    const n = (x: number) => x.toLocaleString('sv-SE');
    lines.push(
      `audit log: ${n(result.entries)} entries in ${n(result.chains)} chains${result.oldEntries ? ` (${n(result.oldEntries)} under the old unkeyed scheme)` : ''}`,
    );
    for (const c of result.checkpoints)
      lines.push(
        `checkpoint ${c.checkpoint} (${c.at}, ${n(c.entries)} entries in ${n(c.chains)} chains), ${{ given: `given: ${given.source}`, database: "the database's newest", both: `the database's newest and given: ${given.source}` }[c.source]}`,
      );
    if (!result.checkpoints.length) lines.push('no checkpoint yet: entries removed from the end of a chain since cannot be told');
    else if (!given.record)
      lines.push(
        'no checkpoint given (--checkpoint or VARNA_AUDIT_CHECKPOINT_FILE): a removal that took the newest checkpoints with it cannot be told',
      );
    if (result.ok) {
      lines.push('intact');
      return { code: 0, lines };
    }
    lines.push(`BROKEN: ${result.findings.length} finding${result.findings.length === 1 ? '' : 's'}`);
    for (const f of result.findings.slice(0, 50)) lines.push(`  ${f.kind}: ${f.message}`);
    if (result.findings.length > 50) lines.push(`  … and ${result.findings.length - 50} more`);
    return { code: 1, lines };
  } finally {
    if (!opened) await store.close();
  }
}

if (require.main === module) {
  verifyAudit(process.argv.slice(2), process.env).then(
    ({ code, lines }) => {
      for (const line of lines) (code === 0 ? console.log : console.error)(line);
      process.exitCode = code;
    },
    (error: Error) => {
      console.error(`audit:verify cannot check: ${error.message}`);
      process.exitCode = 2;
    },
  );
}
