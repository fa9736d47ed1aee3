/**
 * @peculiar/x509, ready to use. Import it from here only: its dependency injection (tsyringe)
 * needs the Reflect metadata polyfill loaded before it, and it signs with node's WebCrypto.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as Crypto);

export { x509 };
