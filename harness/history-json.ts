/**
 * Workflow histories to and from Temporal's JSON history format. @temporalio/common's own
 * historyToJSON/historyFromJSON fail in this install ("type must be a Type"): npm nests two copies
 * of protobufjs, and its protojson extension checks types against the other copy. These use the
 * copy that @temporalio/proto's types were built with.
 */
import { createRequire } from 'node:module';
import type { History } from '@temporalio/common/lib/proto-utils.js';

const require = createRequire(import.meta.url);
const proto = require('@temporalio/proto') as typeof import('@temporalio/proto');
const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root');
const protojson = createRequire(require.resolve('@temporalio/proto'))('protobufjs/ext/protojson');
const historyType = patchProtobufRoot(proto).lookupType('temporal.api.history.v1.History');

export function historyToJSON(history: History): unknown {
  return protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history));
}

export function historyFromJSON(json: unknown): History {
  const history = protojson.fromJson(historyType, json);
  if (!history) throw new TypeError('not a workflow history');
  return history as History;
}
