/**
 * Every text command the bot answers, in one place: routes match on these, and `npm run package`
 * checks that each command the app manifest offers in Teams' command menu matches one of them in
 * the scope it is offered in. Anchored: a keyword inside a sentence is not a command.
 */
export type CommandScope = 'personal' | 'team';

export interface TextCommand {
  pattern: RegExp;
  scopes: readonly CommandScope[];
}

export const commands = {
  welcome: { pattern: /^\s*(hej|hejsan|hallå|hjälp|help|hi|hello|meny|menu|start)\s*[!.?]?\s*$/i, scopes: ['personal'] },
  duty: { pattern: /^\s*(om anmälningsplikten|anmälningsplikt(en)?|about the duty( to report)?)\s*[?.]?\s*$/i, scopes: ['personal'] },
  report: { pattern: /^\s*(anmäl( oro)?|ny anmälan|orosanmälan|report( a concern)?)\s*[.!]?\s*$/i, scopes: ['personal'] },
  myReports: { pattern: /^\s*(mina anmälningar|my reports)\s*[.!?]?\s*$/i, scopes: ['personal'] },
  /** For the statistics role: principals Värna cannot reach (no app installed). Not in the command menu. */
  unreachable: {
    pattern: /^\s*(vem|vilka)\s+når\s+(inte\s+värna|värna\s+inte)\s*\??\s*$|^\s*who\s+can\s+värna\s+not\s+reach\s*\??\s*$/i,
    scopes: ['personal'],
  },
  /** For the statistics role and principals (their own schools). Not in the command menu. */
  statistics: { pattern: /^\s*(statistik|statistics)\s*$/i, scopes: ['personal'] },
  /** In a team channel, @mentioned (Teams strips the mention): ids for the config, and a post check. */
  status: { pattern: /^\s*(värna\s+)?status\s*[!.?]?\s*$/i, scopes: ['team'] },
} satisfies Record<string, TextCommand>;

export type CommandName = keyof typeof commands;

/** The command a text would trigger in a scope, if any (used by the package check). */
export function commandFor(text: string, scope: CommandScope): CommandName | undefined {
  return (Object.keys(commands) as CommandName[]).find((name) => {
    const c: TextCommand = commands[name];
    return c.scopes.includes(scope) && c.pattern.test(text);
  });
}
