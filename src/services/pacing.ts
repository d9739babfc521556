/**
 * Teams' send limits, kept per conversation (7 a second, 60 per 30 seconds, 1,800 an hour) and
 * per tenant (about 50 requests a second). `delayFor` says how long to wait before the next send
 * to that conversation may go; `record` notes a send. In-memory: each instance paces its own sends.
 */
const WINDOWS: Array<[ms: number, max: number]> = [
  [1_000, 7],
  [30_000, 60],
  [3_600_000, 1_800],
];
const TENANT_PER_SECOND = 50;
/**
 * Each window is kept a little longer than Teams' own. The outbox counts a send from Teams' answer
 * (`retime`), which comes after Teams counted the request, so the windows here never start before
 * Teams' do; the 2 % covers how Teams rounds its windows. (Counted from the moment a send left, a
 * 5 % margin still met 429s in benchmark B3: a send held up 50 ms on its way landed inside the
 * window of the one fifty before it.)
 */
const MARGIN = 1.02;
const TENANT_WINDOW_MS = 1_000 * MARGIN;

export function makePacer() {
  const perConversation = new Map<string, number[]>();
  let tenant: number[] = [];

  function prune(list: number[], now: number, ms: number): number[] {
    let i = 0;
    while (i < list.length && list[i]! <= now - ms) i++;
    return i ? list.slice(i) : list;
  }

  return {
    delayFor(conversation: string, now: number): number {
      tenant = prune(tenant, now, TENANT_WINDOW_MS);
      let wait = tenant.length >= TENANT_PER_SECOND ? tenant[tenant.length - TENANT_PER_SECOND]! + TENANT_WINDOW_MS - now : 0;
      const sent = prune(perConversation.get(conversation) ?? [], now, 3_600_000 * MARGIN);
      perConversation.set(conversation, sent);
      for (const [ms, max] of WINDOWS) {
        const inWindow = sent.filter((t) => t > now - ms * MARGIN);
        if (inWindow.length >= max) wait = Math.max(wait, inWindow[inWindow.length - max]! + ms * MARGIN - now);
      }
      return Math.max(0, wait);
    },
    /**
     * How many more requests the tenant may make now, and how long until the next one may go. The
     * same window as `delayFor` (with the margin): pruning with a shorter one dropped sends
     * `delayFor` still had to count, so the tenant's margin did not hold.
     */
    tenantRoom(now: number): { room: number; waitMs: number } {
      tenant = prune(tenant, now, TENANT_WINDOW_MS);
      const room = Math.max(0, TENANT_PER_SECOND - tenant.length);
      return { room, waitMs: room > 0 ? 0 : Math.max(0, tenant[tenant.length - TENANT_PER_SECOND]! + TENANT_WINDOW_MS - now) };
    },
    /**
     * Moves a recorded send from `from` to `to`: a send reserved when its batch was paced is
     * recorded again when it actually leaves, and once more when Teams answers, so the windows
     * count from a moment no earlier than the one Teams counted it at.
     */
    retime(conversation: string, from: number, to: number): void {
      const move = (list: number[]): number[] => {
        const i = list.indexOf(from);
        if (i >= 0) list.splice(i, 1);
        let j = list.length;
        while (j > 0 && list[j - 1]! > to) j--;
        list.splice(j, 0, to);
        return list;
      };
      tenant = move(tenant);
      perConversation.set(conversation, move(perConversation.get(conversation) ?? []));
    },
    record(conversation: string, now: number): void {
      tenant.push(now);
      const list = perConversation.get(conversation) ?? [];
      list.push(now);
      perConversation.set(conversation, list);
      if (list.length === 1 && perConversation.size > 50_000) {
        for (const [key, times] of perConversation)
          if (!times.length || times[times.length - 1]! < now - 3_600_000) perConversation.delete(key);
      }
    },
  };
}
export type Pacer = ReturnType<typeof makePacer>;
