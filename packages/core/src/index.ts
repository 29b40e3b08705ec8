export * from './roles.ts';
export * from './schemas/common.ts';
export * from './schemas/auth.ts';
export * from './schemas/admin.ts';
export * from './i18n/locales.ts';
export * from './cases.ts';
export * from './schemas/cases.ts';
export * from './schemas/scheduling.ts';
