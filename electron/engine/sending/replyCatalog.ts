/**
 * Real SMTP replies of the providers a small business uses as a backup (and of Postfix, the relay most
 * self-hosted ones run), each with its documented meaning, its source, and what Understudy must do
 * with it. classify.ts is tested against every row (test/unit/sending/classify.test.ts).
 *
 * `expect`:
 * - 'bounce'     the recipient's address is bad: failed_perm, suppressed (unless massReject.ts finds the
 *                provider rejecting everyone);
 * - 'account'    the sender, relay, permission, authentication or a policy: the account is at fault —
 *                fail over to the next provider, open this one's breaker, suppress nobody;
 * - 'quota_day' / 'quota_rate'  a sending limit: the provider rests, the message goes elsewhere;
 * - 'retry'      temporary: back off and try again (`full`: the mailbox is full — the recipient's
 *                problem, not the provider's, so the breaker is not touched);
 * - 'message'    this message is refused for good (size, syntax, the provider's own suppression list),
 *                the address is kept.
 *
 * `verbatim`: the source shows the reply line itself (false: the source documents the wording or the
 * condition and the line is the provider's usual form of it, as seen in bounce reports).
 */
export type ReplyExpectation =
  'bounce' | 'account' | 'quota_day' | 'quota_rate' | 'retry' | 'full' | 'message';

export interface DocumentedReply {
  provider: string;
  command: 'MAIL FROM' | 'RCPT TO' | 'DATA' | 'AUTH LOGIN';
  reply: string;
  meaning: string;
  source: string;
  expect: ReplyExpectation;
  verbatim: boolean;
}

const GMAIL = 'https://support.google.com/a/answer/3726730 (Google Workspace: SMTP error reference)';
const GMAIL_LIMITS = 'https://support.google.com/a/answer/166852 (Gmail sending limits in Google Workspace)';
const GMAIL_SENDERS = 'https://support.google.com/a/answer/81126 (Email sender guidelines)';
const MS_NDR =
  'https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/non-delivery-reports-in-exchange-online (Email non-delivery reports and SMTP errors in Exchange Online)';
const MS_SMTP_AUTH =
  'https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/authenticated-client-smtp-submission (Enable or disable SMTP AUTH)';
const MS_SENDAS =
  'https://learn.microsoft.com/en-us/exchange/troubleshoot/email-delivery/send-as-permission-error (5.7.60 / SendAsDenied: send as permission)';
const MS_515 =
  'https://techcommunity.microsoft.com/blog/microsoftdefenderforoffice365blog/strengthening-email-ecosystem-outlook%E2%80%99s-new-requirements-for-high%E2%80%90volume-senders/4399730 (Outlook requirements for high-volume senders: 550 5.7.515)';
const MS_LIMITS =
  'https://learn.microsoft.com/en-us/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits (Exchange Online limits: sending limits)';
const OUTLOOK =
  'https://sendersupport.olc.protection.outlook.com/pm/troubleshooting.aspx (Outlook.com postmaster: troubleshooting)';
const YAHOO = 'https://senders.yahooinc.com/smtp-error-codes/ (Yahoo Sender Hub: SMTP error codes)';
const SES_SMTP = 'https://docs.aws.amazon.com/ses/latest/dg/troubleshoot-smtp.html (Amazon SES: SMTP issues)';
const SES_UNVERIFIED =
  'https://repost.aws/knowledge-center/ses-554-400-message-rejected-error (Amazon SES: 554 Message rejected, Email address is not verified)';
const SES_QUOTA =
  'https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas-errors.html (Amazon SES: errors on exceeding quotas)';
const SES_SUPPRESSION =
  'https://docs.aws.amazon.com/ses/latest/dg/sending-email-global-suppression-list.html (Amazon SES: global suppression list)';
const SES_PAUSED =
  'https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html (Amazon SES: enforcement, sending paused)';
const MAILGUN_SANDBOX =
  'https://help.mailgun.com/hc/en-us/articles/217531258 (Mailgun: Authorized Recipients, sandbox domains)';
const MAILGUN_SMTP =
  'https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/send-smtp (Mailgun: sending via SMTP)';
const MAILGUN_VERIFY =
  'https://documentation.mailgun.com/docs/mailgun/user-manual/domains/domains-verify (Mailgun: verifying a domain)';
