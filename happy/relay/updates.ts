/**
 * The relay's `/v1/updates` socket.io channel, as much of happy-server's socket.ts as a daemon
 * needs to come online: token auth in the handshake (`auth: {token, clientType, machineId}`),
 * rooms per account and scope, `machine-alive`, the optimistic-concurrency
 * `machine-update-metadata` / `machine-update-state` (acknowledged), `rpc-register` /
 * `rpc-unregister`, `ping`, and the `update` / `ephemeral` events the server fans out. Session
 * traffic (messages, rpc-call) is not emulated.
 */
import type http from 'node:http';
import { randomBytes } from 'node:crypto';
import { Server, Socket } from 'socket.io';
import type { FaultInjector } from '../../providers/emulation/faults';
import type { Machine, RelayState } from './state';
import { verifyToken } from './tokens';

type ClientType = 'user-scoped' | 'session-scoped' | 'machine-scoped';

export interface MachinePresence {
  /** Machine-scoped sockets open now. */
  connections: number;
  /** Machine-scoped connections ever accepted (a restarted daemon adds one). */
  connects: number;
  lastConnectedAt?: number;
}

export interface UpdatesChannel {
  machineCreated(machine: Machine): void;
  machineDeleted(machine: Machine): void;
  presence(machineId: string): MachinePresence;
  close(): Promise<void>;
}

const userRoom = (accountId: string) => `user:${accountId}`;
const userScopedRoom = (accountId: string) => `user:${accountId}:user-scoped`;
const machineRoom = (accountId: string, machineId: string) => `user:${accountId}:machine:${machineId}`;
const randomKeyNaked = () => randomBytes(9).toString('base64url').slice(0, 12);

