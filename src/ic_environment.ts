/** The {@link WsEnvironment} of a real canister, over Azle's IC APIs. */
import { certifiedDataSet, dataCertificate, time } from 'azle';
import type { WsEnvironment } from './protocol/context';

export const icEnvironment: WsEnvironment = {
    time: () => time(),
    setCertifiedData: (data) => certifiedDataSet(data),
    dataCertificate: () => dataCertificate() ?? undefined,
    log: (message) => console.log(message)
};
