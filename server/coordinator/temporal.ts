import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { createEncryptionCodec } from '../../temporal-config/codec';
import type { CoordinatorSecrets } from './secrets';

/** Every payload in history is encrypted (I2): clients and workers share this converter. */
export function dataConverter(secrets: CoordinatorSecrets): DataConverter {
  return { payloadCodecs: [createEncryptionCodec(secrets.codecKeys)] };
}

export async function temporalClient(
  address: string,
  namespace: string,
  secrets: CoordinatorSecrets,
): Promise<Client> {
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace, dataConverter: dataConverter(secrets) });
}

export function workerConnection(address: string): Promise<NativeConnection> {
  return NativeConnection.connect({ address });
}