export function attachUpdates(server: http.Server, state: RelayState, faults: FaultInjector): UpdatesChannel {
  const io = new Server(server, {
    path: '/v1/updates',
    transports: ['websocket', 'polling'],
    pingTimeout: 45_000,
    pingInterval: 15_000,
    connectTimeout: 20_000,
    serveClient: false,
    cors: { origin: '*', methods: ['GET', 'POST', 'OPTIONS'], credentials: true, allowedHeaders: ['*'] },
  });
  const presence = new Map<string, MachinePresence>();
  const presenceOf = (id: string) => presence.get(id) ?? presence.set(id, { connections: 0, connects: 0 }).get(id)!;

  /** happy-server's `eventRouter.emitUpdate`: an `update` with the account's next seq. */
  const emitUpdate = (accountId: string, rooms: string[], body: Record<string, unknown>) =>
    io.to(rooms).emit('update', { id: randomKeyNaked(), seq: state.nextSeq(accountId), body, createdAt: Date.now() });
  const machineActivity = (accountId: string, machineId: string, active: boolean, activeAt: number) =>
    io.to(userScopedRoom(accountId)).emit('ephemeral', { type: 'machine-activity', id: machineId, active, activeAt });

  // Auth before `connect` fires, as upstream does, so no early event meets a missing handler.
  io.use((socket, next) => {
    const decision = faults.beforeCall('updates-connect');
    if (decision.kind === 'hang') return; // the handshake never completes
    if (decision.kind !== 'none') return next(new Error('Internal server error'));
    const auth = socket.handshake.auth as { token?: string; clientType?: ClientType; sessionId?: string; machineId?: string };
    if (!auth.token) return next(new Error('Missing authentication token'));
    if (auth.clientType === 'session-scoped' && !auth.sessionId) return next(new Error('Session ID required for session-scoped clients'));
    if (auth.clientType === 'machine-scoped' && !auth.machineId) return next(new Error('Machine ID required for machine-scoped clients'));
    const claims = verifyToken(state.tokenKey, auth.token);
    if (!claims || !state.accounts.has(claims.user)) return next(new Error('Invalid authentication token'));
    socket.data.accountId = claims.user;
    socket.data.clientType = auth.clientType ?? 'user-scoped';
    socket.data.machineId = auth.machineId;
    next();
  });

  io.on('connection', (socket: Socket) => {
    const accountId = socket.data.accountId as string;
    const clientType = socket.data.clientType as ClientType;
    const machineId = socket.data.machineId as string | undefined;
    void socket.join(userRoom(accountId));
    if (clientType === 'machine-scoped' && machineId) {
      void socket.join(machineRoom(accountId, machineId));
      const p = presenceOf(machineId);
      p.connections += 1;
      p.connects += 1;
      p.lastConnectedAt = Date.now();
      machineActivity(accountId, machineId, true, Date.now());
      socket.on('disconnect', () => {
        p.connections -= 1;
        machineActivity(accountId, machineId, false, Date.now());
      });
    } else if (clientType === 'user-scoped') {
      void socket.join(userScopedRoom(accountId));
    }

    socket.on('ping', (callback: unknown) => {
      if (typeof callback === 'function') callback({});
    });

    socket.on('rpc-register', (data: { method?: unknown }) => {
      if (typeof data?.method !== 'string' || !data.method) return void socket.emit('rpc-error', { type: 'register', error: 'Invalid method name' });
      void socket.join(`rpc:${accountId}:${data.method}`);
      socket.emit('rpc-registered', { method: data.method });
    });
    socket.on('rpc-unregister', (data: { method?: unknown }) => {
      if (typeof data?.method !== 'string' || !data.method) return void socket.emit('rpc-error', { type: 'unregister', error: 'Invalid method name' });
      void socket.leave(`rpc:${accountId}:${data.method}`);
      socket.emit('rpc-unregistered', { method: data.method });
    });

    socket.on('machine-alive', (data: { machineId?: unknown; time?: unknown }) => {
      if (!data || typeof data.time !== 'number' || typeof data.machineId !== 'string') return;
      const time = Math.min(data.time, Date.now());
      if (time < Date.now() - 10 * 60_000) return;
      const machine = state.machines.get(data.machineId);
      if (!machine || machine.accountId !== accountId) return;
      machine.active = true;
      machine.lastActiveAt = time;
      machineActivity(accountId, machine.id, true, time);
    });

    // Both updates are compare-and-swap on a version, answered through the ack callback.
    const versioned = (field: 'metadata' | 'daemonState') => (data: Record<string, unknown>, callback?: (answer: unknown) => void) => {
      const reply = callback ?? (() => undefined);
      const versionField = field === 'metadata' ? 'metadataVersion' : 'daemonStateVersion';
      const { machineId: id, expectedVersion } = data ?? {};
      const value = data?.[field];
      if (!id || typeof value !== 'string' || typeof expectedVersion !== 'number') return reply({ result: 'error', message: 'Invalid parameters' });
      const machine = state.machines.get(String(id));
      if (!machine || machine.accountId !== accountId) return reply({ result: 'error', message: 'Machine not found' });
      if (machine[versionField] !== expectedVersion) {
        return reply({ result: 'version-mismatch', version: machine[versionField], [field]: machine[field] });
      }
      machine[field] = value;
      machine[versionField] = expectedVersion + 1;
      machine.updatedAt = Date.now();
      if (field === 'daemonState') {
        // The daemon reporting its state is what marks the machine active upstream.
        machine.active = true;
        machine.lastActiveAt = Date.now();
      }
      state.putMachine(machine);
      emitUpdate(accountId, [machineRoom(accountId, machine.id), userScopedRoom(accountId)], {
        t: 'update-machine',
        machineId: machine.id,
        [field]: { value, version: expectedVersion + 1 },
      });
      reply({ result: 'success', version: expectedVersion + 1, [field]: value });
    };
    socket.on('machine-update-metadata', versioned('metadata'));
    socket.on('machine-update-state', versioned('daemonState'));
  });

  return {
    machineCreated(machine) {
      const { accountId } = machine;
      emitUpdate(accountId, [userScopedRoom(accountId)], {
        t: 'new-machine',
        machineId: machine.id,
        seq: 0,
        metadata: machine.metadata,
        metadataVersion: machine.metadataVersion,
        daemonState: machine.daemonState,
        daemonStateVersion: machine.daemonStateVersion,
        dataEncryptionKey: machine.dataEncryptionKey,
        active: machine.active,
        activeAt: machine.lastActiveAt,
        createdAt: machine.createdAt,
        updatedAt: machine.updatedAt,
      });
      emitUpdate(accountId, [machineRoom(accountId, machine.id), userScopedRoom(accountId)], {
        t: 'update-machine',
        machineId: machine.id,
        metadata: { version: 1, value: machine.metadata },
      });
    },
    machineDeleted(machine) {
      emitUpdate(machine.accountId, [userScopedRoom(machine.accountId)], { t: 'delete-machine', machineId: machine.id });
      presence.delete(machine.id);
    },
    presence: (machineId) => ({ ...presenceOf(machineId) }),
    close: () => new Promise<void>((resolve) => void io.close(() => resolve())),
  };
}