const SENDGRID =
  'https://www.twilio.com/docs/sendgrid/for-developers/sending-email/smtp-errors-and-troubleshooting (SendGrid: SMTP errors and troubleshooting)';
const SENDGRID_IDENTITY =
  'https://www.twilio.com/docs/api/errors/60222 (SendGrid: from address does not match a verified Sender Identity)';
const SENDGRID_AUTH =
  'https://github.com/sendgrid/docs/issues/6473 (SendGrid docs: 550 Unauthenticated senders not allowed)';
const POSTMARK_SMTP =
  'https://postmarkapp.com/support/article/common-smtp-connection-errors (Postmark: common SMTP errors)';
const POSTMARK_SIGNATURES =
  'https://postmarkapp.com/developer/user-guide/managing-your-account/managing-sender-signatures (Postmark: sender signatures)';
const POSTMARK_API_ERRORS =
  'https://postmarkapp.com/developer/api/overview#error-codes (Postmark: API error codes 400, 406, 412)';
const BREVO_SMTP =
  'https://help.brevo.com/hc/en-us/articles/115000188150-Troubleshooting-issues-with-Brevo-SMTP (Brevo: troubleshooting Brevo SMTP)';
const BREVO_SUSPENDED =
  'https://help.brevo.com/hc/en-us/articles/360017299259-Why-have-my-account-or-email-campaigns-been-suspended (Brevo: suspended account)';
const POSTFIX_LOCAL =
  'https://www.postfix.org/LOCAL_RECIPIENT_README.html (Postfix: rejecting unknown local recipients)';
const POSTFIX_VIRTUAL = 'https://www.postfix.org/VIRTUAL_README.html (Postfix: virtual mailbox domains)';
const POSTFIX_ACCESS =
  'https://www.postfix.org/SMTPD_ACCESS_README.html (Postfix: SMTP relay and access control)';
const POSTFIX_POSTCONF = 'https://www.postfix.org/postconf.5.html (Postfix: postconf(5))';
const POSTFIX_VERIFY =
  'https://www.postfix.org/ADDRESS_VERIFICATION_README.html (Postfix: address verification)';
const RFC3463 = 'https://www.rfc-editor.org/rfc/rfc3463 (RFC 3463: enhanced status codes)';

const r = (
  provider: string,
  command: DocumentedReply['command'],
  reply: string,
  expect: ReplyExpectation,
  meaning: string,
  source: string,
  verbatim = true,
): DocumentedReply => ({ provider, command, reply, meaning, source, expect, verbatim });

const G = 'Gmail / Google Workspace';
const M = 'Microsoft 365';
const O = 'Outlook.com';
const Y = 'Yahoo';
const S = 'Amazon SES';
const MG = 'Mailgun';
const SG = 'SendGrid';
const PM = 'Postmark';
const B = 'Brevo';
const P = 'Postfix';

