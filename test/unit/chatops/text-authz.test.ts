import { authorize } from '../../../src/chatops/authz';
import { ReplayGuard } from '../../../src/chatops/bot';
import { normalizeTyped, parseChatCommand } from '../../../src/chatops/text';
import { ChatopsSchema } from '../../../src/config/triggers';
import { formatIssues } from '../../../src/common/zod-issues';
import type { IncomingMessage } from 'node:http';

describe('what is typed in chat', () => {
  it('normalises a phone: smart quotes, non-breaking and thin spaces, zero-width characters, Slack escapes', () => {
    expect(normalizeTyped('start x {\u201Ca\u201D:\u00A0\u2018b\u2019,\u202F"c":"d\u200B &amp; &lt;e&gt;"}')).toBe(`start x {"a": 'b', "c":"d & <e>"}`);
    expect(parseChatCommand('start drainAgent {\u201Chostname\u201D:\u00A0\u201Cagent-2\u201D,\u201Creason\u201D:\u201Cx\u201D}')).toEqual({ name: 'start', runbook: 'drainAgent', input: { hostname: 'agent-2', reason: 'x' } });
  });
  it('names what is missing or wrong', () => {
    expect(() => parseChatCommand('abort drainAgent/prod/a1')).toThrow(/abort: the reason is missing/);
    expect(() => parseChatCommand('start drainAgent [1,2]')).toThrow(/the input is a JSON object/);
    expect(parseChatCommand('approve r1 looks good confirm=S3')).toEqual({ name: 'approve', run: 'r1', reason: 'looks good', confirm: 'S3' });
    expect(parseChatCommand('')).toEqual({ name: 'help' });
  });
});

describe('the authorization table', () => {
  const table = ChatopsSchema.parse({
    signingSecret: { env: 'S' },
    botToken: { env: 'T' },
    allow: [
      { users: ['U1'], runbooks: ['drainAgent'], clusters: ['prod'], may: ['plan'] },
      { users: ['U1'], may: ['plan', 'start'] },
      { groups: ['S9'], clusters: ['staging-*'], may: ['approve'] },
    ],
  }).allow;
  it('the first row covering user, runbook and cluster decides', () => {
    expect(authorize(table, { user: 'U1', groups: [], action: 'start', runbook: 'drainAgent', cluster: 'prod' })).toEqual({ allowed: false, reason: expect.stringMatching(/chatops.allow.0 .* allows only plan, not start/) });
    expect(authorize(table, { user: 'U1', groups: [], action: 'start', runbook: 'drainAgent', cluster: 'staging' })).toEqual({ allowed: true, row: 1 });
    expect(authorize(table, { user: 'U2', groups: ['S9'], action: 'approve', runbook: 'x', cluster: 'staging-eu' })).toEqual({ allowed: true, row: 2 });
    expect(authorize(table, { user: 'U2', groups: ['S9'], action: 'approve', runbook: 'x', cluster: 'prod' })).toEqual({ allowed: false, reason: 'refused: no rule of chatops.allow lets <@U2> approve x on cluster prod' });
  });
  it('a bad row is refused naming its field and the allowed values', () => {
    const r = ChatopsSchema.safeParse({ signingSecret: { env: 'S' }, botToken: 'xoxb-in-the-file', allow: [{ users: ['alice'], may: ['delete'] }, { may: ['plan'] }] });
    expect(r.success).toBe(false);
    const issues = formatIssues(r.error!).join('\n');
    expect(issues).toMatch(/botToken: a reference to the secret: \{ env: VARIABLE \} or \{ file: \/path \}, never the secret itself/);
    expect(issues).not.toContain('xoxb-in-the-file');
    expect(issues).toMatch(/allow\.0\.users\.0: a Slack user id, e.g. U0123ABCD/);
    expect(issues).toMatch(/allow\.0\.may\.0: invalid value \(allowed: "plan", "start", "approve", "abort", "freeze"\)/);
    expect(issues).toMatch(/allow\.1: name at least one user or group/);
  });
});

describe('the replay guard', () => {
  const req = (ts: number, sig: string) => ({ headers: { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig } }) as unknown as IncomingMessage;
  it('refuses old, future and repeated requests', () => {
    let now = 1_000_000_000;
    const g = new ReplayGuard(300, () => now);
    expect(g.check(req(now / 1000, 'v0=a'))).toBeUndefined();
    expect(g.check(req(now / 1000, 'v0=a'))).toMatch(/a replay/);
    expect(g.check(req(now / 1000 - 301, 'v0=b'))).toMatch(/more than 300 s from now/);
    expect(g.check(req(now / 1000 + 301, 'v0=c'))).toMatch(/more than 300 s from now/);
    now += 400_000; // the old signature is forgotten once its timestamp would be refused anyway
    expect(g.check(req(now / 1000, 'v0=d'))).toBeUndefined();
  });
});
