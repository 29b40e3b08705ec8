import type { OutboxLink } from './repo.ts';

export type { OutboxLink };

/**
 * Stands in the stored text of an e-mail where the token of its link goes. The worker makes the
 * token just before it hands the message to SMTP, so neither the outbox table nor the
 * administrator's view of it ever holds a link that opens an account or a patient's case.
 */
export const LINK_TOKEN = '{link-token}';
const MASK = '••••••••';

export interface MintedLink {
  token: string;
  /** Undoes the token when the message could not be sent (the next attempt makes a new one). */
  discard(): Promise<void>;
}

/** Makes the token of a link; null when its subject is gone (a disabled user, a deleted case). */
export type LinkMinter = (link: OutboxLink) => Promise<MintedLink | null>;

export function createLinkMinter(deps: {
  mintPasswordLink(userId: string, purpose: 'reset' | 'invite'): Promise<MintedLink | null>;
  mintPortalLink(caseId: string): Promise<MintedLink | null>;
  mintReportLink(linkId: string): Promise<MintedLink | null>;
}): LinkMinter {
  return (link) => {
    switch (link.kind) {
      case 'password_reset':
        return deps.mintPasswordLink(link.userId, 'reset');
      case 'invitation':
        return deps.mintPasswordLink(link.userId, 'invite');
      case 'portal':
        return deps.mintPortalLink(link.caseId);
      case 'report_link':
        return deps.mintReportLink(link.linkId);
    }
  };
}

/** The text as the recipient reads it. */
export const withToken = (text: string, token: string) => text.replaceAll(LINK_TOKEN, token);

/**
 * The text as an administrator reads it: the placeholder masked, and so are tokens in messages
 * queued before links were made at sending.
 */
export function maskLinks(text: string): string {
  return text
    .replaceAll(LINK_TOKEN, MASK)
    .replace(/(reset-password\?token=)[\w-]+/g, `$1${MASK}`)
    .replace(/(\/portal#)kg\.[\w.-]+/g, `$1${MASK}`);
}
