/**
 * @peculiar/x509, loaded after the Reflect polyfill its dependency container (tsyringe) needs at import
 * time. Import X.509 classes from here, never from the package directly.
 */
import 'reflect-metadata';

export * as x509 from '@peculiar/x509';
