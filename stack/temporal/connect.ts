/**
 * Connections to a Temporal frontend named by the environment (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY/TEMPORAL_TLS_CA file paths, TEMPORAL_API_KEY).
 */
import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Connection, TLSConfig } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { SettingError } from '../../contracts/refusal.ts';

export const DEFAULT_TEMPORAL_PORT = 7233;
export const REACHABILITY_TIMEOUT_MS = 5_000;

export interface TemporalConnectOptions {
  /** host:port; default $TEMPORAL_ADDRESS. */
  address?: string;
  /** default $TEMPORAL_NAMESPACE ?? 'default' */
  namespace?: string;
  /** default from TEMPORAL_TLS_CERT/KEY/CA; `true` when only TEMPORAL_API_KEY is set */
  tls?: TLSConfig | boolean;
  /** default $TEMPORAL_API_KEY */
  apiKey?: string;
}

export interface TemporalConnector {
  address: string;
  namespace: string;
  /** For @temporalio/client (Client, WorkflowClient). Caller closes it. */
  clientConnection(): Promise<Connection>;
  /** For @temporalio/worker (Worker.create). Caller closes it. */
  workerConnection(): Promise<NativeConnection>;
}

export function connectTemporal(options: TemporalConnectOptions = {}): TemporalConnector {
  const env = process.env;
  const address = options.address ?? env.TEMPORAL_ADDRESS;
  if (!address) {
    throw new SettingError(
      'TEMPORAL_ADDRESS is not set: give the Temporal frontend as host:port, or use the embedded dev server',
    );
  }
  const { host, port } = parseAddress(address);
  const hostPort = `${host}:${port}`;
  const namespace = options.namespace ?? env.TEMPORAL_NAMESPACE ?? 'default';
  const apiKey = (options.apiKey ?? env.TEMPORAL_API_KEY) || undefined;
  const tls = options.tls ?? tlsFromEnv(env) ?? (apiKey ? true : undefined);
  const connectionOptions = { address: hostPort, tls, apiKey };
  return {
    address: hostPort,
    namespace,
    async clientConnection() {
      await assertReachable(host, port);
      // Loaded on first use: commands that never reach Temporal skip the client and its protobuf root.
      const { Connection } = await import('@temporalio/client');
      return Connection.connect({ ...connectionOptions, connectTimeout: REACHABILITY_TIMEOUT_MS });
    },
    async workerConnection() {
      await assertReachable(host, port);
      // Only workers need the worker SDK: commands that read or start runs never load it.
      const { NativeConnection } = await import('@temporalio/worker');
      return NativeConnection.connect(connectionOptions);
    },
  };
}

export function parseAddress(address: string): { host: string; port: number } {
  const match = /^\[?([^\]\s]+?)\]?(?::(\d+))?$/.exec(address.trim().replace(/^[a-z]+:\/\//i, ''));
  const port = match?.[2] === undefined ? DEFAULT_TEMPORAL_PORT : Number(match[2]);
  if (!match || !(port > 0 && port < 65536)) {
    throw new SettingError(`TEMPORAL_ADDRESS=${address} is not host:port (for example 127.0.0.1:7233)`);
  }
  return { host: match[1], port };
}

/** mTLS from TEMPORAL_TLS_CERT + TEMPORAL_TLS_KEY (file paths), optional TEMPORAL_TLS_CA; undefined if none set. */
export function tlsFromEnv(env: NodeJS.ProcessEnv = process.env): TLSConfig | undefined {
  const certPath = env.TEMPORAL_TLS_CERT || undefined;
  const keyPath = env.TEMPORAL_TLS_KEY || undefined;
  const caPath = env.TEMPORAL_TLS_CA || undefined;
  if (!certPath && !keyPath && !caPath) return undefined;
  if (Boolean(certPath) !== Boolean(keyPath)) {
    const missing = certPath ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT';
    throw new SettingError(
      `${missing} is not set: mTLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (PEM file paths)`,
    );
  }
  const config: TLSConfig = {};
  if (certPath && keyPath) {
    config.clientCertPair = { crt: readPem('TEMPORAL_TLS_CERT', certPath), key: readPem('TEMPORAL_TLS_KEY', keyPath) };
  }
  if (caPath) config.serverRootCACertificate = readPem('TEMPORAL_TLS_CA', caPath);
  return config;
}

function readPem(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new SettingError(`${variable}=${path} cannot be read: ${(error as Error).message}`);
  }
}

/** TCP probe so that a wrong TEMPORAL_ADDRESS fails in seconds with a message saying what to do. */
export async function assertReachable(host: string, port: number, timeoutMs = REACHABILITY_TIMEOUT_MS): Promise<void> {
  const reachable = await canOpenTcp(host, port, timeoutMs);
  if (!reachable) {
    throw new SettingError(
      `TEMPORAL_ADDRESS: cannot reach ${host}:${port} within ${timeoutMs / 1000}s; ` +
        'start the Temporal server or unset TEMPORAL_ADDRESS to use the embedded dev server',
    );
  }
}

export function canOpenTcp(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
    socket.connect(port, host);
  });
}