export const DOCUMENTED_REPLIES: readonly DocumentedReply[] = [
  // Gmail / Google Workspace
  r(
    G,
    'RCPT TO',
    "550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces.",
    'bounce',
    'No such mailbox.',
    GMAIL,
  ),
  r(
    G,
    'RCPT TO',
    '550-5.2.1 The email account that you tried to reach is disabled.',
    'bounce',
    'The mailbox is disabled.',
    GMAIL,
  ),
  r(
    G,
    'RCPT TO',
    "553-5.1.2 We weren't able to find the recipient domain. Please check for any spelling errors, and make sure you didn't enter any spaces, periods, or other punctuation after the recipient's email address.",
    'bounce',
    'The recipient domain does not exist.',
    GMAIL,
  ),
  r(
    G,
    'RCPT TO',
    '552-5.2.2 The email account that you tried to reach is over quota.',
    'full',
    'Mailbox full: may clear; never a suppression.',
    GMAIL,
  ),
  r(
    G,
    'RCPT TO',
    '452-4.2.2 The email account that you tried to reach is over quota.',
    'full',
    'Mailbox full (temporary form).',
    GMAIL,
  ),
  r(
    G,
    'DATA',
    "550-5.7.26 Unauthenticated email from shop.test is not accepted due to domain's DMARC policy. Please contact the administrator of shop.test domain if this was a legitimate mail.",
    'account',
    "The sender's domain fails DMARC: the account's authentication.",
    GMAIL,
  ),
  r(
    G,
    'DATA',
    '550-5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM.',
    'account',
    'Neither SPF nor DKIM passes for the sender.',
    GMAIL_SENDERS,
  ),
  r(
    G,
    'DATA',
    '550-5.7.1 [203.0.113.5] Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked.',
    'account',
    "Blocked as spam: the sender's reputation or content, not the address.",
    GMAIL,
  ),
  r(
    G,
    'RCPT TO',
    '550-5.7.25 The IP address sending this message does not have a PTR record setup, or the corresponding forward DNS entry does not point to the sending IP.',
    'account',
    "The sending IP's reverse DNS: the relay's configuration.",
    GMAIL,
  ),
  r(
    G,
    'RCPT TO',
    '550 5.7.0 Mail relay denied 203.0.113.5.',
    'account',
    'The SMTP relay service does not accept this client.',
    GMAIL,
  ),
  r(
    G,
    'MAIL FROM',
    "550-5.7.1 Invalid credentials for relay [203.0.113.5]. The IP address you've registered in your Workspace SMTP Relay service doesn't match domain of the account this email is being sent from.",
    'account',
    'SMTP relay: the sending IP or domain is not registered.',
    GMAIL,
  ),
  r(G, 'MAIL FROM', '530-5.7.0 Authentication Required.', 'account', 'Not logged in.', GMAIL),
  r(
    G,
    'AUTH LOGIN',
    '535-5.7.8 Username and Password not accepted.',
    'account',
    'Wrong credentials (or an app password is needed).',
    GMAIL,
  ),
  r(
    G,
    'DATA',
    '550-5.4.5 Daily user sending limit exceeded. For more information on Gmail sending limits go to https://support.google.com/a/answer/166852',
    'quota_day',
    'The account reached its rolling 24 h limit.',
    GMAIL_LIMITS,
  ),
  r(
    G,
    'DATA',
    '421-4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited.',
    'quota_rate',
    'Rate limited for unsolicited-looking volume.',
    GMAIL,
  ),
  r(
    G,
    'DATA',
    '550 5.7.1 Email quota exceeded.',
    'quota_day',
    'The account exceeded its sending quota.',
    GMAIL,
  ),
  r(
    G,
    'DATA',
    "552-5.3.4 Your message exceeded Google's message size limits.",
    'message',
    'This message is too big.',
    GMAIL,
  ),
  r(
    G,
    'DATA',
    '554-5.6.0 Mail message is malformed. Not accepted.',
    'message',
    'This message is malformed.',
    GMAIL,
  ),
  r(
    G,
    'RCPT TO',
    '451-4.3.0 Mail server temporarily rejected message.',
    'retry',
    'Temporary server problem.',
    GMAIL,
  ),
  r(
    G,
    'DATA',
    '550-5.7.1 The user or domain that you are sending to (or from) has a policy that prohibits the mail that you sent.',
    'account',
    'A policy refuses this mail.',
    GMAIL,
  ),

  // Microsoft 365 (Exchange Online)
  r(
    M,
    'DATA',
    '550 5.7.60 SMTP; Client does not have permissions to send as this sender',
    'account',
    'The mailbox that logs in may not send as the From address.',
    MS_SENDAS,
  ),
  r(
    M,
    'DATA',
    '554 5.2.252 SendAsDenied; news@shop.test not allowed to send as hello@shop.test; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied',
    'account',
    'Send As permission missing.',
    MS_SENDAS,
  ),
  r(
    M,
    'RCPT TO',
    '550 5.7.515 Access denied, sending domain shop.test does not meet the required authentication level.',
    'account',
    "The sender's domain lacks SPF/DKIM/DMARC required of bulk senders.",
    MS_515,
  ),
  r(
    M,
    'MAIL FROM',
    '530 5.7.57 Client not authenticated to send mail during MAIL FROM',
    'account',
    'The client did not log in.',
    MS_NDR,
  ),
  r(
    M,
    'AUTH LOGIN',
    '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.',
    'account',
    'SMTP AUTH is switched off for the tenant.',
    MS_SMTP_AUTH,
  ),
  r(M, 'AUTH LOGIN', '535 5.7.3 Authentication unsuccessful', 'account', 'Wrong credentials.', MS_SMTP_AUTH),
  r(
    M,
    'RCPT TO',
    '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
    'bounce',
    'No such recipient.',
    MS_NDR,
  ),
  r(M, 'RCPT TO', '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found', 'bounce', 'No such recipient.', MS_NDR),
  r(
    M,
    'RCPT TO',
    '550 5.4.1 Recipient address rejected: Access denied. AS(201806281)',
    'bounce',
    'Directory-based edge blocking: the recipient does not exist in the tenant.',
    MS_NDR,
  ),
  r(
    M,
    'RCPT TO',
    '550 5.7.1 RESOLVER.RST.NotAuthorized; not authorized',
    'message',
    'The recipient (a restricted group) does not take mail from this sender: not the address, not the account.',
    MS_NDR,
  ),
  r(
    M,
    'RCPT TO',
    '550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required',
    'message',
    'A group that takes only internal mail.',
    MS_NDR,
  ),
  r(
    M,
    'RCPT TO',
    '550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.',
    'account',
    'The sending IP is not accepted.',
    MS_NDR,
  ),
  r(
    M,
    'RCPT TO',
    '550 5.7.750 Service unavailable. Client blocked from sending from unregistered domains.',
    'account',
    "The tenant's sender domain is not registered.",
    MS_NDR,
  ),
  r(
    M,
    'DATA',
    '550 5.7.501 Service unavailable. Spam abuse detected from IP range.',
    'account',
    'The tenant is blocked for spam.',
    MS_NDR,
  ),
  r(
    M,
    'DATA',
    '554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception with message',
    'quota_day',
    'The mailbox reached its recipient rate / daily limit.',
    MS_LIMITS,
  ),
  r(
    M,
    'MAIL FROM',
    '432 4.3.2 Concurrent connections limit exceeded. Visit https://aka.ms/concurrent_sending',
    'quota_rate',
    'Too many connections at once.',
    MS_LIMITS,
  ),
  r(M, 'DATA', '550 5.2.2 mailbox full', 'full', 'Mailbox full.', MS_NDR),
  r(
    M,
    'RCPT TO',
    '452 4.5.3 Too many recipients',
    'retry',
    'Too many recipients in one transaction.',
    MS_NDR,
  ),
  r(
    M,
    'RCPT TO',
    '550 5.7.520 Access denied, Your organization does not allow external forwarding.',
    'account',
    "The account's own outbound policy.",
    MS_NDR,
  ),

  // Outlook.com (consumer)
  r(
    O,
    'RCPT TO',
    '550 5.5.0 Requested action not taken: mailbox unavailable.',
    'bounce',
    'No such mailbox.',
    OUTLOOK,
  ),
  r(
    O,
    'RCPT TO',
    "550 5.7.1 Unfortunately, messages from [203.0.113.5] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).",
    'account',
    'The sending IP is on a block list.',
    OUTLOOK,
  ),
  r(
    O,
    'RCPT TO',
    "550 SC-001 (BAY004-MC5F27) Unfortunately, messages from 203.0.113.5 weren't sent. Please contact your Internet service provider since part of their network is on our block list.",
    'account',
    'The sending IP is on a block list.',
    OUTLOOK,
  ),
  r(
    O,
    'RCPT TO',
    "550 OU-001 (SNT004-MC1F43) Unfortunately, messages from 203.0.113.5 weren't sent. Please contact your Internet service provider. You can tell them that Hotmail does not relay dynamically-assigned IP ranges.",
    'account',
    'A dynamic IP range: the relay, not the address.',
    OUTLOOK,
  ),
  r(
    O,
    'RCPT TO',
    '421 4.7.650 The mail server [203.0.113.5] has been temporarily rate limited due to IP reputation.',
    'quota_rate',
    'Rate limited.',
    OUTLOOK,
  ),
  r(
    O,
    'RCPT TO',
    '451 4.7.500 Server busy. Please try again later from [203.0.113.5]. (S77714)',
    'retry',
    'Server busy.',
    OUTLOOK,
  ),

  // Yahoo
  r(
    Y,
    'DATA',
    "554 delivery error: dd This user doesn't have a yahoo.com account (someone@yahoo.com) [0] - mta1.mail.gq1.yahoo.com",
    'bounce',
    'No such account.',
    YAHOO,
  ),
  r(
    Y,
    'DATA',
    '554 30 Sorry, your message to someone@yahoo.com cannot be delivered. This mailbox is disabled (554.30).',
    'bounce',
    'The mailbox is disabled.',
    YAHOO,
  ),
  r(
    Y,
    'DATA',
    '554 5.7.9 Message not accepted for policy reasons. See https://senders.yahooinc.com/error-codes',
    'account',
    'A policy refuses the mail (authentication, reputation).',
    YAHOO,
  ),
  r(
    Y,
    'DATA',
    '550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM.',
    'account',
    'The sender is not authenticated.',
    YAHOO,
  ),
  r(
    Y,
    'RCPT TO',
    '553 5.7.2 [TSS09] All messages from 203.0.113.5 will be permanently deferred; Retrying will NOT succeed. See https://senders.yahooinc.com/tss09/',
    'account',
    'The sending IP is blocked.',
    YAHOO,
  ),
  r(
    Y,
    'RCPT TO',
    '421 4.7.0 [TSS04] Messages from 203.0.113.5 temporarily deferred due to unexpected volume or user complaints',
    'retry',
    'Deferred for volume or complaints.',
    YAHOO,
  ),
  r(
    Y,
    'MAIL FROM',
    '451 Message temporarily deferred due to unresolvable RFC.5321 from domain',
    'retry',
    "The envelope sender's domain did not resolve.",
    YAHOO,
  ),

  // Amazon SES
  r(
    S,
    'DATA',
    '554 Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: news@shop.test',
    'account',
    'The From identity is not verified (or the account is in the sandbox).',
    SES_UNVERIFIED,
  ),
  r(
    S,
    'MAIL FROM',
    '454 Throttling failure: Maximum sending rate exceeded.',
    'quota_rate',
    'Sending rate above the account quota.',
    SES_QUOTA,
  ),
  r(
    S,
    'MAIL FROM',
    '454 Throttling failure: Daily message quota exceeded.',
    'quota_day',
    'The 24 h quota is used up.',
    SES_QUOTA,
  ),
  r(S, 'MAIL FROM', '530 Authentication required', 'account', 'Not logged in.', SES_SMTP),
  r(
    S,
    'AUTH LOGIN',
    '535 Authentication Credentials Invalid',
    'account',
    'Wrong SMTP credentials (not the AWS access keys).',
    SES_SMTP,
  ),
  r(
    S,
    'DATA',
    '554 Message rejected: Sending suspended for this account. For more information, please check the inbox of the email address associated with your AWS account.',
    'account',
    'The account is suspended.',
    SES_PAUSED,
    false,
  ),
  r(
    S,
    'DATA',
    '554 Message rejected: Address blacklisted.',
    'message',
    "The address is on SES's own suppression list: this message fails, our list is untouched.",
    SES_SUPPRESSION,
    false,
  ),
  r(
    S,
    'MAIL FROM',
    '451 Temporary service failure',
    'retry',
    'SES had a temporary problem.',
    SES_SMTP,
    false,
  ),

  // Mailgun
  r(
    MG,
    'DATA',
    '421 Domain sandbox123.mailgun.org is not allowed to send: Sandbox subdomains are for test purposes only. Please add your own domain or add the address to authorized recipients in Account Settings.',
    'account',
    'A sandbox domain may mail only authorized recipients: the account, not the address; waiting will not help.',
    MAILGUN_SANDBOX,
  ),
  r(
    MG,
    'DATA',
    '554 Sandbox subdomains are for test purposes only. Please add your own domain or add the address to authorized recipients in domain settings.',
    'account',
    'Sandbox domain.',
    MAILGUN_SANDBOX,
  ),
  r(
    MG,
    'RCPT TO',
    '550 5.7.1 Free accounts are for test purposes only. Please upgrade or add the address to authorized recipients in Account Settings.',
    'account',
    'A free account may mail only authorized recipients.',
    MAILGUN_SANDBOX,
    false,
  ),
  r(
    MG,
    'DATA',
    '421 4.7.0 Domain shop.test is not allowed to send: The domain is unverified and requires DNS configuration. Log in to your control panel to view required DNS records.',
    'account',
    "The sending domain's DNS is not verified.",
    MAILGUN_VERIFY,
    false,
  ),
  r(
    MG,
    'AUTH LOGIN',
    '535 5.7.0 Mailgun is not loving your login or password',
    'account',
    'Wrong SMTP credentials.',
    MAILGUN_SMTP,
    false,
  ),
  r(
    MG,
    'RCPT TO',
    '550 5.7.1 Relaying denied',
    'account',
    'The login may not relay for this domain.',
    MAILGUN_SMTP,
    false,
  ),

  // SendGrid
  r(
    SG,
    'DATA',
    '550 The from address does not match a verified Sender Identity. Mail cannot be sent until this error is resolved. Visit https://sendgrid.com/docs/for-developers/sending-email/sender-identity/ to see the Sender Identity requirements',
    'account',
    'The From address is not a verified Sender Identity.',
    SENDGRID_IDENTITY,
  ),
  r(
    SG,
    'MAIL FROM',
    '550 Unauthenticated senders not allowed',
    'account',
    'Not logged in (or a deprecated login method).',
    SENDGRID_AUTH,
  ),
  r(
    SG,
    'AUTH LOGIN',
    '535 Authentication failed: Bad username / password',
    'account',
    'Wrong API key.',
    SENDGRID,
    false,
  ),
  r(
    SG,
    'MAIL FROM',
    '451 Authentication failed: Maximum credits exceeded',
    'quota_day',
    "The plan's credits are used up.",
    SENDGRID,
  ),
  r(
    SG,
    'RCPT TO',
    '452 Too many recipients received this hour',
    'quota_rate',
    'Hourly recipient limit.',
    SENDGRID,
  ),
  r(SG, 'RCPT TO', '421 Message from (203.0.113.5) temporarily deferred', 'retry', 'Deferred.', SENDGRID),
  r(
    SG,
    'RCPT TO',
    '550 Requested action not taken: mailbox unavailable',
    'bounce',
    'No such mailbox.',
    SENDGRID,
  ),
  r(SG, 'RCPT TO', '551 User does not exist', 'bounce', 'No such user.', SENDGRID),
  r(SG, 'RCPT TO', '553 Invalid email address', 'bounce', 'The address is invalid.', SENDGRID),
  r(
    SG,
    'DATA',
    '552 Requested mail actions aborted - Exceeded storage allocation',
    'full',
    "The recipient's mailbox is full.",
    SENDGRID,
  ),

  // Postmark
  r(
    PM,
    'AUTH LOGIN',
    '535 5.7.8 Authentication failed: the Server API token is invalid',
    'account',
    'Not a Server API token (an Account token, or a typo).',
    POSTMARK_SMTP,
    false,
  ),
  r(
    PM,
    'DATA',
    "550 5.7.1 The 'From' address you supplied (news@shop.test) is not a Sender Signature on your account. Please add and confirm this address in order to be able to use it in the 'From' field of your messages.",
    'account',
    'The From address is not a confirmed Sender Signature.',
    POSTMARK_SIGNATURES,
    false,
  ),
  r(
    PM,
    'DATA',
    '550 Your account is pending approval. While pending, you can only send to recipients on the same domain as the From address.',
    'account',
    'A new account awaiting approval.',
    POSTMARK_API_ERRORS,
    false,
  ),
  r(
    PM,
    'DATA',
    '550 You tried to send to a recipient that has been marked as inactive. Found inactive addresses: someone@example.test. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression.',
    'message',
    "On Postmark's own suppression list: this message fails, our list is untouched.",
    POSTMARK_API_ERRORS,
    false,
  ),

  // Brevo
  r(
    B,
    'AUTH LOGIN',
    '535 5.7.8 Authentication failed',
    'account',
    'Wrong SMTP key (the v3 API key does not work for SMTP).',
    BREVO_SMTP,
    false,
  ),
  r(
    B,
    'DATA',
    '550 5.7.1 The sender is not valid: the sender domain is not authenticated',
    'account',
    'The sender or its domain is not validated in Brevo.',
    BREVO_SMTP,
    false,
  ),
  r(
    B,
    'MAIL FROM',
    '550 5.7.1 Your account is suspended',
    'account',
    'The account is suspended.',
    BREVO_SUSPENDED,
    false,
  ),
  r(
    B,
    'MAIL FROM',
    '421 4.7.0 Hourly sending limit reached',
    'quota_rate',
    "The account's hourly bandwidth is used up.",
    BREVO_SMTP,
    false,
  ),

  // Postfix (a self-hosted relay; the defaults of each restriction)
  r(
    P,
    'RCPT TO',
    '550 5.1.1 <x@example.test>: Recipient address rejected: User unknown in local recipient table',
    'bounce',
    'No such local user (a relay that believes it is the final destination says this to everyone: massReject.ts).',
    POSTFIX_LOCAL,
  ),
  r(
    P,
    'RCPT TO',
    '550 5.1.1 <x@example.test>: Recipient address rejected: User unknown in virtual mailbox table',
    'bounce',
    'No such virtual mailbox.',
    POSTFIX_VIRTUAL,
  ),
  r(
    P,
    'RCPT TO',
    '550 5.1.1 <x@example.test>: Recipient address rejected: User unknown in relay recipient table',
    'bounce',
    'Not in the relay recipient map.',
    POSTFIX_POSTCONF,
  ),
  r(
    P,
    'RCPT TO',
    '554 5.7.1 <x@example.test>: Relay access denied',
    'account',
    'The client may not relay: the account or its login.',
    POSTFIX_ACCESS,
  ),
  r(
    P,
    'MAIL FROM',
    '553 5.7.1 <news@shop.test>: Sender address rejected: not owned by user shop',
    'account',
    'reject_sender_login_mismatch: the login may not use this sender.',
    POSTFIX_POSTCONF,
  ),
  r(
    P,
    'RCPT TO',
    '553 5.7.1 Sender address rejected',
    'account',
    'The sender is refused (said at RCPT).',
    POSTFIX_ACCESS,
    false,
  ),
  r(
    P,
    'RCPT TO',
    '550 5.1.0 Sender denied',
    'account',
    'A 5.1.x code that names the sender: the account, never the recipient.',
    POSTFIX_ACCESS,
    false,
  ),
  r(
    P,
    'MAIL FROM',
    '550 5.1.0 <news@shop.test>: Sender address rejected: User unknown in local recipient table',
    'account',
    'reject_unlisted_sender: "User unknown", but of the sender.',
    POSTFIX_POSTCONF,
    false,
  ),
  r(
    P,
    'MAIL FROM',
    '530 5.7.0 Must issue a STARTTLS command first',
    'account',
    'TLS is required by the relay.',
    POSTFIX_POSTCONF,
  ),
  r(
    P,
    'RCPT TO',
    '554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using zen.spamhaus.org',
    'account',
    'The sending IP is on a DNS block list.',
    POSTFIX_ACCESS,
  ),
  r(
    P,
    'RCPT TO',
    '554 5.7.1 <x@example.test>: Recipient address rejected: Access denied',
    'account',
    'An access rule (a policy), not a bad address.',
    POSTFIX_ACCESS,
  ),
  r(
    P,
    'RCPT TO',
    '450 4.1.1 <x@example.test>: Recipient address rejected: unverified address: connect to mx.example.test[192.0.2.1]:25: Connection timed out',
    'retry',
    'Address verification pending.',
    POSTFIX_VERIFY,
  ),
  r(
    P,
    'RCPT TO',
    '550 5.1.2 <x@nowhere.test>: Recipient address rejected: Domain not found',
    'bounce',
    'The recipient domain does not exist (permanent form).',
    POSTFIX_POSTCONF,
  ),
  r(
    P,
    'DATA',
    '552 5.3.4 Message size exceeds fixed limit',
    'message',
    'This message is too big.',
    POSTFIX_POSTCONF,
  ),
  r(
    P,
    'DATA',
    '451 4.3.0 Error: queue file write error',
    'retry',
    'The relay could not write its queue.',
    POSTFIX_POSTCONF,
  ),
  r(
    P,
    'RCPT TO',
    '452 4.3.1 Insufficient system storage',
    'retry',
    'The relay is out of disk.',
    POSTFIX_POSTCONF,
  ),
  r(
    P,
    'RCPT TO',
    '450 4.2.0 <x@example.test>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/',
    'retry',
    'Greylisting.',
    POSTFIX_ACCESS,
    false,
  ),
  r(
    P,
    'RCPT TO',
    '550 5.7.1 <news@shop.test>: Sender address rejected: Access denied',
    'account',
    'check_sender_access.',
    POSTFIX_ACCESS,
  ),

  // RFC 3463 codes that name the sender
  r(
    'RFC 3463',
    'RCPT TO',
    '550 5.1.7 Invalid sender address',
    'account',
    'Bad sender mailbox address syntax.',
    RFC3463,
  ),
  r(
    'RFC 3463',
    'RCPT TO',
    "550 5.1.8 Bad sender's system address",
    'account',
    "The sender's system address is bad.",
    RFC3463,
  ),
];
