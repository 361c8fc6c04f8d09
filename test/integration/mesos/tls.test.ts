import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { MasterClient } from '../../../src/mesos';

const dir = path.join(__dirname, 'fixtures');
const read = (f: string): Buffer => readFileSync(path.join(dir, f));

describe('TLS and authentication', () => {
  let server: https.Server;
  let url: string;
  const seen: { authorized: boolean; clientCN?: string; authorization?: string }[] = [];
  const clients: MasterClient[] = [];

  beforeEach(async () => {
    seen.length = 0;
    server = https.createServer({ key: read('server.key'), cert: read('server.crt'), ca: read('ca.crt'), requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      seen.push({
        authorized: socket.authorized,
        ...(peer && peer.subject ? { clientCN: String(peer.subject.CN) } : {}),
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      });
      req.resume();
      req.on('end', () => {
        const body = JSON.stringify({ type: 'GET_HEALTH', get_health: { healthy: true } });
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function client(opts: ConstructorParameters<typeof MasterClient>[0]): MasterClient {
    const c = new MasterClient(opts);
    clients.push(c);
    return c;
  }

  it('trusts a custom CA and presents a client certificate; sends HTTP Basic', async () => {
    const c = client({
      masters: [url],
      tls: { ca: read('ca.crt'), cert: read('client.crt'), key: read('client.key') },
      credentials: { kind: 'basic', principal: 'ops', secret: 'pw' },
    });
    await expect(c.getHealth()).resolves.toEqual({ healthy: true });
    expect(seen).toEqual([{ authorized: true, clientCN: 'operator', authorization: `Basic ${Buffer.from('ops:pw').toString('base64')}` }]);
  });

  it('without the CA the connection fails as CONNECTION (certificate not trusted), and nothing is sent', async () => {
    const c = client({ masters: [url], credentials: { kind: 'bearer', token: 'tok-zzz' } });
    await expect(c.getHealth()).rejects.toMatchObject({ code: 'CONNECTION', callType: 'GET_HEALTH' });
    expect(seen).toEqual([]);
  });
});
