import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import { createAuditService } from './audit/service.ts';
import { createCaseService } from './cases/service.ts';
import { createCaseSettingsService } from './cases/settings.ts';
import { createTriageService } from './cases/triage.ts';
import { createAuthService } from './auth/service.ts';
import { createApiTokenService } from './auth/tokens.ts';
import { createGuestLinkService } from './auth/guest-links.ts';
import { createInstitutionService } from './institutions/service.ts';
import { createLinkMinter } from './notifications/links.ts';
import { createMailService } from './notifications/service.ts';
import { createSchedulingService } from './scheduling/service.ts';
import { createUserService } from './users/service.ts';

/** Wires each service with only what it uses. Shared by the HTTP app and the CLI. */
export function createServices(db: Db, config: Config, hooks: { onMailQueued?: () => void } = {}) {
  const audit = createAuditService(db);
  const mail = createMailService(db, audit, { smtpConfigured: !!config.smtpUrl, onQueued: hooks.onMailQueued });
  const auth = createAuthService({ db, config, audit, mail });
  const guestLinks = createGuestLinkService({ db, secret: config.secret });
  const cases = createCaseService({ db, config, audit, mail, guestLinks });
  return {
    /** Makes the token of an e-mail's link as the outbox worker sends it. */
    links: createLinkMinter({ mintPasswordLink: auth.mintPasswordLink, mintPortalLink: cases.mintPortalLink }),
    audit,
    mail,
    auth,
    tokens: createApiTokenService({ db, audit }),
    guestLinks,
    cases,
    triage: createTriageService({ db, config, audit, mail, cases }),
    caseSettings: createCaseSettingsService({ db, audit }),
    scheduling: createSchedulingService({ db, config, audit, mail, cases }),
    institutions: createInstitutionService({ db, audit }),
    users: createUserService({ db, audit, auth }),
  };
}
export type Services = ReturnType<typeof createServices>;
