/** Every operation of the API, by name (see ../contracts.ts). */
export * from './patient.ts';
export * from './uploadLink.ts';
export * from './reportLink.ts';
export * from './staff.ts';
export * from './dicomweb.ts';
