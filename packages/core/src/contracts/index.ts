/** Every operation of the API, by name (see ../contracts.ts). */
export * from './patient.ts';
export * from './staff.ts';
