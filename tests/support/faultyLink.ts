/**
 * A TCP link we control between our processes and a shared service (Postgres, Temporal), for
 * outage tests: the shared service is never touched, only the path to it. Modes:
 * - `up`: bytes flow both ways;
 * - `frozen`: nothing flows and nothing is refused — bytes sent either way are held, new
 *   connections are accepted and held — as with a server stopped in its tracks or a black-holed
 *   network; `restore()` delivers everything held, in order;
 * - `down`: every connection is cut and new ones are reset, as with a stopped server.
 * `freezeOn(text)` freezes the link the moment a request carrying `text` passes (held, not
 * delivered): "the service stopped answering in the middle of this call". gRPC requests carry
 * their protobuf strings (a workflow id, a workflow type) as plain bytes, so they can be told apart.
 */
import net from 'node:net';

type Mode = 'up' | 'frozen' | 'down';

interface Pair {
  client: net.Socket;
  upstream?: net.Socket;
  /** Held while frozen (and before the upstream connection exists), per direction. */
  toUpstream: Buffer[];
  toClient: Buffer[];
}

export class FaultyLink {
  private mode: Mode = 'up';
  private readonly pairs = new Set<Pair>();
  private freezeTrigger?: string;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  /** Listens on a free loopback port and forwards to `target`. */
  static async open(target: { host: string; port: number }): Promise<FaultyLink> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const link = new FaultyLink(server, (server.address() as net.AddressInfo).port, target);
    server.on('connection', (socket) => link.accept(socket));
    return link;
  }

  /** `host:port` of the link, for addresses like TEMPORAL_ADDRESS. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** `url` with its host and port replaced by the link's. */
  rewrite(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  get state(): Mode {
    return this.mode;
  }

  freeze(): void {
    this.mode = 'frozen';
  }

  /** Freezes the link when a request carrying `text` passes (`state` says whether it has). */
  freezeOn(text: string): void {
    this.freezeTrigger = text;
  }

  down(): void {
    this.mode = 'down';
    for (const pair of this.pairs) this.cut(pair);
  }

  /** Back up: held bytes are delivered and held connections made. */
  restore(): void {
    this.mode = 'up';
    this.freezeTrigger = undefined;
    for (const pair of this.pairs) {
      if (!pair.upstream) this.connectUpstream(pair);
      else this.flush(pair);
    }
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) this.cut(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.mode === 'down') {
      client.resetAndDestroy();
      return;
    }
    const pair: Pair = { client, toUpstream: [], toClient: [] };
    this.pairs.add(pair);
    client.on('data', (chunk: Buffer) => {
      if (this.freezeTrigger && chunk.includes(this.freezeTrigger)) {
        this.mode = 'frozen';
        this.freezeTrigger = undefined;
      }
      pair.toUpstream.push(chunk);
      this.flush(pair);
    });
    client.on('error', () => this.cut(pair));
    client.on('close', () => this.cut(pair));
    if (this.mode === 'up') this.connectUpstream(pair);
  }

  private connectUpstream(pair: Pair): void {
    const upstream = net.connect(this.target.port, this.target.host);
    pair.upstream = upstream;
    upstream.on('connect', () => this.flush(pair));
    upstream.on('data', (chunk) => {
      pair.toClient.push(chunk);
      this.flush(pair);
    });
    upstream.on('error', () => this.cut(pair));
    upstream.on('close', () => this.cut(pair));
  }

  private flush(pair: Pair): void {
    if (this.mode !== 'up' || !pair.upstream || pair.upstream.connecting) return;
    for (const chunk of pair.toUpstream.splice(0)) pair.upstream.write(chunk);
    for (const chunk of pair.toClient.splice(0)) pair.client.write(chunk);
  }

  private cut(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.resetAndDestroy();
    pair.upstream?.resetAndDestroy();
  }
}
